"""The published course results of a whole scope, in three queries whatever the number of students.

A course mark is not a column: it is computed from the scores by the grading rules (weights, rounding, the
second round and its cap), frozen per gradebook at publication. Those rules have one owner,
``diploma.grading.table.compute_row``; repeating them in SQL would give them a second one that could drift.
So the database does the selecting and joining in three statements (the enrolments of published
gradebooks with what the figures group by, their assessments, their scores) and each mark is computed by the
grading code; the figures are then summed from these rows.
"""
from dataclasses import dataclass
from decimal import Decimal

from diploma.curriculum.models import Term
from diploma.enrolment.models import Enrolment, Student
from diploma.extensions import db
from diploma.grading import rules
from diploma.grading.models import FIRST_ROUND, Assessment, Gradebook, Score
from diploma.grading.table import StudentMarks, compute_row, grading_rules_of
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
        db.select(Enrolment.id, Enrolment.student_id, Student.gender, Student.cohort_id,
                  Offering.university_id, Offering.course_id, Term.starts_on,
                  Gradebook.id.label("gradebook_id"), Gradebook.published_round, Gradebook.published_rules)
        .join(Student, Student.id == Enrolment.student_id)
        .join(Offering, Offering.id == Enrolment.offering_id)
        .join(Term, Term.id == Offering.term_id)
        .join(Gradebook, Gradebook.offering_id == Offering.id)
        .where(Enrolment.status == "active", Gradebook.published_round >= FIRST_ROUND,
               Offering.id.in_(offerings_in_scope(scope)))
    )
    if scope.cohort_id is not None:
        query = query.where(Student.cohort_id == scope.cohort_id)
    return db.session.execute(query).all()


def _published_gradebooks(scope):
    return db.select(Gradebook.id).where(Gradebook.published_round >= FIRST_ROUND,
                                         Gradebook.offering_id.in_(offerings_in_scope(scope)))


def _assessments(scope):
    """{gradebook id: [assessments in order]}."""
    grouped = {}
    for assessment in db.session.scalars(
            db.select(Assessment).where(Assessment.gradebook_id.in_(_published_gradebooks(scope)))
            .order_by(Assessment.gradebook_id, Assessment.position)):
        grouped.setdefault(assessment.gradebook_id, []).append(assessment)
    return grouped


def _scores(scope):
    """{enrolment id: [(assessment id, attempt, value, absent)]}."""
    query = (db.select(Score.enrolment_id, Score.assessment_id, Score.attempt, Score.value, Score.absent)
             .join(Assessment, Assessment.id == Score.assessment_id)
             .where(Assessment.gradebook_id.in_(_published_gradebooks(scope))))
    grouped = {}
    for row in db.session.execute(query):
        grouped.setdefault(row.enrolment_id, []).append(row)
    return grouped


@dataclass
class _FrozenRules:
    """What ``grading_rules_of`` reads of a gradebook."""

    published_rules: dict | None


def course_results(scope, programme):
    """Every published course result in the scope: a list of CourseResult (three queries)."""
    enrolments = _published_enrolments(scope)
    assessments = _assessments(scope)
    scores = _scores(scope)
    rules_of = {}
    results = []
    for enrolment in enrolments:
        gradebook_assessments = assessments.get(enrolment.gradebook_id, [])
        if enrolment.gradebook_id not in rules_of:
            frozen = _FrozenRules(enrolment.published_rules)
            rules_of[enrolment.gradebook_id] = grading_rules_of(frozen, programme)
        grading = rules_of[enrolment.gradebook_id]
        row = StudentMarks(enrolment=None)
        final_id = next((a.id for a in gradebook_assessments if a.is_final), None)
        for score in scores.get(enrolment.id, []):
            if score.attempt == FIRST_ROUND:
                row.scores[score.assessment_id] = score
            elif score.assessment_id == final_id:
                row.second = score
        compute_row(row, gradebook_assessments, grading, visible_round=enrolment.published_round)
        if row.mark is None:
            continue
        band = row.band
        results.append(CourseResult(
            student_id=enrolment.student_id, gender=enrolment.gender, cohort_id=enrolment.cohort_id,
            university_id=enrolment.university_id, course_id=enrolment.course_id,
            year=academic_year_of(enrolment.starts_on), first_mark=row.first_mark,
            first_passed=bool(row.first_passed), mark=row.mark, passed=rules.passed(row.mark, grading),
            band_min=band.min_mark if band else None, band_ar=band.name_ar if band else "",
            band_en=band.name_en if band else ""))
    return results
