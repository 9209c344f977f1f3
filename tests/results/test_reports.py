"""The donor's report: the XLSX read back with openpyxl, the PDF with poppler (pdftotext, pdffonts), from the
results page and from ``flask reports programme``; both hide counts under 5 that split students."""
import re
import subprocess
from io import BytesIO

import pytest
from openpyxl import load_workbook

from tests.results.builders import small_programme

BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def data():
    return small_programme()


def pdf_text(data):
    result = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    text = result.stdout.decode()
    return BIDI_CONTROLS.sub("", text)


def sheets_of(data):
    book = load_workbook(BytesIO(data))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
            for sheet in book.worksheets}


def sheet_titled(sheets, title):
    return next(rows for rows in sheets.values() if rows and rows[0][0] == title)


def test_the_workbook_has_one_sheet_per_table_with_english_headings(client, login_as, data):
    login_as(data.admin)
    response = client.get("/results/report.xlsx?language=en")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Cache-Control"] == "private, no-store"
    sheets = sheets_of(response.data)
    assert len(sheets) == 10
    pass_rates = sheet_titled(sheets, "Pass rates per course")
    assert pass_rates[1] == ["Course", "Students with a mark", "Passed in the first round (%)",
                             "Passed after the second round (%)"]
    # X: 66.7 % and 77.8 % of 9 would say 3 and 2 failed: withheld. Y: 7 of 7 passed; numbers stay numbers.
    assert pass_rates[2] == ["PCSX01 Conflict Analysis", 9, "withheld", "withheld"]
    assert pass_rates[3] == ["PCSY02 Social Cohesion", 7, 100, 100]
    # B's one woman graduate and A's one man: withheld, and the cells that would give them back too.
    gender = sheet_titled(sheets, "Graduates: women and men")
    assert gender[2] == ["University A", "withheld", "withheld", "withheld"]
    assert gender[3] == ["University B", "withheld", 0, "withheld"]
    assert not any(value == 1 for row in gender[2:] for value in row)
    assert any(row and isinstance(row[0], str) and row[0].startswith("“Withheld”: a count under 5")
               for row in gender)


def test_the_arabic_workbook_has_arabic_headings_and_reads_right_to_left(client, login_as, data):
    login_as(data.admin)
    data_ = client.get("/results/report.xlsx?language=ar").data
    book = load_workbook(BytesIO(data_))
    assert all(sheet.sheet_view.rightToLeft for sheet in book.worksheets)
    sheets = sheets_of(data_)
    bands = sheet_titled(sheets, "التقديرات حسب المقرر")
    assert bands[1] == ["المقرر الدراسي", "امتياز", "جيد جداً", "جيد", "متوسط", "مقبول", "راسب",
                        "الطلبة ذوو الدرجات"]
    # X: 1 E, 2 VG, 1 G, 1 F, 2 P, 2 Fail of 9 — every band count is under 5.
    assert bands[2] == ["PCSX01 تحليل النزاعات", *["محجوب"] * 6, 9]


def test_the_pdf_report_in_arabic(client, login_as, data):
    login_as(data.admin)
    response = client.get("/results/report.pdf?language=ar")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    # In logical order, as a reader copies it.
    assert "البرنامج بالأرقام" in text
    assert "التقرير الإحصائي للجهة المانحة" in text
    assert "نسب النجاح حسب المقرر" in text
    # Y's pass rate in Arabic-Indic digits (the programme's setting). pdftotext copies the sign ٪ (a neutral
    # character, drawn on the number's left in a right-to-left line) before the digits: "٪١٠٠٫٠".
    assert "١٠٠٫٠" in text and "٪" in text
    assert "100.0" not in text
    assert "٦٦٫٧" not in text  # X's, which would say 3 failed, is withheld
    assert "٧٨٫٦٤" in text  # A's average mark
    assert "محجوب" in text
    fonts = subprocess.run(["pdffonts", "-"], input=response.data, capture_output=True, check=True).stdout
    lines = fonts.decode().splitlines()[2:]
    assert lines and all(line.split()[-5:-3] == ["yes", "yes"] for line in lines)  # embedded, subset
    assert all("Amiri" in line for line in lines)


def test_the_pdf_report_in_english_with_western_digits(client, login_as, data):
    login_as(data.admin)
    text = pdf_text(client.get("/results/report.pdf?language=en").data)
    assert "The programme in numbers" in text and "Report for the donor" in text
    assert "100.0%" in text and "78.64" in text and "withheld" in text
    assert "66.7%" not in text


def test_the_command_line_writes_both_formats(runner, data, tmp_path):
    pdf = tmp_path / "report.pdf"
    result = runner.invoke(args=["reports", "programme", "--language", "en", "-o", str(pdf)])
    assert result.exit_code == 0, result.output
    assert f"Written to {pdf}." in result.output
    assert "Pass rates per course" in pdf_text(pdf.read_bytes())
    xlsx = tmp_path / "report.xlsx"
    result = runner.invoke(args=["reports", "programme", "--language", "ar", "-o", str(xlsx),
                                 "--university", "UBB"])
    assert result.exit_code == 0, result.output
    labels = {row[0] for rows in sheets_of(xlsx.read_bytes()).values() for row in rows}
    assert "جامعة باء" in labels and "جامعة ألف" not in labels


@pytest.mark.parametrize("arguments, message", [
    (["-o", "report.docx"], "Give a file name ending in .pdf or .xlsx."),
    (["-o", "report.pdf", "--university", "ZZZ"], "No university has the code or name ZZZ. Use one of: "),
    (["-o", "report.pdf", "--cohort", "9999"], "No cohort has the number 9999."),
    (["-o", "report.pdf", "--year", "1990"], "No term begins in the academic year 1990–1991."),
])
def test_the_command_line_refuses_what_it_cannot_do(runner, data, tmp_path, monkeypatch, arguments, message):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(args=["reports", "programme", "--language", "en", *arguments])
    assert result.exit_code == 1
    assert f"Error: {message}" in result.output
    assert list(tmp_path.iterdir()) == []


def test_the_command_line_speaks_arabic(runner, data, tmp_path):
    result = runner.invoke(args=["reports", "programme", "-o", str(tmp_path / "report.txt")])
    assert result.exit_code == 1
    assert "اكتب اسم ملف ينتهي" in result.output
