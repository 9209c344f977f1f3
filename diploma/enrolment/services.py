"""Students of a university: their accounts and profiles."""
from flask_babel import lazy_gettext as _l

from diploma import audit
from diploma.access import STUDENT
from diploma.auth import services as accounts
from diploma.auth.models import User
from diploma.curriculum.models import Cohort
from diploma.enrolment.models import GENDERS, Student
from diploma.errors import RuleViolation
from diploma.extensions import db

PROFILE_FIELDS = ("student_number", "gender", "cohort_id")


def students_query(university_id=None, search="", cohort_id=None):
    """Students, by name; limited to one university unless ``university_id`` is None (admin)."""
    query = db.select(Student).join(Student.user).order_by(User.name_ar)
    if university_id is not None:
        query = query.where(Student.university_id == university_id)
    if cohort_id is not None:
        query = query.where(Student.cohort_id == cohort_id)
    search = (search or "").strip()
    if search:
        query = query.where(db.or_(User.name_ar.contains(search, autoescape=True),
                                   db.func.lower(User.name_en).contains(search.lower(), autoescape=True),
                                   Student.student_number.contains(search, autoescape=True),
                                   User.email.contains(search.lower(), autoescape=True)))
    return query


def _check_profile(university_id, values, student=None):
    if values["gender"] not in GENDERS:
        raise RuleViolation(_l("Choose the student's gender."), field="gender")
    if db.session.get(Cohort, values["cohort_id"]) is None:
        raise RuleViolation(_l("Choose a cohort."), field="cohort_id")
    clash = db.session.scalar(db.select(Student).where(
        Student.university_id == university_id, Student.student_number == values["student_number"],
        Student.id != getattr(student, "id", None)))
    if clash is not None:
        raise RuleViolation(_l("Another student of this university has this student number."),
                            field="student_number")


def _profile_values(student):
    return {"email": student.user.email, "name_ar": student.user.name_ar, "name_en": student.user.name_en,
            **{name: getattr(student, name) for name in PROFILE_FIELDS}}


def create_student(actor, university_id, *, email, name_ar, name_en, student_number, gender, cohort_id):
    """A student account (without a password) and its profile."""
    values = {"student_number": student_number, "gender": gender, "cohort_id": cohort_id}
    _check_profile(university_id, values)
    user = accounts.create_user(actor, email=email, name_ar=name_ar, name_en=name_en, role=STUDENT,
                                university_id=university_id)
    student = Student(user=user, university_id=university_id, **values)
    db.session.add(student)
    db.session.flush()
    audit.record(actor, "student.created", student, _profile_values(student))
    return student


def update_student(actor, student, *, email, name_ar, name_en, student_number, gender, cohort_id):
    values = {"student_number": student_number, "gender": gender, "cohort_id": cohort_id}
    _check_profile(student.university_id, values, student)
    before = _profile_values(student)
    accounts.update_user(actor, student.user, email=email, name_ar=name_ar, name_en=name_en)
    for name, value in values.items():
        setattr(student, name, value)
    db.session.flush()
    audit.record(actor, "student.updated", student, {"before": before, "after": _profile_values(student)})
    return student


def count_by_cohort(university_id):
    """{cohort: number of active students} for one university."""
    rows = db.session.execute(
        db.select(Cohort, db.func.count(Student.id))
        .join(Student, Student.cohort_id == Cohort.id)
        .join(User, User.id == Student.user_id)
        .where(Student.university_id == university_id, User.active.is_(True))
        .group_by(Cohort.id).order_by(Cohort.start_year)
    ).all()
    return [(cohort, count) for cohort, count in rows]
