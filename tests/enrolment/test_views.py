"""The registrar's (and the administrator's) student pages."""

import pytest

from diploma.audit import events_for
from diploma.auth.models import User
from diploma.enrolment.models import Student
from diploma.extensions import db
from tests.factories import PASSWORD
from tests.pages import redirects_to_login, shown


@pytest.fixture
def setting(make):
    home = make.university(name_ar="جامعة الكوفة", name_en="University of Kufa")
    other = make.university(name_ar="جامعة الموصل", name_en="University of Mosul")
    return {"home": home, "other": other, "cohort": make.cohort(name_en="First cohort"),
            "registrar": make.user(role="registrar", university=home)}


@pytest.fixture
def registrar(setting, login_as):
    return login_as(setting["registrar"])


def student_form(cohort, **overrides):
    return {"email": "fatima.student@example.org", "name_ar": "فاطمة عباس حسن الكعبي",
            "name_en": "Fatima Abbas Hassan Al-Kaabi", "student_number": "KUF-26-001", "gender": "f",
            "cohort_id": str(cohort.id), **overrides}


def find_student(email="fatima.student@example.org"):
    db.session.expire_all()
    return db.session.scalar(db.select(Student).join(Student.user).where(User.email == email))


# --- creating ----------------------------------------------------------------------------------------

def test_the_registrars_form_has_no_university_field(registrar, client):
    page = client.get("/students/new").get_data(as_text=True)
    assert 'name="student_number"' in page
    assert 'name="university_id"' not in page


def test_the_administrators_form_has_a_university_field(make, login_as, client, setting):
    login_as(make.user(role="admin"))
    page = client.get("/students/new").get_data(as_text=True)
    assert 'name="university_id"' in page
    assert "جامعة الموصل" in page


def test_a_registrar_creates_a_student_of_their_university_and_gets_a_link(registrar, client, setting):
    response = client.post("/students/new", data=student_form(setting["cohort"]))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-testid="password-link"' in page
    assert "/set-password/" in page
    student = find_student()
    assert student.university_id == setting["home"].id
    assert student.user.university_id == setting["home"].id
    assert (student.user.role, student.gender, student.student_number) == ("student", "f", "KUF-26-001")
    assert student.user.password_hash is None
    assert [e.action for e in events_for(student)] == ["student.created"]
    assert [e.action for e in events_for(student.user)] == ["user.created", "user.password_link_created"]


def test_a_registrar_cannot_create_a_student_in_another_university(registrar, client, setting):
    data = student_form(setting["cohort"], university_id=str(setting["other"].id))

    client.post("/students/new", data=data)

    student = find_student()
    assert student.university_id == setting["home"].id
    assert student.user.university_id == setting["home"].id


def test_a_student_number_already_used_in_the_university_is_refused(registrar, client, setting, make):
    make.student(university=setting["home"], cohort=setting["cohort"], student_number="KUF-26-001")

    response = client.post("/students/new", data=student_form(setting["cohort"]))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="student_number-errors"' in page
    assert shown("Another student of this university has this student number.") in page
    assert find_student() is None
    assert db.session.scalar(db.select(db.func.count()).select_from(User)
                             .where(User.email == "fatima.student@example.org")) == 0


def test_the_same_student_number_is_allowed_in_another_university(registrar, client, setting, make):
    make.student(university=setting["other"], cohort=setting["cohort"], student_number="KUF-26-001")

    response = client.post("/students/new", data=student_form(setting["cohort"]))

    assert response.status_code == 200
    assert find_student().university_id == setting["home"].id
    assert db.session.scalar(db.select(db.func.count()).select_from(Student)
                             .where(Student.student_number == "KUF-26-001")) == 2


def test_an_email_already_used_by_another_account_is_refused(registrar, client, setting, make):
    make.user(role="lecturer", university=setting["home"], email="fatima.student@example.org")

    response = client.post("/students/new", data=student_form(setting["cohort"],
                                                              email="FATIMA.student@example.org"))

    assert shown("An account with this e-mail address already exists.") in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Student)) == 0


def test_the_administrator_creates_a_student_in_the_university_chosen(make, login_as, client, setting):
    login_as(make.user(role="admin"))

    client.post("/students/new", data=student_form(setting["cohort"], university_id=str(setting["other"].id)))

    assert find_student().university_id == setting["other"].id


# --- editing -----------------------------------------------------------------------------------------

def test_a_registrar_edits_a_student(registrar, client, setting, make):
    student = make.student(university=setting["home"], cohort=setting["cohort"], gender="f",
                           student_number="KUF-26-009", email="old.address@example.org")
    later = make.cohort(name_en="Second cohort", start_year=2025, end_year=2027)

    page = client.get(f"/students/{student.id}").get_data(as_text=True)
    assert 'value="KUF-26-009"' in page
    assert 'value="old.address@example.org"' in page
    response = client.post(f"/students/{student.id}", data=student_form(
        later, email="New.Address@example.org", student_number="KUF-26-010", gender="m"))

    assert response.status_code == 302
    student = find_student("new.address@example.org")
    assert (student.student_number, student.gender, student.cohort_id) == ("KUF-26-010", "m", later.id)
    assert student.user.name_en == "Fatima Abbas Hassan Al-Kaabi"
    assert student.university_id == setting["home"].id
    event, = events_for(student)
    assert event.action == "student.updated"
    assert (event.data["before"]["student_number"], event.data["after"]["student_number"]) == (
        "KUF-26-009", "KUF-26-010")


