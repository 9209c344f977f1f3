"""The gradebook's spreadsheet file format (diploma.grading.marks_spreadsheet.file_format, on
diploma.spreadsheets): the XLSX export (Arabic headers, right to left, numbers as numbers), the CSV export
(UTF-8 with a BOM), the template of the student list, and what a file of marks is read as — its headers in
either language, its encodings and separators, and every problem at its row and column."""
import codecs
import csv
import io

import pytest

from diploma.audit import AuditEvent
from diploma.enrolment import services as enrolment_services
from diploma.extensions import db
from diploma.grading import marks_spreadsheet
from diploma.grading.marks_spreadsheet import file_format
from diploma.i18n import force_language
from tests.grading.conftest import assessment
from tests.grading.marks_spreadsheet import (
    AR_HEADER,
    AR_TOTALS,
    EN_HEADER,
    EN_TOTALS,
    csv_file,
    imported,
    numbers,
    rejected,
    stored,
    values,
    worksheet,
    xlsx_file,
)

# --- export ------------------------------------------------------------------------------------------

def test_the_arabic_export_is_a_right_to_left_sheet_with_arabic_headers_and_numbers(room):
    data = marks_spreadsheet.export_xlsx(room.sheet(), "ar")

    sheet = worksheet(data)
    assert sheet.sheet_view.rightToLeft is True
    assert sheet.freeze_panes == "C2"
    assert [cell.font.b for cell in sheet[1]] == [True] * 7
    assert values(data) == [
        AR_HEADER + AR_TOTALS,
        [numbers(room)[0], room.students[0].user.name_ar, 35.5, 50, 44.2, "راسب", "الأول"],
        [numbers(room)[1], room.students[1].user.name_ar, "غ", 90, 54, "مقبول", "الأول"],
        [numbers(room)[2], room.students[2].user.name_ar, None, None, None, None, None],
    ]
    assert [cell.data_type for cell in sheet[2]] == ["s", "s", "n", "n", "n", "s", "s"]
    widths = [sheet.column_dimensions[letter].width for letter in "ABCDEFG"]
    assert all(10 <= width <= 60 for width in widths)
    assert widths[2] >= len(AR_HEADER[2])


def test_the_english_export_is_left_to_right_with_english_headers(room):
    data = marks_spreadsheet.export_xlsx(room.sheet(), "en")

    assert worksheet(data).sheet_view.rightToLeft in (False, None)
    rows = values(data)
    assert rows[0] == EN_HEADER + EN_TOTALS
    assert rows[1][1:] == [room.students[0].user.name_en, 35.5, 50, 44.2, "Fail", "First"]
    assert rows[2][2] == "absent"


def test_once_the_second_round_is_open_the_export_has_its_column(room):
    room.type(room.lecturer, {1: (None, None), 2: ("40", "70")})
    room.submit()
    room.publish()
    room.open_second_round()
    room.type(room.lecturer, {0: "80"}, attempt=2)

    rows = values(marks_spreadsheet.export_xlsx(room.sheet(), "ar"))

    assert rows[0] == [*AR_HEADER, "الدور الثاني: الامتحان النهائي من 100", *AR_TOTALS]
    assert rows[1][2:] == [35.5, 50, 80, 50, "مقبول", "الثاني"]  # capped at the pass mark
    assert rows[2][2:] == ["غ", 90, None, 54, "مقبول", "الأول"]


def test_the_csv_export_is_utf8_with_a_bom_and_plain_numbers(room):
    data = marks_spreadsheet.export_csv(room.sheet(), "ar")

    assert data.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows == [
        AR_HEADER + AR_TOTALS,
        [numbers(room)[0], room.students[0].user.name_ar, "35.5", "50", "44.2", "راسب", "الأول"],
        [numbers(room)[1], room.students[1].user.name_ar, "غ", "90", "54", "مقبول", "الأول"],
        [numbers(room)[2], room.students[2].user.name_ar, "", "", "", "", ""],
    ]
    english = marks_spreadsheet.export_csv(room.sheet(), "en").decode("utf-8-sig")
    assert english.splitlines()[0] == ",".join(EN_HEADER + EN_TOTALS)
    assert ",absent,90," in english


