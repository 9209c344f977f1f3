"""What each role's dashboard shows, and what waits for each role (issue 24) — the one owner of those
rules; the templates only show what they are given:

- registrar: gradebooks submitted at the university awaiting approval, graduates of the newest ended cohort
  awaiting their certificates, the registrar's jobs finished since the last visit to the dashboard;
- lecturer: gradebooks returned by the registrar (with the comment), drafts of the terms under way to submit;
- student: courses whose marks were published since the last visit to the grades page (and, on the course
  cards, materials posted since the student last saw the course: ``enrolment.services.course_summaries``).

"Since the last visit" is a ``PageVisit`` written by a POST the page sends once shown (``record_visit``),
never by a GET.
"""
from datetime import timedelta
from functools import cache
from typing import NamedTuple

from diploma import clock
from diploma.auth.models import User
from diploma.certificates.graduation import graduation_report
from diploma.clock import utcnow
from diploma.curriculum.models import Cohort, Course, Programme, Term
from diploma.curriculum.services import PROGRAMME_CODE, the_programme
from diploma.dashboard.models import DASHBOARD, GRADES, PAGES, PageVisit
from diploma.enrolment.models import Enrolment, Student
from diploma.enrolment.services import count_by_cohort, course_summaries
from diploma.extensions import db
from diploma.grading.models import Gradebook
from diploma.jobs.models import FINISHED, Job
from diploma.partners.models import University
from diploma.partners.services import university_of
from diploma.teaching.models import Offering, offering_lecturer
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
            "cohorts": count_by_cohort(user.university_id, newest=DASHBOARD_COHORTS),
            "waiting": registrar_waiting(user)}


def lecturer_summary(user):
    return {"university": university_of(user), "offerings": offerings_taught_by(user, current_only=True),
            "waiting": lecturer_waiting(user)}


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
    return {**_student_card(user), "courses": course_summaries(user, current_only=True),
            "waiting": student_waiting(user)}


# --- what waits ---------------------------------------------------------------------------------------

# Without a recorded visit, "since the last visit" counts back this far (as "New materials" does).
FIRST_VISIT_WINDOW = timedelta(days=14)


def record_visit(user, page):
    """The user has seen ``page`` (one of ``PAGES``) now: what it shows no longer counts as new. False (and
    nothing written) for a page that keeps no visits; the caller answers 404."""
    if page not in PAGES or (page == GRADES and user.role != "student"):
        return False
    visit = db.session.get(PageVisit, (user.id, page))
    if visit is None:
        db.session.add(PageVisit(user_id=user.id, page=page, seen_at=utcnow()))
    else:
        visit.seen_at = utcnow()
    db.session.flush()
    return True


def last_visit(user, page):
    """When the user last saw ``page`` — without a recorded visit, ``FIRST_VISIT_WINDOW`` ago — as an SQL
    expression, so that the count it bounds is one query."""
    seen = db.select(PageVisit.seen_at).where(PageVisit.user_id == user.id, PageVisit.page == page) \
        .scalar_subquery()
    return db.func.coalesce(seen, utcnow() - FIRST_VISIT_WINDOW)


class WaitingGradebook(NamedTuple):
    """A gradebook that waits for someone: its offering, course and term names, and the registrar's comment
    when it was returned."""

    offering_id: int
    title: Names
    term: Names
    comment: str | None


class AwaitingCertificates(NamedTuple):
    cohort_id: int
    cohort: Names
    count: int


def _gradebooks(*conditions):
    rows = db.session.execute(
        db.select(Offering.id, Course.title_ar, Course.title_en, Term.name_ar, Term.name_en,
                  Gradebook.return_comment)
        .select_from(Gradebook).join(Offering, Offering.id == Gradebook.offering_id)
        .join(Course, Course.id == Offering.course_id).join(Term, Term.id == Offering.term_id)
        .where(*conditions).order_by(Term.starts_on.desc(), Offering.id)).all()
    return [WaitingGradebook(offering_id, Names(title_ar, title_en), Names(term_ar, term_en), comment)
            for offering_id, title_ar, title_en, term_ar, term_en, comment in rows]


def _count_of_submitted_gradebooks(university_id):
    return db.session.scalar(
        db.select(db.func.count(Gradebook.id)).join(Offering, Offering.id == Gradebook.offering_id)
        .where(Gradebook.status == "submitted", Offering.university_id == university_id))


def _newest_ended_cohort(university_id):
    """The newest cohort with students at the university whose last year has come: the one whose graduates
    a registrar issues certificates to next."""
    has_students = db.select(Student.id).where(Student.cohort_id == Cohort.id,
                                               Student.university_id == university_id).exists()
    return db.session.scalar(db.select(Cohort).where(has_students, Cohort.end_year <= clock.today().year)
                             .order_by(Cohort.end_year.desc(), Cohort.id.desc()).limit(1))


def _awaiting_certificates(university):
    cohort = _newest_ended_cohort(university.id)
    if cohort is None:
        return None
    count = len(graduation_report(university, cohort).awaiting_certificate)
    return AwaitingCertificates(cohort.id, Names(cohort.name_ar, cohort.name_en), count)


def _count_of_jobs_finished_since(user, since):
    return db.session.scalar(db.select(db.func.count(Job.id)).where(
        Job.user_id == user.id, Job.state.in_(FINISHED), Job.finished_at > since))


def registrar_waiting(user):
    """Gradebooks to approve and graduates awaiting certificates at the registrar's university only, and
    the registrar's own jobs finished since the last visit to the dashboard."""
    university = university_of(user)
    return {"gradebooks_to_approve": _count_of_submitted_gradebooks(university.id),
            "awaiting_certificates": _awaiting_certificates(university),
            "jobs_finished": _count_of_jobs_finished_since(user, last_visit(user, DASHBOARD))}


def lecturer_waiting(user):
    """The lecturer's gradebooks returned by the registrar (with the comment), and the drafts of the terms
    under way (started, not ended) still to be submitted."""
    taught = Offering.id.in_(db.select(offering_lecturer.c.offering_id)
                             .where(offering_lecturer.c.user_id == user.id))
    today, draft = clock.today(), Gradebook.status == "draft"
    return {"returned": _gradebooks(taught, draft, Gradebook.return_comment.is_not(None)),
            "drafts": _gradebooks(taught, draft, Gradebook.return_comment.is_(None),
                                  Term.starts_on <= today, Term.ends_on >= today)}


def student_waiting(user):
    """The student's courses (active enrolments) whose marks were published since the last visit to the
    grades page."""
    since = last_visit(user, GRADES)
    rows = db.session.execute(
        db.select(Course.title_ar, Course.title_en)
        .select_from(Enrolment).join(Student, Student.id == Enrolment.student_id)
        .join(Offering, Offering.id == Enrolment.offering_id).join(Course, Course.id == Offering.course_id)
        .join(Gradebook, Gradebook.offering_id == Offering.id)
        .where(Student.user_id == user.id, Enrolment.status == "active", Gradebook.published_round > 0,
               Gradebook.published_at > since)
        .order_by(Gradebook.published_at.desc(), Offering.id)).all()
    return {"marks_published": [Names(title_ar, title_en) for title_ar, title_en in rows]}


SUMMARIES = {"admin": admin_summary, "registrar": registrar_summary, "lecturer": lecturer_summary,
             "student": student_summary}


def summary_for(user):
    summary = SUMMARIES[user.role]
    return summary() if user.role == "admin" else summary(user)
