"""The gradebook's spreadsheet pages: who may download the export and the template and who may import
(a table, one column per persona), the downloads' names and headers, the links on the gradebook, and the
import page — all of a file or nothing, every problem shown in the user's language. The upload shows a
preview; the marks are saved once it is accepted (tests/grading/test_marks_import_preview.py has the
preview's own tests)."""
import codecs
import csv
import io
from collections import namedtuple
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import openpyxl
import pytest
from flask_babel import gettext
from markupsafe import escape

from diploma.audit import AuditEvent
from diploma.extensions import db
from diploma.grading import rules
from diploma.grading.models import Score
from diploma.i18n import force_language
from tests.grading.conftest import Classroom
from tests.pages import database_state, redirects_to_login, shown

AR_HEADER = ["الرقم الجامعي", "اسم الطالب", "السعي (40%) من 100", "الامتحان النهائي (60%) من 100"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What the offering's enrolled student (line 0) has in the draft: nobody else may see it through a file.
SECRET_MARK = "36.5"


# --- helpers -----------------------------------------------------------------------------------------

def problem_shown(text):
    return str(escape(text))


def xlsx_file(rows):
    workbook = openpyxl.Workbook()
    for cells in rows:
        workbook.active.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_file(rows, encoding="utf-8", delimiter=","):
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def upload(client, offering_id, data, filename="marks.xlsx", **form):
    return client.post(f"/offerings/{offering_id}/gradebook/import", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), filename), **form})


def accept(client, offering_id):
    """Accept the file this browser session previewed last (a made-up token when it previewed none)."""
    with client.session_transaction() as session:
        token = (session.get("marks_import") or {}).get("token") or "x" * 32
    return client.post(f"/offerings/{offering_id}/gradebook/import/accept", data={"token": token})


def upload_and_accept(client, offering_id, data, filename="marks.xlsx", **form):
    preview = upload(client, offering_id, data, filename, **form)
    assert preview.status_code == 200, preview.get_data(as_text=True)[:3000]
    assert 'data-testid="accept-marks-import"' in preview.get_data(as_text=True)
    return accept(client, offering_id)


def sheet_rows(response):
    return [list(row) for row in openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(
        values_only=True)]


def marks(room):
    """{(line, assessment index): 'value' or 'غ'} of the first round."""
    db.session.expire_all()
    lines = {enrolment.id: index for index, enrolment in enumerate(room.enrolments)}
    positions = {a.id: index for index, a in enumerate(room.assessments())}
    scores = db.session.scalars(db.select(Score).where(Score.attempt == 1))
    return {(lines[s.enrolment_id], positions[s.assessment_id]):
            "غ" if s.absent else rules.format_mark(s.value) for s in scores if s.enrolment_id in lines}


@pytest.fixture
def sign_in(auth, login_as):
    def _sign_in(user):
        auth.logout()
        return login_as(user)

    return _sign_in


# --- the world: one offering and everyone around it --------------------------------------------------

PERSONAS = (
    "student",            # a student enrolled in the offering
    "foreign_student",    # a student of another university
    "foreign_lecturer",   # a lecturer of another university
    "other_lecturer",     # a lecturer of the same university, not assigned to this offering
    "foreign_registrar",  # the registrar of another university
    "registrar",          # the registrar of the offering's university
    "lecturer",           # the offering's lecturer
    "admin",              # the programme's administrator
)
STATES = ("draft", "submitted", "published")


@dataclass
class World:
    people: dict
    room: Classroom  # line 0 fails (coursework 36.5, final 40), line 1 passes (70, 70)

    def reach(self, state):
        steps = STATES.index(state)
        if steps >= 1:
            self.room.submit()
        if steps >= 2:
            self.room.publish()
        return self

    def numbers(self):
        return [student.student_number for student in self.room.students]

    def good_file(self):
        return xlsx_file([AR_HEADER, [self.numbers()[1], "", "71", ""]])


