"""Bulk enrolment import, the rules: reading CSV (three encodings, three delimiters) and XLSX, every kind of
bad row reported with its row and column, all or nothing, and what a good file creates."""
import codecs
import io

import openpyxl
import pytest
from flask_babel import gettext

from diploma import spreadsheets
from diploma.audit import AuditEvent, events_for
from diploma.auth.models import User
from diploma.enrolment import importing, services
from diploma.enrolment.importing import ImportRejected, header_key, prepare_import
from diploma.enrolment.models import Enrolment, Student
from diploma.extensions import db
from diploma.i18n import force_language
from tests.enrolment.import_files import counts, csv_bytes, student_row, xlsx_bytes

ARABIC_HEADER = [importing.ARABIC_HEADERS[key] for key in importing.COLUMNS]


def problems_of(plan):
    return [(problem.row, problem.column) for problem in plan.problems]


def in_english(problem):
    with force_language("en"):
        return str(problem)


def find_student(number, university):
    db.session.expire_all()
    return db.session.scalar(db.select(Student).where(Student.student_number == number,
                                                      Student.university_id == university.id))


# --- reading -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "key"), [
    ("student_number", "student_number"), ("Student Number", "student_number"),
    (" STUDENT_NUMBER ", "student_number"),
    ("الرقم الجامعي", "student_number"), ("الرقم  الجامعي", "student_number"),
    ("الاسم الرباعي", "name_ar"), ("الاسم بالإنكليزية", "name_en"), ("الاسم بالانكليزية", "name_en"),
    ("البريد الإلكتروني", "email"), ("E-mail", "email"), ("الجنس", "gender"), ("Gender", "gender"),
    ("الدفعة", "cohort"), ("رمز المقرر", "course"), ("Course Code", "course"), ("الفصل الدراسي", "term"),
    ("الرقم الجامعي / student_number", "student_number"), ("notes", None), ("ت", None), ("", None),
])
def test_header_names_in_arabic_or_english_whatever_the_case_and_spaces(text, key):
    assert header_key(text) == key


ENCODED = [
    pytest.param(lambda rows: csv_bytes(rows, "utf-8"), id="csv-utf-8"),
    pytest.param(lambda rows: csv_bytes(rows, "utf-8-sig"), id="csv-utf-8-bom"),
    pytest.param(lambda rows: csv_bytes(rows, "cp1256"), id="csv-windows-1256"),
    pytest.param(lambda rows: csv_bytes(rows, "utf-8-sig", delimiter=";"), id="csv-semicolons"),
    pytest.param(lambda rows: csv_bytes(rows, "cp1256", delimiter=";", header=ARABIC_HEADER),
                 id="csv-windows-1256-semicolons-arabic-header"),
    pytest.param(lambda rows: csv_bytes(rows, "utf-8", delimiter="\t"), id="csv-tabs"),
    pytest.param(lambda rows: csv_bytes(rows, "utf-16"), id="csv-utf-16"),
    pytest.param(xlsx_bytes, id="xlsx"),
    pytest.param(lambda rows: xlsx_bytes(rows, header=ARABIC_HEADER), id="xlsx-arabic-header"),
]


@pytest.mark.parametrize("encode", ENCODED)
def test_every_accepted_format_reads_the_same_rows(kufa, encode):
    rows = [student_row("KUF-101"), student_row("KUF-102", name_ar="عليّ حسين كاظم الموسوي", gender="ذكر",
                                                name_en="Ali Hussein Kadhim Al-Musawi")]

    sheet = importing.read_sheet(encode(rows))

    assert [row.number for row in sheet.rows] == [2, 3]
    assert [row.values for row in sheet.rows] == rows


def test_the_bom_wins_over_the_guess_and_windows_1256_is_the_fallback():
    arabic = "الاسم الرباعي"
    assert spreadsheets.decode_csv(codecs.BOM_UTF8 + arabic.encode("utf-8")) == arabic
    assert spreadsheets.decode_csv(arabic.encode("utf-8")) == arabic
    assert spreadsheets.decode_csv(arabic.encode("cp1256")) == arabic


