"""Bulk enrolment import, the pages: upload → preview → confirm → links sheet, errors in the user's language,
nothing written on failure, templates, and who may do what."""
import io
from pathlib import Path
from urllib.parse import urlsplit

import openpyxl
import pytest
from markupsafe import escape

from diploma.audit import AuditEvent
from diploma.auth.models import User
from diploma.enrolment import importing, services
from diploma.enrolment.import_views import PENDING_KEY
from diploma.enrolment.models import Student
from diploma.extensions import db
from diploma.i18n import force_language
from tests.enrolment.import_files import counts, csv_bytes, student_row, xlsx_bytes
from tests.factories import PASSWORD
from tests.pages import shown

FORMATS = {
    "csv-utf-8": (lambda rows: csv_bytes(rows, "utf-8"), "students.csv"),
    "csv-utf-8-bom": (lambda rows: csv_bytes(rows, "utf-8-sig"), "students.csv"),
    "csv-windows-1256": (lambda rows: csv_bytes(rows, "cp1256", delimiter=";"), "students.csv"),
    "xlsx": (xlsx_bytes, "students.xlsx"),
}
GOOD_ROWS = [student_row("KUF-101"), student_row("KUF-101", course="PCS101"),
             student_row("KUF-102", name_ar="علي حسين كاظم الموسوي", name_en="Ali Hussein Kadhim Al-Musawi",
                         gender="ذكر", cohort="Second cohort"),
             student_row("KUF-001", email="", name_ar="", name_en="", gender="", cohort="")]


def problem_shown(problem, language="ar"):
    with force_language(language):
        return str(escape(str(problem)))


def upload(client, data, filename="students.csv", headers=None, **form):
    return client.post("/offerings/import", data={"file": (io.BytesIO(data), filename), **form},
                       content_type="multipart/form-data", headers=headers or {})


def pending_files(app):
    folder = Path(app.config["UPLOAD_FOLDER"]) / importing.PENDING_KIND
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def session_token(client):
    with client.session_transaction() as session:
        return session[PENDING_KEY]["token"]


def client_for(app, user):
    other = app.test_client()
    assert other.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return other


@pytest.fixture
def registrar(kufa, login_as):
    return login_as(kufa["registrar"])


@pytest.fixture(autouse=True)
def no_pending_files(app):
    """Each test starts and ends without kept uploads."""
    yield
    for name in pending_files(app):
        importing.delete_pending(name)


# --- the page and its links ----------------------------------------------------------------------------

def test_the_registrar_opens_the_import_page_with_the_templates(registrar, client):
    page = client.get("/offerings/import").get_data(as_text=True)

    assert 'name="file"' in page
    assert 'name="university_id"' not in page
    assert "/offerings/import/template.xlsx" in page and "/offerings/import/template.csv" in page
    assert shown("Import students and enrolments") in page


def test_the_students_and_offerings_pages_link_to_the_import(registrar, client):
    for path in ("/students/", "/offerings/"):
        assert 'href="/offerings/import"' in client.get(path).get_data(as_text=True), path


@pytest.mark.parametrize("role", ["lecturer", "student"])
def test_lecturers_and_students_may_not_import(kufa, make, login_as, client, role):
    person = make.user(role="lecturer", university=kufa["home"]) if role == "lecturer" else \
        make.student(university=kufa["home"]).user
    login_as(person)
    for path in ("/offerings/import", "/offerings/import/template.xlsx", "/offerings/import/template.csv"):
        assert client.get(path).status_code == 403, path
    assert client.post("/offerings/import/links.xlsx").status_code == 403
    assert upload(client, csv_bytes(GOOD_ROWS)).status_code == 403
    assert client.post("/offerings/import/confirm", data={"token": "x" * 32}).status_code == 403


