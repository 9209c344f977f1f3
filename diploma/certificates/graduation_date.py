"""The graduation date of a cohort at a university: one rule for the web, the command line, the jobs and
corrections.

The date is the cohort's, chosen once: the graduation report proposes it (the date the cohort's earlier
certificates at the university state, or else the cohort's end date), the registrar confirms or changes
it, and it is checked here — never in the future, never before the cohort's start nor before the cohort's
last published mark (nobody graduates before their marks are out). The serial's year is this date's.
"""
from datetime import date

from flask_babel import lazy_gettext as _l

from diploma import clock, dates
from diploma.certificates.models import Certificate
from diploma.curriculum.services import cohort_end_date
from diploma.enrolment.models import Enrolment, Student
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.grading.models import Gradebook
from diploma.teaching.models import Offering

FIELD = "issued_on"


def cohort_start(cohort):
    return date(cohort.start_year, 1, 1)


def last_published_mark_on(university, cohort):
    """The day the last marks of the cohort's students at the university were published (None: none yet)."""
    moment = db.session.scalar(
        db.select(db.func.max(Gradebook.published_at))
        .join(Offering, Offering.id == Gradebook.offering_id)
        .join(Enrolment, Enrolment.offering_id == Offering.id)
        .join(Student, Student.id == Enrolment.student_id)
        .where(Student.university_id == university.id, Student.cohort_id == cohort.id,
               Enrolment.status == "active", Gradebook.published_round > 0))
    return moment.date() if moment is not None else None


def earliest_graduation_date(university, cohort):
    last_mark = last_published_mark_on(university, cohort)
    return max(cohort_start(cohort), last_mark) if last_mark else cohort_start(cohort)


def _date_already_chosen(university, cohort):
    """The graduation date the cohort's latest certificate at the university states (None: none issued)."""
    return db.session.scalar(
        db.select(Certificate.issued_on)
        .where(Certificate.university_id == university.id, Certificate.cohort_id == cohort.id,
               Certificate.current())
        .order_by(Certificate.id.desc()).limit(1))


def proposed_graduation_date(university, cohort):
    """The date the issue form proposes (and the command line takes without ``--date``): the one chosen
    for the cohort's earlier certificates at the university, else the cohort's end date — moved into the
    allowed range (not before the last published mark, not after today)."""
    proposal = _date_already_chosen(university, cohort) or cohort_end_date(cohort)
    return min(max(proposal, earliest_graduation_date(university, cohort)), clock.today())


def check_graduation_date(university, cohort, when):
    """``when`` as a graduation date of the cohort at the university, or a translated refusal."""
    dates.check_past_date(when, field=FIELD)
    if when < cohort_start(cohort):
        raise RuleViolation(_l("The graduation date cannot come before the cohort's start (%(year)s).",
                               year=cohort.start_year), field=FIELD)
    last_mark = last_published_mark_on(university, cohort)
    if last_mark is not None and when < last_mark:
        raise RuleViolation(_l("The graduation date cannot come before the cohort's last published marks "
                               "(%(date)s).", date=last_mark.isoformat()), field=FIELD)
    return when