def test_xlsx_numbers_are_read_as_excel_shows_them(kufa):
    data = xlsx_bytes([student_row(student_number=20240001, email="n20240001@example.org", course="",
                                   term="")])

    plan = prepare_import(kufa["home"], data)

    assert plan.ok, [str(p) for p in plan.problems]
    assert [entry.student_number for entry in plan.new_students] == ["20240001"]


def test_row_numbers_are_the_spreadsheets_even_after_empty_rows(kufa):
    data = csv_bytes([student_row("KUF-101"), ["", "", ""], student_row("KUF-102", gender="x")])

    plan = prepare_import(kufa["home"], data)

    assert problems_of(plan) == [(4, "gender")]


NOT_A_SHEET = "This file is neither a CSV file nor an Excel workbook (XLSX)."


@pytest.mark.parametrize(("data", "reason"), [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00", NOT_A_SHEET),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", NOT_A_SHEET),
    (b"PK\x03\x04 not really a workbook", "The file could not be read as an Excel workbook (XLSX)."),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50,
     "Old Excel files (.xls) are not accepted: save the sheet as an Excel workbook (.xlsx) or as CSV and "
     "upload it again."),
    (b"", "The file is empty."),
    (b"\r\n\r\n", "The file is empty."),
    (b"a,b,c\r\n1,2,3\r\n",
     "The first row does not name the columns. Download the template to see their names."),
    (csv_bytes([]), "The file has no rows of students under its header row."),
])
def test_files_that_are_not_a_sheet_of_students_are_refused(kufa, data, reason):
    plan = prepare_import(kufa["home"], data)

    assert [(problem.row, problem.column, in_english(problem)) for problem in plan.problems] == \
        [(None, None, reason)]


def test_a_file_larger_than_the_upload_limit_is_refused(kufa, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 100)
    plan = prepare_import(kufa["home"], csv_bytes([student_row()]))
    assert [in_english(problem) for problem in plan.problems] == ["The file is too large."]


def test_a_header_without_the_student_number_is_reported_at_row_1(kufa):
    header = [key for key in importing.COLUMNS if key != "student_number"]
    plan = prepare_import(kufa["home"], csv_bytes([["x"] * len(header)], header=header))
    assert problems_of(plan) == [(1, "student_number")]


def test_a_missing_column_a_new_student_needs_is_reported_once_at_row_1(kufa):
    header = [key for key in importing.COLUMNS if key != "gender"]
    rows = [[student_row(number)[key] for key in header] for number in ("KUF-101", "KUF-102")]

    plan = prepare_import(kufa["home"], csv_bytes(rows, header=header))

    assert problems_of(plan) == [(1, "gender")]


def test_existing_students_need_only_their_number_and_columns_not_named_are_ignored(kufa):
    data = csv_bytes([["KUF-001", "PCS102", "First term 2026", "a note"]],
                     header=["student_number", "course", "term", "ملاحظات"])

    plan = prepare_import(kufa["home"], data)

    assert plan.ok
    assert plan.existing_students == [kufa["existing"]]
    assert plan.ignored_columns == ["ملاحظات"]


# --- every kind of bad row -----------------------------------------------------------------------------

def _deactivate(kufa):
    kufa["existing"].user.active = False
    db.session.commit()


def _enrol_existing_in_pcs102(kufa):
    services.enrol_student(None, kufa["offerings"]["PCS102"], kufa["existing"])
    db.session.commit()


def _enrol_existing_in_pcs101(kufa):
    services.enrol_student(None, kufa["offerings"]["PCS101"], kufa["existing"])
    db.session.commit()


