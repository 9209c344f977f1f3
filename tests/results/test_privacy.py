"""No figure that could name a person: ``suppression.protect``, the one owner of what may be published, on
small hand-made tables (each cell declares the group it counts, as atoms), then on the pages."""
from decimal import Decimal

import pytest

from diploma.i18n import force_language
from diploma.results import suppression
from diploma.results.display import privacy_note
from diploma.results.suppression import HIDDEN, Count, Share, protect
from diploma.results.tables import AVERAGE, PERCENT, TEXT, Column, FigureTable, Row, percent
from tests.results.builders import small_programme


def group(n, *atoms):
    return Count(n, frozenset(atoms))


def table(columns, *rows, key="t", split=()):
    """rows: (label, [groups]) — a Count's cell is its n, a Share's its percentage, an int an average's n."""
    figure = FigureTable(key, key, [Column("Label", TEXT), *columns], split=split)
    for label, groups in rows:
        cells = [g.n if isinstance(g, Count) else percent(g.part.n, g.whole.n) if isinstance(g, Share)
                 else Decimal("70.00") for g in groups]
        figure.rows.append(Row(label, cells, groups=groups))
    return figure


def cells(figure):
    return [row.cells for row in figure.rows]


@pytest.mark.parametrize("n, shown", [(1, False), (4, False), (5, True), (0, True)])
def test_a_count_under_5_is_hidden_and_5_is_shown(n, shown):
    [figure] = protect([table([Column("Graduates")], ("A", [group(n, "a")]))])
    assert cells(figure) == [[n if shown else HIDDEN]]


def _threshold_figures(small, large):
    """A count, a rate over its whole and an average over its marks, each of ``small`` and of ``large``
    people; the rates' part and complement kept safe (0 and the whole)."""
    counts = table([Column("Graduates")], ("small", [group(small, "c1")]), ("large", [group(large, "c2")]),
                   key="counts")
    rates = table([Column("Passed", PERCENT)],
                  ("small", [Share(group(small, "r1"), group(small, "r1", "r0"))]),
                  ("large", [Share(group(large, "r2"), group(large, "r2", "r3"))]), key="rates")
    averages = FigureTable("avg", "avg", [Column("Label", TEXT), Column("2023", AVERAGE)])
    averages.rows += [Row("small", [Decimal("70.00")], groups=[group(small, "a1")]),
                      Row("large", [Decimal("70.00")], groups=[group(large, "a2")])]
    return protect([counts, rates, averages])


def test_the_smallest_shown_count_is_5_for_every_figure_and_every_reader():
    # Fails if the threshold moves (to 4 or 6): 4 people are hidden, 5 shown, in each kind of figure, and
    # the note under the tables (pages, PDF, XLSX) says so.
    assert (suppression.too_few(4), suppression.too_few(5)) == (True, False)
    assert [cells(figure) for figure in _threshold_figures(4, 5)] == [
        [[HIDDEN], [5]], [[HIDDEN], [Decimal("100.0")]], [[HIDDEN], [Decimal("70.00")]]]
    with force_language("en"):
        assert "a count under 5," in privacy_note("en", "western")


def test_the_threshold_is_one_setting(monkeypatch):
    monkeypatch.setattr(suppression, "SMALLEST_SHOWN", 3)
    assert [cells(figure) for figure in _threshold_figures(2, 3)] == [
        [[HIDDEN], [3]], [[HIDDEN], [Decimal("100.0")]], [[HIDDEN], [Decimal("70.00")]]]
    with force_language("en"):
        assert "a count under 3," in privacy_note("en", "western")


def test_no_share_beside_a_hidden_count():
    # The issue's «مقبول: أقل من ٥ — ٥٫٧٪»: 4 of 70 students in a band; the share would say 4.
    total = group(70, "pass", "other")
    bands = table([Column("Students"), Column("Share", PERCENT)],
                  ("Pass", [group(4, "pass"), Share(group(4, "pass"), total)]),
                  ("Other", [group(66, "other"), Share(group(66, "other"), total)]))
    [figure] = protect([bands])
    assert figure.rows[0].cells == [HIDDEN, HIDDEN]
    assert HIDDEN in figure.rows[1].cells  # 66 and 93.3 % would give the 4 back as well


def test_a_rate_that_gives_back_a_small_complement_is_hidden():
    # The 83.3 % of 6: 5 passed, so exactly 1 failed. The rate goes; the 6 students stay.
    marked = group(6, "passed", "failed")
    rates = table([Column("Students with a mark"), Column("Passed", PERCENT)],
                  ("X", [marked, Share(group(5, "passed"), marked)]))
    [figure] = protect([rates])
    assert cells(figure) == [[6, HIDDEN]]


def test_a_rate_over_fewer_than_5_is_hidden_and_over_a_safe_split_is_shown():
    small, safe = group(4, "p1", "f1"), group(10, "p2", "f2")
    rates = table([Column("Students with a mark"), Column("Passed", PERCENT)],
                  ("X", [small, Share(group(4, "p1"), small)]),
                  ("Y", [safe, Share(group(5, "p2"), safe)]))
    [figure] = protect([rates])
    assert cells(figure) == [[HIDDEN, HIDDEN], [10, Decimal("50.0")]]


