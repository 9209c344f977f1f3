"""Graduation: who of a cohort at a university completed the programme (``grading.completion``, the one
rule), with their averages, ranks and bands, and whether each has a certificate yet."""
from dataclasses import dataclass, field

from diploma.auth.models import User
from diploma.certificates.models import Certificate
from diploma.curriculum.models import Course
from diploma.curriculum.services import the_programme
from diploma.enrolment.models import Student
from diploma.extensions import db
from diploma.grading import rules
from diploma.grading.completion import completion, unpublished_courses
from diploma.grading.services import published_results_of


@dataclass
class Standing:
    """Where one student of a cohort stands: eligible to graduate or not, and why."""

    student: Student
    results: list
    average: object
    credits: int
    reasons: list = field(default_factory=list)
    rank: int | None = None
    band: object = None
    certificate: Certificate | None = None

    @property
    def eligible(self):
        return not self.reasons

    @property
    def awaits_certificate(self):
        """Who can be issued a certificate: an eligible student who has none yet."""
        return self.eligible and self.certificate is None


@dataclass
class GraduationReport:
    university: object
    cohort: object
    programme: object
    standings: list

    @property
    def graduates(self):
        return [s for s in self.standings if s.eligible]

    @property
    def awaiting_certificate(self):
        return [s for s in self.standings if s.awaits_certificate]

    @property
    def printable_count(self):
        return sum(1 for s in self.standings if s.certificate is not None and s.certificate.printable)


def _rank(standings):
    """Competition ranking by average within the eligible students: 1, 2, 2, 4 …"""
    eligible = sorted((s for s in standings if s.eligible), key=lambda s: s.average, reverse=True)
    for position, standing in enumerate(eligible, start=1):
        previous = eligible[position - 2] if position > 1 else None
        standing.rank = previous.rank if previous and previous.average == standing.average else position


def _students(university, cohort):
    # The account joined once (for the order and the names), the cohort not again: it is ``cohort``.
    return db.session.scalars(
        db.select(Student).join(Student.user)
        .where(Student.university_id == university.id, Student.cohort_id == cohort.id)
        .order_by(User.name_ar).options(db.contains_eager(Student.user), db.lazyload(Student.cohort))
    ).all()


def _current_certificates(student_ids, programme):
    # Each certificate's serial and status, not its snapshot (the whole statement, a JSON document to parse).
    return {c.student_id: c for c in db.session.scalars(
        db.select(Certificate).where(Certificate.student_id.in_(student_ids),
                                     Certificate.programme_id == programme.id, Certificate.current())
        .options(db.defer(Certificate.snapshot)))}


def graduation_report(university, cohort):
    """Who of a cohort at a university can graduate, who cannot and why, with averages and ranks."""
    programme = the_programme()
    students = _students(university, cohort)
    ids = [s.id for s in students]
    results = published_results_of(students) if students else {}
    unpublished = unpublished_courses(Student.university_id == university.id,
                                      Student.cohort_id == cohort.id) if ids else {}
    courses = db.session.scalars(db.select(Course).where(Course.programme_id == programme.id)
                                 .order_by(Course.id)).all()
    certificates = _current_certificates(ids, programme)
    standings = []
    for student in students:
        student_results, average = results[student.id]
        done = completion(programme.required_credits, courses,
                          [(r.offering.course_id, r.passed) for r in student_results],
                          unpublished.get(student.id, ()))
        standing = Standing(student, student_results, average, done.credits, list(done.reasons),
                            certificate=certificates.get(student.id))
        if standing.eligible:
            standing.band = rules.band_of(average, list(programme.bands))
        standings.append(standing)
    _rank(standings)
    return GraduationReport(university, cohort, programme, standings)


def counts_by_cohort(model, cohort_ids, university_id=None, *conditions):
    """{(cohort id, university id): rows of ``model``} (students or certificates) for the cohorts shown, at
    one university (a registrar's) or at each (the administrator's): never counted over what a page does
    not show."""
    query = db.select(model.cohort_id, model.university_id, db.func.count()) \
        .where(model.cohort_id.in_(cohort_ids), *conditions).group_by(model.cohort_id, model.university_id)
    if university_id is not None:
        query = query.where(model.university_id == university_id)
    return {(cohort_id, university): count for cohort_id, university, count in db.session.execute(query)}