BAD_ROWS = [
    ("student number missing", [student_row(student_number="")], None, [(2, "student_number")]),
    ("student number malformed", [student_row("KUF 101", email="kuf101@example.org")], None,
     [(2, "student_number")]),
    ("Arabic name missing", [student_row(name_ar="")], None, [(2, "name_ar")]),
    ("English name missing", [student_row(name_en="  ")], None, [(2, "name_en")]),
    ("e-mail missing", [student_row(email="")], None, [(2, "email")]),
    ("e-mail malformed", [student_row(email="fatima.example.org")], None, [(2, "email")]),
    ("gender unknown", [student_row(gender="x")], None, [(2, "gender")]),
    ("gender missing", [student_row(gender="")], None, [(2, "gender")]),
    ("cohort unknown", [student_row(cohort="الدفعة العاشرة")], None, [(2, "cohort")]),
    ("course unknown", [student_row(course="PCS999")], None, [(2, "course")]),
    ("term unknown", [student_row(term="Summer 1999")], None, [(2, "term")]),
    ("course without a term", [student_row(term="")], None, [(2, "term")]),
    ("term without a course", [student_row(course="")], None, [(2, "course")]),
    ("offering of another university", [student_row(course="PCS104")], None, [(2, "course")]),
    ("offering closed", [student_row(course="PCS103")], None, [(2, "course")]),
    ("the same enrolment twice", [student_row("KUF-101"), student_row("KUF-101")], None, [(3, "course")]),
    ("the same student twice without an enrolment",
     [student_row("KUF-101", course="", term=""), student_row("KUF-101", course="", term="")], None,
     [(3, "student_number")]),
    ("the same student with another name", [student_row("KUF-101"), student_row("KUF-101", course="PCS101",
                                                                                name_en="Other Name")],
     None, [(3, "name_en")]),
    ("one e-mail for two students", [student_row("KUF-101", email="same@example.org"),
                                     student_row("KUF-102", email="same@example.org")], None, [(3, "email")]),
    ("e-mail of another university's student", [student_row(email="OMAR@example.org")], None, [(2, "email")]),
    ("e-mail of another account", [student_row(email="lecturer@example.org")], None, [(2, "email")]),
    ("e-mail of another student of the university", [student_row(email="zainab@example.org")], None,
     [(2, "email")]),
    ("existing student with another e-mail", [student_row("KUF-001", email="new@example.org")], None,
     [(2, "email")]),
    ("existing student already enrolled", [student_row("KUF-001", email="")], _enrol_existing_in_pcs102,
     [(2, "course")]),
    ("existing student deactivated", [student_row("KUF-001", email="")], _deactivate,
     [(2, "student_number")]),
    ("over capacity counting the file's rows",
     [student_row(f"KUF-10{n}", course="PCS101") for n in range(1, 6)], None, [(5, "course"), (6, "course")]),
    ("over capacity with those already enrolled",
     [student_row(f"KUF-10{n}", course="PCS101") for n in range(1, 4)],
     _enrol_existing_in_pcs101, [(4, "course")]),
]


@pytest.mark.parametrize(("rows", "before", "expected"), [case[1:] for case in BAD_ROWS],
                         ids=[case[0] for case in BAD_ROWS])
def test_each_kind_of_bad_row_is_reported_with_its_row_and_column(kufa, rows, before, expected):
    if before:
        before(kufa)
    stored = counts()

    plan = prepare_import(kufa["home"], csv_bytes(rows))

    assert not plan.ok
    assert problems_of(plan) == expected
    with pytest.raises(ImportRejected):
        importing.apply_import(kufa["registrar"], plan)
    db.session.rollback()
    assert counts() == stored


def test_every_problem_of_the_file_is_reported_not_only_the_first(kufa):
    rows = [student_row("KUF-101"), student_row("KUF-102", email="bad", gender="?"), student_row("KUF-103"),
            student_row("KUF-104", cohort="nope", course="PCS103")]

    plan = prepare_import(kufa["home"], xlsx_bytes(rows))

    assert problems_of(plan) == [(3, "email"), (3, "gender"), (5, "cohort"), (5, "course")]


def test_a_student_number_of_another_university_is_a_new_student_here(kufa):
    """Student numbers are unique per university: Mosul's MSL-001 is someone else at Kufa."""
    plan = prepare_import(kufa["home"], csv_bytes([student_row("MSL-001")]))

    assert plan.ok
    assert [entry.student_number for entry in plan.new_students] == ["MSL-001"]