def test_a_row_total_does_not_give_a_hidden_cell_back():
    # 12 women, 3 men, 15 graduates: the men are hidden, and so must be a second figure of the row.
    women, men, both = group(12, "w"), group(3, "m"), group(15, "w", "m")
    figure = table([Column("Women"), Column("Men"), Column("Graduates"), Column("Share", PERCENT)],
                   ("A", [women, men, both, Share(women, both)]), split=(0, 1))
    [protected] = protect([figure])
    row = protected.rows[0].cells
    assert row[1] is HIDDEN and row[3] is HIDDEN
    assert HIDDEN in (row[0], row[2])


def test_a_total_published_in_another_table_is_counted_too():
    # Graduates per university (A: 3, B: 9) with no total; the total of 12 is in another table.
    a, b = group(3, "a"), group(9, "b")
    per_university = table([Column("Graduates")], ("A", [a]), ("B", [b]), key="per_university")
    overall = table([Column("Graduates")], ("All", [group(12, "a", "b")]), key="overall")
    alone = protect([per_university])[0]
    assert cells(alone) == [[HIDDEN], [9]]  # alone, hiding A is enough
    together = protect([per_university], context=[overall])[0]
    assert cells(together) == [[HIDDEN], [HIDDEN]]  # 12 − 9 would say 3


def test_the_same_group_is_hidden_in_every_table():
    shared = group(7, "x", "y")
    first = table([Column("A"), Column("B"), Column("Total")],
                  ("r", [group(2, "x"), group(5, "y"), shared]), split=(0, 1), key="first")
    second = table([Column("Total")], ("r", [shared]), key="second")
    one, two = protect([first, second])
    total_hidden = one.rows[0].cells[2] is HIDDEN
    assert (two.rows[0].cells[0] is HIDDEN) == total_hidden


def test_an_average_over_fewer_than_5_marks_is_hidden():
    averages = FigureTable("avg", "avg", [Column("Label", TEXT), Column("2023", AVERAGE),
                                          Column("2024", AVERAGE)])
    averages.rows.append(Row("A", [Decimal("71.25"), Decimal("64.00")],
                             groups=[group(4, "a"), group(5, "b")]))
    [figure] = protect([averages])
    assert cells(figure) == [[HIDDEN, Decimal("64.00")]]


def test_an_average_whose_sum_the_others_give_back_is_withheld():
    # Course X over both universities (9 marks) and at A (7 marks): B's 2 marks would be
    # (9 × 64.00 − 7 × 64.43) / 2.
    averages = FigureTable("avg", "avg", [Column("Label", TEXT), Column("2023", AVERAGE)])
    averages.rows.append(Row("X", [Decimal("64.00")], groups=[group(9, "xa", "xb")]))
    averages.rows.append(Row("X at A", [Decimal("64.43")], groups=[group(7, "xa")]))
    averages.rows.append(Row("X at B", [Decimal("62.50")], groups=[group(2, "xb")]))
    [figure] = protect([averages])
    assert cells(figure)[2] == [HIDDEN]
    assert HIDDEN in (cells(figure)[0][0], cells(figure)[1][0])


@pytest.mark.parametrize("language, hidden, note", [
    ("en", "withheld", "a count under 5"), ("ar", "محجوب", "عدد أقل من ٥")])
def test_the_public_page_hides_the_small_cells_and_says_why(client, language, hidden, note):
    small_programme()
    client.set_cookie("lang", language)
    page = client.get("/in-numbers").get_data(as_text=True)
    # The second cohort's one graduate is a man: his cell and the cohort's total are hidden.
    row = page[page.index("<tbody>", page.index('data-testid="figure-graduates_by_cohort"')):]
    row = row[:row.index("</tbody>")]
    second = row[row.index("Second cohort" if language == "en" else "الدفعة الثانية"):]
    second = second[:second.index("</tr>")]
    assert second.count(f"<td class=\"num\">{hidden}</td>") >= 2
    assert ">1<" not in second and ">١<" not in second
    # The share of women (6 women, 1 man) would give the man away: it is not shown.
    headline = page[page.index('data-testid="headline"'):]
    headline = headline[:headline.index("</ul>")]
    assert hidden in headline
    assert "85.7" not in page and "٨٥٫٧" not in page
    assert note in page


def test_the_public_page_names_no_university(client):
    data = small_programme()
    page = client.get("/in-numbers").get_data(as_text=True)
    for university in (data.a, data.b):
        assert university.name_ar not in page and university.name_en not in page


def test_the_results_page_is_protected_too(client, login_as):
    data = small_programme()
    login_as(data.admin)
    client.set_cookie("lang", "en")
    page = client.get("/results").get_data(as_text=True)
    gender = page[page.index('data-testid="figure-gender"'):]
    gender = gender[:gender.index("</section>")]
    # B's one woman graduate, A's one man: hidden, and no share beside them.
    assert "withheld" in gender and "83.3%" not in gender and "100.0%" not in gender
    assert 'data-testid="privacy-note"' in page
