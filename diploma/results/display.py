"""Figures as people read them, and the tables as HTML/CSS bar charts.

Charts are HTML: each bar is an element whose width is a class ``w-0`` … ``w-100`` (the share of the
chart's scale; the Content-Security-Policy allows no inline style), its label and value are HTML text. So
Arabic is shaped by the browser and by WeasyPrint alike (WeasyPrint does not shape Arabic inside SVG
``<text>``), and a right-to-left page mirrors the chart by itself: bars grow from the right.
"""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _

from diploma.arabic import number_for_sentence, uses_arabic_digits
from diploma.results import suppression
from diploma.results.suppression import HIDDEN
from diploma.results.tables import AVERAGE, PERCENT
from diploma.text import format_average


def format_figure(value, kind, language, digits):
    """'45.5%' / '٤٥٫٥٪', '72.50', '12'; "withheld" for a figure the suppression withholds; '–' for none."""
    if value is HIDDEN:
        return _("withheld")
    if value is None:
        return "–"
    if kind == PERCENT:
        text = number_for_sentence(format(value, "f"), language, digits)
        return f"{text}٪" if uses_arabic_digits(language, digits) else f"{text}%"
    if kind == AVERAGE:
        return number_for_sentence(format_average(value), language, digits)
    return number_for_sentence(value, language, digits)


@dataclass(frozen=True)
class Bar:
    series: str
    text: str
    width: int  # 0 … 100, the CSS class w-<width>


@dataclass(frozen=True)
class ChartRow:
    label: str
    bars: list


def _width(value, scale):
    if not isinstance(value, (int, Decimal)) or isinstance(value, bool) or not scale:
        return 0
    share = (Decimal(value) * 100 / Decimal(scale)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(min(max(share, 0), 100))


def chart_rows(table, language, digits):
    """The rows of a table's bar chart (empty when the table has no chart)."""
    if not table.chart or not table.rows:
        return []
    scale = table.chart_scale()
    rows = []
    for row in table.rows:
        bars = []
        for index in table.chart:
            column = table.columns[index + 1]
            value = row.cells[index]
            bars.append(Bar(column.label, format_figure(value, column.kind, language, digits),
                            _width(value, scale)))
        rows.append(ChartRow(row.label, bars))
    return rows


def cell_texts(table, language, digits):
    """Every cell of the table as text (for the HTML tables and the PDF)."""
    return [[format_figure(value, column.kind, language, digits)
             for value, column in zip(row.cells, table.columns[1:], strict=True)] for row in table.rows]


def privacy_note(language, digits):
    """What "withheld" means, said under the tables (the threshold is ``suppression.SMALLEST_SHOWN``)."""
    return _("“Withheld”: a count under %(count)s, or a figure from which one could be worked out "
             "(a total, a share, a rate or another cell); a rate or an average over fewer than %(count)s "
             "students is withheld too.",
             count=number_for_sentence(suppression.SMALLEST_SHOWN, language, digits))
