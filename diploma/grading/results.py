"""Students' published results: the course marks a student may see, and the credit-weighted average."""
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import contains_eager, lazyload, selectinload

from diploma.curriculum.models import Course, Term
from diploma.curriculum.services import the_programme
from diploma.enrolment.models import Enrolment
from diploma.extensions import db
from diploma.grading import rules
from diploma.grading.models import FIRST_ROUND, Gradebook, Score
from diploma.grading.table import StudentMarks, compute_row, grading_rules_of
from diploma.teaching.models import Offering


@dataclass
class Result:
    offering: Offering
    mark: Decimal
    band: object
    round: int
    credits: int
    passed: bool


def published_results(student):
    """The student's published course results, oldest term first, and their credit-weighted average.
    Unpublished marks are not there at all."""
    return published_results_of([student])[student.id]


def published_results_of(students):
    """{student id: (results, average)} for many students in a fixed number of queries."""
    programme = the_programme()
    pairs = db.session.execute(
        db.select(Enrolment, Gradebook.id).join(Gradebook, Gradebook.offering_id == Enrolment.offering_id)
        .join(Offering, Offering.id == Enrolment.offering_id).join(Term, Term.id == Offering.term_id)
        .join(Course, Course.id == Offering.course_id)
        .where(Enrolment.student_id.in_([student.id for student in students]), Enrolment.status == "active",
               Gradebook.published_round >= FIRST_ROUND)
        # Only what a result reads: the offering with its course and term from the joins above; not the
        # student (the caller has them), nor the university.
        .options(contains_eager(Enrolment.offering).contains_eager(Offering.course),
                 contains_eager(Enrolment.offering).contains_eager(Offering.term),
                 contains_eager(Enrolment.offering).lazyload(Offering.university),
                 lazyload(Enrolment.student))
        .order_by(Term.starts_on, Course.code)
    ).all()
    gradebooks = _gradebooks({gradebook_id for _, gradebook_id in pairs})
    scores = _scores_by_enrolment([enrolment.id for enrolment, _ in pairs])
    grading = {gradebook_id: grading_rules_of(gradebook, programme)
               for gradebook_id, gradebook in gradebooks.items()}
    by_student = {student.id: [] for student in students}
    for enrolment, gradebook_id in pairs:
        result = _published_result(enrolment, gradebooks[gradebook_id], scores, grading[gradebook_id])
        if result is not None:
            by_student[enrolment.student_id].append(result)
    return {student_id: (results, rules.credit_weighted_average((r.mark, r.credits) for r in results))
            for student_id, results in by_student.items()}


def _published_result(enrolment, gradebook, scores, grading):
    row = StudentMarks(enrolment=enrolment)
    final_id = next((a.id for a in gradebook.assessments if a.is_final), None)
    for score in scores.get(enrolment.id, []):
        if score.attempt == FIRST_ROUND:
            row.scores[score.assessment_id] = score
        elif score.assessment_id == final_id:
            row.second = score
    compute_row(row, list(gradebook.assessments), grading, visible_round=gradebook.published_round)
    if row.mark is None:
        return None
    return Result(enrolment.offering, row.mark, row.band, row.round, enrolment.offering.course.credits,
                  rules.passed(row.mark, grading))


def _gradebooks(ids):
    """{id: gradebook} with its assessments; each loaded once however many students it graded, its
    grading rules (published_rules) read once too."""
    if not ids:
        return {}
    return {gradebook.id: gradebook for gradebook in db.session.scalars(
        db.select(Gradebook).where(Gradebook.id.in_(sorted(ids)))
        .options(selectinload(Gradebook.assessments), lazyload(Gradebook.offering)))}


def _scores_by_enrolment(enrolment_ids):
    """{enrolment id: [score]}: plain rows (value, absent, attempt, assessment), no ORM object per mark —
    the results only read them."""
    grouped = {}
    if not enrolment_ids:
        return grouped
    rows = db.session.execute(db.select(Score.enrolment_id, Score.assessment_id, Score.attempt, Score.value,
                                        Score.absent).where(Score.enrolment_id.in_(enrolment_ids)))
    for score in rows:
        grouped.setdefault(score.enrolment_id, []).append(score)
    return grouped