def test_editing_to_a_number_another_student_has_is_refused(registrar, client, setting, make):
    make.student(university=setting["home"], cohort=setting["cohort"], student_number="KUF-26-001")
    student = make.student(university=setting["home"], cohort=setting["cohort"], student_number="KUF-26-002")
    student_id = student.id

    response = client.post(f"/students/{student_id}", data=student_form(setting["cohort"]))

    message = shown("Another student of this university has this student number.")
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Student, student_id).student_number == "KUF-26-002"


# --- deactivating ------------------------------------------------------------------------------------

def test_deactivating_a_student_ends_their_sessions(registrar, client, setting, make, app):
    student = make.student(university=setting["home"], cohort=setting["cohort"])
    student_id, user_id = student.id, student.user_id
    student_client = app.test_client()
    assert student_client.post("/login", data={"email": student.user.email, "password": PASSWORD}) \
        .status_code == 302
    assert student_client.get("/dashboard").status_code == 200

    response = client.post(f"/students/{student_id}/active")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/students/{student_id}"
    db.session.expire_all()
    user = db.session.get(User, user_id)
    assert user.active is False
    assert [e.action for e in events_for(user)][-1] == "user.deactivated"
    assert redirects_to_login(student_client.get("/dashboard"))


def test_a_deactivated_student_is_reactivated(registrar, client, setting, make):
    student = make.student(university=setting["home"], cohort=setting["cohort"])
    client.post(f"/students/{student.id}/active")

    client.post(f"/students/{student.id}/active")

    db.session.expire_all()
    assert db.session.get(User, student.user_id).active is True
    page = client.get("/students/").get_data(as_text=True)
    assert shown("deactivated") not in page


def test_a_new_set_password_link_for_a_student(registrar, client, setting, make):
    student = make.student(university=setting["home"], cohort=setting["cohort"])

    response = client.post(f"/students/{student.id}/password-link")

    assert response.status_code == 200
    assert 'data-testid="password-link"' in response.get_data(as_text=True)


# --- the list and its search -------------------------------------------------------------------------

@pytest.fixture
def roster(setting, make):
    home, other, cohort = setting["home"], setting["other"], setting["cohort"]
    return {
        "zainab": make.student(university=home, cohort=cohort, name_ar="زينب حسين علي الجبوري",
                               name_en="Zainab Hussein Ali Al-Jubouri", student_number="KUF-23-001"),
        "mustafa": make.student(university=home, cohort=cohort, name_ar="مصطفى كريم جاسم الساعدي",
                                name_en="Mustafa Kareem Jassim Al-Saadi", student_number="KUF-23-002"),
        "omar": make.student(university=other, cohort=cohort, name_ar="عمر خالد يونس الحيالي",
                             name_en="Omar Khalid Younis Al-Hayali", student_number="MSL-23-001"),
    }


@pytest.mark.parametrize(("query", "found", "not_found"), [
    ("حسين", "زينب حسين علي الجبوري", "مصطفى كريم جاسم الساعدي"),
    ("kareem jassim", "مصطفى كريم جاسم الساعدي", "زينب حسين علي الجبوري"),
    ("AL-JUBOURI", "زينب حسين علي الجبوري", "مصطفى كريم جاسم الساعدي"),
    ("KUF-23-002", "مصطفى كريم جاسم الساعدي", "زينب حسين علي الجبوري"),
], ids=["arabic-name-part", "english-name", "english-name-any-case", "student-number"])
def test_the_registrar_searches_their_students(registrar, client, roster, query, found, not_found):
    page = client.get("/students/", query_string={"q": query}).get_data(as_text=True)
    assert found in page
    assert not_found not in page


def test_a_search_never_reaches_another_university(registrar, client, roster):
    page = client.get("/students/", query_string={"q": "Omar"}).get_data(as_text=True)
    assert "عمر خالد يونس الحيالي" not in page
    assert shown("No students match.") in page


def test_the_administrator_sees_every_university_and_can_filter(make, login_as, client, roster, setting):
    login_as(make.user(role="admin"))

    everyone = client.get("/students/").get_data(as_text=True)
    assert all(name in everyone for name in ("زينب حسين علي الجبوري", "مصطفى كريم جاسم الساعدي",
                                              "عمر خالد يونس الحيالي"))
    assert "جامعة الموصل" in everyone  # the university column

    mosul = client.get("/students/", query_string={"university": setting["other"].id}).get_data(as_text=True)
    assert "عمر خالد يونس الحيالي" in mosul
    assert "زينب حسين علي الجبوري" not in mosul

    searched = client.get("/students/", query_string={"university": setting["home"].id, "q": "mustafa"})
    assert "مصطفى كريم جاسم الساعدي" in searched.get_data(as_text=True)
    assert "زينب حسين علي الجبوري" not in searched.get_data(as_text=True)
