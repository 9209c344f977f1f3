"""diploma.spreadsheets against hostile files: reading is bounded by what is actually read (cells, rows,
columns, bytes once inflated, XML elements, time), whatever a file says of itself, and refused past the
limits with a message that says why; and the CSV export, which no spreadsheet program runs as a formula
whatever separator it splits the lines at.

The hostile workbooks are written by hand, part by part, with zipfile. Memory is measured with tracemalloc
(the peak of what Python allocates while reading, the inflated parts and the parsers' buffers included);
time is never asserted, but a tiny time budget shows that the budget is enforced.
"""
import csv
import io
import os
import re
import time
import tracemalloc
import zipfile
import zlib
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from diploma import spreadsheets
from diploma.i18n import force_language
from diploma.spreadsheets import FORMULA_STARTS, Limits, Unreadable, kept, read_rows

pytestmark = pytest.mark.engine_independent

MB = 1024 * 1024
PEAK = 50 * MB  # what a worker may spend on reading one hostile file
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
SPREADSHEETML = "application/vnd.openxmlformats-officedocument.spreadsheetml"

COLUMNS = "The file has more than 100 columns; delete the columns that are not needed and upload it again."
ROWS = ("The file has more than 10000 rows, counting the empty ones; delete the empty rows after the data, "
        "or split it into smaller files.")
CELLS = ("The file has more than %s cells, counting the empty ones; delete the empty rows and columns after "
         "the data, or split it into smaller files.")
UNPACKED = ("The workbook is too large once unpacked; copy the sheet to import into a new, empty workbook "
            "and upload that one.")
PACKED_ODDLY = ("The workbook is compressed in an unusual way and was not read; open it in Excel or "
                "LibreOffice, save it again and upload it again.")
NOT_XLSX = "The file could not be read as an Excel workbook (XLSX)."
LONG_ROW = ("A row of the file has more than 131072 characters; delete what is not needed in it and upload "
            "it again.")
TOO_SLOW = ("The file takes too long to read; delete what is not needed in it, or split it into smaller "
            "files, and upload it again.")


# --- helpers -------------------------------------------------------------------------------------------

