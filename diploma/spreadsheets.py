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
import codecs
import csv
import io
import itertools
import re
import time
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from xml.parsers import expat

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles import Font
from openpyxl.utils.cell import coordinate_to_tuple

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


class _Budget:
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


def _take(rows, max_rows, budget):
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


# --- XLSX: the zip, checked before openpyxl reads it --------------------------------------------------

_CENTRAL_DIRECTORY_ENTRY = b"PK\x01\x02"
_CHUNK = 64 * 1024
_RATIO_FROM = 1 * MB  # small parts may compress as well as they like
_TOKEN_BYTES = 512 * 1024  # the longest stretch of XML without an event (a tag, a comment) the scan allows


def _check_archive(data, limits):
    """Refuse a zip that is too large or too strange to open, before zipfile and openpyxl open it.

    zipfile reads the whole central directory at once, one object per entry; every entry it reads starts
    with the central directory signature, so counting the signatures bounds that work whatever the end
    record claims. Then the entries: only stored or deflated parts (what Excel, LibreOffice and Google
    Sheets write: bzip2 and LZMA inflate far more), not encrypted, within the sizes and the ratio of
    ``limits``. zipfile never inflates a part past the size its entry declares when it is read in chunks
    (as the guard does), so the declared sizes bound what is actually inflated."""
    if data.count(_CENTRAL_DIRECTORY_ENTRY) > limits.members:
        raise too_large_unpacked()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as error:  # not a zip, or a damaged one: zipfile raises many kinds of errors
        raise Unreadable(NOT_XLSX) from error
    with archive:
        entries = archive.infolist()
        if len(entries) > limits.members:
            raise too_large_unpacked()
        total = 0
        for entry in entries:
            if entry.flag_bits & 0x1:
                raise Unreadable(NOT_XLSX)  # encrypted
            if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise packed_oddly()
            if entry.file_size > _RATIO_FROM and entry.file_size > limits.ratio * max(entry.compress_size, 1):
                raise packed_oddly()
            total += entry.file_size
            if entry.file_size > limits.part or total > limits.unpacked:
                raise too_large_unpacked()


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main "  # expat: namespace + " " + name
_SHEET_DATA, _ROW, _CELL, _SHARED_STRINGS = (_MAIN + name for name in ("sheetData", "row", "c", "sst"))
_CELL_CONTENT = frozenset(_MAIN + name for name in ("v", "is", "f"))


def _row_number(text):
    """A row's r attribute as openpyxl reads it (an integer, or a float that is one)."""
    try:
        return int(text)
    except ValueError:
        number = float(text)
        if not number.is_integer():
            raise
        return int(number)


