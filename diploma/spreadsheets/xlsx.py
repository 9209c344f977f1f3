"""XLSX workbooks read within the limits: the zip checked before openpyxl opens it (parts, compression,
sizes), every part openpyxl reads inflated in chunks through a guard that counts its XML elements
before openpyxl parses them, and the sheet read no wider than ``Limits.columns``."""
import io
import warnings
import zipfile
from xml.parsers import expat

from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import coordinate_to_tuple

from diploma.spreadsheets.limits import (
    EXCEL_COLUMNS,
    MB,
    NOT_XLSX,
    Unreadable,
    packed_oddly,
    take_rows,
    too_large_unpacked,
    too_long_row,
    too_many_cells,
    too_many_columns,
    too_many_lines,
)

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


def xlsx_rows(data, max_rows, budget):
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
                taken = take_rows(rows, max_rows, budget)
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