def test_the_templates_download_in_arabic_and_english(registrar, client):
    response = client.get("/offerings/import/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype == importing.XLSX_MIMETYPE
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    header = [cell.value for cell in sheet[1]]
    assert header[0] == "الرقم الجامعي / student_number"
    assert [importing.header_key(cell) for cell in header] == list(importing.COLUMNS)
    assert sheet.max_row == 2

    response = client.get("/offerings/import/template.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert response.data.decode("utf-8-sig").splitlines()[0].startswith("الرقم الجامعي / student_number,")


# --- a good file: preview, confirm, links ---------------------------------------------------------------

@pytest.mark.parametrize("file_format", FORMATS)
def test_a_good_file_is_previewed_then_imported_on_confirmation(registrar, client, kufa, app, file_format):
    encode, filename = FORMATS[file_format]
    stored = counts()

    response = upload(client, encode(GOOD_ROWS), filename)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-testid="confirm-import"' in page
    assert 'data-testid="new-students">2<' in page
    assert 'data-testid="existing-students">1<' in page
    assert 'data-testid="enrolments">4<' in page
    assert "علي حسين كاظم الموسوي" in page and "KUF-001" in page
    assert shown("%(enrolled)s of %(capacity)s", enrolled=1, capacity=3) in page  # PCS101 after the import
    assert counts() == stored  # nothing written before the confirmation
    token = session_token(client)
    assert pending_files(app) == [token]
    assert f'value="{token}"' in page

    response = client.post("/offerings/import/confirm", data={"token": token})

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-testid="download-links"' in page
    after = counts()
    assert (after["User"] - stored["User"], after["Student"] - stored["Student"],
            after["Enrolment"] - stored["Enrolment"]) == (2, 2, 4)
    actions = db.session.scalars(db.select(AuditEvent.action).where(
        AuditEvent.actor_id == kufa["registrar"].id, AuditEvent.action != "auth.login_succeeded")).all()
    assert sorted(actions) == sorted(["user.created", "student.created"] * 2 + ["enrolment.enrolled"] * 4
                                     + ["enrolment.imported"])
    assert pending_files(app) == []
    with client.session_transaction() as session:
        assert PENDING_KEY not in session


def test_the_links_sheet_lists_exactly_the_new_accounts_and_each_link_works(registrar, client, kufa, app):
    upload(client, csv_bytes(GOOD_ROWS))
    client.post("/offerings/import/confirm", data={"token": session_token(client)})
    new_users = {user.email: user for user in db.session.scalars(
        db.select(User).where(User.email.in_(["kuf-101@example.org", "kuf-102@example.org"])))}
    assert len(new_users) == 2

    response = client.post("/offerings/import/links.xlsx")

    assert response.status_code == 200
    assert response.mimetype == importing.XLSX_MIMETYPE
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0] == importing.LINK_HEADERS
    assert sorted(row[2] for row in rows[1:]) == sorted(new_users)
    assert {(row[0], row[1], row[3]) for row in rows[1:]} == {
        ("فاطمة عباس حسن الكعبي", "Fatima Abbas Hassan Al-Kaabi", "KUF-101"),
        ("علي حسين كاظم الموسوي", "Ali Hussein Kadhim Al-Musawi", "KUF-102")}
    for user in new_users.values():
        link_events = db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.action == "user.password_link_created", AuditEvent.target_id == str(user.id))).all()
        assert [event.actor_id for event in link_events] == [kufa["registrar"].id]
    for row in rows[1:]:
        link = urlsplit(row[4])
        assert link.scheme == "http" and link.path.startswith("/set-password/")
        assert app.test_client().get(link.path).status_code == 200, row


def test_without_an_import_there_is_no_links_sheet(registrar, client):
    assert client.post("/offerings/import/links.xlsx").status_code == 404


def test_another_registrar_never_gets_someone_elses_links(registrar, client, kufa, app):
    upload(client, csv_bytes(GOOD_ROWS))
    client.post("/offerings/import/confirm", data={"token": session_token(client)})
    other = client_for(app, kufa["other_registrar"])
    assert other.post("/offerings/import/links.xlsx").status_code == 404


# --- refusals -------------------------------------------------------------------------------------------

BAD_ROWS = [student_row("KUF-101", email="not-an-email"), student_row("KUF-102", gender="?"),
            student_row("KUF-103", course="PCS104"), student_row("KUF-104", email="omar@example.org")]


@pytest.mark.parametrize("language", ["ar", "en"])
def test_a_bad_file_is_refused_with_every_problem_in_the_users_language(registrar, client, kufa, app,
                                                                         language):
    stored = counts()
    headers = {"Accept-Language": "en"} if language == "en" else {}

    response = upload(client, csv_bytes(BAD_ROWS), headers=headers)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'<html lang="{language}"' in page
    assert 'data-testid="import-problems"' in page
    plan = importing.prepare_import(kufa["home"], csv_bytes(BAD_ROWS))
    assert [(problem.row, problem.column) for problem in plan.problems] == \
        [(2, "email"), (3, "gender"), (4, "course"), (5, "email")]
    for problem in plan.problems:
        assert problem_shown(problem, language) in page
    assert (shown("Student number", language) in page) and (shown("Gender", language) in page)
    if language == "ar":
        assert "الصف 3، العمود الجنس" in page
    else:
        assert "Row 3, column Gender: unknown gender" in page
        assert "Row 4, column Course code: no such course offering at your university in this term" in page
        assert "Row 5, column E-mail: belongs to a student of another university" in page
    assert counts() == stored
    assert pending_files(app) == []
    assert 'data-testid="confirm-import"' not in page


