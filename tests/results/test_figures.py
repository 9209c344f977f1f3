"""Every figure of the results, checked against the small data set of builders.py, whose figures are worked
out by hand in its docstring and below (never by calling the code under test)."""
from decimal import Decimal

import pytest

from diploma.curriculum.models import Term
from diploma.extensions import db
from diploma.grading.models import Gradebook
from diploma.results.published import public_figures
from diploma.results.scope import Scope
from diploma.results.services import programme_figures
from tests.results.builders import _offering, enter_marks, small_programme


@pytest.fixture
def data():
    return small_programme()


def rows(figures, key):
    """{row label: cells} of one table."""
    return {row.label: row.cells for row in figures.table(key).rows}


def test_graduates_per_cohort_and_university_count_valid_certificates_only(data):
    figures = programme_figures(Scope(), "en")
    # A: a1…a5 (cohort 1; a6's certificate is revoked) and c1 (cohort 2); B: b1.
    assert rows(figures, "graduates") == {"University A": [5, 1, 6], "University B": [1, 0, 1]}


def test_women_and_men_among_graduates(data):
    figures = programme_figures(Scope(), "en")
    # A: a1…a5 women, c1 a man → 5/6 = 83.3 %; B: b1 a woman; all: 6 women, 1 man → 6/7 = 85.7 %.
    assert rows(figures, "gender") == {"University A": [5, 1, Decimal("83.3")],
                                       "University B": [1, 0, Decimal("100.0")],
                                       "All universities": [6, 1, Decimal("85.7")]}


def test_enrolled_completed_graduated_per_cohort(data):
    figures = programme_figures(Scope(), "en")
    # Cohort 1: 9 students; completed (X and Y passed, 6 credits): a1…a6 (a6 after the second round);
    # a7 failed X, b1 has no Y, b2 failed X. Graduated: a1…a5, b1 → 6 of 9 = 66.7 %.
    # Cohort 2: c1, no course passed, but a valid certificate: 1 of 1.
    assert rows(figures, "progress") == {"First cohort": [9, 6, 6, Decimal("66.7")],
                                         "Second cohort": [1, 0, 1, Decimal("100.0")]}


def test_pass_rates_in_the_first_round_and_after_the_second(data):
    figures = programme_figures(Scope(), "en")
    # X: 9 marks; first round a1…a5 and b1 passed (6/9 = 66.7 %); after the second round a6 too
    # (7/9 = 77.8 %).
    # Y: 7 marks, all passed (a7 with exactly 50).
    assert rows(figures, "pass_rates") == {
        "PCSX01 Conflict Analysis": [9, Decimal("66.7"), Decimal("77.8")],
        "PCSY02 Social Cohesion": [7, Decimal("100.0"), Decimal("100.0")]}


def test_bands_per_course_per_university_and_overall(data):
    figures = programme_figures(Scope(), "en")
    headings = [column.label for column in figures.table("bands_by_course").columns]
    assert headings == ["Course", "Excellent", "Very good", "Good", "Fair", "Pass", "Fail",
                        "Students with a mark"]
    # X: 93 E, 83 VG, 73 G, 63 F, 53 P, 50 P (capped second round), 36 Fail, b1 80 VG, b2 45 Fail.
    # Y: six 100 (E), a7 50 (P).
    assert rows(figures, "bands_by_course") == {"PCSX01 Conflict Analysis": [1, 2, 1, 1, 2, 2, 9],
                                                "PCSY02 Social Cohesion": [6, 0, 0, 0, 1, 0, 7]}
    assert rows(figures, "bands_by_university") == {"University A": [7, 1, 1, 1, 3, 1, 14],
                                                    "University B": [0, 1, 0, 0, 0, 1, 2]}
    overall = rows(figures, "bands")
    assert overall["Excellent"] == [7, Decimal("43.8")]  # 7 of 16
    assert overall["Fail"] == [2, Decimal("12.5")]


def test_average_mark_per_university_and_per_course_over_the_years(data):
    figures = programme_figures(Scope(), "en")
    # Both terms begin in the academic year 2023–2024.
    # A: X 93+83+73+63+53+50+36 = 451, Y 6×100+50 = 650 → 1101/14 = 78.642… → 78.64. B: (80+45)/2 = 62.50.
    assert [c.label for c in figures.table("averages_by_university").columns] == ["University", "2023–2024"]
    assert rows(figures, "averages_by_university") == {"University A": [Decimal("78.64")],
                                                       "University B": [Decimal("62.50")]}
    # X: (451 + 125)/9 = 64.00; Y: 650/7 = 92.857… → 92.86.
    assert rows(figures, "averages_by_course") == {"PCSX01 Conflict Analysis": [Decimal("64.00")],
                                                   "PCSY02 Social Cohesion": [Decimal("92.86")]}


