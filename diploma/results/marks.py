"""The published course results of a whole scope, in three queries whatever the number of students.

What a published mark is belongs to ``diploma.grading.results`` (the grading rules frozen per gradebook at
publication, computed by ``grading.table.compute_row``; repeating them in SQL would give them a second owner
that could drift). This module only chooses the enrolments of a scope, with what the figures group them by,
and hands them to ``published_marks``; the figures are then summed from these rows.
"""
from dataclasses import dataclass
from decimal import Decimal

from diploma.curriculum.models import Term
from diploma.enrolment.models import Enrolment, Student
from diploma.extensions import db
from diploma.grading.models import FIRST_ROUND, Assessment, Gradebook
from diploma.grading.results import (
    assessments_by_gradebook,
    published_enrolments,
    published_marks,
    scores_by_enrolment,
)
from diploma.results.scope import academic_year_bounds, academic_year_of
from diploma.teaching.models import Offering, offering_lecturer


@dataclass(frozen=True)
class CourseResult:
    """One student's published result in one offering, with what the figures group it by."""

    student_id: int
    gender: str
    cohort_id: int
    university_id: int
    course_id: int
    year: int  # academic year (its first calendar year)
    first_mark: Decimal
    first_passed: bool
    mark: Decimal  # after the second round, when it was published
    passed: bool
    band_min: Decimal | None
    band_ar: str
    band_en: str


def offerings_in_scope(scope):
    """A SELECT of the ids of the offerings a scope covers (university, academic year, lecturer)."""
    query = db.select(Offering.id).join(Term, Term.id == Offering.term_id)
    if scope.university_id is not None:
        query = query.where(Offering.university_id == scope.university_id)
    if scope.year is not None:
        first, following = academic_year_bounds(scope.year)
        query = query.where(Term.starts_on >= first, Term.starts_on < following)
    if scope.lecturer_id is not None:
        query = query.where(Offering.id.in_(
            db.select(offering_lecturer.c.offering_id)
            .where(offering_lecturer.c.user_id == scope.lecturer_id)))
    return query


def _published_enrolments(scope):
    query = (
        published_enrolments(Enrolment.student_id, Student.gender, Student.cohort_id, Offering.university_id,
                             Offering.course_id, Term.starts_on)
        .join(Student, Student.id == Enrolment.student_id)
        .join(Offering, Offering.id == Enrolment.offering_id)
        .join(Term, Term.id == Offering.term_id)
        .where(Offering.id.in_(offerings_in_scope(scope)))
    )
    if scope.cohort_id is not None:
        query = query.where(Student.cohort_id == scope.cohort_id)
    return db.session.execute(query).all()


def _published_gradebooks(scope):
    return db.select(Gradebook.id).where(Gradebook.published_round >= FIRST_ROUND,
                                         Gradebook.offering_id.in_(offerings_in_scope(scope)))


def course_results(scope, programme):
    """Every published course result in the scope: a list of CourseResult (three queries)."""
    enrolments = _published_enrolments(scope)
    assessments = assessments_by_gradebook(_published_gradebooks(scope))
    scores = scores_by_enrolment(Assessment.gradebook_id.in_(_published_gradebooks(scope)))
    return [CourseResult(
        student_id=enrolment.student_id, gender=enrolment.gender, cohort_id=enrolment.cohort_id,
        university_id=enrolment.university_id, course_id=enrolment.course_id,
        year=academic_year_of(enrolment.starts_on), first_mark=published.first_mark,
        first_passed=published.first_passed, mark=published.mark, passed=published.passed,
        band_min=published.band.min_mark if published.band else None,
        band_ar=published.band.name_ar if published.band else "",
        band_en=published.band.name_en if published.band else "")
        for enrolment, published in published_marks(enrolments, assessments, scores, programme)]
