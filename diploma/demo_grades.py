"""The demo's marks: the first cohort's published results in every closed offering (a few after a second
round) and the second cohort's gradebooks in progress, entered, submitted and published through the grading
services by the university's lecturer and registrar, each step on its day (``clock.as_of``)."""
import random
from datetime import datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal

from diploma import clock, demo_data
from diploma.auth.models import User
from diploma.clock import utcnow
from diploma.enrolment.models import Enrolment, Student
from diploma.extensions import db
from diploma.grading import rules
from diploma.grading import services as grading
from diploma.grading.models import FIRST_ROUND, SECOND_ROUND, Assessment, Gradebook, Score
from diploma.teaching.models import Offering

# The default assessments (diploma.grading.table.DEFAULT_ASSESSMENTS): coursework 40%, final 60%.
COURSEWORK_SHARE, FINAL_SHARE = Decimal("0.4"), Decimal("0.6")
SEMESTERS = (1, 2, 3, 4)


def term_key(cohort, semester):
    """The key of the term in which a cohort takes its courses of ``semester`` (two a year from its start)."""
    year = cohort["start_year"] + (semester - 1) // 2
    return f"{year}-{year + 1}-{(semester - 1) % 2 + 1}"


# --- the marks ---------------------------------------------------------------------------------------

def _level(student_number):
    """A student's usual level, around which their marks scatter."""
    if student_number in demo_data.EXCELLENT_STUDENTS:
        return demo_data.EXCELLENT_STUDENTS[student_number]
    return random.Random(f"level:{student_number}").randint(*demo_data.GRADE_LEVELS)


def drawn_marks(student_number, course_code):
    """The (coursework, final) a student scored in a course, both out of 100: the same on every call, and
    never a course mark below LOWEST_DRAWN_MARK."""
    draw = random.Random(f"marks:{student_number}:{course_code}")
    level = _level(student_number)
    coursework = Decimal(min(100, max(40, round(level + draw.uniform(-7, 7)))))
    final = Decimal(min(200, max(60, round((level + draw.uniform(-11, 9)) * 2)))) / 2  # half marks happen
    lowest = Decimal(demo_data.LOWEST_DRAWN_MARK)
    if coursework * COURSEWORK_SHARE + final * FINAL_SHARE < lowest:  # lift the final to the lowest mark
        final = ((lowest - coursework * COURSEWORK_SHARE) / FINAL_SHARE).to_integral_value(ROUND_CEILING)
    return coursework, final


def _at(day, hour=10):
    """A moment of ``day``, never later than now (the demo may be loaded before its current term ends)."""
    return min(datetime.combine(day, time(hour)), utcnow())


def _grading_context():
    """The offerings, their active enrolments with student numbers, the registrars, and the offerings
    whose gradebook is no longer an untouched draft (those are never changed again)."""
    offerings = db.session.scalars(db.select(Offering).order_by(Offering.id)).all()
    enrolments = {}
    for enrolment_id, offering_id, number in db.session.execute(
            db.select(Enrolment.id, Enrolment.offering_id, Student.student_number)
            .join(Student, Student.id == Enrolment.student_id)
            .where(Enrolment.status == "active").order_by(Enrolment.id)):
        enrolments.setdefault(offering_id, []).append((enrolment_id, number))
    registrars = {user.university_id: user for user in db.session.scalars(
        db.select(User).where(User.role == "registrar").order_by(User.id.desc()))}
    with_marks = db.select(Assessment.gradebook_id).join(Score, Score.assessment_id == Assessment.id)
    graded = set(db.session.scalars(db.select(Gradebook.offering_id).where(
        (Gradebook.status != "draft") | (Gradebook.published_round > 0) | Gradebook.id.in_(with_marks))))
    return offerings, enrolments, registrars, graded


def _type_marks(actor, offering, marks, attempt=FIRST_ROUND):
    """Marks entered through the grading service as a lecturer types them: ``marks`` is
    {enrolment id: [(assessment, value), …]}. Every cell must be saved: the demo's data is consistent."""
    entries = [{"enrolment_id": enrolment_id, "assessment_id": assessment.id, "attempt": attempt,
                "text": rules.format_mark(value), "version": None}
               for enrolment_id, cells in marks.items() for assessment, value in cells]
    results = grading.save_marks(actor, offering, entries)
    refused = {key: result.message for key, result in results.items() if result.status != "saved"}
    if refused:
        raise RuntimeError(f"demo marks refused in offering {offering.id}: {refused}")