@pytest.fixture
def world(make, classroom):
    home = make.university(name_ar="جامعة الكوفة", name_en="University of Kufa")
    foreign = make.university(name_ar="جامعة الموصل", name_en="University of Mosul")
    cohort = make.cohort()
    people = {
        "lecturer": make.user(role="lecturer", university=home),
        "other_lecturer": make.user(role="lecturer", university=home),
        "foreign_lecturer": make.user(role="lecturer", university=foreign),
        "registrar": make.user(role="registrar", university=home),
        "foreign_registrar": make.user(role="registrar", university=foreign),
        "admin": make.user(role="admin"),
        "foreign_student": make.student(university=foreign, cohort=cohort).user,
    }
    course = make.course(code="PCS701", title_ar="تحليل النزاعات", title_en="Conflict Analysis")
    room = classroom(2, university=home, cohort=cohort, lecturer=people["lecturer"],
                     registrar=people["registrar"], course=course)
    classroom(1, university=home, cohort=cohort, lecturer=people["other_lecturer"],
              registrar=people["registrar"])
    room.gradebook()
    room.type(room.lecturer, {0: (SECRET_MARK, "40"), 1: ("70", "70")})
    people["student"] = room.students[0].user
    return World(people, room)


# --- who may do what -----------------------------------------------------------------------------------

Case = namedtuple("Case", "name method path state expected")
EXPORT = "/offerings/{id}/gradebook/export.xlsx"
EXPORT_CSV = "/offerings/{id}/gradebook/export.csv"
TEMPLATE = "/offerings/{id}/gradebook/template.xlsx"
IMPORT = "/offerings/{id}/gradebook/import"
ACCEPT = "/offerings/{id}/gradebook/import/accept"

#   403 — the role may not use the route (or not in this state); 404 — not their offering;
#   200 — the file or the page (an upload: its preview); 302 — accepted and saved, back to the gradebook.
#
#         stu  fst  flc  olc  frg  reg  lec  adm
CASES = [
    Case("export xlsx", "GET", EXPORT, "draft", (403, 403, 404, 404, 404, 200, 200, 200)),
    Case("export csv", "GET", EXPORT_CSV, "draft", (403, 403, 404, 404, 404, 200, 200, 200)),
    Case("template", "GET", TEMPLATE, "draft", (403, 403, 404, 404, 404, 200, 200, 200)),
    Case("export xlsx, published", "GET", EXPORT, "published", (403, 403, 404, 404, 404, 200, 200, 200)),
    Case("import page, draft", "GET", IMPORT, "draft", (403, 403, 404, 404, 404, 403, 200, 403)),
    Case("import, draft", "POST", IMPORT, "draft", (403, 403, 404, 404, 404, 403, 200, 403)),
    Case("accept, draft", "POST", ACCEPT, "draft", (403, 403, 404, 404, 404, 403, 302, 403)),
    Case("import page, submitted", "GET", IMPORT, "submitted", (403, 403, 404, 404, 404, 403, 403, 403)),
    Case("import, submitted", "POST", IMPORT, "submitted", (403, 403, 404, 404, 404, 403, 403, 403)),
    Case("accept, submitted", "POST", ACCEPT, "submitted", (403, 403, 404, 404, 404, 403, 403, 403)),
    Case("import page, published", "GET", IMPORT, "published", (403, 403, 404, 404, 404, 200, 403, 200)),
    Case("import, published", "POST", IMPORT, "published", (403, 403, 404, 404, 404, 200, 403, 200)),
    Case("accept, published", "POST", ACCEPT, "published", (403, 403, 404, 404, 404, 302, 403, 302)),
]


def request_case(client, case, world):
    path = case.path.format(id=world.room.offering.id)
    if case.method == "GET":
        return client.get(path)
    previewed = upload(client, world.room.offering.id, world.good_file(), reason="Re-marked on appeal.")
    if case.path == IMPORT:
        return previewed
    return accept(client, world.room.offering.id)


