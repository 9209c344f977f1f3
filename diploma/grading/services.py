"""Gradebooks: assessments, entering marks (with optimistic locking), the submit → publish workflow,
the second round, and students' published results."""
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, selectinload
from sqlalchemy.orm.exc import StaleDataError

from diploma import audit
from diploma.access import ADMIN, LECTURER, REGISTRAR, STUDENT
from diploma.auth.models import User, utcnow
from diploma.curriculum.models import Course, Term
from diploma.curriculum.services import the_programme
from diploma.enrolment.models import Enrolment, Student
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.grading import rules
from diploma.grading.models import FIRST_ROUND, SECOND_ROUND, Assessment, Gradebook, Score
from diploma.teaching import services as teaching
from diploma.teaching.models import Offering

DEFAULT_ASSESSMENTS = (
    {"name_ar": "السعي", "name_en": "Coursework", "weight": Decimal(40), "max_score": Decimal(100),
     "is_final": False},
    {"name_ar": "الامتحان النهائي", "name_en": "Final exam", "weight": Decimal(60), "max_score": Decimal(100),
     "is_final": True},
)


# --- the gradebook and its table -------------------------------------------------------------------

def gradebook_of(offering):
    """The offering's gradebook, created in draft with the default assessments the first time."""
    gradebook = db.session.scalar(
        db.select(Gradebook).where(Gradebook.offering_id == offering.id)
        .options(selectinload(Gradebook.assessments))
    )
    if gradebook is None:
        gradebook = Gradebook(offering=offering, status="draft")
        for position, values in enumerate(DEFAULT_ASSESSMENTS, start=1):
            gradebook.assessments.append(Assessment(position=position, **values))
        db.session.add(gradebook)
        db.session.flush()
    return gradebook


@dataclass
class Row:
    """One student's line of the gradebook."""

    enrolment: Enrolment
    scores: dict = field(default_factory=dict)  # assessment id → Score of the first round
    second: Score | None = None  # the second-round attempt at the final, if any
    first_mark: Decimal | None = None
    mark: Decimal | None = None
    round: int = FIRST_ROUND
    band: object = None
    complete: bool = False
    first_passed: bool | None = None


@dataclass
class Sheet:
    gradebook: Gradebook
    grading: rules.GradingRules
    assessments: list
    rows: list

    @property
    def final(self):
        return next((a for a in self.assessments if a.is_final), None)

    @property
    def complete(self):
        return all(row.complete for row in self.rows)


def _active_enrolments(offering):
    return db.session.scalars(
        db.select(Enrolment).join(Enrolment.student).join(Student.user)
        .where(Enrolment.offering_id == offering.id, Enrolment.status == "active")
        .order_by(User.name_ar, Enrolment.id)
    ).all()


def _scores_of(gradebook):
    return db.session.scalars(
        db.select(Score).join(Assessment, Assessment.id == Score.assessment_id)
        .where(Assessment.gradebook_id == gradebook.id)
    ).all()


def _components(assessments, scores):
    components = []
    for assessment in assessments:
        score = scores.get(assessment.id)
        if score is None or (score.value is None and not score.absent):
            return None
        components.append(rules.Component(assessment.weight, assessment.max_score, score.value))
    return components


def grading_rules_of(gradebook, programme):
    """The rules a gradebook's results are computed with: those frozen at its first publication (a later
    change of the programme's pass mark, rounding, bands or second-round rule changes no published
    result), the programme's current ones before it."""
    if gradebook.published_rules:
        return rules.GradingRules.from_json(gradebook.published_rules)
    return rules.GradingRules.of_programme(programme)


def _compute_row(row, assessments, grading, visible_round=SECOND_ROUND):
    components = _components(assessments, row.scores)
    row.complete = components is not None
    if components is None:
        return row
    row.first_mark = row.mark = rules.course_mark(components, grading.course_mark_rounding)
    row.first_passed = rules.passed(row.first_mark, grading)
    second = row.second
    if (visible_round >= SECOND_ROUND and not row.first_passed and second is not None
            and (second.value is not None or second.absent)):
        final_index = next(i for i, a in enumerate(assessments) if a.is_final)
        row.mark = rules.second_round_mark(components, final_index, second.value, grading)
        row.round = SECOND_ROUND
    row.band = rules.band_of(row.mark, grading.bands)
    return row


