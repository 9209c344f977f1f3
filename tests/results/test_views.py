"""Who sees what on the results pages: the administrator everything (and chooses a university), a registrar
their own university whatever the URL asks, a lecturer the distributions of their own offerings, a student
nothing, a visitor the public page only."""
import pytest

from tests.pages import redirects_to_login
from tests.results.builders import small_programme

STAFF_PAGES = ("/results", "/results/report.xlsx", "/results/report.pdf?language=en")


@pytest.fixture
def data():
    return small_programme()


def page_of(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_administrator_sees_every_university_and_may_choose_one(client, login_as, data):
    login_as(data.admin)
    client.set_cookie("lang", "en")
    everything = page_of(client, "/results")
    assert "University A" in everything and "University B" in everything
    only_b = page_of(client, f"/results?university={data.b.id}")
    figures = only_b[only_b.index('data-testid="figure-graduates"'):]
    assert "University B" in figures and "University A" not in figures


def test_a_registrar_sees_their_own_university_only_whatever_the_url_says(client, login_as, data):
    login_as(data.registrar_b)
    client.set_cookie("lang", "en")
    for url in ("/results", f"/results?university={data.a.id}"):
        page = page_of(client, url)
        assert "University B" in page
        assert "University A" not in page and data.a.name_ar not in page
        assert 'name="university"' not in page  # no university to choose
    # b1, b2 at B: 2 marks in X, withheld with their rates; A's 7 marks are not counted.
    pass_rates = page[page.index('data-testid="figure-pass_rates"'):]
    pass_rates = pass_rates[:pass_rates.index("</section>")]
    assert pass_rates.count('<td class="num">withheld</td>') == 3
    assert ">9<" not in pass_rates and "66.7%" not in pass_rates


def test_a_registrars_report_is_of_their_university_only(client, login_as, data):
    login_as(data.registrar_b)
    workbook = client.get(f"/results/report.xlsx?language=en&university={data.a.id}")
    assert workbook.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    book = load_workbook(BytesIO(workbook.data))
    labels = {row[0] for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)}
    assert "University B" in labels and "University A" not in labels


def test_a_lecturer_sees_the_distributions_of_their_own_offerings_only(client, login_as, data):
    login_as(data.lecturer)
    client.set_cookie("lang", "en")
    page = page_of(client, f"/results?university={data.b.id}")
    assert "PCSX01" in page and "PCSY02" not in page  # X at A is theirs, Y at A is not
    assert 'data-testid="figure-graduates"' not in page and 'data-testid="figure-certificates"' not in page
    pass_rates = page[page.index('data-testid="figure-pass_rates"'):]
    pass_rates = pass_rates[:pass_rates.index("</section>")]
    assert '<td class="num">7</td>' in pass_rates  # X at A's 7 marks, not the 9 at both universities
    assert '<td class="num">9</td>' not in pass_rates
    assert client.get("/results/report.xlsx").status_code == 403
    assert client.get("/results/report.pdf").status_code == 403


def test_a_student_may_not_see_the_results_pages(client, login_as, data):
    login_as(data.students["a1"].user)
    for url in STAFF_PAGES:
        assert client.get(url).status_code == 403


def test_a_visitor_is_sent_to_log_in_but_sees_the_public_page(client, data):
    for url in STAFF_PAGES:
        assert redirects_to_login(client.get(url))
    assert client.get("/in-numbers").status_code == 200


def test_the_login_page_links_the_public_page(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/in-numbers"' in page


@pytest.mark.parametrize("language, message", [("en", "Choose only from the list."),
                                               ("ar", "اختر من القائمة فقط.")])
def test_a_filter_that_is_not_a_choice_is_refused_with_a_message(client, login_as, data, language, message):
    login_as(data.admin)
    client.set_cookie("lang", language)
    response = client.get("/results?cohort=999&year=abc")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count(message) == 2  # on the cohort and on the year
    assert 'aria-invalid="true"' in page


def test_the_page_is_in_arabic_with_arabic_indic_digits_by_default(client, login_as, data):
    login_as(data.admin)
    page = page_of(client, "/results")
    assert 'lang="ar" dir="rtl"' in page
    assert "الخريجون حسب الدفعة والجامعة" in page
    pass_rates = page[page.index('data-testid="figure-pass_rates"'):]
    assert "١٠٠٫٠٪" in pass_rates  # Y, first round: 7 of 7
    assert "محجوب" in pass_rates  # X's rates would say how many failed
    assert "<caption>" in page and 'scope="col"' in page and 'scope="row"' in page