def test_the_table_covers_every_spreadsheet_route(app):
    routes = {(rule.rule, method) for rule in app.url_map.iter_rules()
              if rule.endpoint in ("grading.export_xlsx", "grading.export_csv", "grading.import_template",
                                   "grading.import_marks", "grading.accept_marks_import")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    covered = {(case.path.replace("{id}", "<int:offering_id>"), case.method) for case in CASES}
    assert routes == covered


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_anonymous_visitors_are_sent_to_the_login_page(case, world, client):
    world.reach(case.state)
    before = database_state()

    response = request_case(client, case, world)

    assert redirects_to_login(response), response.status_code
    assert database_state() == before


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_who_may_do_what(case, persona, world, sign_in, client):
    expected = case.expected[PERSONAS.index(persona)]
    world.reach(case.state)
    sign_in(world.people[persona])
    before = database_state()

    response = request_case(client, case, world)

    assert response.status_code == expected, f"{persona}: {case.method} {case.path} ({case.state})"
    if expected != 302:
        assert database_state() == before  # refused, or only read: nothing written
    if expected in (403, 404):
        assert SECRET_MARK not in response.get_data(as_text=True)
        assert not response.data.startswith((b"PK", codecs.BOM_UTF8))


def test_students_never_get_the_unpublished_marks_in_any_form(world, sign_in, client):
    sign_in(world.people["student"])
    offering_id = world.room.offering.id
    for path in (EXPORT, EXPORT_CSV, TEMPLATE, IMPORT):
        for query in ("", "?lang=en"):
            response = client.get(path.format(id=offering_id) + query)
            assert response.status_code == 403, path
            assert SECRET_MARK not in response.get_data(as_text=True)
    assert upload(client, offering_id, world.good_file()).status_code == 403
    assert marks(world.room)[(1, 0)] == "70"


# --- the downloads -------------------------------------------------------------------------------------

def test_the_export_is_an_arabic_right_to_left_workbook_named_after_the_course(world, sign_in, client):
    sign_in(world.people["lecturer"])

    response = client.get(EXPORT.format(id=world.room.offering.id))

    assert response.mimetype == XLSX
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename=PCS701-gradebook.xlsx" in disposition
    assert f"filename*=UTF-8''{quote('PCS701 - سجل الدرجات.xlsx', safe='')}" in disposition
    assert "no-store" in response.headers["Cache-Control"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    assert workbook.active.sheet_view.rightToLeft is True
    rows = sheet_rows(response)
    assert rows[0][:4] == AR_HEADER
    assert rows[1][2:4] == [36.5, 40]


def test_the_export_follows_the_interface_language_or_the_lang_argument(world, sign_in, client):
    lecturer = world.people["lecturer"]
    lecturer.locale = "en"
    db.session.commit()
    sign_in(lecturer)
    path = EXPORT.format(id=world.room.offering.id)

    english = client.get(path)
    assert sheet_rows(english)[0][:3] == ["Student number", "Student name", "Coursework (40%) out of 100"]
    assert openpyxl.load_workbook(io.BytesIO(english.data)).active.sheet_view.rightToLeft in (False, None)
    assert f"filename*=UTF-8''{quote('PCS701 - gradebook.xlsx', safe='')}" in \
        english.headers["Content-Disposition"]
    assert sheet_rows(client.get(path + "?lang=ar"))[0][:4] == AR_HEADER


def test_the_csv_export_has_a_bom_and_the_template_lists_the_students(world, sign_in, client):
    sign_in(world.people["registrar"])
    offering_id = world.room.offering.id

    exported = client.get(EXPORT_CSV.format(id=offering_id))
    assert exported.mimetype == "text/csv"
    assert exported.data.startswith(codecs.BOM_UTF8)
    assert "filename=PCS701-gradebook.csv" in exported.headers["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"), newline="")))
    assert lines[0][:4] == AR_HEADER and lines[1][2:4] == [SECRET_MARK, "40"]

    template = client.get(TEMPLATE.format(id=offering_id))
    assert "filename=PCS701-marks-template.xlsx" in template.headers["Content-Disposition"]
    assert sheet_rows(template) == [AR_HEADER] + [[student.student_number, student.user.name_ar, None, None]
                                                  for student in world.room.students]


def test_no_field_of_the_csv_export_runs_as_a_formula_whatever_the_separator(world, sign_in, client):
    """A name that splits into a formula under ';' (which the import itself accepts) or a tab stays text;
    the marks stay plain numbers."""
    world.room.students[0].user.name_ar = "علي;=1+1"
    world.room.students[1].user.name_ar = "حسن\t@SUM(A1), -2+3"
    db.session.commit()
    sign_in(world.people["lecturer"])

    text = client.get(EXPORT_CSV.format(id=world.room.offering.id)).data.decode("utf-8-sig")

    for delimiter in (",", ";", "\t"):
        for quoting in (csv.QUOTE_MINIMAL, csv.QUOTE_NONE):
            for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quoting=quoting):
                starts = [field.lstrip(" ")[:1] for field in row]
                assert not set(starts) & {"=", "+", "-", "@", "\t", "\r"}, (delimiter, row)
    lines = {row[0]: row[1:4] for row in csv.reader(io.StringIO(text, newline=""))}
    assert lines[world.numbers()[0]] == ["علي;'=1+1", SECRET_MARK, "40"]
    assert lines[world.numbers()[1]] == ["حسن\t'@SUM(A1),' -2+3", "70", "70"]


