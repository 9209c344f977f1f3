"""No figure that could name a person: counts of 1 to 4 that split students are shown as "fewer than 5"
(«أقل من ٥») on the public page and in the reports, with the cell that would give them back."""
import pytest

from diploma.results.tables import COUNT, FEWER_THAN_5, PERCENT, TEXT, Column, FigureTable, Row, protected
from tests.results.builders import small_programme


def _table(cells, base=None, split=(0, 1)):
    columns = [Column("Cohort", TEXT), Column("Women"), Column("Men"), Column("Share of women", PERCENT)]
    return FigureTable("t", "T", columns, [Row("First", cells, base=base)], split=split)


def test_a_count_of_one_to_four_is_hidden_and_so_is_the_cell_that_would_give_it_back():
    # 12 women, 3 men: the men are hidden; the women too, or the total (15) less 12 would say 3.
    assert protected(_table([12, 3, None], base=15)).rows[0].cells == [FEWER_THAN_5, FEWER_THAN_5, None]


def test_a_share_of_a_row_with_a_hidden_count_is_hidden_too():
    # 4 women, 3 men of 7: both hidden; 57.1 % of the 7 graduates (shown elsewhere) would say 4.
    assert protected(_table([4, 3, 57.1], base=7)).rows[0].cells == [FEWER_THAN_5] * 3


def test_zero_and_five_or_more_are_shown():
    assert protected(_table([5, 0, None], base=5)).rows[0].cells == [5, 0, None]
    assert protected(_table([5, 9, None], base=14)).rows[0].cells == [5, 9, None]


def test_exactly_four_is_hidden():
    # 4 women, 9 men of 13: the women are hidden, and the men with them (13 less 9 would say 4).
    assert protected(_table([4, 9, None], base=13)).rows[0].cells == [FEWER_THAN_5, FEWER_THAN_5, None]


def test_a_percentage_over_fewer_than_five_students_is_hidden():
    # No count in the row to hide: the share is hidden by its base alone (4 students), shown over 5.
    assert protected(_table([None, None, 50], base=4)).rows[0].cells == [None, None, FEWER_THAN_5]
    assert protected(_table([None, None, 60], base=5)).rows[0].cells == [None, None, 60]


def test_two_hidden_cells_need_no_third():
    columns = [Column("Course", TEXT), *(Column(name, COUNT) for name in "ABC")]
    table = FigureTable("b", "B", columns, [Row("X", [2, 3, 9])], split=(0, 1, 2))
    assert protected(table).rows[0].cells == [FEWER_THAN_5, FEWER_THAN_5, 9]


@pytest.mark.parametrize("language, fewer, hidden_share", [
    ("en", "fewer than 5", "fewer than 5"), ("ar", "أقل من ٥", "أقل من ٥")])
def test_the_public_page_shows_fewer_than_5_for_a_small_cell(client, language, fewer, hidden_share):
    small_programme()
    client.set_cookie("lang", language)
    page = client.get("/in-numbers").get_data(as_text=True)
    # The second cohort's one graduate is a man: his cell, and the cohort's total, read "fewer than 5".
    row = page[page.index("<tbody>", page.index('data-testid="figure-graduates_by_cohort"')):]
    row = row[:row.index("</tbody>")]
    second = row[row.index("Second cohort" if language == "en" else "الدفعة الثانية"):]
    second = second[:second.index("</tr>")]
    assert second.count(f"<td class=\"num\">{fewer}</td>") == 2
    assert ">1<" not in second and ">١<" not in second
    # The share of women (6 women, 1 man) would give the man away: it is not shown either.
    headline = page[page.index('data-testid="headline"'):]
    headline = headline[:headline.index("</ul>")]
    assert hidden_share in headline
    assert "85.7" not in page and "٨٥٫٧" not in page


def test_the_public_page_names_no_university(client):
    data = small_programme()
    page = client.get("/in-numbers").get_data(as_text=True)
    for university in (data.a, data.b):
        assert university.name_ar not in page and university.name_en not in page
