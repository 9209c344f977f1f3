"""Who completed the programme: the one rule, for the graduation report (certificates), the programme's
figures (results), transcripts and the API alike.

DESIGN.md, Graduation: every required course passed, credits ≥ required, all marks published. So:

- only published marks count; a course the student is enrolled in (active) whose marks are not published
  yet holds the completion back, required or not ("all marks published");
- credits are the credits of the distinct courses passed: a course passed twice counts once;
- a required course is passed when any of its published results passes (a failed first attempt, then a
  pass, completes it).
"""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from diploma.enrolment.models import Enrolment, Student
from diploma.extensions import db
from diploma.grading.models import FIRST_ROUND, Gradebook
from diploma.teaching.models import Offering


@dataclass(frozen=True)
class Completion:
    """Whether one student completed the programme, the credits of the courses passed, and why not."""

    credits: int
    reasons: tuple

    @property
    def completed(self):
        return not self.reasons


def _course_reason(course, passed, taken, unpublished):
    if course.id in unpublished:
        return _l("%(course)s: the mark is not published yet", course=course.code)
    if course.id in taken:
        return _l("%(course)s: not passed", course=course.code)
    return _l("%(course)s: not taken", course=course.code)


def completion(required_credits, courses, published, unpublished=()):
    """The rule for one student. ``courses``: the programme's courses (``id``, ``code``, ``credits``,
    ``required``), in the order the reasons name them; ``published``: the student's published results as
    (course id, passed); ``unpublished``: the course ids of the student's active enrolments whose marks are
    not published yet."""
    passed = {course_id for course_id, ok in published if ok}
    taken = {course_id for course_id, _ok in published}
    waiting = set(unpublished)
    missing = [course for course in courses if course.required and course.id not in passed]
    reasons = [_course_reason(course, passed, taken, waiting) for course in missing]
    # Every mark published: a course waiting for its marks holds completion back, passed before or not.
    reasons += [_l("%(course)s: the mark is not published yet", course=course.code)
                for course in courses if course.id in waiting and course not in missing]
    credits = sum(course.credits for course in courses if course.id in passed)
    if credits < required_credits:
        reasons.append(_l("credits short: %(have)s of %(need)s", have=credits, need=required_credits))
    if not taken and not reasons:
        reasons.append(_l("no published marks"))
    return Completion(credits, tuple(reasons))


def unpublished_courses(*conditions):
    """{student id: {course id}} of the active enrolments whose marks are not published yet, of the
    students that ``conditions`` (SQL on Student, Enrolment or Offering) choose: one query."""
    rows = db.session.execute(
        db.select(Enrolment.student_id, Offering.course_id)
        .join(Offering, Offering.id == Enrolment.offering_id)
        .join(Student, Student.id == Enrolment.student_id)
        .outerjoin(Gradebook, Gradebook.offering_id == Offering.id)
        .where(Enrolment.status == "active",
               db.or_(Gradebook.id.is_(None), Gradebook.published_round < FIRST_ROUND), *conditions))
    grouped = {}
    for student_id, course_id in rows:
        grouped.setdefault(student_id, set()).add(course_id)
    return grouped
