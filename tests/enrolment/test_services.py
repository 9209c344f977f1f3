"""Students: their accounts and profiles, the rules on student numbers, and the student queries."""
import pytest

from diploma.audit import events_for
from diploma.auth.models import User
from diploma.auth.services import set_user_active, start_login_session, user_from_login_id
from diploma.enrolment import services
from diploma.errors import RuleViolation
from diploma.extensions import db


@pytest.fixture
def setting(make):
    home, other = make.university(), make.university()
    return {"home": home, "other": other, "cohort": make.cohort(),
            "registrar": make.user(role="registrar", university=home)}


def values(cohort, **changes):
    return {"email": "Ali.Student@Example.org", "name_ar": "علي حسين كاظم الموسوي",
            "name_en": "Ali Hussein Kadhim Al-Musawi", "student_number": "KRB-26-001", "gender": "m",
            "cohort_id": cohort.id, **changes}


def create(setting, university=None, **changes):
    return services.create_student(setting["registrar"], (university or setting["home"]).id,
                                   **values(setting["cohort"], **changes))


def students_found(**filters):
    return db.session.scalars(services.students_query(**filters)).all()


def test_a_student_gets_an_account_without_a_password_and_a_profile(setting):
    student = create(setting)

    assert student.user.email == "ali.student@example.org"
    assert (student.user.role, student.user.university_id) == ("student", setting["home"].id)
    assert student.user.password_hash is None
    assert (student.university_id, student.cohort_id, student.gender) == (
        setting["home"].id, setting["cohort"].id, "m")
    event, = events_for(student)
    assert (event.action, event.actor_id, event.data["student_number"]) == (
        "student.created", setting["registrar"].id, "KRB-26-001")


def test_a_student_number_is_unique_within_a_university(setting):
    create(setting)

    with pytest.raises(RuleViolation) as refused:
        create(setting, email="another@example.org")

    assert refused.value.field == "student_number"


def test_the_same_student_number_may_be_used_at_another_university(setting):
    create(setting)
    other = create(setting, university=setting["other"], email="another@example.org")
    db.session.commit()
    assert other.student_number == "KRB-26-001"


@pytest.mark.parametrize(("changes", "field"), [({"gender": "x"}, "gender"),
                                                ({"cohort_id": 987654}, "cohort_id")])
def test_a_profile_needs_a_known_gender_and_cohort(setting, changes, field):
    with pytest.raises(RuleViolation) as refused:
        create(setting, **changes)
    assert refused.value.field == field
    assert db.session.scalar(db.select(db.func.count()).select_from(User).where(User.role == "student")) == 0


def test_updating_a_student_changes_account_and_profile_with_audit(setting, make):
    student = create(setting)
    later = make.cohort()

    services.update_student(setting["registrar"], student, **values(
        later, email="new@example.org", name_en="Ali H. K. Al-Musawi", student_number="KRB-26-002",
        gender="m"))

    assert (student.user.email, student.user.name_en) == ("new@example.org", "Ali H. K. Al-Musawi")
    assert (student.student_number, student.cohort_id) == ("KRB-26-002", later.id)
    assert student.university_id == setting["home"].id
    event = events_for(student)[-1]
    assert event.action == "student.updated"
    assert event.data["before"]["email"] == "ali.student@example.org"
    assert event.data["after"]["cohort_id"] == later.id


def test_a_student_keeps_their_own_number_when_edited(setting):
    student = create(setting)
    services.update_student(setting["registrar"], student, **values(setting["cohort"], name_en="Renamed"))
    assert student.user.name_en == "Renamed"


def test_deactivating_a_students_account_ends_its_sessions(setting):
    student = create(setting)
    db.session.commit()
    login_id = start_login_session(student.user).get_id()
    assert user_from_login_id(login_id) == student.user

    set_user_active(setting["registrar"], student.user, False)

    assert user_from_login_id(login_id) is None
    assert user_from_login_id(student.user.get_id()) is None  # inactive, even with the new token


# --- queries -----------------------------------------------------------------------------------------

@pytest.fixture
def roster(setting, make):
    home, other, cohort = setting["home"], setting["other"], setting["cohort"]
    return {
        "sara": make.student(university=home, cohort=cohort, name_ar="سارة يوسف بطرس حنا",
                             name_en="Sara Yousif Boutros Hanna", student_number="BGD-23-003"),
        "ahmed": make.student(university=home, cohort=cohort, name_ar="أحمد صباح مهدي العامري",
                              name_en="Ahmed Sabah Mahdi Al-Amiri", student_number="BGD-23-004",
                              email="ahmed.amiri@example.org"),
        "huda": make.student(university=other, cohort=cohort, name_ar="هدى سالم يونس الطائي",
                             name_en="Huda Salim Younis Al-Taie", student_number="MSL-23-001"),
    }


def test_a_university_sees_only_its_students(setting, roster):
    assert set(students_found(university_id=setting["home"].id)) == {roster["sara"], roster["ahmed"]}
    assert set(students_found(university_id=None)) == set(roster.values())


@pytest.mark.parametrize(("search", "expected"), [
    ("بطرس", {"sara"}), ("يونس", {"huda"}), ("hanna", {"sara"}), ("AL-AMIRI", {"ahmed"}),
    ("BGD-23", {"sara", "ahmed"}), ("Ahmed.Amiri@", {"ahmed"}), ("  ", {"sara", "ahmed", "huda"}),
    ("%", set()), ("_", set()),
])
def test_students_are_searched_by_name_number_and_email(roster, search, expected):
    assert set(students_found(search=search)) == {roster[key] for key in expected}


def test_the_search_stays_within_the_university(setting, roster):
    assert students_found(university_id=setting["home"].id, search="يونس") == []


def test_students_are_filtered_by_cohort(setting, roster, make):
    later = make.cohort()
    newcomer = make.student(university=setting["home"], cohort=later)
    assert students_found(cohort_id=later.id) == [newcomer]


def test_the_count_by_cohort_counts_active_students_of_one_university(setting, roster):
    set_user_active(setting["registrar"], roster["ahmed"].user, False)
    db.session.commit()
    assert services.count_by_cohort(setting["home"].id) == [(setting["cohort"], 1)]
    assert services.count_by_cohort(setting["other"].id) == [(setting["cohort"], 1)]