def workbook(rows_xml, *, shared=None, dimension=None, parts=None, compression=zipfile.ZIP_DEFLATED):
    """An XLSX file written part by part: one sheet whose <sheetData> holds ``rows_xml``, the shared
    strings ``shared`` (the <si> items) if any, and ``parts`` added or replaced by name."""
    types = ['<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
             '+xml"/>', '<Default Extension="xml" ContentType="application/xml"/>',
             f'<Override PartName="/xl/workbook.xml" ContentType="{SPREADSHEETML}.sheet.main+xml"/>',
             f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SPREADSHEETML}.worksheet+xml"/>']
    relationships = [f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" '
                     'Target="worksheets/sheet1.xml"/>']
    if shared is not None:
        types.append(f'<Override PartName="/xl/sharedStrings.xml" '
                     f'ContentType="{SPREADSHEETML}.sharedStrings+xml"/>')
        relationships.append(f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/sharedStrings" '
                             f'Target="sharedStrings.xml"/>')
    dimension = f'<dimension ref="{dimension}"/>' if dimension else ""
    files = {
        "[Content_Types].xml": f'<Types xmlns="{TYPES}">{"".join(types)}</Types>',
        "_rels/.rels": f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}"><Relationship Id="rId1" '
                       f'Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>'
                           f'<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
                                      f'{"".join(relationships)}</Relationships>',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN}">{dimension}<sheetData>{rows_xml}</sheetData>'
                                    f'</worksheet>',
    }
    if shared is not None:
        files["xl/sharedStrings.xml"] = f'<sst xmlns="{MAIN}">{shared}</sst>'
    files.update(parts or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def openpyxl_workbook(rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def english(message):
    with force_language("en"):
        return str(message)


def measured(read):
    """What ``read()`` returns or raises, and the peak of memory it allocated."""
    tracemalloc.start()
    try:
        try:
            outcome = read()
        except Unreadable as unreadable:
            outcome = unreadable
        return outcome, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def refusal(data, max_rows=1000, **limits):
    """Why the file is refused, in English; reading it stayed under PEAK."""
    outcome, peak = measured(lambda: read_rows(data, max_rows, limits=Limits(**limits)))
    assert peak < PEAK, f"{peak / MB:.0f} MB"
    assert isinstance(outcome, Unreadable), f"read: {str(outcome)[:200]}"
    return english(outcome.reason)


def rows_of(data, max_rows=1000, **limits):
    """The rows of a file that is read; reading it stayed under PEAK."""
    outcome, peak = measured(lambda: read_rows(data, max_rows, limits=Limits(**limits)))
    assert peak < PEAK, f"{peak / MB:.0f} MB"
    assert not isinstance(outcome, Unreadable), english(outcome.reason)
    return outcome


# --- what legitimate files still give -------------------------------------------------------------------

def test_a_workbook_as_excel_writes_it_reads_as_before():
    """Shared and inline strings, numbers, dates, booleans, formulas (their cached value), empty cells and
    rows, cells without a reference: as the spreadsheet shows them, row numbers kept."""
    data = workbook(
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr">'
        '<is><t>الاسم</t></is></c></row>'
        '<row r="3" spans="1:5"><c r="A3"><v>20240001</v></c><c r="B3"><v>85.5</v></c>'
        '<c r="C3" t="b"><v>1</v></c><c r="D3"><f>B3*2</f><v>171</v></c><c r="F3" s="0"/></row>'
        '<row><c><v>7</v></c><c t="str"><v> x  y </v></c></row>',
        shared="<si><t>Student number</t></si><si><r><t>Mark</t></r><r><t>s</t></r></si>")

    assert rows_of(data) == [["Student number", "Marks", "الاسم"], [], ["20240001", "85.5", "True", "171"],
                             ["7", "x y"]]


def test_an_openpyxl_workbook_and_a_csv_file_read_as_before():
    rows = [["الرقم الجامعي", "الدرجة", "التاريخ"], ["KUF-1", 85.5, date(2026, 10, 4)],
            [20240002, 40, datetime(2026, 10, 4, 9, 30)]]
    assert rows_of(openpyxl_workbook(rows)) == [["الرقم الجامعي", "الدرجة", "التاريخ"],
                                                ["KUF-1", "85.5", "2026-10-04"],
                                                ["20240002", "40", "2026-10-04T09:30:00"]]
    text = "a;b;\r\n\r\n1;\"x;y\";\r\n".encode("utf-8-sig")
    assert rows_of(text) == [["a", "b"], [], ["1", "x;y"]]


def test_empty_cells_far_right_are_skipped_not_padded():
    """A row that declares 16,384 columns (spans) and has an empty, formatted cell at XFD, a thousand
    times: openpyxl would make each row 16,384 cells wide; it is read as wide as its values."""
    rows_xml = "".join(f'<row r="{n}" spans="1:16384"><c r="A{n}"><v>{n}</v></c><c r="XFD{n}" s="1"/></row>'
                       for n in range(1, 1001))
    rows = rows_of(workbook(rows_xml), max_rows=1000)
    assert rows[0] == ["1"] and rows[-1] == ["1000"] and len(rows) == 1000


def test_a_declared_dimension_of_a_whole_sheet_is_not_believed():
    data = workbook('<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>',
                    dimension="A1:XFD1048576")
    assert rows_of(data) == [["a"]]


def test_excel_empty_cells_in_a_csv_file_further_right_are_dropped():
    text = ("a,b" + "," * 500 + "\r\n1,2" + "," * 500 + "\r\n").encode()
    assert rows_of(text) == [["a", "b"], ["1", "2"]]


# --- XLSX: refused past the limits, within bounded memory -------------------------------------------------

def test_a_value_further_right_than_the_limit_is_refused():
    assert refusal(workbook('<row r="1"><c r="A1"><v>1</v></c><c r="XFD1"><v>2</v></c></row>')) == COLUMNS
    assert refusal(workbook('<row r="1"><c r="CW1" t="inlineStr"><is><t>x</t></is></c></row>')) == COLUMNS
    assert rows_of(workbook('<row r="1"><c r="CV1"><v>1</v></c></row>')) == [[""] * 99 + ["1"]]


def test_a_hundred_thousand_empty_rows_are_counted():
    assert refusal(workbook("<row/>" * 100_000 + '<row><c><v>1</v></c></row>')) == ROWS


def test_a_row_numbered_a_million_is_refused_before_its_gap_is_filled():
    assert refusal(workbook('<row r="1"><c><v>1</v></c></row><row r="1048576"><c><v>2</v></c></row>')) == ROWS
    assert refusal(workbook('<row r="1"><c><v>1</v></c></row><row r="1e6"/>')) == ROWS


def test_one_row_of_three_hundred_thousand_cells_is_refused():
    """1.2 MB, stored: no compression trick, a row openpyxl would build whole (~90 MB)."""
    data = workbook('<row r="1">' + "<c/>" * 300_000 + "</row>", compression=zipfile.ZIP_STORED)
    assert refusal(data) == COLUMNS


def test_every_cell_counts_empty_ones_too():
    """Stored (no compression trick): empty cells, a thousand a row, that openpyxl parses one by one."""
    rows_xml = "".join(f'<row r="{n}">' + "<c/>" * 1_000 + "</row>" for n in range(1, 31))
    assert refusal(workbook(rows_xml, compression=zipfile.ZIP_STORED), cells=20_000) == CELLS % 20000
    assert refusal(workbook('<row r="1">' + "<c/>" * 50 + "</row>"), cells=40) == CELLS % 40


def test_a_zip_bomb_in_the_shared_strings_is_refused_before_it_is_inflated():
    data = workbook('<row r="1"><c r="A1" t="s"><v>0</v></c></row>',
                    shared="<si><t>" + "x" * (30 * MB) + "</t></si>")
    assert len(data) < 100_000
    assert refusal(data) == PACKED_ODDLY


def test_shared_strings_are_bounded_by_count_and_by_length():
    many = workbook('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', shared="<si/>" * 5_000,
                    compression=zipfile.ZIP_STORED)
    assert refusal(many, cells=1_000) == UNPACKED
    long = workbook('<row r="1"><c r="A1" t="s"><v>0</v></c></row>',
                    shared="<si><t>" + "x" * (15 * MB) + "</t></si>", compression=zipfile.ZIP_STORED)
    assert refusal(long) == UNPACKED


def test_a_cell_with_megabytes_of_text_is_refused():
    data = workbook('<row r="1"><c r="A1" t="inlineStr"><is><t>' + "نص" * MB + "</t></is></c></row>",
                    compression=zipfile.ZIP_STORED)
    assert refusal(data) == LONG_ROW


def declaring(data, name, size):
    """The zip with the central directory entry of ``name`` declaring ``size`` bytes once inflated (and the
    checksum of the part's first ``size`` bytes), as a hostile file would."""
    data = bytearray(data)
    end = data.rfind(b"PK\x05\x06")
    position = int.from_bytes(data[end + 16:end + 20], "little")  # the central directory
    while data[position:position + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = (int.from_bytes(data[position + at:position + at + 2],
                                                                     "little") for at in (28, 30, 32))
        if data[position + 46:position + 46 + name_length] == name.encode():
            archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
            with archive.open(name) as part:
                start = part.read(size)
            data[position + 16:position + 20] = zlib.crc32(start).to_bytes(4, "little")
            data[position + 24:position + 28] = size.to_bytes(4, "little")
            return bytes(data)
        position += 46 + name_length + extra_length + comment_length
    raise AssertionError(f"no {name}")


def test_a_part_that_inflates_past_the_size_it_declares_is_never_inflated_past_it():
    """zipfile's read() inflates the whole stream before cutting it to the declared size: here 80 MB for
    1,000 bytes. The guard reads every part in chunks, and never gets past the declared size."""
    data = declaring(workbook('<row r="1"><c r="A1"><v>1</v></c></row>',
                              parts={"xl/styles.xml": f'<styleSheet xmlns="{MAIN}">' + " " * (80 * MB)}),
                     "xl/styles.xml", 1000)
    assert len(data) < MB and zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/styles.xml").file_size == 1000

    assert refusal(data) == NOT_XLSX


@pytest.mark.parametrize("limits", [{"unpacked": 4_000}, {"part": 1_000}, {"whole_part": 500},
                                    {"tree_elements": 10}])
def test_the_sizes_of_the_parts_are_bounded(limits):
    data = openpyxl_workbook([["a", 1]])
    assert rows_of(data) == [["a", "1"]]
    assert refusal(data, **limits) == UNPACKED


def test_too_many_parts_are_refused_before_the_zip_is_opened():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(5_000):
            archive.writestr(f"xl/media/{number}.png", b"")
    assert refusal(buffer.getvalue()) == UNPACKED


def test_other_compression_methods_than_excel_uses_are_refused():
    data = openpyxl_workbook([["a", 1]])
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_BZIP2) as archive:
        for entry in source.infolist():
            archive.writestr(entry.filename, source.read(entry))
    assert refusal(buffer.getvalue()) == PACKED_ODDLY


def test_tags_thousands_of_elements_long_and_entities_are_refused():
    tree = workbook('<row r="1"><c r="A1"><v>1</v></c></row></sheetData><mergeCells>'
                    + '<mergeCell ref="A1:B1"/>' * 100_000 + "</mergeCells><sheetData>",
                    compression=zipfile.ZIP_STORED)
    assert refusal(tree) == UNPACKED
    attribute = workbook(f'<row r="1" x="{"x" * (2 * MB)}"><c r="A1"><v>1</v></c></row>',
                         compression=zipfile.ZIP_STORED)
    assert refusal(attribute) == UNPACKED
    entity = workbook('<row r="1"><c r="A1" t="inlineStr"><is><t>&a;</t></is></c></row>', parts={
        "xl/worksheets/sheet1.xml": f'<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">]><worksheet xmlns="{MAIN}">'
                                    '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&a;</t></is></c>'
                                    "</row></sheetData></worksheet>"})
    assert refusal(entity) == NOT_XLSX


def test_the_time_budget_is_enforced():
    header = ["a", "b", "c", "d", "e"]
    rows = [[f"KUF-{n}", "فاطمة عباس حسن الكعبي", "Fatima Abbas", n, n * 1.5] for n in range(2_000)]
    for data in (openpyxl_workbook([header, *rows]), spreadsheets.csv_bytes(header, rows)):
        assert len(read_rows(data, 2_000)) == 2_001
        with pytest.raises(Unreadable) as refused:
            read_rows(data, 2_000, limits=Limits(seconds=0.001))
        assert english(refused.value.reason) == TOO_SLOW


def test_the_rows_read_empty_ones_too_follow_max_rows():
    assert Limits().lines_for(3) == 10_000 and Limits().lines_for(2_000) == 20_000
    assert Limits(lines=50).lines_for(2_000) == 50
    data = workbook("<row/>" * 60 + '<row><c><v>1</v></c></row>')
    assert len(rows_of(data, lines=61)) == 61
    assert refusal(data, lines=60).startswith("The file has more than 60 rows, counting the empty ones")


def test_too_many_filled_rows_is_still_too_many_rows():
    data = workbook("".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(1, 6)))
    with pytest.raises(spreadsheets.TooManyRows):
        read_rows(data, 3)


# --- CSV: refused past the limits, within bounded memory --------------------------------------------------

@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_a_line_of_a_hundred_thousand_separators_is_refused(separator):
    assert refusal(f"a{separator}b\r\n{separator * 100_000}\r\n".encode()) == COLUMNS


def test_a_field_with_text_further_right_than_the_limit_is_refused():
    assert refusal(("a" + "," * 150 + "x\r\n").encode()) == COLUMNS


def test_a_million_empty_lines_are_refused():
    assert refusal(b"a,b\r\n" + b"\r\n" * 1_000_000) == ROWS


def test_every_field_counts_empty_ones_too():
    assert refusal(b"a,b\r\n" + b",,,,\r\n" * 100, cells=300) == CELLS % 300


def test_a_row_of_megabytes_is_refused_before_it_is_split():
    assert refusal(b"a,b\r\n" + b"x" * (3 * MB) + b"\r\n") == LONG_ROW
    quoted = b'a,b\r\n"' + b"x\r\n" * 50_000 + b'"\r\n'  # one field over 50,000 lines
    assert refusal(quoted) == LONG_ROW


def test_a_csv_file_over_the_size_limit_is_refused_before_it_is_decoded():
    assert refusal(b"a,b\r\n" * 1_000, text=4_000) == \
        "The CSV file is larger than 1 MB; split it into smaller files."


# --- the CSV export: no formula, whatever the separator ----------------------------------------------------

HOSTILE_TEXTS = ["Ali;=1+1", "Ali,=1+1", "Ali\t=1+1", "Ali; +cmd|' /C calc'!A0", "=1+1", " =1+1", "+1+1",
                 "-2+3", "@SUM(A1)", "\t=1", "a\n=1", "a\r\n@x", '=HYPERLINK("http://example.com","x")',
                 "Ali, Hasan", 'quote " inside', "فاطمة؛=1+1"]
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def fields_as_read(data):
    """Every field of the file as a spreadsheet program might split it: with each separator, honouring the
    quotes or not."""
    text = data.decode("utf-8-sig")
    for delimiter in (",", ";", "\t"):
        for quoting in (csv.QUOTE_MINIMAL, csv.QUOTE_NONE):
            for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quoting=quoting):
                yield from row