class _Scan:
    """Counts the XML of one part as it is read, before openpyxl parses it, and refuses the file past
    the limits. What an element costs depends on where openpyxl meets it:

    - in the rows of a sheet (``sheetData``), openpyxl builds one row at a time, every child of a row
      being a cell, and lets it go: a row may hold ``row_elements`` elements and ``row_characters`` of
      text, a sheet ``cells`` cells and ``lines`` rows; in the sheet being read (``reading``), rows count
      up to their number too (openpyxl fills the gaps with empty rows), and a value further right than
      ``columns`` refuses the file;
    - in the shared strings (``sst``), openpyxl keeps one string per item: at most ``cells`` elements,
      and ``row_characters`` of text an item;
    - everywhere else, and in a part read whole, openpyxl builds a tree: at most ``tree_elements``
      elements, and ``row_characters`` of text an element.

    Nothing may go on for long between two of these events (a tag, a comment, hundreds of kilobytes
    long, which both parsers would hold whole), and a document type declaration (entities) is refused:
    no part of a workbook has one."""

    def __init__(self, budget, reading=False, whole=False):
        self.budget, self.limits = budget, budget.limits
        self.reading, self.whole = reading, whole
        self.region = None  # _SHEET_DATA or _SHARED_STRINGS while inside one
        self.depth = self.region_depth = 0
        self.tree = self.cells = self.strings = self.rows = 0
        self.row = self.column = self.row_cells = self.row_elements = 0
        self.text = 0  # characters of text of the current row, shared string or element
        self.fed = self.event = 0  # bytes fed to the parser; where the last event was
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.buffer_text = True
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._text
        self.parser.StartDoctypeDeclHandler = self._doctype

    def feed(self, data, final=False):
        self.fed += len(data)
        try:
            self.parser.Parse(data, final)
        except expat.ExpatError as error:  # openpyxl's parser, expat too, would stop at the same place
            self.budget.refuse(Unreadable(NOT_XLSX), error)
        if self.fed - self.event > _TOKEN_BYTES:
            self.budget.refuse(too_large_unpacked())

    def _doctype(self, *args):
        self.budget.refuse(Unreadable(NOT_XLSX))

    def _text(self, data):
        self.event = self.parser.CurrentByteIndex
        self.text += len(data)
        if self.text > self.limits.row_characters:
            in_rows = self.region is _SHEET_DATA
            self.budget.refuse(too_long_row(self.limits) if in_rows else too_large_unpacked())

    def _end(self, name):
        self.event = self.parser.CurrentByteIndex
        self.depth -= 1
        if self.region is None:
            self.text = 0
        elif self.depth < self.region_depth:
            self.region, self.region_depth, self.text = None, 0, 0

    def _start(self, name, attributes):
        self.event = self.parser.CurrentByteIndex
        self.depth += 1
        level = self.depth - self.region_depth
        if self.region is _SHEET_DATA:
            if level > 1:
                self._in_row(level, name, attributes)
                return
            if name == _ROW:
                self._new_row(attributes)
                return
        elif self.region is _SHARED_STRINGS:
            self.strings += 1
            if self.strings > self.limits.cells:
                self.budget.refuse(too_large_unpacked())
            if level == 1:
                self.text = 0
            return
        self.tree += 1
        self.text = 0
        if self.tree > self.limits.tree_elements:
            self.budget.refuse(too_large_unpacked())
        if self.region is None and not self.whole and name in (_SHEET_DATA, _SHARED_STRINGS):
            self.region = _SHEET_DATA if name == _SHEET_DATA else _SHARED_STRINGS
            self.region_depth = self.depth

    def _new_row(self, attributes):
        self.rows += 1
        number = attributes.get("r")
        try:
            self.row = _row_number(number) if number is not None else self.row + 1
        except ValueError as error:
            self.budget.refuse(Unreadable(NOT_XLSX), error)
        self.column = self.row_cells = self.row_elements = self.text = 0
        if self.rows > self.budget.max_lines or (self.reading and self.row > self.budget.max_lines):
            self.budget.refuse(too_many_lines(self.budget.max_lines))

    def _in_row(self, level, name, attributes):
        """An element inside a row (level 2: a cell, as openpyxl takes every child of a row to be one;
        level 3: a cell's value, inline string or formula; deeper: rich text)."""
        self.row_elements += 1
        if self.row_elements > self.limits.row_elements:
            self.budget.refuse(too_many_columns(self.limits))
        if level == 2:
            reference = attributes.get("r")
            try:
                self.column = coordinate_to_tuple(reference)[1] if reference else self.column + 1
            except Exception as error:  # openpyxl raises ValueError or its CellCoordinatesException
                self.budget.refuse(Unreadable(NOT_XLSX), error)
            self.cells += 1
            self.row_cells += 1
            if self.cells > self.limits.cells:
                self.budget.refuse(too_many_cells(self.limits))
            if self.row_cells > EXCEL_COLUMNS:
                self.budget.refuse(too_many_columns(self.limits))
        elif level == 3 and self.reading and self.column > self.limits.columns and name in _CELL_CONTENT:
            self.budget.refuse(too_many_columns(self.limits))


