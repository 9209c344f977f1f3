"""Who completed the programme: one rule (``grading.completion``), asked by the graduation report
(certificates) and by the programme's figures (results) — so that on any data they agree. Cohorts are drawn
at random (seeded): required and elective courses, a course taken twice (in two terms), a gradebook not
published yet, marks on both sides of the pass mark."""
import random
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from diploma.certificates.graduation import graduation_report
from diploma.enrolment.models import Enrolment
from diploma.extensions import db
from diploma.grading import services as grading
from diploma.grading.completion import completion
from diploma.grading.models import Score
from diploma.results.scope import Scope
from diploma.results.services import completed_students, programme_figures
from tests import factories
from tests import teaching as build
from tests.certificates.builders import _grade_and_publish

COURSES = [SimpleNamespace(id=1, code="R1", credits=3, required=True),
           SimpleNamespace(id=2, code="R2", credits=3, required=True),
           SimpleNamespace(id=3, code="E1", credits=3, required=False)]


# --- the rule -----------------------------------------------------------------------------------------------

def test_a_course_passed_twice_counts_its_credits_once():
    twice = completion(9, COURSES, [(1, True), (2, True), (2, True)])
    assert twice.credits == 6 and not twice.completed
    assert completion(9, COURSES, [(1, True), (2, True), (3, True)]).completed


def test_a_failed_course_passed_later_is_passed():
    assert completion(6, COURSES, [(1, False), (2, True), (1, True)]).completed
    assert not completion(6, COURSES, [(1, False), (2, True)]).completed


def test_a_mark_not_published_yet_holds_completion_back_even_of_a_course_passed_before():
    passed = [(1, True), (2, True), (3, True)]
    assert completion(9, COURSES, passed).completed
    for waiting in (1, 3):
        done = completion(9, COURSES, passed, unpublished={waiting})
        assert not done.completed and len(done.reasons) == 1


def test_without_published_marks_nobody_completes():
    assert not completion(0, [COURSES[2]], []).completed


# --- the report and the figures agree -----------------------------------------------------------------------

def _enrol_with_marks(offering, students, marks):
    enrolments = [Enrolment(student_id=student.id, offering_id=offering.id) for student in students]
    db.session.add_all(enrolments)
    db.session.flush()
    gradebook = grading.gradebook_of(offering)
    for enrolment, mark in zip(enrolments, marks, strict=True):
        for assessment in gradebook.assessments:
            db.session.add(Score(enrolment_id=enrolment.id, assessment_id=assessment.id, attempt=1,
                                 value=mark, absent=False))
    db.session.commit()


def _random_cohort(rng, size=16):
    """A cohort at one university: three required courses and two electives in a first term, then one
    required course and one elective again in a second term (taken twice by some), and one elective whose
    gradebook is not published."""
    programme = factories.programme()
    programme.required_credits = 12
    university = factories.university()
    registrar = factories.user(role="registrar", university=university)
    lecturer = factories.user(role="lecturer", university=university)
    cohort = factories.cohort(start_year=2023, end_year=2024)
    first = factories.term(starts_on=date(2023, 10, 1), ends_on=date(2024, 1, 31))
    second = factories.term(starts_on=date(2024, 2, 15), ends_on=date(2024, 6, 15))
    required = [factories.course(credits=3, required=True) for _ in range(3)]
    electives = [factories.course(credits=3, required=False) for _ in range(3)]
    students = [factories.student(university=university, cohort=cohort, gender=rng.choice("fm"))
                for _ in range(size)]

    def offer(course, term):
        return build.offering(university, lecturers=[lecturer], course=course, term=term, capacity=size + 5)

    def some(share):
        return [student for student in students if rng.random() < share]

    def marks(count):
        return [Decimal(rng.choice((35, 49, 50, 62, 75, 81, 88, 90, 97))) for _ in range(count)]

    published = [(offer(course, first), some(0.95)) for course in required + electives[:2]]
    published += [(offer(required[0], second), some(0.4)), (offer(electives[0], second), some(0.4))]
    for offering, takers in published:
        if takers:
            _grade_and_publish(offering, takers, marks(len(takers)), lecturer, registrar)
    waiting = some(0.2)
    if waiting:
        _enrol_with_marks(offer(electives[2], second), waiting, marks(len(waiting)))
    return programme, university, cohort


def _progress_row(university, cohort):
    table = programme_figures(Scope(university.id, cohort.id), "en").table("progress")
    return next(row for row in table.rows if row.label == cohort.name_en)


@pytest.mark.parametrize("seed", range(4))
def test_the_graduation_report_and_the_figures_agree_on_who_completed(seed):
    rng = random.Random(seed)
    programme, university, cohort = _random_cohort(rng)

    report = graduation_report(university, cohort)
    eligible = {standing.student.id for standing in report.graduates}
    completed = completed_students(Scope(university.id, cohort.id), programme)

    assert eligible == set(completed)
    assert set(completed.values()) <= {cohort.id}
    assert _progress_row(university, cohort).cells[1] == len(eligible)
    # Not a vacuous agreement: some completed, some did not.
    assert eligible and len(eligible) < len(report.standings), [s.reasons for s in report.standings]