# --- the links on the gradebook --------------------------------------------------------------------------

def test_the_gradebook_links_to_the_exports_and_to_the_import_when_it_may_be_changed(world, sign_in, client):
    offering_id = world.room.offering.id
    gradebook = f"/offerings/{offering_id}/gradebook"
    sign_in(world.people["lecturer"])
    page = client.get(gradebook).get_data(as_text=True)
    for path in (EXPORT, EXPORT_CSV, IMPORT):
        assert f'href="{path.format(id=offering_id)}"' in page, path

    world.reach("submitted")
    page = client.get(gradebook).get_data(as_text=True)
    assert f'href="{EXPORT.format(id=offering_id)}"' in page
    assert f'href="{IMPORT.format(id=offering_id)}"' not in page

    sign_in(world.people["registrar"])
    assert f'href="{IMPORT.format(id=offering_id)}"' not in client.get(gradebook).get_data(as_text=True)
    world.room.publish()
    assert f'href="{IMPORT.format(id=offering_id)}"' in client.get(gradebook).get_data(as_text=True)


# --- importing -------------------------------------------------------------------------------------------

def test_the_import_page_offers_the_template_and_names_the_columns(world, sign_in, client):
    sign_in(world.people["lecturer"])

    page = client.get(IMPORT.format(id=world.room.offering.id)).get_data(as_text=True)

    assert 'name="file"' in page and 'name="reason"' not in page
    assert f'href="{TEMPLATE.format(id=world.room.offering.id)}"' in page
    assert escape(AR_HEADER[2]) in page
    assert shown("Import marks") in page


def filled(world):
    return [AR_HEADER, [world.numbers()[0], "", "٣٨٫٥", "غ"], [world.numbers()[1], "", "", "75"]]


FORMATS = {
    "xlsx": (xlsx_file, "marks.xlsx"),
    "csv-utf-8": (lambda rows: csv_file(rows), "marks.csv"),
    "csv-utf-8-bom": (lambda rows: csv_file(rows, "utf-8-sig"), "marks.csv"),
    # Windows-1256 has no Arabic-Indic digits.
    "csv-windows-1256": (lambda rows: csv_file([[text.replace("٣٨٫٥", "38.5") for text in row]
                                                for row in rows], "cp1256", ";"), "marks.csv"),
}


@pytest.mark.parametrize("form", FORMATS.values(), ids=FORMATS.keys())
def test_the_lecturer_imports_a_file_and_sees_how_many_marks_were_saved(world, sign_in, client, form):
    encode, filename = form
    sign_in(world.people["lecturer"])

    response = upload_and_accept(client, world.room.offering.id, encode(filled(world)), filename)

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"/offerings/{world.room.offering.id}/gradebook"
    assert marks(world.room) == {(0, 0): "38.5", (0, 1): "غ", (1, 0): "70", (1, 1): "75"}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert shown("%(saved)s marks saved.", saved=3) in page