def load_sheet(offering):
    """The whole gradebook in a fixed number of queries, whatever the number of students."""
    gradebook = gradebook_of(offering)
    grading = grading_rules_of(gradebook, the_programme())
    assessments = list(gradebook.assessments)
    rows = {e.id: Row(enrolment=e) for e in _active_enrolments(offering)}
    final_id = next((a.id for a in assessments if a.is_final), None)
    for score in _scores_of(gradebook):
        row = rows.get(score.enrolment_id)
        if row is None:
            continue
        if score.attempt == FIRST_ROUND:
            row.scores[score.assessment_id] = score
        elif score.assessment_id == final_id:
            row.second = score
    for row in rows.values():
        _compute_row(row, assessments, grading)
    return Sheet(gradebook, grading, assessments, list(rows.values()))


# --- who may edit what -----------------------------------------------------------------------------

def _editor_kind(user, gradebook):
    """'lecturer' (draft, current round), 'registrar' (after publication, with a reason), or None."""
    if user.role == LECTURER and teaching.is_lecturer_of(user, gradebook.offering) \
            and gradebook.status == "draft":
        return "lecturer"
    if user.role in (REGISTRAR, ADMIN) and gradebook.status == "published":
        return "registrar"
    return None


def editable_attempts(user, sheet):
    """The rounds whose cells this user may change now: {1}, {2}, {1, 2} or set()."""
    kind = _editor_kind(user, sheet.gradebook)
    if kind == "lecturer":
        return {sheet.gradebook.current_round}
    if kind == "registrar":
        return {FIRST_ROUND, SECOND_ROUND} if sheet.gradebook.current_round == SECOND_ROUND else {FIRST_ROUND}
    return set()


def can_edit_assessments(user, sheet):
    """Only the lecturer, in the first round's draft, before any mark exists (also a withdrawn student's,
    which replacing the assessments would delete)."""
    return (_editor_kind(user, sheet.gradebook) == "lecturer" and sheet.gradebook.current_round == FIRST_ROUND
            and not _any_score(sheet.gradebook))


def _may_submit(user, gradebook):
    return _editor_kind(user, gradebook) == "lecturer"


def _is_office(user):
    """The registration office: the university's registrar, or the programme's administrator."""
    return user is not None and user.role in (REGISTRAR, ADMIN)


def _may_decide_on_submission(user, gradebook):
    """Publishing or returning a submitted gradebook."""
    return _is_office(user) and gradebook.status == "submitted"


def _second_round_can_open(sheet):
    """The first round is published and at least one student failed it."""
    gradebook = sheet.gradebook
    return (gradebook.status == "published" and gradebook.current_round == FIRST_ROUND
            and any(row.first_passed is False for row in sheet.rows))


@dataclass(frozen=True)
class GradebookActions:
    """What one user may do on one gradebook now: the page shows exactly these, and the services refuse
    anything else by the same rules."""

    editable_attempts: frozenset
    edit_assessments: bool
    submit: bool
    publish: bool
    return_to_lecturer: bool
    open_second_round: bool
    give_reason: bool  # a published mark changes only with a reason
    see_distribution: bool
    see_history: bool

    @property
    def edit_marks(self):
        return bool(self.editable_attempts)


def gradebook_actions(user, sheet):
    gradebook = sheet.gradebook
    deciding = _may_decide_on_submission(user, gradebook)
    return GradebookActions(
        editable_attempts=frozenset(editable_attempts(user, sheet)),
        edit_assessments=can_edit_assessments(user, sheet),
        submit=_may_submit(user, gradebook),
        publish=deciding, return_to_lecturer=deciding,
        open_second_round=_is_office(user) and _second_round_can_open(sheet),
        give_reason=_editor_kind(user, gradebook) == "registrar",
        see_distribution=_is_office(user),
        see_history=user is not None and user.role != STUDENT,
    )


def _any_score(gradebook):
    return db.session.scalar(
        db.select(db.func.count()).select_from(Score).join(Assessment, Assessment.id == Score.assessment_id)
        .where(Assessment.gradebook_id == gradebook.id)) > 0


