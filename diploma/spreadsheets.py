"""Spreadsheet files in and out: the rows of an uploaded XLSX workbook or CSV file as clean text, and
XLSX workbooks and CSV files to download. Nothing here knows what the columns mean.

Reading::

    rows = read_rows(data, max_rows=1000, recognises=header_key)   # [[cell text, …], …]

raises ``Unreadable`` (``reason``: a lazy, translated message) for an empty, oversized, damaged or
unsupported file, and ``TooManyRows`` (a kind of Unreadable) past ``max_rows`` filled rows under the
header. CSV files may be UTF-8 (with or without a BOM), UTF-16 with a BOM, or Windows-1256, separated
by ',' ';' or tabs: ``recognises(cell) -> bool`` tells which header names the caller knows, and the
delimiter that splits the first line into the most of them wins.

Writing: ``workbook_bytes(header, rows, …)`` and ``csv_bytes(header, rows)``; text that a spreadsheet
program would run as a formula stays text.
"""
import codecs
import csv
import io
import warnings
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from diploma.text import clean_text

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"
DELIMITERS = (",", ";", "\t")
# What Excel and LibreOffice read as the start of a formula in a cell typed or opened from CSV.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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


def _take(rows, max_rows):
    """The rows as lists of text; TooManyRows once there are more filled rows than the header and
    ``max_rows`` (empty rows do not count, and reading never stops short silently)."""
    taken, filled = [], 0
    for values in rows:
        cells = [cell_text(value) for value in values]
        taken.append(cells)
        filled += any(cells)
        if filled > max_rows + 1:  # + the header
            raise TooManyRows(max_rows)
    return taken


def _xlsx_rows(data, max_rows):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it skips
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                sheet.reset_dimensions()  # the size Excel records is not always right
                return _take(sheet.iter_rows(values_only=True), max_rows)
            finally:
                workbook.close()
    except TooManyRows:
        raise
    except Exception as error:  # a damaged or disguised file: openpyxl raises many kinds of errors
        raise Unreadable(_l("The file could not be read as an Excel workbook (XLSX).")) from error


def decode_csv(data):
    """CSV text: UTF-8 with a BOM (Excel's "CSV UTF-8"), UTF-16 with a BOM ("Unicode text"), plain UTF-8,
    otherwise Windows-1256 (what Arabic Excel writes for "CSV")."""
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif b"\x00" in data:
        raise Unreadable(_l("This file is neither a CSV file nor an Excel workbook (XLSX)."))
    else:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            encoding = "cp1256"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise Unreadable(_l("The text of the file could not be read (unknown character encoding).")) \
            from error


def csv_delimiter(text, recognises=None):
    """',' ';' or tab: the one that splits the first line into the most header names ``recognises``
    knows; when it knows none, the one the csv module sniffs, else ','."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    recognises = recognises or (lambda cell: False)
    scores = {delimiter: sum(1 for cell in next(csv.reader([first_line], delimiter=delimiter), [])
                             if recognises(cell))
              for delimiter in DELIMITERS}
    best = max(scores, key=lambda delimiter: (scores[delimiter], delimiter == ","))
    if scores[best] == 0:
        try:
            return csv.Sniffer().sniff(first_line, delimiters="".join(DELIMITERS)).delimiter
        except csv.Error:
            return ","
    return best


def _csv_rows(data, max_rows, recognises):
    text = decode_csv(data)
    try:
        return _take(csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(text, recognises)),
                     max_rows)
    except csv.Error as error:
        raise Unreadable(_l("The file could not be read as CSV.")) from error


def read_rows(data, max_rows, recognises=None, max_bytes=None):
    """Every row of the first sheet of an XLSX workbook, or of a CSV file, as lists of clean text (rows
    may differ in length; empty rows are kept, so that list index + 1 is the row's number). Raises
    Unreadable (empty, larger than ``max_bytes``, damaged, .xls, unknown encoding) or TooManyRows."""
    if not data:
        raise Unreadable(_l("The file is empty."))
    if max_bytes is not None and len(data) > max_bytes:
        raise Unreadable(_l("The file is too large."))
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_rows(data, max_rows)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise Unreadable(_l("Old Excel files (.xls) are not accepted: save the sheet as an Excel workbook "
                            "(.xlsx) or as CSV and upload it again."))
    return _csv_rows(data, max_rows, recognises)


# --- writing -------------------------------------------------------------------------------------

def _width(value):
    return len(str(value)) if value is not None else 0


def workbook_bytes(header, rows, title, *, right_to_left=True, freeze="A2", min_width=12, max_width=80):
    """An XLSX workbook of one sheet: a bold, frozen header row, then ``rows``. Numbers (int, Decimal)
    stay numbers; text stays text, even when it starts like a formula."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.sheet_view.rightToLeft = right_to_left
    for row in (header, *rows):
        sheet.append(list(row))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # a name is text, never a formula Excel would run
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column_cells in sheet.columns:
        width = max(_width(cell.value) for cell in column_cells) + 2
        sheet.column_dimensions[column_cells[0].column_letter].width = min(max(width, min_width), max_width)
    sheet.freeze_panes = freeze
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def formula_safe(text):
    """Text for a CSV cell that a spreadsheet program will not run: '=1+1' → "'=1+1"."""
    return f"'{text}" if isinstance(text, str) and text.startswith(FORMULA_STARTS) else text


def csv_bytes(header, rows, *, escape_formulas=True):
    """UTF-8 with a BOM, so that Excel opens the Arabic text correctly; lines end in CRLF. Text cells
    that start like a formula get a leading apostrophe (``escape_formulas``); numbers are written as
    they are."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in (header, *rows):
        writer.writerow([formula_safe(cell) if escape_formulas else cell for cell in row])
    return buffer.getvalue().encode("utf-8-sig")
