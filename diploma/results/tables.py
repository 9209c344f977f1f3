"""A table of figures, as pages, workbooks and PDFs show it — plain values, no ORM objects — and the rule
that keeps small counts from naming a person.

Privacy (the public page and the reports): a cell that counts students and holds 1 to 4 shows "fewer than 5"
instead. When a row's counts split its students (women / men, the bands of a course) and exactly one of
them was hidden, the smallest other non-zero count of the row is hidden too: otherwise the row's total minus
the others would give the hidden one back, and so would a percentage of the row's total: it is hidden too. A
percentage or an average over fewer than 5 students is hidden as well. Zero stays zero (it names nobody).
"""
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

SMALLEST_SHOWN = 5
COUNT, PERCENT, AVERAGE, TEXT = "count", "percent", "average", "text"
TWO_PLACES = Decimal("0.01")
ONE_PLACE = Decimal("0.1")


class _Suppressed:
    """A count too small to show: rendered "fewer than 5" («أقل من ٥»)."""

    def __repr__(self):
        return "FEWER_THAN_5"

    def __bool__(self):
        return False


FEWER_THAN_5 = _Suppressed()


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = COUNT


@dataclass
class Row:
    label: str
    cells: list
    base: int | None = None  # how many students the percentages and averages of the row are taken over


@dataclass
class FigureTable:
    """One table of figures; ``chart``: the indexes of the cells drawn as bars (one bar each per row; none:
    no chart); ``split``: the indexes of the cells that divide the row's students between them."""

    key: str
    title: str
    columns: list  # of Column; the first is the row label's
    rows: list = field(default_factory=list)
    chart: tuple = ()
    split: tuple = ()
    note: str = ""

    def chart_scale(self):
        """The value a full bar stands for: 100 for percentages and marks, else the largest value drawn."""
        if all(self.columns[index + 1].kind in (PERCENT, AVERAGE) for index in self.chart):
            return Decimal(100)
        values = [row.cells[index] for row in self.rows for index in self.chart
                  if isinstance(row.cells[index], (int, Decimal)) and not isinstance(row.cells[index], bool)]
        return max(values, default=0) or 1


def percent(part, whole):
    """part / whole as a percentage with one decimal (half up); None when there is nothing to divide."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def mean(values):
    values = list(values)
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def _small(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < SMALLEST_SHOWN


def _protect_row(table, row):
    cells = list(row.cells)
    for index, column in enumerate(table.columns[1:]):
        small_count = column.kind == COUNT and _small(cells[index])
        small_base = column.kind in (PERCENT, AVERAGE) and _small(row.base)
        if small_count or small_base:
            cells[index] = FEWER_THAN_5
    hidden = [index for index in table.split if cells[index] is FEWER_THAN_5]
    if len(hidden) == 1:
        others = [index for index in table.split if isinstance(cells[index], int) and cells[index] > 0]
        if others:
            cells[min(others, key=lambda index: cells[index])] = FEWER_THAN_5
    if hidden:  # a share of the row's total would give a hidden count back (57.1 % of 7 is 4)
        for index, column in enumerate(table.columns[1:]):
            if column.kind == PERCENT and cells[index] is not None:
                cells[index] = FEWER_THAN_5
    return replace(row, cells=cells)


def protected(table):
    """The table as the public and the reports may show it (see the module's docstring)."""
    return replace(table, rows=[_protect_row(table, row) for row in table.rows])