@pytest.mark.parametrize("name", ['=HYPERLINK("http://example.com","x")', "+1+1", "-2+3", "@SUM(A1)"])
def test_text_that_looks_like_a_formula_stays_text(room, name):
    room.students[0].user.name_en = name
    db.session.commit()

    cell = worksheet(marks_spreadsheet.export_xlsx(room.sheet(), "en"))["B2"]
    assert (cell.value, cell.data_type) == (name, "s")
    assert worksheet(marks_spreadsheet.template_xlsx(room.sheet(), "en"))["B2"].data_type == "s"
    line = marks_spreadsheet.export_csv(room.sheet(), "en").decode("utf-8-sig").splitlines()[1]
    assert next(csv.reader([line]))[1] == f"'{name}"


# --- the template ------------------------------------------------------------------------------------

def test_the_template_lists_the_students_with_an_empty_column_per_assessment(room):
    data = marks_spreadsheet.template_xlsx(room.sheet(), "ar")

    assert worksheet(data).sheet_view.rightToLeft is True
    assert values(data) == [AR_HEADER] + [[student.student_number, student.user.name_ar, None, None]
                                          for student in room.students]
    english = values(marks_spreadsheet.template_xlsx(room.sheet(), "en"))
    assert english[0] == EN_HEADER
    assert english[1][1] == room.students[0].user.name_en


def test_the_second_round_template_lists_only_the_students_who_failed(room):
    room.type(room.lecturer, {2: ("40", "70")})
    room.submit()
    room.publish()
    room.open_second_round()

    rows = values(marks_spreadsheet.template_xlsx(room.sheet(), "ar"))

    assert rows == [["الرقم الجامعي", "اسم الطالب", "الدور الثاني: الامتحان النهائي من 100"],
                    [numbers(room)[0], room.students[0].user.name_ar, None]]


# --- import ------------------------------------------------------------------------------------------

def filled_template(room, language="ar"):
    """The template as a lecturer fills it in: Arabic-Indic digits, an absence, a student left blank."""
    rows = values(marks_spreadsheet.template_xlsx(room.sheet(), language))
    rows[1][2:] = ["٣٠٫٥", "٨٥"]
    rows[2][2:] = ["40", "غ"]
    return rows


FORMATS = {
    "xlsx": xlsx_file,
    "csv-utf-8": lambda rows: csv_file(rows),
    "csv-utf-8-bom": lambda rows: csv_file(rows, "utf-8-sig"),
    "csv-utf-16": lambda rows: csv_file(rows, "utf-16"),
    "csv-semicolons": lambda rows: csv_file(rows, "utf-8-sig", ";"),
    "csv-tabs": lambda rows: csv_file(rows, "utf-8", "\t"),
}


@pytest.mark.parametrize("encode", FORMATS.values(), ids=FORMATS.keys())
def test_a_filled_template_fills_the_marks(classroom, encode):
    room = classroom(3)
    room.gradebook()

    outcome = imported(room.lecturer, room, encode(filled_template(room)))

    assert (outcome.saved, outcome.unchanged) == (4, 0)
    assert stored(room) == {(0, 0, 1): "30.5", (0, 1, 1): "85", (1, 0, 1): "40", (1, 1, 1): "غ"}


def test_a_windows_1256_csv_with_arabic_headers_is_read(classroom):
    room = classroom(2)
    room.gradebook()
    rows = values(marks_spreadsheet.template_xlsx(room.sheet(), "ar"))
    rows[1][2:] = ["12.25", "غ"]
    rows[2][2:] = ["40", "60"]

    imported(room.lecturer, room, csv_file(rows, "cp1256", ";"))

    assert stored(room) == {(0, 0, 1): "12.25", (0, 1, 1): "غ", (1, 0, 1): "40", (1, 1, 1): "60"}