def runs_as_a_formula(field):
    """Whether Excel or LibreOffice (trimming spaces, evaluating formulas) would run the field."""
    return field.lstrip(" ").startswith(FORMULA_STARTS) and not NUMBER.fullmatch(field)


def test_no_field_of_the_csv_export_runs_as_a_formula_under_any_separator():
    header = ["Student number", "Name", "Quiz; -5", "Mark"]
    rows = [[f"KUF-{n}", text, Decimal(-3), Decimal("40.5")] for n, text in enumerate(HOSTILE_TEXTS)]
    rows.append(["KUF-99", "Ali", "-3", 85])

    data = spreadsheets.csv_bytes(header, rows)

    fields = list(fields_as_read(data))
    assert fields and not [field for field in fields if runs_as_a_formula(field)]
    read_back = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert read_back[0] == ["Student number", "Name", "Quiz;' -5", "Mark"]
    assert [row[2:] for row in read_back[1:]] == [["-3", "40.5"]] * len(HOSTILE_TEXTS) + [["-3", "85"]]
    assert [row[1] for row in read_back[1:-1]] == [spreadsheets.formula_safe(text) for text in HOSTILE_TEXTS]


def test_numbers_stay_numbers_and_text_with_a_separator_is_quoted():
    data = spreadsheets.csv_bytes(["a", "b"], [[Decimal(-3), "40.5"], ["x;y", "x\ty"], ["Ali;=1+1", None]])
    assert data.decode("utf-8-sig") == 'a,b\r\n-3,40.5\r\n"x;y","x\ty"\r\n"Ali;\'=1+1",\r\n'


