"""Entering marks cell by cell, with optimistic locking (a cell changed by someone else meanwhile is
refused, never overwritten), each change audited; and the gradebook's assessments."""
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from diploma import audit
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.grading import rules
from diploma.grading.models import FIRST_ROUND, SECOND_ROUND, Assessment, Score
from diploma.grading.table import load_sheet
from diploma.grading.workflow import can_edit_assessments, editable_attempts, editor_kind


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


def checked_reason(actor, sheet, reason):
    """The reason for a change, stripped. A published mark changes only with one: RuleViolation (on the
    ``reason`` field) when ``actor`` would change the marks of ``sheet`` after publication without it."""
    reason = (reason or "").strip()
    if editor_kind(actor, sheet.gradebook) == "registrar" and not reason:
        raise RuleViolation(_l("Give the reason for changing a published mark."), field="reason")
    return reason


def save_marks(actor, offering, entries, reason=None):
    """Save typed marks: ``entries`` are dicts with enrolment_id, assessment_id, attempt, text and the
    version the user saw (None for an empty cell). Each cell stands alone: a malformed, out-of-range or
    stale cell is refused with its reason and the others are saved. Returns {cell key: CellResult}."""
    sheet = load_sheet(offering)
    allowed = editable_attempts(actor, sheet)
    if not allowed:
        raise RuleViolation(_l("This gradebook cannot be changed now."))
    reason = checked_reason(actor, sheet, reason)
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
    before = [_assessment_for_audit(a) for a in gradebook.assessments]
    gradebook.assessments.clear()
    db.session.flush()
    for position, entry in enumerate(entries, start=1):
        gradebook.assessments.append(Assessment(
            position=position, name_ar=entry["name_ar"], name_en=entry["name_en"],
            weight=Decimal(entry["weight"]), max_score=Decimal(entry["max_score"]),
            is_final=bool(entry.get("is_final"))))
    db.session.flush()
    audit.record(actor, "gradebook.assessments_changed", gradebook,
                 {"before": before, "after": [_assessment_for_audit(a) for a in gradebook.assessments]})
    return gradebook


def _assessment_for_audit(assessment):
    return {"name_en": assessment.name_en, "weight": str(assessment.weight),
            "max_score": str(assessment.max_score), "is_final": assessment.is_final}


def mark_history(score):
    return audit.events_for(score)
