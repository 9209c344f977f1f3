"""How much reading one spreadsheet may cost (``Limits``), the refusals (``Unreadable``) and their
messages, the running budget of a read, and a cell as text."""
import time
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from diploma.text import clean_text

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"
DELIMITERS = (",", ";", "\t")
# What Excel and LibreOffice read as the start of a formula in a cell typed or opened from CSV.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MB = 1024 * 1024
# The most columns a sheet of Excel (and of LibreOffice since 7.4) has: a row with more cells than that
# comes from no spreadsheet program.
EXCEL_COLUMNS = 16_384


@dataclass(frozen=True)
class Limits:
    """How much reading one file may cost. The defaults are ten times and more what the largest
    legitimate import needs (2,000 students × a dozen columns: ~25,000 cells, ~1 MB of XML, well under a
    second), and small enough that a worker reading a hostile file stays within tens of megabytes."""

    columns: int = 100  # columns with something in them (empty cells further right are skipped)
    cells: int = 200_000  # cells read, empty ones too: each <c> of the sheet, each field of a CSV file
    lines: int | None = None  # rows read, empty ones too; None: ten times max_rows, at least 10,000
    seconds: float = 5.0  # wall-clock time of the whole reading
    # XLSX
    members: int = 1_000  # parts of the zip (Excel writes about a dozen, plus two per sheet)
    unpacked: int = 32 * MB  # all its parts once inflated
    part: int = 16 * MB  # one part once inflated
    ratio: int = 100  # inflated size ÷ compressed size, for parts above 1 MB (Apache POI's default too)
    whole_part: int = 2 * MB  # a part openpyxl reads whole into an XML tree (styles, workbook, rels…)
    tree_elements: int = 50_000  # XML elements openpyxl keeps in a tree at once (~400 bytes each)
    row_elements: int = 4 * EXCEL_COLUMNS  # XML elements of one row of the sheet (cells and their values)
    # CSV
    text: int = 4 * MB  # the file (its text has at most as many characters)
    row_characters: int = 128 * 1024  # one row (XLSX: its text), quoted line breaks included

    def lines_for(self, max_rows):
        return self.lines if self.lines is not None else max(10 * max_rows, 10_000)


class Unreadable(Exception):
    """The file cannot be read; ``reason`` says why (translated when shown)."""

    def __init__(self, reason):
        super().__init__(str(reason))
        self.reason = reason


class TooManyRows(Unreadable):
    def __init__(self, limit):
        super().__init__(_l("The file has more than %(count)s rows; split it into smaller files.",
                            count=limit))
        self.limit = limit


NOT_XLSX = _l("The file could not be read as an Excel workbook (XLSX).")


def too_many_columns(limits):
    return Unreadable(_l("The file has more than %(count)s columns; delete the columns that are not needed "
                         "and upload it again.", count=limits.columns))


def too_many_cells(limits):
    return Unreadable(_l("The file has more than %(count)s cells, counting the empty ones; delete the empty "
                         "rows and columns after the data, or split it into smaller files.",
                         count=limits.cells))


def too_many_lines(count):
    return Unreadable(_l("The file has more than %(count)s rows, counting the empty ones; delete the empty "
                         "rows after the data, or split it into smaller files.", count=count))


def too_long_row(limits):
    return Unreadable(_l("A row of the file has more than %(count)s characters; delete what is not needed in "
                         "it and upload it again.", count=limits.row_characters))


def too_large_unpacked():
    return Unreadable(_l("The workbook is too large once unpacked; copy the sheet to import into a new, "
                         "empty workbook and upload that one."))


def packed_oddly():
    return Unreadable(_l("The workbook is compressed in an unusual way and was not read; open it in Excel or "
                         "LibreOffice, save it again and upload it again."))


def taking_too_long():
    return Unreadable(_l("The file takes too long to read; delete what is not needed in it, or split it into "
                         "smaller files, and upload it again."))


class Budget:
    """What reading one file has cost so far, against its limits; the first refusal sticks (a part of
    openpyxl that swallowed it would not make the file readable)."""

    def __init__(self, limits, max_rows):
        self.limits = limits
        self.max_lines = limits.lines_for(max_rows)
        self.deadline = time.monotonic() + limits.seconds
        self.lines = 0
        self.refusal = None

    def refuse(self, refusal, cause=None):
        self.refusal = self.refusal or refusal
        raise self.refusal from cause

    def tick(self):
        if self.refusal is not None:
            raise self.refusal
        if time.monotonic() >= self.deadline:
            self.refuse(taking_too_long())

    def line(self):
        """One more row read, empty or not."""
        self.tick()
        self.lines += 1
        if self.lines > self.max_lines:
            self.refuse(too_many_lines(self.max_lines))


# --- reading -------------------------------------------------------------------------------------

def cell_text(value):
    """A cell as the spreadsheet shows it, cleaned: 20240001.0 → '20240001', a date → '2026-10-04'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        value = value.isoformat()
    return clean_text(str(value))


def take_rows(rows, max_rows, budget):
    """The rows as lists of text, without the empty cells at their ends; TooManyRows once there are more
    filled rows than the header and ``max_rows`` (empty rows do not count there, and reading never stops
    short silently), Unreadable past the limit of rows read, empty ones included, or past the time."""
    taken, filled = [], 0
    for values in rows:
        budget.line()
        cells = [cell_text(value) for value in values]
        while cells and not cells[-1]:
            cells.pop()
        taken.append(cells)
        if cells:
            filled += 1
            if filled > max_rows + 1:  # + the header
                raise TooManyRows(max_rows)
    return taken


