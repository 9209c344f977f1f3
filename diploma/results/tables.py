"""A table of figures, as pages, workbooks and PDFs show it — plain values, no ORM objects. Which of them may
be published is decided by ``diploma.results.suppression`` (the one owner of that rule) from the groups each
cell declares (``Row.groups``).
"""
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

COUNT, PERCENT, AVERAGE, TEXT = "count", "percent", "average", "text"
TWO_PLACES = Decimal("0.01")
ONE_PLACE = Decimal("0.1")


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = COUNT


@dataclass
class Row:
    label: str
    cells: list
    # per cell: a suppression.Count for a count, a suppression.Share for a rate, the number of marks for an
    # average, None for text
    groups: list | None = None


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