def test_a_bad_file_saves_nothing_and_the_page_shows_every_problem(world, sign_in, client):
    sign_in(world.people["lecturer"])
    before = database_state()
    data = xlsx_file([[*AR_HEADER, "Quiz"],
                      [world.numbers()[1], "", "75", "75", ""],
                      ["NOBODY-1", "", "10", "10", ""],
                      [world.numbers()[0], "", "101", "abc", ""]])

    response = upload(client, world.room.offering.id, data)

    assert response.status_code == 422
    assert database_state() == before
    page = response.get_data(as_text=True)
    assert 'data-testid="import-problems"' in page
    heading = "The file was not imported; nothing was saved. Correct these problems and upload it again:"
    assert shown(heading) in page
    with force_language("ar"):
        expected = [
            gettext("Row %(row)s, column %(column)s: %(reason)s", row=1, column="Quiz", reason=gettext(
                "not an assessment of this course (download the template to see the column names)")),
            gettext("Row %(row)s, column %(column)s: %(reason)s", row=3, column=AR_HEADER[0],
                    reason=gettext("no student of this course has this student number")),
            gettext("Row %(row)s, column %(column)s: %(reason)s", row=4, column=AR_HEADER[2],
                    reason=gettext("The mark must be between 0 and %(max)s.", max="100")),
            gettext("Row %(row)s, column %(column)s: %(reason)s", row=4, column=AR_HEADER[3],
                    reason=gettext("Not a mark: type a number, or غ for absent.")),
        ]
    positions = [page.find(problem_shown(text)) for text in expected]
    assert all(position > 0 for position in positions), expected
    assert positions == sorted(positions)


def test_the_problems_are_in_english_for_an_english_user(world, sign_in, client):
    lecturer = world.people["lecturer"]
    lecturer.locale = "en"
    db.session.commit()
    sign_in(lecturer)

    response = upload(client, world.room.offering.id, xlsx_file([AR_HEADER, ["NOBODY-1", "", "1", "1"]]))

    expected = "Row 2, column الرقم الجامعي: no student of this course has this student number"
    assert problem_shown(expected) in response.get_data(as_text=True)


def test_an_unreadable_or_missing_file_is_refused(world, sign_in, client):
    sign_in(world.people["lecturer"])
    offering_id = world.room.offering.id
    before = database_state()

    old_excel = upload(client, offering_id, b"\xd0\xcf\x11\xe0" + bytes(64), "marks.xls")
    assert old_excel.status_code == 422
    assert shown("Old Excel files (.xls) are not accepted: save the sheet as an Excel workbook (.xlsx) or as "
                 "CSV and upload it again.") in old_excel.get_data(as_text=True)
    missing = client.post(IMPORT.format(id=offering_id), data={}, content_type="multipart/form-data")
    assert missing.status_code == 400
    assert shown("Choose a file.") in missing.get_data(as_text=True)
    assert database_state() == before


def test_a_file_wider_than_the_limit_is_refused_in_arabic_and_saves_nothing(world, sign_in, client):
    """A few kilobytes that declare 100,000 columns: refused with the reason, before anything is saved."""
    sign_in(world.people["lecturer"])
    before = database_state()
    data = csv_file([AR_HEADER, [world.numbers()[1], "", "71", ""]]) + b"," * 100_000 + b"\r\n"

    response = upload(client, world.room.offering.id, data, "marks.csv")

    assert response.status_code == 422
    assert shown("The file has more than %(count)s columns; delete the columns that are not needed and "
                 "upload it again.", count=100) in response.get_data(as_text=True)
    assert "في الملف أكثر من 100 عمود" in response.get_data(as_text=True)
    assert database_state() == before


def test_after_publication_the_registrar_must_give_a_reason(world, sign_in, client):
    world.reach("published")
    sign_in(world.people["registrar"])
    offering_id = world.room.offering.id
    assert 'name="reason"' in client.get(IMPORT.format(id=offering_id)).get_data(as_text=True)
    before = database_state()

    without = upload(client, offering_id, world.good_file())

    assert without.status_code == 400
    assert shown("Give the reason for changing a published mark.") in without.get_data(as_text=True)
    assert database_state() == before

    done = upload_and_accept(client, offering_id, world.good_file(), reason="Re-marked on appeal.")

    assert done.status_code == 302
    assert marks(world.room)[(1, 0)] == "71"
    change = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "score.changed")
                                .order_by(AuditEvent.id.desc())).first()
    assert (change.data["new"], change.data["reason"]) == ("71", "Re-marked on appeal.")


def test_the_lecturer_cannot_import_after_submission(world, sign_in, client):
    world.reach("submitted")
    sign_in(world.people["lecturer"])
    before = database_state()

    assert client.get(IMPORT.format(id=world.room.offering.id)).status_code == 403
    assert upload(client, world.room.offering.id, world.good_file()).status_code == 403
    assert accept(client, world.room.offering.id).status_code == 403
    assert database_state() == before