def test_certificates_issued_revoked_and_verified(data):
    figures = programme_figures(Scope(), "en")
    # A: a1…a6 and c1 = 7 issued, a6's revoked, a1's page viewed 3 times; B: b1, viewed once.
    assert rows(figures, "certificates") == {"University A": [7, 1, 3], "University B": [1, 0, 1]}


def test_a_university_scope_counts_that_university_only(data):
    figures = programme_figures(Scope(university_id=data.b.id), "en")
    assert rows(figures, "graduates") == {"University B": [1, 0, 1]}
    assert rows(figures, "pass_rates") == {"PCSX01 Conflict Analysis": [2, Decimal("50.0"), Decimal("50.0")]}
    assert rows(figures, "certificates") == {"University B": [1, 0, 1]}
    assert rows(figures, "progress")["First cohort"] == [2, 0, 1, Decimal("50.0")]


def test_the_cohort_filter(data):
    figures = programme_figures(Scope(cohort_id=data.cohort2.id), "en")
    assert rows(figures, "graduates") == {"University A": [1, 1], "University B": [0, 0]}
    assert list(rows(figures, "progress")) == ["Second cohort"]
    assert rows(figures, "pass_rates") == {}  # c1 took no course


def test_the_academic_year_filter(data):
    courses_year = programme_figures(Scope(year=2023), "en")
    assert rows(courses_year, "pass_rates")["PCSY02 Social Cohesion"] == [7, Decimal("100.0"),
                                                                          Decimal("100.0")]
    assert rows(courses_year, "graduates") == {"University A": [0, 0, 0], "University B": [0, 0, 0]}
    # 2024–2025: no course taught, the certificates issued on 2025-07-15.
    certificates_year = programme_figures(Scope(year=2024), "en")
    assert rows(certificates_year, "pass_rates") == {}
    assert rows(certificates_year, "graduates") == {"University A": [5, 1, 6], "University B": [1, 0, 1]}
    # Completing the programme counts every year's courses, whatever the filter.
    assert rows(certificates_year, "progress")["First cohort"][1] == 6


def test_a_lecturer_scope_has_the_distributions_of_their_offerings_only(data):
    figures = programme_figures(Scope(university_id=data.a.id, lecturer_id=data.lecturer.id), "en")
    assert [table.key for table in figures.tables] == [
        "pass_rates", "bands", "bands_by_course", "bands_by_university", "averages_by_university",
        "averages_by_course"]
    # X at A only: 7 marks, 5 passed in the first round (71.4 %), 6 after the second (85.7 %).
    assert rows(figures, "pass_rates") == {"PCSX01 Conflict Analysis": [7, Decimal("71.4"), Decimal("85.7")]}
    assert rows(figures, "bands_by_course") == {"PCSX01 Conflict Analysis": [1, 1, 1, 1, 2, 1, 7]}


def test_the_tables_are_labelled_in_the_language_asked_for(data):
    from diploma.i18n import force_language

    with force_language("ar"):
        figures = programme_figures(Scope(), "ar")
    assert figures.table("bands_by_course").columns[1].label == "امتياز"
    assert "جامعة ألف" in rows(figures, "graduates")
    assert figures.table("gender").title == "الخريجون: الإناث والذكور"


def test_the_public_figures(data):
    figures = public_figures("en")
    # 7 valid certificates, 6 of them women's (the share is 6 of 7, before any suppression).
    assert figures.facts == {"universities": 2, "cohorts": 2, "courses_taught": 2}
    assert rows(figures, "headline") == {"": [7, Decimal("85.7"), 7]}
    assert rows(figures, "graduates_by_cohort") == {"First cohort": [6, 0, 6], "Second cohort": [0, 1, 1]}


def test_a_pass_in_an_unpublished_gradebook_does_not_complete_the_programme(data):
    # b1 passed X at B (published) and has passing marks for Y at B in a gradebook not yet published:
    # she has not completed the programme until it is (and the submitted state is not published either).
    term = db.session.scalar(db.select(Term).where(Term.name_en == "Spring 2024"))
    offering = _offering(data.y, data.b, term)
    enter_marks(offering, {data.students["b1"]: (90, 90)})
    gradebook = db.session.scalar(db.select(Gradebook).where(Gradebook.offering_id == offering.id))
    gradebook.status, gradebook.published_round = "submitted", 0
    db.session.commit()
    assert rows(programme_figures(Scope(), "en"), "progress")["First cohort"][1] == 6  # a1…a6, not b1
    gradebook.status, gradebook.published_round = "published", 1
    db.session.commit()
    assert rows(programme_figures(Scope(), "en"), "progress")["First cohort"][1] == 7  # published: b1 too
