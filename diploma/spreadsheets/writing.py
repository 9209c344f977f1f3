"""XLSX workbooks and CSV files to download; text that a spreadsheet program would run as a formula
stays text, whatever separator the program splits a CSV line on."""
import io
import re
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from diploma.spreadsheets.limits import FORMULA_STARTS

# --- writing -------------------------------------------------------------------------------------

def _width(value):
    return len(str(value)) if value is not None else 0


def workbook_bytes(header, rows, title, *, right_to_left=True, freeze="A2", min_width=12, max_width=80):
    """An XLSX workbook of one sheet: a bold, frozen header row, then ``rows``. Numbers (int, Decimal)
    stay numbers; text stays text (a string cell, which Excel and LibreOffice never run), even when it
    starts like a formula: openpyxl would make '=…' a formula, so every text cell is typed as a string."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.sheet_view.rightToLeft = right_to_left
    for row in (header, *rows):
        sheet.append(list(row))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.data_type != "s":
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


# A separator (',' ';' tab: the app's own import takes all three, and a spreadsheet program may be set to
# any of them) or a line break, then, after spaces, the start of a formula.
_FORMULA_AFTER_SEPARATOR = re.compile(r"([,;\t\r\n])(?=[ ]*[=+\-@\t\r])")
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_QUOTED_WHEN = frozenset(',;\t\r\n"')


def formula_safe(text):
    """Text for a CSV cell that a spreadsheet program will not run as a formula, whatever separator it
    splits the line at: '=1+1' → "'=1+1", 'Ali;=1+1' → "Ali;'=1+1".

    Excel and LibreOffice (with "Evaluate formulas") run a CSV field that starts with = + - or @ (tab and
    carriage return too, before one), quoted or not; LibreOffice may trim spaces first. A field is what
    lies between two separators — and the program opening the file may use ',' ';' or tab, whichever the
    file was written with, and may ignore the quotes. So an apostrophe (shown as is, which makes the
    field text) goes before the first character of the cell when, after spaces, it starts like a formula,
    and after every separator or line break inside the cell that is followed, after spaces, by the start
    of a formula. A plain number ('-3', '40.5') is left alone: it is a number, not a formula."""
    if not isinstance(text, str) or _PLAIN_NUMBER.fullmatch(text):
        return text
    text = _FORMULA_AFTER_SEPARATOR.sub(r"\1'", text)
    return f"'{text}" if text.lstrip(" ").startswith(FORMULA_STARTS) else text


def _csv_field(value, escape_formulas):
    """A number as written (unquoted, so that it stays a number); text made formula-safe, and quoted
    when it holds any of the three separators, a quote or a line break, so that no spreadsheet program
    splits it, whatever separator it is set to."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    if escape_formulas:
        text = formula_safe(text)
    if _QUOTED_WHEN.intersection(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_bytes(header, rows, *, escape_formulas=True):
    """UTF-8 with a BOM, so that Excel opens the Arabic text correctly; fields separated by ',', lines end
    in CRLF. Text cells go through ``formula_safe`` (``escape_formulas``) and are quoted when they hold a
    separator of any kind; numbers are written as they are."""
    lines = (",".join(_csv_field(cell, escape_formulas) for cell in row) for row in (header, *rows))
    return "".join(f"{line}\r\n" for line in lines).encode("utf-8-sig")