class _Part:
    """One part of the workbook as openpyxl reads it: inflated in chunks (never past the size its entry
    declares), each chunk scanned before openpyxl gets it. A part read whole (``read()``) becomes a tree
    in openpyxl and must be small; a part read in chunks (the sheets, the shared strings) is parsed as a
    stream, and bounded by the scan."""

    def __init__(self, stream, entry, budget, reading):
        self._stream, self._entry, self._budget = stream, entry, budget
        self._reading = reading
        self._scan = None
        self._done = False

    def readable(self):
        return True

    def read(self, size=-1):
        if size is None or size < 0:
            return self._read_whole()
        if size == 0:
            return b""
        if self._scan is None:
            self._scan = _Scan(self._budget, reading=self._reading)
        return self._read(size)

    def _read_whole(self):
        limits = self._budget.limits
        if self._scan is None:
            if self._entry.file_size > limits.whole_part:
                self._budget.refuse(too_large_unpacked())
            self._scan = _Scan(self._budget, whole=True)
        chunks, size = [], 0
        while chunk := self._read(_CHUNK):
            chunks.append(chunk)
            size += len(chunk)
            if size > limits.whole_part:
                self._budget.refuse(too_large_unpacked())
        return b"".join(chunks)

    def _read(self, size):
        self._budget.tick()
        if self._done:
            return b""
        data = self._stream.read(min(size, _CHUNK))
        self._scan.feed(data, final=not data)
        self._done = not data
        return data

    def close(self):
        self._stream.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


class _GuardedArchive(zipfile.ZipFile):
    """The workbook's zip for openpyxl, every part of which it opens going through ``_Part``. Once the
    workbook is loaded, ``reading`` is set: the next part opened is the sheet whose rows are read."""

    budget = None
    reading = False

    def open(self, name, mode="r", pwd=None, **kwargs):
        if mode != "r":
            raise ValueError("read only")
        entry = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        return _Part(super().open(entry, mode, pwd, **kwargs), entry, self.budget, self.reading)


def _xlsx_rows(data, max_rows, budget):
    _check_archive(data, budget.limits)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it skips
            reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
            reader.archive.close()
            reader.archive = archive = _GuardedArchive(io.BytesIO(data))
            archive.budget = budget
            try:
                reader.read()  # what openpyxl does in load_workbook, on the guarded zip
                workbook = reader.wb
                sheet = workbook.worksheets[0]
                sheet.reset_dimensions()  # the size a sheet declares is not always right, nor small
                archive.reading = True
                # No wider than the limit: openpyxl pads every row to max_col, or without it to the row's
                # last cell, which may be an empty one at XFD (16,384 columns). Values further right
                # are refused by the scan, empty cells there skipped.
                rows = sheet.iter_rows(min_row=1, min_col=1, max_col=budget.limits.columns, values_only=True)
                taken = _take(rows, max_rows, budget)
            finally:
                archive.close()
    except Unreadable:
        raise
    except Exception as error:  # a damaged or disguised file: openpyxl raises many kinds of errors
        if budget.refusal is not None:
            raise budget.refusal from error
        raise Unreadable(NOT_XLSX) from error
    if budget.refusal is not None:
        raise budget.refusal
    return taken


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


def _csv_rows(data, max_rows, recognises, budget):
    limits = budget.limits
    if len(data) > limits.text:
        raise Unreadable(_l("The CSV file is larger than %(size)s MB; split it into smaller files.",
                            size=max(1, round(limits.text / MB))))
    text = decode_csv(data)
    lines = _Lines(text, limits)
    reader = csv.reader(lines, delimiter=csv_delimiter(text, recognises))
    try:
        return _take(_csv_records(reader, lines, budget), max_rows, budget)
    except csv.Error as error:
        raise Unreadable(_l("The file could not be read as CSV.")) from error


def read_rows(data, max_rows, recognises=None, max_bytes=None, limits=None):
    """Every row of the first sheet of an XLSX workbook, or of a CSV file, as lists of clean text (rows
    may differ in length, and end with their last cell that is not empty; empty rows are kept, so that
    list index + 1 is the row's number). Raises Unreadable (empty, larger than ``max_bytes``, damaged,
    .xls, unknown encoding, past any of ``limits``: see ``Limits``) or TooManyRows."""
    if not data:
        raise Unreadable(_l("The file is empty."))
    if max_bytes is not None and len(data) > max_bytes:
        raise Unreadable(_l("The file is too large."))
    budget = _Budget(limits or Limits(), max_rows)
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_rows(data, max_rows, budget)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise Unreadable(_l("Old Excel files (.xls) are not accepted: save the sheet as an Excel workbook "
                            "(.xlsx) or as CSV and upload it again."))
    return _csv_rows(data, max_rows, recognises, budget)


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