@pytest.mark.parametrize(("text", "safe"), [
    ("=1+1", "'=1+1"), ("Ali;=1+1", "Ali;'=1+1"), ("Ali, =1", "Ali,' =1"), ("Ali\t@x", "Ali\t'@x"),
    (" -2+3", "' -2+3"), ("a\n+1", "a\n'+1"), ("-3", "-3"), ("40.5", "40.5"), ("-3.", "'-3."),
    ("Ali, Hasan", "Ali, Hasan"), ("a-b=c", "a-b=c"), ("x@example.org", "x@example.org"), ("", ""),
])
def test_formula_safe(text, safe):
    assert spreadsheets.formula_safe(text) == safe


def test_the_xlsx_export_keeps_text_that_looks_like_a_formula_as_text():
    texts = ["=1+1", "+1+1", "-2+3", "@SUM(A1)", "Ali;=1+1", '=HYPERLINK("http://example.com","x")']
    data = spreadsheets.workbook_bytes(["a", "b"], [*([text, Decimal(-3)] for text in texts), [40.5, 7]], "t")

    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [(cell.value, cell.data_type) for cell in sheet["A"][1:]] == \
        [(text, "s") for text in texts] + [(40.5, "n")]
    assert {cell.data_type for cell in sheet["B"][1:]} == {"n"}
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml and b"<f " not in sheet_xml


