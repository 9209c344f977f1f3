"""Required selects (diploma.forms.RequiredSelectField, issue 18): nothing is chosen for the user. The new
account's role, the offering's course and term, the student's cohort (and the administrator's choice of
university) open on an empty "— choose —" option; left there, the form says so in the page's language and
nothing is saved; and the services refuse a missing value by themselves."""
import re

import pytest

from diploma.auth import services as accounts
from diploma.auth.models import User
from diploma.enrolment import services as enrolment
from diploma.enrolment.models import Student
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.teaching import services as teaching
from diploma.teaching.models import Offering

CHOOSE_AR, CHOOSE_EN = "— اختر —", "— choose —"
ERROR_AR, ERROR_EN = "اختر واحدًا من القائمة.", "Choose one of the list."


def select_of(page, name):
    return re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.DOTALL)


def first_option(page, name):
    select = select_of(page, name)
    assert select, f"no select {name}"
    return re.search(r"<option[^>]*>[^<]*</option>", select[1])[0]


def error_of(page, name):
    found = re.search(rf'<ul class="errors" id="{name}-errors">(.*?)</ul>', page, re.DOTALL)
    return found[1] if found else ""


@pytest.fixture
def home(make):
    return make.university()


@pytest.fixture
def admin(make, login_as):
    return login_as(make.user(role="admin"))


@pytest.mark.parametrize(("path", "names"), [
    ("/admin/users/new", ["role"]),
    ("/students/new", ["cohort_id", "university_id"]),
    ("/offerings/new?university={home}", ["course_id", "term_id"]),
])
def test_a_required_select_opens_on_an_empty_choose_option(admin, client, make, home, path, names):
    make.cohort(), make.course(), make.term()
    page = client.get(path.format(home=home.id)).get_data(as_text=True)
    for name in names:
        option = first_option(page, name)
        assert 'value=""' in option and CHOOSE_AR in option
        assert "selected" not in select_of(page, name)[1].replace(option, "")
        assert re.search(rf'<select[^>]*name="{name}"[^>]*\brequired\b', page)


def test_a_new_account_without_a_role_is_refused_in_arabic_and_english(admin, client, home):
    data = {"email": "noor@example.org", "name_ar": "نور علي حسن الجبوري", "name_en": "Noor Ali",
            "role": "", "university_id": str(home.id)}
    page = client.post("/admin/users/new", data=data).get_data(as_text=True)
    assert ERROR_AR in error_of(page, "role")
    assert db.session.scalar(db.select(User).where(User.email == "noor@example.org")) is None

    client.post("/language", data={"language": "en"})
    page = client.post("/admin/users/new", data=data).get_data(as_text=True)
    assert ERROR_EN in error_of(page, "role")
    assert CHOOSE_EN in first_option(page, "role")
    assert db.session.scalar(db.select(User).where(User.email == "noor@example.org")) is None


def test_a_student_without_a_cohort_or_a_university_is_refused(admin, client, make):
    make.cohort()
    data = {"email": "fatima@example.org", "name_ar": "فاطمة عباس حسن الكعبي", "name_en": "Fatima Abbas",
            "student_number": "KUF-1", "gender": "f", "cohort_id": "", "university_id": ""}
    page = client.post("/students/new", data=data).get_data(as_text=True)
    assert ERROR_AR in error_of(page, "cohort_id")
    assert ERROR_AR in error_of(page, "university_id")
    assert db.session.scalar(db.select(db.func.count()).select_from(Student)) == 0


def test_an_offering_without_a_course_or_a_term_is_refused(make, login_as, client, home):
    login_as(make.user(role="registrar", university=home))
    lecturer = make.user(role="lecturer", university=home)
    make.course(), make.term()
    page = client.post("/offerings/new", data={"course_id": "", "term_id": "", "capacity": "25",
                                               "lecturer_ids": [str(lecturer.id)]}).get_data(as_text=True)
    assert ERROR_AR in error_of(page, "course_id")
    assert ERROR_AR in error_of(page, "term_id")
    assert db.session.scalar(db.select(db.func.count()).select_from(Offering)) == 0


def test_the_services_refuse_a_missing_choice_by_themselves(make, home):
    admin, registrar = make.user(role="admin"), make.user(role="registrar", university=home)
    lecturer, cohort, course, term = (make.user(role="lecturer", university=home), make.cohort(),
                                      make.course(), make.term())
    with pytest.raises(RuleViolation) as refused:
        accounts.create_staff_account(admin, email="noor@example.org", name_ar="نور علي حسن الجبوري",
                                      name_en="Noor Ali", role=None, university_id=home.id)
    assert refused.value.field == "role"
    student = {"email": "fatima@example.org", "name_ar": "فاطمة عباس حسن الكعبي", "name_en": "Fatima Abbas",
               "student_number": "KUF-1", "gender": "f"}
    with pytest.raises(RuleViolation) as refused:
        enrolment.create_student_account(registrar, home.id, **student, cohort_id=None)
    assert refused.value.field == "cohort_id"
    with pytest.raises(RuleViolation) as refused:
        enrolment.create_student_account(admin, None, **student, cohort_id=cohort.id)
    assert refused.value.field == "university_id"
    for missing in ("course_id", "term_id"):
        values = {"course_id": course.id, "term_id": term.id, missing: None}
        with pytest.raises(RuleViolation) as refused:
            teaching.save_offering(registrar, None, home.id, capacity=25, lecturer_ids=[lecturer.id],
                                   **values)
        assert refused.value.field == missing
