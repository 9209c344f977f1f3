"""The import of a marks file, all or nothing: the whole file is read (``file_format.read_marks``), then
its non-empty cells go, as typed, to ``services.save_marks`` (which parses and checks them, and records each
change); any problem of the file or refused cell raises ``MarksRejected`` with every problem of both kinds,
and the caller rolls the transaction back. The pages do it in two steps (``preview_import`` writes nothing
and shows what would change; ``accept_import`` applies the kept file once accepted, at once or in a
background job); ``import_marks`` does it in one. Nothing here commits or looks at the request.

The two steps: ``preview_import`` reads the file and says what it would change, writing nothing.
``storage.keep_preview`` keeps the file with the version of every cell as the preview saw it.
``accept_import`` reads the kept file again against the gradebook as it is now: a cell changed since the
preview, a round opened or a gradebook locked meanwhile refuses the whole file; otherwise the cells go
through ``services.save_marks`` with the versions of the preview (its optimistic locking catches a change
made during the accept itself).
"""
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from diploma import audit
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.grading import marks as marks_service
from diploma.grading import rules, services
from diploma.grading.marks_spreadsheet.file_format import (
    ABSENT,
    NO_MARKS,
    MarksFile,
    MarksRejected,
    Problem,
    read_marks,
)
from diploma.grading.models import FIRST_ROUND, Score


@dataclass
class ImportOutcome:
    saved: int
    unchanged: int


def import_marks(actor, offering, data, reason=None, max_bytes=None):
    """Save every mark of a file, or none: MarksRejected (every problem of the file and of its cells)
    leaves changes in the session that the caller must roll back. RuleViolation when the gradebook
    cannot be changed now by ``actor``, or a published mark is changed without a reason."""
    sheet = services.load_sheet(offering)
    if not services.editable_attempts(actor, sheet):
        raise RuleViolation(_l("This gradebook cannot be changed now."))
    found = read_marks(data, sheet, sheet.gradebook.current_round, max_bytes=max_bytes)
    return _save_all(actor, offering, sheet, found, reason)


def _save_all(actor, offering, sheet, found, reason, on_progress=None):
    """``found``'s entries through ``services.save_marks`` (which decides each cell), then every problem of
    the file and of its cells as one MarksRejected, or the audited outcome. With ``on_progress``, the
    cells go in chunks and ``on_progress(cells done)`` is called after each (a job's progress)."""
    problems, results = list(found.problems), {}
    if found.entries:  # even when the file has problems: the refused cells are problems too
        chunk = SAVE_CHUNK if on_progress else len(found.entries)
        for start in range(0, len(found.entries), chunk):
            results.update(services.save_marks(actor, offering, found.entries[start:start + chunk],
                                               reason=reason))
            if on_progress:
                on_progress(len(results))
        problems += [found.problem_at(key, result.message) for key, result in results.items()
                     if result.status in ("error", "stale")]
    elif not problems:
        problems.append(Problem(None, None, NO_MARKS))
    if problems:
        raise MarksRejected(problems)
    saved = sum(1 for result in results.values() if result.status == "saved")
    audit.record(actor, "gradebook.marks_imported", sheet.gradebook, {
        "round": sheet.gradebook.current_round, "saved": saved, "cells": len(found.entries),
        "reason": (reason or "").strip() or None})
    return ImportOutcome(saved, len(results) - saved)


SAVE_CHUNK = 100  # cells per save_marks call when a job reports its progress
ROUND_CHANGED = _l("The gradebook changed after the preview (its round is no longer the same). Upload the "
                   "file again to see a new preview.")


@dataclass
class MarkChange:
    """A mark the file changes: whose, of which assessment and round, what it is now (a Score, or None)
    and what it becomes."""

    row: int
    enrolment: object
    assessment: object
    attempt: int
    score: object
    value: object  # Decimal, or None when absent
    absent: bool


@dataclass
class MarksPreview:
    round: int
    found: MarksFile
    changes: list = field(default_factory=list)
    unchanged: int = 0
    problems: list = field(default_factory=list)
    versions: dict = field(default_factory=dict)  # cell key → the version the preview saw (None: no mark)

    @property
    def students(self):
        return len({change.enrolment.id for change in self.changes})

    @property
    def absences(self):
        return sum(1 for change in self.changes if change.absent)


