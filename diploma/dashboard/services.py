"""What each role's dashboard shows."""
from functools import cache
from typing import NamedTuple

from diploma.auth.models import User
from diploma.curriculum.models import Cohort, Course, Programme, Term
from diploma.curriculum.services import PROGRAMME_CODE, the_programme
from diploma.enrolment.models import Student
from diploma.enrolment.services import count_by_cohort, course_summaries
from diploma.extensions import db
from diploma.partners.models import University
from diploma.partners.services import university_of
from diploma.teaching.services import Names, offerings_taught_by


def _count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def admin_summary():
    return {
        "universities": _count(University),
        "users": _count(User),
        "courses": _count(Course),
        "cohorts": _count(Cohort),
        "terms": _count(Term),
        "programme": the_programme(),
    }


DASHBOARD_COHORTS = 4  # the registrar's dashboard counts the newest cohorts; the certificates list has all


def registrar_summary(user):
    return {"university": university_of(user),
            "cohorts": count_by_cohort(user.university_id, newest=DASHBOARD_COHORTS)}


def lecturer_summary(user):
    return {"university": university_of(user), "offerings": offerings_taught_by(user, current_only=True)}


class StudentCard(NamedTuple):
    student_number: str
    cohort: Names


@cache
def _student_card_statement():
    """The names on a student's dashboard card — the account's university, the student's cohort and number
    (none without a student profile), the programme (``the_programme``: none before it exists) — in one row,
    by a statement built once (SQLAlchemy reuses its cache key and SQL)."""
    return db.select(University.name_ar, University.name_en, Student.student_number, Cohort.name_ar,
                     Cohort.name_en, Programme.name_ar, Programme.name_en) \
        .select_from(University) \
        .outerjoin(Student, Student.user_id == db.bindparam("user_id")) \
        .outerjoin(Cohort, Cohort.id == Student.cohort_id) \
        .outerjoin(Programme, Programme.code == db.bindparam("programme_code")) \
        .where(University.id == db.bindparam("university_id"))


def _student_card(user):
    row = db.session.execute(_student_card_statement(), {
        "user_id": user.id, "university_id": user.university_id, "programme_code": PROGRAMME_CODE}).one()
    university_ar, university_en, number, cohort_ar, cohort_en, programme_ar, programme_en = row
    return {"university": Names(university_ar, university_en),
            "student": None if number is None else StudentCard(number, Names(cohort_ar, cohort_en)),
            "programme": None if programme_ar is None else Names(programme_ar, programme_en)}


def student_summary(user):
    """Plain values only (the page shows names, not records): the card in one query, the courses in two."""
    return {**_student_card(user), "courses": course_summaries(user, current_only=True)}


SUMMARIES = {"admin": admin_summary, "registrar": registrar_summary, "lecturer": lecturer_summary,
             "student": student_summary}


def summary_for(user):
    summary = SUMMARIES[user.role]
    return summary() if user.role == "admin" else summary(user)