# --- saving marks ----------------------------------------------------------------------------------

@dataclass
class CellResult:
    status: str  # 'saved', 'unchanged', 'error', 'stale'
    message: object = None
    current: str = ""
    version: int | None = None


def cell_key(enrolment_id, assessment_id, attempt):
    return f"{enrolment_id}-{assessment_id}-{attempt}"


def _display(score):
    if score is None:
        return ""
    return "غ" if score.absent else rules.format_mark(score.value)


def _check_cell(sheet, row, assessment, attempt, allowed):
    if attempt not in allowed:
        return _l("This mark cannot be changed now.")
    if attempt == SECOND_ROUND and (not assessment.is_final or row.first_passed is not False):
        return _l("Only the final exam of a student who failed has a second round.")
    return None


def _stale(score):
    message = _l("Someone else changed this mark meanwhile; it is now %(value)s.",
                 value=_display(score) or "—")
    return CellResult("stale", message, _display(score), getattr(score, "version", None))


def save_marks(actor, offering, entries, reason=None):
    """Save typed marks: ``entries`` are dicts with enrolment_id, assessment_id, attempt, text and the
    version the user saw (None for an empty cell). Each cell stands alone: a malformed, out-of-range or
    stale cell is refused with its reason and the others are saved. Returns {cell key: CellResult}."""
    sheet = load_sheet(offering)
    allowed = editable_attempts(actor, sheet)
    if not allowed:
        raise RuleViolation(_l("This gradebook cannot be changed now."))
    kind = _editor_kind(actor, sheet.gradebook)
    reason = (reason or "").strip()
    if kind == "registrar" and not reason:
        raise RuleViolation(_l("Give the reason for changing a published mark."), field="reason")
    rows = {row.enrolment.id: row for row in sheet.rows}
    assessments = {a.id: a for a in sheet.assessments}
    results = {}
    for entry in entries:
        key = cell_key(entry["enrolment_id"], entry["assessment_id"], entry["attempt"])
        row, assessment = rows.get(entry["enrolment_id"]), assessments.get(entry["assessment_id"])
        if row is None or assessment is None:
            results[key] = CellResult("error", _l("Unknown student or assessment."))
            continue
        results[key] = _save_cell(actor, sheet, row, assessment, entry, allowed, reason)
    return results


def _save_cell(actor, sheet, row, assessment, entry, allowed, reason):
    attempt = entry["attempt"]
    problem = _check_cell(sheet, row, assessment, attempt, allowed)
    if problem:
        return CellResult("error", problem)
    score = row.scores.get(assessment.id) if attempt == FIRST_ROUND else row.second
    try:
        parsed = rules.parse_mark(entry["text"], assessment.max_score)
    except rules.MarkError as error:
        return CellResult("error", error.reason, _display(score), getattr(score, "version", None))
    if getattr(score, "version", None) != entry.get("version"):
        return _stale(score)
    new_value, new_absent = (None, True) if parsed == rules.ABSENT else (parsed, False)
    if score is not None and score.value == new_value and score.absent == new_absent:
        return CellResult("unchanged", None, _display(score), score.version)
    if score is None and parsed is None:
        return CellResult("unchanged")
    return _write_cell(actor, row, assessment, attempt, score, new_value, new_absent, reason)


def _write_cell(actor, row, assessment, attempt, score, new_value, new_absent, reason):
    old = _display(score)
    savepoint = db.session.begin_nested()
    try:
        if score is None:
            score = Score(enrolment_id=row.enrolment.id, assessment_id=assessment.id, attempt=attempt)
            db.session.add(score)
        score.value, score.absent, score.updated_by_id = new_value, new_absent, getattr(actor, "id", None)
        db.session.flush()
        savepoint.commit()
    except (StaleDataError, IntegrityError):  # changed or created by someone else since it was read
        savepoint.rollback()
        current = db.session.scalar(db.select(Score).where(
            Score.enrolment_id == row.enrolment.id, Score.assessment_id == assessment.id,
            Score.attempt == attempt).execution_options(populate_existing=True))
        return _stale(current)
    if attempt == FIRST_ROUND:
        row.scores[assessment.id] = score
    else:
        row.second = score
    audit.record(actor, "score.changed", score, {
        "student_id": row.enrolment.student_id, "offering_id": row.enrolment.offering_id,
        "assessment": assessment.name_en, "round": attempt, "old": old, "new": _display(score),
        "reason": reason or None})
    return CellResult("saved", None, _display(score), score.version)