def test_cohorts_and_terms_are_found_by_either_name_or_id_and_courses_by_code_in_any_case(kufa):
    rows = [student_row("KUF-101", cohort="first COHORT", course="pcs102", term="الفصل الأول ٢٠٢٦"),
            student_row("KUF-102", cohort=str(kufa["second_cohort"].id), term=str(kufa["term"].id)),
            student_row("KUF-103", cohort="الدفعه الاولى", gender="F")]

    plan = prepare_import(kufa["home"], csv_bytes(rows))

    assert plan.ok, [str(p) for p in plan.problems]
    assert [entry.cohort.name_en for entry in plan.new_students] == ["First cohort", "Second cohort",
                                                                     "First cohort"]
    assert [entry.gender for entry in plan.new_students] == ["f", "f", "f"]


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "Row 3, column E-mail: not a valid e-mail address"),
    ("ar", None),
])
def test_a_problem_reads_in_the_language_it_is_shown_in(kufa, language, expected):
    plan = prepare_import(kufa["home"], csv_bytes([student_row("KUF-101"), student_row("KUF-102",
                                                                                          email="bad")]))
    with force_language(language):
        text = str(plan.problems[0])
        label, reason = gettext("E-mail"), gettext("not a valid e-mail address")
        row_format = gettext("Row %(row)s, column %(column)s: %(reason)s")
    assert text == row_format % {"row": 3, "column": label, "reason": reason}
    if expected:
        assert text == expected
    else:
        assert "البريد الإلكتروني" in text


# --- applying ------------------------------------------------------------------------------------------

def test_a_good_file_creates_the_students_and_their_enrolments(kufa):
    rows = [student_row("KUF-101"), student_row("KUF-101", course="PCS101"),
            student_row("KUF-102", name_ar="علي حسين كاظم الموسوي", name_en="Ali Hussein Kadhim Al-Musawi",
                        gender="m", cohort="Second cohort", course="", term=""),
            student_row("KUF-001", email="Zainab@Example.org", name_ar="", name_en="", gender="", cohort="")]
    plan = prepare_import(kufa["home"], csv_bytes(rows, "utf-8-sig"))
    assert plan.ok, [str(p) for p in plan.problems]
    assert [(s.offering.course.code, s.enrolled_before, s.added) for s in plan.per_offering()] == \
        [("PCS101", 0, 1), ("PCS102", 0, 2)]
    stored = counts()

    outcome = importing.apply_import(kufa["registrar"], plan)
    db.session.commit()

    after = counts()
    assert after["User"] - stored["User"] == 2
    assert after["Student"] - stored["Student"] == 2
    assert after["Enrolment"] - stored["Enrolment"] == 3
    fatima, ali = find_student("KUF-101", kufa["home"]), find_student("KUF-102", kufa["home"])
    assert (fatima.user.email, fatima.gender, fatima.cohort_id) == ("kuf-101@example.org", "f",
                                                                    kufa["cohort"].id)
    assert (ali.user.name_en, ali.gender, ali.cohort_id) == ("Ali Hussein Kadhim Al-Musawi", "m",
                                                             kufa["second_cohort"].id)
    assert fatima.user.password_hash is None and fatima.user.role == "student"
    assert fatima.user.university_id == kufa["home"].id
    assert sorted(outcome.new_user_ids) == sorted([fatima.user_id, ali.user_id])
    assert outcome.existing_students == [kufa["existing"]]
    enrolled = db.session.execute(db.select(Student.student_number, Enrolment.offering_id)
                                  .join(Enrolment.student).where(Enrolment.status == "active")).all()
    assert sorted(enrolled) == sorted([("KUF-101", kufa["offerings"]["PCS101"].id),
                                       ("KUF-101", kufa["offerings"]["PCS102"].id),
                                       ("KUF-001", kufa["offerings"]["PCS102"].id)])
    assert [e.action for e in events_for(fatima)] == ["student.created"]
    assert [e.action for e in events_for(fatima.user)] == ["user.created"]
    summary = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "enrolment.imported"))
    assert summary.actor_id == kufa["registrar"].id
    assert summary.data["rows"] == 4
    assert summary.data["enrolments"] == {str(kufa["offerings"]["PCS101"].id): 1,
                                          str(kufa["offerings"]["PCS102"].id): 2}