def preview_import(actor, offering, data, max_bytes=None):
    """What a file would change in the gradebook, writing nothing: a MarksPreview with every change, the
    count of cells that are already as the file says, and every problem (of the file and of its cells).
    RuleViolation when ``actor`` may not change the gradebook now."""
    sheet = services.load_sheet(offering)
    allowed = services.editable_attempts(actor, sheet)
    if not allowed:
        raise RuleViolation(_l("This gradebook cannot be changed now."))
    round_ = sheet.gradebook.current_round
    found = read_marks(data, sheet, round_, max_bytes=max_bytes)
    preview = MarksPreview(round_, found, problems=list(found.problems))
    rows = {row.enrolment.id: row for row in sheet.rows}
    assessments = {assessment.id: assessment for assessment in sheet.assessments}
    for entry in found.entries:
        key = services.cell_key(entry["enrolment_id"], entry["assessment_id"], entry["attempt"])
        preview.versions[key] = entry["version"]
        change = _planned_change(sheet, rows[entry["enrolment_id"]], assessments[entry["assessment_id"]],
                                 entry, allowed, found.places[key][0])
        if isinstance(change, MarkChange):
            preview.changes.append(change)
        elif change is None:
            preview.unchanged += 1
        else:
            preview.problems.append(found.problem_at(key, change))
    if not found.entries and not preview.problems:
        preview.problems.append(Problem(None, None, NO_MARKS))
    preview.problems.sort(key=Problem.sort_key)
    return preview


def _planned_change(sheet, row, assessment, entry, allowed, row_number):
    """A MarkChange, None (already so), or the reason the cell is refused: the checks of
    ``services.save_marks`` (the round allowed, the mark's form and range), which decides at the accept."""
    attempt = entry["attempt"]
    problem = marks_service._check_cell(sheet, row, assessment, attempt, allowed)  # save_marks' own check
    if problem:
        return problem
    try:
        parsed = rules.parse_mark(entry["text"], assessment.max_score)
    except rules.MarkError as error:
        return error.reason
    score = row.scores.get(assessment.id) if attempt == FIRST_ROUND else row.second
    value, absent = (None, True) if parsed == rules.ABSENT else (parsed, False)
    if parsed is None or (score is not None and score.value == value and score.absent == absent):
        return None
    return MarkChange(row_number, row.enrolment, assessment, attempt, score, value, absent)


def recheck_import(actor, offering, kept):
    """The kept file previewed again against the gradebook as it is now, with a problem for each cell
    changed since the first preview (and for a round opened or closed meanwhile)."""
    preview = preview_import(actor, offering, kept.data)
    if preview.round != kept.round:
        preview.problems.insert(0, Problem(None, None, ROUND_CHANGED))
        return preview
    places = preview.found.places
    for key, version in preview.versions.items():
        if kept.versions.get(key, "missing") != version:
            row_number, header, position = places[key]
            preview.problems.append(Problem(row_number, header, _changed_meanwhile(key), position=position))
    preview.problems.sort(key=Problem.sort_key)
    return preview


def _changed_meanwhile(key):
    enrolment_id, assessment_id, attempt = (int(part) for part in key.split("-"))
    score = db.session.scalar(db.select(Score).where(
        Score.enrolment_id == enrolment_id, Score.assessment_id == assessment_id, Score.attempt == attempt))
    shown = "" if score is None else (ABSENT["ar"] if score.absent else rules.format_mark(score.value))
    return _l("this mark was changed in the gradebook after the preview; it is now %(value)s",
              value=shown or "—")


def accept_import(actor, offering, kept, on_progress=None):
    """Apply an accepted preview, all or nothing: checked again (``recheck_import``), then saved by
    ``services.save_marks`` with the versions the preview saw. MarksRejected (with every problem) or
    RuleViolation leave changes in the session that the caller must roll back."""
    if kept.offering_id != offering.id or kept.user_id != actor.id:
        raise RuleViolation(_l("This import is no longer waiting to be accepted. Upload the file again."))
    preview = recheck_import(actor, offering, kept)
    if preview.problems:
        raise MarksRejected(preview.problems)
    found = preview.found
    for entry in found.entries:
        entry["version"] = kept.versions[services.cell_key(entry["enrolment_id"], entry["assessment_id"],
                                                            entry["attempt"])]
    sheet = services.load_sheet(offering)
    return _save_all(actor, offering, sheet, found, kept.reason, on_progress)