def test_english_headers_bare_names_and_extra_columns_are_understood(classroom):
    room = classroom(2)
    room.gradebook([assessment("Coursework", 30, 30, name_ar="السعي"), assessment("Midterm", 20, 50),
                    assessment("Final", 50, final=True, name_ar="النهائي")])
    rows = [["ت", "Student No", "Name", "coursework", "تقييم Midterm", "Final (50%) out of 100",
             "Course mark", "التقدير", "Round"],
            ["1", numbers(room)[1].lower(), "x", "٢٥", "50", "absent", "99", "امتياز", "First"],
            ["2", numbers(room)[0], "y", "", "", "", "", "", ""]]

    imported(room.lecturer, room, xlsx_file(rows))

    assert stored(room) == {(1, 0, 1): "25", (1, 1, 1): "50", (1, 2, 1): "غ"}


def test_numbers_typed_in_excel_cells_are_read_as_excel_shows_them(classroom):
    room = classroom(1)
    room.students[0].student_number = "20240001"
    db.session.commit()
    room.gradebook()

    imported(room.lecturer, room, xlsx_file([EN_HEADER, [20240001, "", 33.25, 100]]))

    assert stored(room) == {(0, 0, 1): "33.25", (0, 1, 1): "100"}


def test_the_export_imported_back_changes_nothing(room):
    outcome = imported(room.lecturer, room, marks_spreadsheet.export_xlsx(room.sheet(), "ar"))
    assert (outcome.saved, outcome.unchanged) == (0, 4)
    again = imported(room.lecturer, room, marks_spreadsheet.export_csv(room.sheet(), "en"))
    assert (again.saved, again.unchanged) == (0, 4)


def test_the_import_overwrites_the_current_marks_and_empty_cells_keep_theirs(room):
    version = room.score(0, 0).version

    imported(room.lecturer, room, xlsx_file([AR_HEADER, [numbers(room)[0], "", "36", ""]]))

    assert stored(room) == {(0, 0, 1): "36", (0, 1, 1): "50", (1, 0, 1): "غ", (1, 1, 1): "90"}
    assert room.score(0, 0).version == version + 1
    changes = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "score.changed")
                                 .order_by(AuditEvent.id.desc())).first()
    assert (changes.data["old"], changes.data["new"]) == ("35.5", "36")
    summary = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "gradebook.marks_imported"))
    assert summary.data["saved"] == 1


def test_a_bad_file_saves_nothing_and_lists_every_problem_with_its_row_and_column(room):
    before = stored(room)
    data = xlsx_file([
        AR_HEADER,
        [numbers(room)[2], "", "40", "70"],  # good, but not saved: the file is refused
        ["NOBODY-1", "", "40", "70"],
        [numbers(room)[0], "", "101", "ثمانون"],
        [numbers(room)[1], "", "12.345", "-3"],
        ["", "", "20", ""],
    ])

    problems = rejected(room.lecturer, room, data)

    assert problems == [
        "Row 3, column الرقم الجامعي: no student of this course has this student number",
        "Row 4, column السعي (40%) من 100: The mark must be between 0 and 100.",
        "Row 4, column الامتحان النهائي (60%) من 100: Not a mark: type a number, or غ for absent.",
        "Row 5, column السعي (40%) من 100: At most two decimals.",
        "Row 5, column الامتحان النهائي (60%) من 100: Not a mark: type a number, or غ for absent.",
        "Row 6, column الرقم الجامعي: required",
    ]
    assert stored(room) == before
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "gradebook.marks_imported")) == 0


def test_the_problems_are_shown_in_arabic_too(room):
    data = xlsx_file([AR_HEADER, ["NOBODY-1", "", "1", "1"]])
    with pytest.raises(marks_spreadsheet.MarksRejected) as refusal:
        marks_spreadsheet.import_marks(room.lecturer, room.offering, data)
    db.session.rollback()

    with force_language("ar"):
        shown = [str(problem) for problem in refusal.value.problems]
    assert len(shown) == 1 and shown[0].startswith("الصف 2") and "الرقم الجامعي" in shown[0]