def test_a_withdrawn_student_is_enrolled_again(kufa):
    enrolment = services.enrol_student(None, kufa["offerings"]["PCS102"], kufa["existing"])
    services.withdraw_student(None, enrolment)
    db.session.commit()

    plan = prepare_import(kufa["home"], csv_bytes([student_row("KUF-001", email="")]))
    importing.apply_import(kufa["registrar"], plan)
    db.session.commit()

    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).status == "active"


def test_what_changed_since_the_check_rejects_the_whole_file_and_nothing_is_written(kufa, make):
    rows = [student_row(f"KUF-10{n}", course="PCS101") for n in range(1, 4)]
    plan = prepare_import(kufa["home"], csv_bytes(rows))
    assert plan.ok
    # Meanwhile another registrar fills the last seat.
    services.enrol_student(None, kufa["offerings"]["PCS101"], make.student(university=kufa["home"]))
    db.session.commit()
    stored = counts()

    with pytest.raises(ImportRejected) as rejected:
        importing.apply_import(kufa["registrar"], plan)
    db.session.rollback()

    assert [(problem.row, problem.column) for problem in rejected.value.problems] == [(4, "course")]
    assert counts() == stored
    assert db.session.scalar(db.select(User).where(User.email == "kuf-101@example.org")) is None


def test_the_links_sheet_lists_only_students_of_the_university(kufa):
    ids = [kufa["existing"].user_id, kufa["foreign"].user_id, kufa["lecturer"].id]
    assert importing.new_accounts(kufa["home"].id, ids) == [kufa["existing"]]


def test_the_templates_are_read_back_as_a_good_file(kufa):
    for data in (importing.template_xlsx(), importing.template_csv()):
        plan = prepare_import(kufa["home"], data)
        assert plan.ok, [str(p) for p in plan.problems]
        assert [entry.student_number for entry in plan.new_students] == ["KUF-2024-001"]
    assert importing.template_csv().startswith(codecs.BOM_UTF8)


def test_text_that_looks_like_a_formula_stays_text_in_the_sheets(kufa):
    student = kufa["existing"]
    student.user.name_en = '=HYPERLINK("http://example.com","x")'
    data = importing.links_xlsx([(student, "http://localhost/set-password/abc")])
    cell = openpyxl.load_workbook(io.BytesIO(data)).active["B2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://example.com","x")', "s")
    db.session.rollback()


def test_a_file_with_too_many_rows_is_refused(kufa, monkeypatch):
    monkeypatch.setattr(importing.sheet, "MAX_ROWS", 3)
    plan = prepare_import(kufa["home"], csv_bytes([student_row(f"KUF-10{n}") for n in range(1, 5)]))
    assert [in_english(problem) for problem in plan.problems] == \
        ["The file has more than 3 rows; split it into smaller files."]


def test_rows_with_text_only_in_ignored_columns_are_empty(kufa):
    data = csv_bytes([["1", *student_row("KUF-101").values()], ["2"], ["3", "", ""]],
                     header=["ت", *importing.COLUMNS])

    plan = prepare_import(kufa["home"], data)

    assert plan.ok, [str(p) for p in plan.problems]
    assert plan.rows == 1


def test_a_long_file_is_never_cut_short_silently(kufa, monkeypatch):
    """Empty rows do not count, but the rows after them are still read, or the file is refused."""
    monkeypatch.setattr(importing.sheet, "MAX_ROWS", 3)
    empty = [[""] * 8] * 10
    rows = [student_row(f"KUF-10{n}") for n in range(1, 5)]
    within = prepare_import(kufa["home"], csv_bytes([*empty, *rows[:3]]))
    assert within.ok and [entry.row for entry in within.new_students] == [12, 13, 14]
    beyond = prepare_import(kufa["home"], xlsx_bytes([*empty, *rows]))
    assert [in_english(problem) for problem in beyond.problems] == \
        ["The file has more than 3 rows; split it into smaller files."]