# --- the rows of a file, as the imports read them ------------------------------------------------------

def test_read_rows_gives_clean_text_and_keeps_row_numbers():
    data = openpyxl_workbook([["a", "b"], [20240001, 85.5, " x\u202e y "]])
    assert spreadsheets.read_rows(data, 10) == [["a", "b"], ["20240001", "85.5", "x y"]]
    text = csv_file([["a", "b"], [], ["1", "غ"]], "cp1256")
    assert spreadsheets.read_rows(text, 10) == [["a", "b"], [], ["1", "غ"]]


def test_the_csv_delimiter_is_the_one_that_splits_the_most_known_headers():
    assert spreadsheets.csv_delimiter("a;b,c;d\r\n", lambda cell: cell in ("a", "b,c", "d")) == ";"
    assert spreadsheets.csv_delimiter("a;b,c;d\r\n", lambda cell: cell in ("a;b", "c;d")) == ","
    assert spreadsheets.csv_delimiter("a\tb\tc\r\n1\t2\t3\r\n") == "\t"


def test_too_many_rows_is_a_kind_of_unreadable():
    with pytest.raises(spreadsheets.Unreadable) as unreadable:
        spreadsheets.read_rows(csv_file([["h"], ["1"], [""], ["2"]]), 1)
    assert isinstance(unreadable.value, spreadsheets.TooManyRows) and unreadable.value.limit == 1
    with pytest.raises(spreadsheets.Unreadable):
        spreadsheets.read_rows(b"x" * 20, 10, max_bytes=10)