def test_duplicate_rows_and_unknown_or_repeated_columns_are_problems(room):
    data = csv_file([
        [*AR_HEADER, "Quiz (10%) out of 10", "Coursework"],
        [numbers(room)[0], "", "30", "60", "5", ""],
        [numbers(room)[0], "", "31", "", "", ""],
    ], "utf-8-sig")

    assert rejected(room.lecturer, room, data) == [
        "Row 1, column Quiz (10%) out of 10: not an assessment of this course "
        "(download the template to see the column names)",
        "Row 1, column Coursework: appears twice in the header row",
        "Row 3, column الرقم الجامعي: appears twice in the file (row 2)",
    ]


def test_a_file_without_a_student_number_column_or_marks_is_refused(room):
    assert rejected(room.lecturer, room, xlsx_file([AR_HEADER[1:], ["x", "1", "2"]])) == [
        "Row 1, column Student number: missing from the header row"]
    assert rejected(room.lecturer, room, xlsx_file([AR_HEADER[:2], [numbers(room)[0], "x"]])) == [
        "No column of the file names an assessment of this course. Download the template to see the column "
        "names."]
    assert rejected(room.lecturer, room, marks_spreadsheet.template_xlsx(room.sheet(), "ar")) == [
        "The file has no marks to import."]


@pytest.mark.parametrize(("data", "problem"), [
    (b"", "The file is empty."),
    (b"\xd0\xcf\x11\xe0" + bytes(100), "Old Excel files (.xls) are not accepted: save the sheet as an Excel "
                                       "workbook (.xlsx) or as CSV and upload it again."),
    (b"PK\x03\x04 not really a workbook", "The file could not be read as an Excel workbook (XLSX)."),
    (b"\x00\x01\x02binary", "This file is neither a CSV file nor an Excel workbook (XLSX)."),
    (b"\r\n ,  \r\n", "The file is empty."),
])
def test_unreadable_files_are_refused_with_the_reason(room, data, problem):
    assert rejected(room.lecturer, room, data) == [problem]


def test_a_file_with_too_many_rows_is_refused(room, monkeypatch):
    monkeypatch.setattr(file_format, "MAX_ROWS", 2)
    rows = [AR_HEADER, *([number, "", "1", "1"] for number in numbers(room))]

    assert rejected(room.lecturer, room, csv_file(rows)) == [
        "The file has more than 2 rows; split it into smaller files."]


def test_students_of_another_offering_or_withdrawn_are_unknown(room, classroom):
    other = classroom(1)
    enrolment_services.withdraw_student(room.registrar, room.enrolments[2])
    db.session.commit()
    data = xlsx_file([EN_HEADER, [numbers(other)[0], "", "10", "10"], [numbers(room)[2], "", "10", "10"]])

    assert rejected(room.lecturer, room, data) == [
        "Row 2, column Student number: no student of this course has this student number",
        "Row 3, column Student number: no student of this course has this student number"]


def test_an_assessment_named_like_a_formula_stays_text_in_the_headers(classroom):
    room = classroom(1)
    room.gradebook([assessment("=1+1", 40, name_ar="=HYPERLINK(\"http://example.com\")"),
                    assessment("Final", 60, final=True)])

    for language in ("ar", "en"):
        for export in (marks_spreadsheet.export_xlsx, marks_spreadsheet.template_xlsx):
            cell = worksheet(export(room.sheet(), language))["C1"]
            assert (cell.data_type, cell.value[0]) == ("s", "=")
    header = marks_spreadsheet.export_csv(room.sheet(), "en").decode("utf-8-sig").splitlines()[0]
    assert next(csv.reader([header]))[2] == "'=1+1 (40%) out of 100"