def _grade_past_offering(offering, enrolments, lecturer, registrar, failures):
    """Every first-round mark of a closed offering, entered and submitted by the lecturer and published by
    the registrar on their days; a second round, submitted and published too, when a student failed."""
    coursework, final = grading.gradebook_of(offering).assessments
    ends = offering.term.ends_on
    first, second = {}, {}
    for enrolment_id, number in enrolments:
        failure = failures.get((number, offering.course.code))
        if failure is None:
            marks = drawn_marks(number, offering.course.code)
        else:
            marks = (Decimal(str(failure["coursework"])), Decimal(str(failure["final"])))
            second[enrolment_id] = [(final, Decimal(str(failure["second_final"])))]
        first[enrolment_id] = [(coursework, marks[0]), (final, marks[1])]
    with clock.as_of(_at(ends + timedelta(days=demo_data.FIRST_ROUND_SUBMITTED_DAYS))):
        _type_marks(lecturer, offering, first)
        grading.submit_gradebook(lecturer, offering)
    with clock.as_of(_at(ends + timedelta(days=demo_data.FIRST_ROUND_PUBLISHED_DAYS))):
        grading.publish_gradebook(registrar, offering)
        if second:
            grading.open_second_round(registrar, offering)
    if second:
        with clock.as_of(_at(ends + timedelta(days=demo_data.SECOND_ROUND_SUBMITTED_DAYS))):
            _type_marks(lecturer, offering, second, attempt=SECOND_ROUND)
            grading.submit_gradebook(lecturer, offering)
        with clock.as_of(_at(ends + timedelta(days=demo_data.SECOND_ROUND_PUBLISHED_DAYS))):
            grading.publish_gradebook(registrar, offering)


def _grade_current_offering(offering, enrolments, lecturer, submitted):
    """A submitted gradebook has every mark; a draft has the coursework of all its students but the last."""
    coursework, final = grading.gradebook_of(offering).assessments
    starts = offering.term.starts_on
    marks = {}
    for position, (enrolment_id, number) in enumerate(enrolments, start=1):
        drawn = drawn_marks(number, offering.course.code)
        if submitted:
            marks[enrolment_id] = [(coursework, drawn[0]), (final, drawn[1])]
        elif position < len(enrolments):
            marks[enrolment_id] = [(coursework, drawn[0])]
    with clock.as_of(_at(starts + timedelta(days=demo_data.DRAFT_MARKS_DAYS))):
        _type_marks(lecturer, offering, marks)
    if submitted:
        with clock.as_of(_at(starts + timedelta(days=demo_data.SUBMITTED_DAYS))):
            grading.submit_gradebook(lecturer, offering)


def seed_grades(universities, terms, lecturers):
    """The first cohort's published marks in every closed offering (first round, and a few second rounds),
    and the second cohort's gradebooks in progress (see demo_data): entered, submitted and published
    through the grading services by the university's lecturer and registrar, each step on its day."""
    offerings, enrolments, registrars, graded = _grading_context()
    failures = {(case["student_number"], case["course"]): case for case in demo_data.SECOND_ROUND}
    slugs = {university.id: slug for slug, university in universities.items()}
    first = demo_data.COHORTS[0]
    past_terms = {semester: terms[term_key(first, semester)].id for semester in SEMESTERS}
    current_term = terms[demo_data.TERMS[-1]["key"]].id
    for offering in offerings:
        slug = slugs[offering.university_id]
        code = offering.course.code
        current = offering.term_id == current_term
        wanted = {demo_data.DRAFT_GRADEBOOKS.get(slug), demo_data.SUBMITTED_GRADEBOOKS.get(slug)}
        if current and code not in wanted:
            continue
        if offering.id in graded or not (current or offering.term_id == past_terms[offering.course.semester]):
            continue  # already graded (by an earlier seed, or by hand), or not one of the demo's offerings
        lecturer = lecturers[slug][0]
        students = enrolments.get(offering.id, [])
        if current:
            _grade_current_offering(offering, students, lecturer,
                                    submitted=code == demo_data.SUBMITTED_GRADEBOOKS.get(slug))
        else:
            _grade_past_offering(offering, students, lecturer, registrars[offering.university_id], failures)
    db.session.flush()