def csv_file(rows, encoding="utf-8", delimiter=","):
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


# --- uploaded sheets kept between their preview and their confirmation ----------------------------------

@pytest.fixture
def kept_folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    return tmp_path / "uploads" / kept.PENDING_KIND


def test_a_kept_sheet_is_found_by_its_token_until_it_is_forgotten(kept_folder):
    token = kept.store_pending(b"student_number\r\n1\r\n")

    assert kept.load_pending(token) == b"student_number\r\n1\r\n"
    assert [path.name for path in kept_folder.iterdir()] == [token]  # no partial file left behind
    kept.delete_pending(token)
    assert kept.load_pending(token) is None


@pytest.mark.parametrize("token", [None, 12, "", "../../etc/passwd", "a" * 31, "a" * 32 + "/", "a" * 33])
def test_a_malformed_token_finds_nothing_and_deletes_nothing(kept_folder, token):
    stored = kept.store_pending(b"x")

    assert kept.load_pending(token) is None
    kept.delete_pending(token)
    assert kept.load_pending(stored) == b"x"


def test_sheets_nobody_confirmed_within_a_day_are_swept_by_the_next_one_kept(kept_folder):
    old, recent = kept.store_pending(b"old"), kept.store_pending(b"recent")
    a_day_ago = time.time() - kept.PENDING_MAX_AGE - 60
    os.utime(kept_folder / old, (a_day_ago, a_day_ago))

    kept.store_pending(b"new")

    assert kept.load_pending(old) is None and kept.load_pending(recent) == b"recent"
