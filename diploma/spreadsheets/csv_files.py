"""CSV files read within the limits: UTF-8 (with or without a BOM), UTF-16 with a BOM, or Windows-1256,
separated by ',' ';' or tabs — the delimiter that splits the first line into the most known header
names wins."""
import codecs
import csv
import itertools
import re

from flask_babel import lazy_gettext as _l

from diploma.spreadsheets.limits import (
    DELIMITERS,
    EXCEL_COLUMNS,
    MB,
    Unreadable,
    cell_text,
    take_rows,
    too_long_row,
    too_many_cells,
    too_many_columns,
)

# --- CSV -------------------------------------------------------------------------------------------

_DETECTION_LINES = 10_000  # the first line with text is looked for among these
_DETECTION_CHARACTERS = 64 * 1024  # and only its start decides the delimiter
_SNIFF_CHARACTERS = 4 * 1024  # csv.Sniffer's regular expressions take quadratic time on long lines
_NON_EMPTY_LINE = re.compile(r"[^\r\n]+")
# A line as io.StringIO(newline="") gives it to csv: up to and with "\r\n", "\r" or "\n", or the end.
_CSV_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")


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


def _first_line(text):
    """The start of the first line with text, found without copying the text line by line."""
    for line in itertools.islice(_NON_EMPTY_LINE.finditer(text), _DETECTION_LINES):
        start = text[line.start():min(line.end(), line.start() + _DETECTION_CHARACTERS)]
        if start.strip():
            return start
    return ""


def csv_delimiter(text, recognises=None):
    """',' ';' or tab: the one that splits the first line into the most header names ``recognises``
    knows; when it knows none, the one the csv module sniffs, else ','."""
    first_line = _first_line(text)
    recognises = recognises or (lambda cell: False)
    scores = {delimiter: sum(1 for cell in next(csv.reader([first_line], delimiter=delimiter), [])
                             if recognises(cell))
              for delimiter in DELIMITERS}
    best = max(scores, key=lambda delimiter: (scores[delimiter], delimiter == ","))
    if scores[best] == 0:
        try:
            return csv.Sniffer().sniff(first_line[:_SNIFF_CHARACTERS],
                                       delimiters="".join(DELIMITERS)).delimiter
        except csv.Error:
            return ","
    return best


class _Lines:
    """The lines of CSV text for csv.reader, refusing a row (a record: quoted line breaks included)
    longer than ``limit`` characters before csv splits it into fields."""

    def __init__(self, text, limits):
        self._lines = _CSV_LINE.finditer(text)  # io.StringIO would hold a copy of four bytes a character
        self.limits = limits
        self.limit = limits.row_characters
        self.characters = 0  # of the row being read

    def __iter__(self):
        return self

    def __next__(self):
        line = next(self._lines)
        self.characters += line.end() - line.start()
        if self.characters > self.limit:
            raise too_long_row(self.limits)
        return line.group()


def _csv_records(reader, lines, budget):
    """The rows csv reads, counted: every field (empty ones too) against ``cells``, and no wider than
    ``columns``: a field with text further right refuses the file, empty ones there are dropped (Excel
    writes them for formatted columns)."""
    limits, cells = budget.limits, 0
    for row in reader:
        lines.characters = 0
        cells += len(row)
        if cells > limits.cells:
            budget.refuse(too_many_cells(limits))
        if len(row) > limits.columns:
            if len(row) > EXCEL_COLUMNS or any(cell_text(field) for field in row[limits.columns:]):
                budget.refuse(too_many_columns(limits))
            row = row[:limits.columns]
        yield row


def csv_rows(data, max_rows, recognises, budget):
    limits = budget.limits
    if len(data) > limits.text:
        raise Unreadable(_l("The CSV file is larger than %(size)s MB; split it into smaller files.",
                            size=max(1, round(limits.text / MB))))
    text = decode_csv(data)
    lines = _Lines(text, limits)
    reader = csv.reader(lines, delimiter=csv_delimiter(text, recognises))
    try:
        return take_rows(_csv_records(reader, lines, budget), max_rows, budget)
    except csv.Error as error:
        raise Unreadable(_l("The file could not be read as CSV.")) from error


