"""What each role's dashboard shows."""
from diploma.auth.models import User
from diploma.curriculum.models import Cohort, Course, Term
from diploma.curriculum.services import the_programme
from diploma.enrolment.services import count_by_cohort, course_summaries, student_of
from diploma.extensions import db
from diploma.partners.models import University
from diploma.partners.services import university_of
from diploma.teaching.services import offerings_taught_by


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


def student_summary(user):
    return {"university": university_of(user), "student": student_of(user), "programme": the_programme(),
            "courses": course_summaries(user, current_only=True)}


SUMMARIES = {"admin": admin_summary, "registrar": registrar_summary, "lecturer": lecturer_summary,
             "student": student_summary}


def summary_for(user):
    summary = SUMMARIES[user.role]
    return summary() if user.role == "admin" else summary(user)