# --- assessments -----------------------------------------------------------------------------------

def save_assessments(actor, offering, entries):
    """Replace the assessments (name ar/en, weight, max score, final?) while no mark exists yet."""
    sheet = load_sheet(offering)
    if not can_edit_assessments(actor, sheet):
        raise RuleViolation(_l("The assessments cannot be changed once marks exist."))
    entries = [e for e in entries if e.get("name_ar") or e.get("name_en") or e.get("weight")]
    if not entries:
        raise RuleViolation(_l("Define at least one assessment."))
    if not all(e.get("weight") and e.get("max_score") and e.get("name_ar") and e.get("name_en")
               for e in entries):  # blank, or a weight of 0
        raise RuleViolation(_l("Give each assessment its names in Arabic and English, a weight and a maximum "
                               "score."), field="assessments")
    problem = rules.weights_error([Decimal(e["weight"] or 0) for e in entries])
    if problem:
        raise RuleViolation(problem, field="assessments")
    if sum(1 for e in entries if e.get("is_final")) != 1:
        raise RuleViolation(_l("Mark exactly one assessment as the final exam."), field="assessments")
    gradebook = sheet.gradebook
    before = [_assessment_snapshot(a) for a in gradebook.assessments]
    gradebook.assessments.clear()
    db.session.flush()
    for position, entry in enumerate(entries, start=1):
        gradebook.assessments.append(Assessment(
            position=position, name_ar=entry["name_ar"], name_en=entry["name_en"],
            weight=Decimal(entry["weight"]), max_score=Decimal(entry["max_score"]),
            is_final=bool(entry.get("is_final"))))
    db.session.flush()
    audit.record(actor, "gradebook.assessments_changed", gradebook,
                 {"before": before, "after": [_assessment_snapshot(a) for a in gradebook.assessments]})
    return gradebook


def _assessment_snapshot(assessment):
    return {"name_en": assessment.name_en, "weight": str(assessment.weight),
            "max_score": str(assessment.max_score), "is_final": assessment.is_final}


# --- the workflow ----------------------------------------------------------------------------------

def _incomplete_rows(sheet):
    if sheet.gradebook.current_round == FIRST_ROUND:
        return [row for row in sheet.rows if not row.complete]
    return [row for row in sheet.rows if row.first_passed is False
            and (row.second is None or (row.second.value is None and not row.second.absent))]


def submit_gradebook(actor, offering):
    sheet = load_sheet(offering)
    gradebook = sheet.gradebook
    if not _may_submit(actor, gradebook):
        raise RuleViolation(_l("Only the course's lecturer submits a draft gradebook."))
    if not sheet.rows:
        raise RuleViolation(_l("No students are enrolled."))
    missing = _incomplete_rows(sheet)
    if missing:
        raise RuleViolation(_l("%(count)s students still have missing marks: give a mark or absent for "
                               "every assessment.", count=len(missing)))
    _change_status(actor, gradebook, "submitted", "gradebook.submitted")
    gradebook.submitted_at, gradebook.submitted_by_id, gradebook.return_comment = utcnow(), actor.id, None
    return gradebook


def return_gradebook(actor, offering, comment):
    gradebook = gradebook_of(offering)
    if not _may_decide_on_submission(actor, gradebook):
        raise RuleViolation(_l("Only a submitted gradebook can be returned."))
    if not (comment or "").strip():
        raise RuleViolation(_l("Write a comment for the lecturer."), field="comment")
    gradebook.return_comment = comment.strip()
    _change_status(actor, gradebook, "draft", "gradebook.returned", {"comment": gradebook.return_comment})
    return gradebook


def publish_gradebook(actor, offering):
    gradebook = gradebook_of(offering)
    if not _may_decide_on_submission(actor, gradebook):
        raise RuleViolation(_l("Only a submitted gradebook can be published."))
    gradebook.published_at, gradebook.published_by_id = utcnow(), actor.id
    gradebook.published_round = gradebook.current_round
    if gradebook.published_rules is None:  # the first round's publication: the second keeps the same rules
        gradebook.published_rules = rules.GradingRules.of_programme(the_programme()).as_json()
    _change_status(actor, gradebook, "published", "gradebook.published", {"round": gradebook.current_round})
    return gradebook


