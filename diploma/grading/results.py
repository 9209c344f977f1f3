"""Published results: the course marks students may see, and the credit-weighted average — the one owner of
this rule, for a student's pages and transcript, the certificates, the programme's figures (``results``) and
the API.

A course mark is not a column: it is computed from the scores by the grading rules frozen per gradebook at
publication (``table.compute_row``). ``published_marks`` does it for any selection of enrolments from plain
rows, in three queries whatever their number (the enrolments, their gradebooks' assessments, their scores):
``published_results_of`` selects students, ``results.marks.course_results`` a scope of the figures.
Unpublished marks are not there at all.
"""
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import contains_eager, lazyload

from diploma.curriculum.models import Course, Term
from diploma.curriculum.services import the_programme
from diploma.enrolment.models import Enrolment
from diploma.extensions import db
from diploma.grading import rules
from diploma.grading.models import FIRST_ROUND, Assessment, Gradebook, Score
from diploma.grading.table import StudentMarks, compute_row
from diploma.teaching.models import Offering


@dataclass(frozen=True)
class PublishedMark:
    """One enrolment's published course mark, and the first round's when a second one was published."""

    first_mark: Decimal
    first_passed: bool
    mark: Decimal
    passed: bool
    round: int
    band: object


@dataclass
class Result:
    offering: Offering
    mark: Decimal
    band: object
    round: int
    credits: int
    passed: bool


# --- the rule, on plain rows ---------------------------------------------------------------------------

def published_enrolments(*entities):
    """A SELECT of the active enrolments of published gradebooks, with what ``published_marks`` reads of
    each (``enrolment_id``, ``gradebook_id``, ``published_round``, ``published_rules``) after ``entities``.
    The caller adds its joins and its WHERE (which students, which offerings)."""
    return (db.select(*entities, Enrolment.id.label("enrolment_id"), Gradebook.id.label("gradebook_id"),
                      Gradebook.published_round, Gradebook.published_rules)
            .select_from(Enrolment).join(Gradebook, Gradebook.offering_id == Enrolment.offering_id)
            .where(Enrolment.status == "active", Gradebook.published_round >= FIRST_ROUND))


def assessments_by_gradebook(gradebook_ids):
    """{gradebook id: [assessments in order]} of ``gradebook_ids`` (a list, or a SELECT of ids)."""
    grouped = {}
    for assessment in db.session.scalars(
            db.select(Assessment).where(Assessment.gradebook_id.in_(gradebook_ids))
            .order_by(Assessment.gradebook_id, Assessment.position)):
        grouped.setdefault(assessment.gradebook_id, []).append(assessment)
    return grouped


def scores_by_enrolment(*where):
    """{enrolment id: [score]}: plain rows (assessment, attempt, value, absent), no ORM object per mark — the
    results only read them; ``where`` may test the score's assessment (joined)."""
    grouped = {}
    rows = db.session.execute(
        db.select(Score.enrolment_id, Score.assessment_id, Score.attempt, Score.value, Score.absent)
        .join(Assessment, Assessment.id == Score.assessment_id).where(*where))
    for score in rows:
        grouped.setdefault(score.enrolment_id, []).append(score)
    return grouped


def published_marks(enrolments, assessments, scores, programme):
    """(enrolment, PublishedMark) for each of ``enrolments`` (rows of ``published_enrolments``) that has a
    published mark, in their order. ``assessments``: {gradebook id: [assessments]}; ``scores``: {enrolment
    id: [score rows]}. Each gradebook's rules are read once, frozen at its publication."""
    grading_of = {}
    for enrolment in enrolments:
        if enrolment.gradebook_id not in grading_of:
            grading_of[enrolment.gradebook_id] = rules.GradingRules.published_or_current(
                enrolment.published_rules, programme)
        grading = grading_of[enrolment.gradebook_id]
        gradebook_assessments = assessments.get(enrolment.gradebook_id, [])
        row = _marks_row(scores.get(enrolment.enrolment_id, []), gradebook_assessments)
        compute_row(row, gradebook_assessments, grading, visible_round=enrolment.published_round)
        if row.mark is not None:
            yield enrolment, PublishedMark(row.first_mark, bool(row.first_passed), row.mark,
                                           rules.passed(row.mark, grading), row.round, row.band)


def _marks_row(scores, assessments):
    """A gradebook line of plain score rows: the first round's by assessment, the second attempt at the
    final."""
    row = StudentMarks(enrolment=None)
    final_id = next((a.id for a in assessments if a.is_final), None)
    for score in scores:
        if score.attempt == FIRST_ROUND:
            row.scores[score.assessment_id] = score
        elif score.assessment_id == final_id:
            row.second = score
    return row


# --- students' results -----------------------------------------------------------------------------------

def published_results(student):
    """The student's published course results, oldest term first, and their credit-weighted average."""
    return published_results_of([student])[student.id]


def published_results_of(students):
    """{student id: (results, average)} for many students in a fixed number of queries."""
    programme = the_programme()
    enrolments = db.session.execute(
        published_enrolments(Enrolment)
        .join(Offering, Offering.id == Enrolment.offering_id).join(Term, Term.id == Offering.term_id)
        .join(Course, Course.id == Offering.course_id)
        .where(Enrolment.student_id.in_([student.id for student in students]))
        # Only what a result reads: the offering with its course and term from the joins above; not the
        # student (the caller has them), nor the university.
        .options(contains_eager(Enrolment.offering).contains_eager(Offering.course),
                 contains_eager(Enrolment.offering).contains_eager(Offering.term),
                 contains_eager(Enrolment.offering).lazyload(Offering.university),
                 lazyload(Enrolment.student))
        .order_by(Term.starts_on, Course.code)
    ).all()
    assessments, scores = {}, {}
    if enrolments:
        assessments = assessments_by_gradebook(sorted({row.gradebook_id for row in enrolments}))
        scores = scores_by_enrolment(Score.enrolment_id.in_([row.enrolment_id for row in enrolments]))
    by_student = {student.id: [] for student in students}
    for row, published in published_marks(enrolments, assessments, scores, programme):
        offering = row.Enrolment.offering
        by_student[row.Enrolment.student_id].append(Result(offering, published.mark, published.band,
                                                           published.round, offering.course.credits,
                                                           published.passed))
    return {student_id: (results, rules.credit_weighted_average((r.mark, r.credits) for r in results))
            for student_id, results in by_student.items()}