@pytest.mark.parametrize(("data", "filename"), [
    (b"%PDF-1.7\n1 0 obj\n<<>>\x00endobj", "students.csv"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "students.xlsx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "students.xls"),
])
def test_content_that_is_not_csv_or_xlsx_is_refused_with_a_translated_error(registrar, client, data,
                                                                            filename):
    stored = counts()
    page = upload(client, data, filename).get_data(as_text=True)
    problems = importing.prepare_import(None, data).problems
    assert len(problems) == 1
    assert problem_shown(problems[0]) in page
    assert counts() == stored


def test_a_workbook_with_a_value_beyond_the_columns_limit_is_refused_in_arabic(registrar, client, app):
    """A value at XFD (column 16,384): openpyxl would pad every row to that width; it is refused."""
    book = openpyxl.Workbook()
    book.active.append(list(importing.COLUMNS))
    book.active.append(list(student_row("KUF-101").values()))
    book.active.cell(row=2, column=16_384, value="x")
    buffer = io.BytesIO()
    book.save(buffer)
    stored = counts()

    page = upload(client, buffer.getvalue(), "students.xlsx").get_data(as_text=True)

    assert shown("The file has more than %(count)s columns; delete the columns that are not needed and "
                 "upload it again.", count=100) in page
    assert "في الملف أكثر من 100 عمود" in page
    assert 'data-testid="confirm-import"' not in page
    assert counts() == stored
    assert pending_files(app) == []


def test_a_form_without_a_file_is_refused(registrar, client):
    response = client.post("/offerings/import", data={}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert shown("Choose a file.") in page


def test_another_universitys_registrar_cannot_confirm_someone_elses_upload(registrar, client, kufa, app):
    upload(client, csv_bytes(GOOD_ROWS))
    token = session_token(client)
    stored = counts()
    intruder = client_for(app, kufa["other_registrar"])

    response = intruder.post("/offerings/import/confirm", data={"token": token})

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/offerings/import"
    assert counts()["Student"] == stored["Student"]
    assert counts()["Enrolment"] == stored["Enrolment"]
    assert pending_files(app) == [token]  # still waiting for its owner
    assert client.post("/offerings/import/confirm", data={"token": token}).status_code == 200
    assert counts()["Student"] == stored["Student"] + 2


def test_a_guessed_or_replayed_token_does_nothing(registrar, client, app):
    upload(client, csv_bytes(GOOD_ROWS))
    token = session_token(client)
    stored = counts()

    response = client.post("/offerings/import/confirm", data={"token": "A" * 32}, follow_redirects=True)
    assert shown("This import is no longer waiting for confirmation. Upload the file again.") in \
        response.get_data(as_text=True)
    assert client.post("/offerings/import/confirm", data={"token": "../../etc/passwd"}).status_code == 302
    assert counts()["Student"] == stored["Student"]

    assert client.post("/offerings/import/confirm", data={"token": token}).status_code == 200
    imported = counts()
    assert client.post("/offerings/import/confirm", data={"token": token}).status_code == 302
    assert counts() == imported


def test_what_changed_since_the_preview_is_checked_again_on_confirmation(registrar, client, kufa, make,
                                                                         app):
    rows = [student_row(f"KUF-10{n}", course="PCS101") for n in range(1, 4)]
    upload(client, csv_bytes(rows))
    token = session_token(client)
    services.enrol_student(None, kufa["offerings"]["PCS101"], make.student(university=kufa["home"]))
    db.session.commit()
    stored = counts()

    response = client.post("/offerings/import/confirm", data={"token": token})

    page = response.get_data(as_text=True)
    assert 'data-testid="import-problems"' in page
    assert problem_shown(importing.problem_at(4, "course", importing.sheet.full(3))) in page
    assert counts() == stored
    assert pending_files(app) == []


def test_a_new_upload_replaces_the_one_waiting(registrar, client, app):
    upload(client, csv_bytes(GOOD_ROWS))
    first = session_token(client)
    upload(client, csv_bytes([student_row("KUF-200")]))
    assert pending_files(app) == [session_token(client)] != [first]


# --- the administrator ----------------------------------------------------------------------------------

def test_the_administrator_imports_into_the_university_chosen(kufa, login_as, client):
    login_as(kufa["admin"])
    assert 'name="university_id"' in client.get("/offerings/import").get_data(as_text=True)
    rows = [student_row("MSL-100", course="PCS104")]

    assert 'data-testid="confirm-import"' in upload(client, csv_bytes(rows),
                                                    university_id=str(kufa["other"].id)).get_data(as_text=True)
    client.post("/offerings/import/confirm", data={"token": session_token(client)})

    db.session.expire_all()
    student = db.session.scalar(db.select(Student).where(Student.student_number == "MSL-100"))
    assert student.university_id == kufa["other"].id
    assert client.post("/offerings/import/links.xlsx").status_code == 200


def test_the_administrator_must_choose_a_university(kufa, login_as, client):
    login_as(kufa["admin"])
    stored = counts()
    page = upload(client, csv_bytes([student_row()])).get_data(as_text=True)
    assert 'data-testid="confirm-import"' not in page
    assert counts() == stored


def test_a_registrar_cannot_choose_another_university(registrar, client, kufa):
    rows = [student_row("KUF-100", course="PCS104")]
    page = upload(client, csv_bytes(rows), university_id=str(kufa["other"].id)).get_data(as_text=True)
    assert problem_shown(importing.problem_at(2, "course", importing.sheet.NO_OFFERING)) in page


def test_a_file_over_the_upload_limit_is_refused(registrar, client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 300)
    stored = counts()
    response = upload(client, csv_bytes([student_row(f"KUF-1{n:02d}") for n in range(10)]))
    assert response.status_code == 413
    assert counts() == stored
    assert pending_files(app) == []