def open_second_round(actor, offering):
    """After the first round is published, open the second round for the students who failed."""
    sheet = load_sheet(offering)
    gradebook = sheet.gradebook
    if not _is_office(actor) or gradebook.status != "published" or gradebook.current_round != FIRST_ROUND:
        raise RuleViolation(_l("The second round opens once the first round is published."))
    if not _second_round_can_open(sheet):
        raise RuleViolation(_l("No student failed this course: there is no second round."))
    gradebook.current_round = SECOND_ROUND
    _change_status(actor, gradebook, "draft", "gradebook.second_round_opened")
    return gradebook


def _change_status(actor, gradebook, status, action, data=None):
    before = gradebook.status
    gradebook.status = status
    db.session.flush()
    audit.record(actor, action, gradebook, {"before": before, "after": status, **(data or {})})


def submitted_gradebooks(university_id=None):
    """The registrar's queue: submitted gradebooks, oldest submission first."""
    query = db.select(Gradebook).join(Gradebook.offering).where(Gradebook.status == "submitted") \
        .order_by(Gradebook.submitted_at)
    if university_id is not None:
        query = query.where(Offering.university_id == university_id)
    return db.session.scalars(query).all()


def distribution(sheet):
    """How many students in each band, and in each tenth of the scale (0–9, 10–19 … 90–100)."""
    by_band = {band.id: 0 for band in sheet.grading.bands}
    by_tenth = [0] * 10
    for row in sheet.rows:
        if row.mark is None:
            continue
        by_band[row.band.id] = by_band.get(row.band.id, 0) + 1
        by_tenth[min(int(row.mark // 10), 9)] += 1
    return {"bands": [(band, by_band[band.id]) for band in sheet.grading.bands], "tenths": by_tenth}


def mark_history(score):
    return audit.events_for(score)


# --- students' results -----------------------------------------------------------------------------

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
        db.select(Enrolment, Gradebook).join(Gradebook, Gradebook.offering_id == Enrolment.offering_id)
        .join(Offering, Offering.id == Enrolment.offering_id).join(Term, Term.id == Offering.term_id)
        .join(Course, Course.id == Offering.course_id)
        .where(Enrolment.student_id.in_([student.id for student in students]), Enrolment.status == "active",
               Gradebook.published_round >= FIRST_ROUND)
        .options(selectinload(Gradebook.assessments), contains_eager(Enrolment.offering))
        .order_by(Term.starts_on, Course.code)
    ).unique().all()
    scores = _scores_by_enrolment([enrolment.id for enrolment, _ in pairs])
    by_student = {student.id: [] for student in students}
    for enrolment, gradebook in pairs:
        result = _published_result(enrolment, gradebook, scores, grading_rules_of(gradebook, programme))
        if result is not None:
            by_student[enrolment.student_id].append(result)
    return {student_id: (results, rules.credit_weighted_average((r.mark, r.credits) for r in results))
            for student_id, results in by_student.items()}


def _published_result(enrolment, gradebook, scores, grading):
    row = Row(enrolment=enrolment)
    final_id = next((a.id for a in gradebook.assessments if a.is_final), None)
    for score in scores.get(enrolment.id, []):
        if score.attempt == FIRST_ROUND:
            row.scores[score.assessment_id] = score
        elif score.assessment_id == final_id:
            row.second = score
    _compute_row(row, list(gradebook.assessments), grading, visible_round=gradebook.published_round)
    if row.mark is None:
        return None
    return Result(enrolment.offering, row.mark, row.band, row.round, enrolment.offering.course.credits,
                  rules.passed(row.mark, grading))


def _scores_by_enrolment(enrolment_ids):
    grouped = {}
    if not enrolment_ids:
        return grouped
    for score in db.session.scalars(db.select(Score).where(Score.enrolment_id.in_(enrolment_ids))):
        grouped.setdefault(score.enrolment_id, []).append(score)
    return grouped
