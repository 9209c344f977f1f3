"""Spreadsheet files in and out: the rows of an uploaded XLSX workbook or CSV file as clean text, and
XLSX workbooks and CSV files to download. Nothing here knows what the columns mean.

Reading::

    rows = read_rows(data, max_rows=1000, recognises=header_key)   # [[cell text, …], …]

raises ``Unreadable`` (``reason``: a lazy, translated message) for an empty, oversized, damaged or
unsupported file, and ``TooManyRows`` (a kind of Unreadable) past ``max_rows`` filled rows under the
header. CSV files may be UTF-8 (with or without a BOM), UTF-16 with a BOM, or Windows-1256, separated
by ',' ';' or tabs: ``recognises(cell) -> bool`` tells which header names the caller knows, and the
delimiter that splits the first line into the most of them wins.

Reading is bounded by what is actually read, not by what the file says of itself (``Limits``): a few
kilobytes can declare a sheet 16,384 columns wide and a million rows long, or inflate to gigabytes. The
workbook's zip is checked before openpyxl opens it (parts, compression, sizes), every part openpyxl then
reads passes through a guard that inflates it in chunks and counts its XML elements before openpyxl
parses them, the sheet is read no wider than ``Limits.columns`` (never padded to the width it declares),
and every row, empty ones too, counts, as does the time. Past any limit the whole file is refused with a
message that says which; nothing is read in part.

Writing: ``workbook_bytes(header, rows, …)`` and ``csv_bytes(header, rows)``; text that a spreadsheet
program would run as a formula stays text (see ``formula_safe``).
"""
from flask_babel import lazy_gettext as _l

from diploma.spreadsheets.csv_files import csv_delimiter, csv_rows, decode_csv
from diploma.spreadsheets.limits import (
    CSV_MIMETYPE,
    FORMULA_STARTS,
    XLSX_MIMETYPE,
    Budget,
    Limits,
    TooManyRows,
    Unreadable,
    cell_text,
)
from diploma.spreadsheets.problems import FileRejected, HeaderNames, Problem, header_form, header_row_index
from diploma.spreadsheets.writing import csv_bytes, formula_safe, workbook_bytes
from diploma.spreadsheets.xlsx import xlsx_rows

__all__ = ["CSV_MIMETYPE", "FORMULA_STARTS", "XLSX_MIMETYPE", "FileRejected", "HeaderNames", "Limits",
           "Problem", "TooManyRows", "Unreadable", "cell_text", "csv_bytes", "csv_delimiter", "decode_csv",
           "formula_safe", "header_form", "header_row_index", "read_rows", "workbook_bytes"]


def read_rows(data, max_rows, recognises=None, max_bytes=None, limits=None):
    """Every row of the first sheet of an XLSX workbook, or of a CSV file, as lists of clean text (rows
    may differ in length, and end with their last cell that is not empty; empty rows are kept, so that
    list index + 1 is the row's number). Raises Unreadable (empty, larger than ``max_bytes``, damaged,
    .xls, unknown encoding, past any of ``limits``: see ``Limits``) or TooManyRows."""
    if not data:
        raise Unreadable(_l("The file is empty."))
    if max_bytes is not None and len(data) > max_bytes:
        raise Unreadable(_l("The file is too large."))
    budget = Budget(limits or Limits(), max_rows)
    if data.startswith(b"PK\x03\x04"):
        return xlsx_rows(data, max_rows, budget)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise Unreadable(_l("Old Excel files (.xls) are not accepted: save the sheet as an Excel workbook "
                            "(.xlsx) or as CSV and upload it again."))
    return csv_rows(data, max_rows, recognises, budget)


