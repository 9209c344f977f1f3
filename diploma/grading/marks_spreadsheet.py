"""The gradebook as a spreadsheet: export (XLSX with Arabic headers and a right-to-left sheet, or CSV),
a template of the student list to fill in, and the import of the marks typed into it.

The header names are part of the file format, in Arabic and in English ("السعي (40%) من 100",
"Coursework (40%) out of 100"): the export and the template write them in one language, the import
accepts either (or the bare assessment name). Students are found by their student number.

The import is all or nothing: the whole file is read, then its non-empty cells go, as typed, to
``services.save_marks`` (which parses and checks them, and records each change); any problem of the file
or refused cell raises ``MarksRejected`` with every problem of both kinds, and the caller rolls the
transaction back. The pages do it in two steps (``preview_import`` writes nothing and shows what would
change; ``accept_import`` applies the kept file once accepted, at once or in a background job);
``import_marks`` does it in one. Nothing here commits or looks at the request.
"""
import base64
import json
import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from diploma import audit, spreadsheets
from diploma.enrolment import importing
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.grading import marks as marks_service
from diploma.grading import rules, services
from diploma.grading.models import FIRST_ROUND, SECOND_ROUND, Score

MAX_ROWS = 2000  # students of one offering, and more
LANGUAGES = ("ar", "en")
HEADERS = {
    "student_number": {"ar": "الرقم الجامعي", "en": "Student number"},
    "name": {"ar": "اسم الطالب", "en": "Student name"},
    "mark": {"ar": "الدرجة النهائية للمقرر", "en": "Course mark"},
    "band": {"ar": "التقدير", "en": "Band"},
    "round": {"ar": "الدور", "en": "Round"},
}
ROUND_NAMES = {FIRST_ROUND: {"ar": "الأول", "en": "First"}, SECOND_ROUND: {"ar": "الثاني", "en": "Second"}}
ABSENT = {"ar": "غ", "en": "absent"}
SECOND_ROUND_PREFIX = {"ar": "الدور الثاني", "en": "Second round"}
OUT_OF = {"ar": "من", "en": "out of"}
# Other spellings of the columns the import knows (compared in ``_form``), and the columns it skips.
_OTHER_NAMES = {
    "student_number": ("student_number", "student no", "student id", "number", "رقم الطالب", "الرقم"),
    "name": ("name", "student", "الاسم", "الطالب", "الاسم الرباعي", "اسم الطالب الرباعي", "name_ar",
             "name_en", "arabic name", "english name", "الاسم بالانكليزية"),
    "mark": ("mark", "course mark", "final mark", "الدرجة", "الدرجة النهائية", "المجموع"),
    "band": ("grade", "التقدير النهائي"),
    "round": (),
    "sequence": ("ت", "#", "تسلسل", "no", "seq"),
}
SKIPPED = ("name", "mark", "band", "round", "sequence")

# Reasons, shown after "Row …, column …:".
REQUIRED = _l("required")
UNKNOWN_STUDENT = _l("no student of this course has this student number")
UNKNOWN_COLUMN = _l("not an assessment of this course (download the template to see the column names)")
NO_SECOND_ROUND = _l("the second round of this course is not open")
TWICE_IN_HEADER = _l("appears twice in the header row")
MISSING_COLUMN = _l("missing from the header row")
NO_MARK_COLUMNS = _l("No column of the file names an assessment of this course. Download the template to "
                     "see the column names.")
NO_MARKS = _l("The file has no marks to import.")
STUDENT_NUMBER_LABEL = _l("Student number")


def _twice(other):
    return _l("appears twice in the file (row %(other)s)", other=other)


# --- the columns -----------------------------------------------------------------------------------

def assessment_header(assessment, language):
    """'السعي (40%) من 100' / 'Coursework (40%) out of 100'."""
    return (f"{assessment.name(language)} ({rules.format_mark(assessment.weight)}%) "
            f"{OUT_OF[language]} {rules.format_mark(assessment.max_score)}")


def second_round_header(final, language):
    """'الدور الثاني: الامتحان النهائي من 100' / 'Second round: Final exam out of 100'."""
    return (f"{SECOND_ROUND_PREFIX[language]}: {final.name(language)} {OUT_OF[language]} "
            f"{rules.format_mark(final.max_score)}")


_form = spreadsheets.header_form
FIXED_COLUMNS = spreadsheets.HeaderNames({key: (*HEADERS.get(key, {}).values(), *names)
                                          for key, names in _OTHER_NAMES.items()})
_SECOND_PREFIXES = tuple(_form(prefix) for prefix in SECOND_ROUND_PREFIX.values())


def _shows_second_round(sheet):
    return sheet.final is not None and (sheet.gradebook.current_round == SECOND_ROUND
                                        or any(row.second is not None for row in sheet.rows))


def _value(score, language):
    """A score as a cell: a number (Decimal), the absent sign, or None (no mark yet)."""
    if score is None or (score.value is None and not score.absent):
        return None
    return ABSENT[language] if score.absent else score.value


# --- export ----------------------------------------------------------------------------------------

def export_table(sheet, language):
    """(header, rows) of the whole gradebook; marks are Decimal, missing ones None."""
    second = _shows_second_round(sheet)
    header = [HEADERS["student_number"][language], HEADERS["name"][language],
              *(assessment_header(a, language) for a in sheet.assessments)]
    if second:
        header.append(second_round_header(sheet.final, language))
    header += [HEADERS["mark"][language], HEADERS["band"][language], HEADERS["round"][language]]
    rows = []
    for row in sheet.rows:
        student = row.enrolment.student
        cells = [student.student_number, student.user.display_name(language),
                 *(_value(row.scores.get(a.id), language) for a in sheet.assessments)]
        if second:
            cells.append(_value(row.second, language))
        cells += [row.mark, row.band.name(language) if row.band else None,
                  ROUND_NAMES[row.round][language] if row.mark is not None else None]
        rows.append(cells)
    return header, rows


def _title(sheet):
    """The sheet's name: the course code (Excel allows 31 characters, without []:*?/\\)."""
    return re.sub(r"[\[\]:*?/\\]", "", sheet.gradebook.offering.course.code)[:31] or "gradebook"


def export_xlsx(sheet, language):
    header, rows = export_table(sheet, language)
    return spreadsheets.workbook_bytes(header, rows, _title(sheet), right_to_left=language == "ar",
                                       freeze="C2", min_width=10, max_width=60)


def _csv_cell(value):
    return rules.format_mark(value) if not isinstance(value, str) else value


def export_csv(sheet, language):
    """UTF-8 with a BOM (Excel opens it correctly); marks as plain numbers (85.5)."""
    header, rows = export_table(sheet, language)
    return spreadsheets.csv_bytes(header, [[_csv_cell(value) for value in row] for row in rows])


def template_rows(sheet):
    """The students of the current round: everyone in the first, those who failed in the second."""
    if sheet.gradebook.current_round == SECOND_ROUND:
        return [row for row in sheet.rows if row.first_passed is False]
    return list(sheet.rows)


def template_columns(sheet, language):
    """The headers of the mark columns of the current round."""
    if sheet.gradebook.current_round == SECOND_ROUND and sheet.final is not None:
        return [second_round_header(sheet.final, language)]
    return [assessment_header(a, language) for a in sheet.assessments]


def template_xlsx(sheet, language):
    """The student list with one empty column per assessment to fill (in the second round, one column
    for the final's second attempt)."""
    columns = template_columns(sheet, language)
    header = [HEADERS["student_number"][language], HEADERS["name"][language], *columns]
    rows = [[row.enrolment.student.student_number, row.enrolment.student.user.display_name(language),
             *([None] * len(columns))] for row in template_rows(sheet)]
    return spreadsheets.workbook_bytes(header, rows, _title(sheet), right_to_left=language == "ar",
                                       freeze="C2", min_width=10, max_width=60)


# --- import ----------------------------------------------------------------------------------------

Problem = spreadsheets.Problem


class MarksRejected(spreadsheets.FileRejected):
    """The file was refused; ``problems`` says why, every one of them."""


@dataclass
class Column:
    position: int
    header: str
    assessment: object = None
    attempt: int = FIRST_ROUND


@dataclass
class MarksFile:
    """What a file holds: the entries for ``services.save_marks``, where each came from, its problems."""

    entries: list = field(default_factory=list)
    places: dict = field(default_factory=dict)  # cell key → (row number, header, position)
    problems: list = field(default_factory=list)

    def problem_at(self, key, reason):
        row, header, position = self.places[key]
        return Problem(row, header, reason, position=position)


def _assessment_names(sheet):
    """{header form: assessment}: the headers of the export in both languages, and the bare names when
    no two assessments share one."""
    names, taken = {}, {}
    for assessment in sheet.assessments:
        for language in LANGUAGES:
            taken.setdefault(_form(assessment.name(language)), []).append(assessment)
    for form, assessments in taken.items():
        if len(assessments) == 1 and form:
            names[form] = assessments[0]
    for assessment in sheet.assessments:
        for language in LANGUAGES:
            names[_form(assessment_header(assessment, language))] = assessment
    return names


def _read_header(cells, header_number, sheet, round_, found):
    """The student-number column and the mark columns of the header row; problems go to ``found``."""
    names = _assessment_names(sheet)
    number_column, marks, seen = None, [], {}
    for position, text in enumerate(cells):
        if not text:
            continue
        form = _form(text)
        assessment, attempt = names.get(form), FIRST_ROUND
        if assessment is None and form.startswith(_SECOND_PREFIXES):
            if round_ != SECOND_ROUND or sheet.final is None:
                found.problems.append(Problem(header_number, text, NO_SECOND_ROUND, position=position))
                continue
            assessment, attempt = sheet.final, SECOND_ROUND
        if assessment is not None:
            if (assessment.id, attempt) in seen:
                found.problems.append(Problem(header_number, text, TWICE_IN_HEADER, position=position))
                continue
            seen[(assessment.id, attempt)] = position
            marks.append(Column(position, text, assessment, attempt))
            continue
        key = FIXED_COLUMNS.key(text)
        if key == "student_number":
            if number_column is not None:
                found.problems.append(Problem(header_number, text, TWICE_IN_HEADER, position=position))
            else:
                number_column = Column(position, text)
        elif key not in SKIPPED:
            found.problems.append(Problem(header_number, text, UNKNOWN_COLUMN, position=position))
    if number_column is None:
        found.problems.append(Problem(header_number, STUDENT_NUMBER_LABEL, MISSING_COLUMN))
    if not marks:
        found.problems.append(Problem(None, None, NO_MARK_COLUMNS))
    return number_column, marks


_NUMBER_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def _number_form(text):
    """A student number as compared: Arabic-Indic digits as Latin ones, without case, and without the
    apostrophe a CSV export puts before text that starts like a formula."""
    text = (text or "").strip()
    if text.startswith("'") and text[1:].startswith(spreadsheets.FORMULA_STARTS):
        text = text[1:]
    return "".join(text.split()).translate(_NUMBER_DIGITS).casefold()


def _cell(cells, position):
    return cells[position] if position < len(cells) else ""


def read_marks(data, sheet, round_, max_bytes=None):
    """The marks of a file for ``services.save_marks``, with the current version of each cell (the
    import overwrites what it names). ``round_`` is the gradebook's current round: in the first, the
    assessment columns are read; in the second, the second-round column too (the first-round columns
    are handed on, and ``save_marks`` refuses them to whoever may not change them now). Only the cells
    that are not empty in the file become entries. Returns a MarksFile."""
    found = MarksFile()
    try:
        raw = spreadsheets.read_rows(data, MAX_ROWS, recognises=lambda cell: _recognised(cell, sheet),
                                     max_bytes=max_bytes)
    except spreadsheets.Unreadable as unreadable:
        found.problems.append(Problem(None, None, unreadable.reason))
        return found
    header_index = spreadsheets.header_row_index(raw)
    if header_index is None:
        found.problems.append(Problem(None, None, _l("The file is empty.")))
        return found
    number_column, marks = _read_header(raw[header_index], header_index + 1, sheet, round_, found)
    if number_column is None or not marks:
        return found
    rows = {_number_form(row.enrolment.student.student_number): row for row in sheet.rows}
    first_row_of = {}
    for index, cells in enumerate(raw[header_index + 1:], start=header_index + 2):
        number = _cell(cells, number_column.position)
        texts = [(column, _cell(cells, column.position)) for column in marks]
        texts = [(column, text) for column, text in texts if text]
        if not texts:
            continue  # a row without marks (a student left blank, a total line) changes nothing
        reason = None
        row = rows.get(_number_form(number)) if number else None
        if not number:
            reason = REQUIRED
        elif row is None:
            reason = UNKNOWN_STUDENT
        elif row.enrolment.id in first_row_of:
            reason = _twice(first_row_of[row.enrolment.id])
        if reason is not None:
            found.problems.append(Problem(index, number_column.header, reason,
                                          position=number_column.position))
            continue
        first_row_of[row.enrolment.id] = index
        for column, text in texts:
            score = row.scores.get(column.assessment.id) if column.attempt == FIRST_ROUND else row.second
            entry = {"enrolment_id": row.enrolment.id, "assessment_id": column.assessment.id,
                     "attempt": column.attempt, "text": text, "version": getattr(score, "version", None)}
            key = services.cell_key(entry["enrolment_id"], entry["assessment_id"], entry["attempt"])
            found.entries.append(entry)
            found.places[key] = (index, column.header, column.position)
    return found


def _recognised(cell, sheet):
    """Whether a CSV header cell names a column of this gradebook (to choose the CSV delimiter)."""
    form = _form(cell)
    return bool(form) and (form in _assessment_names(sheet) or form.startswith(_SECOND_PREFIXES)
                           or FIXED_COLUMNS.key(cell) is not None)


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


# --- the import in two steps: a preview, then the accepted file applied -----------------------------
#
# ``preview_import`` reads the file and says what it would change, writing nothing. ``keep_preview`` keeps
# the file (diploma.enrolment.importing's pending uploads: a random token, removed after a day) with the
# version of every cell as the preview saw it. ``accept_import`` reads the kept file again against the
# gradebook as it is now: a cell changed since the preview, a round opened or a gradebook locked meanwhile
# refuses the whole file; otherwise the cells go through ``services.save_marks`` with the versions of the
# preview (its optimistic locking catches a change made during the accept itself).

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


@dataclass
class KeptImport:
    """A previewed file waiting to be accepted: whose, of which offering and round, with what reason."""

    token: str
    offering_id: int
    user_id: int
    round: int
    reason: str | None
    versions: dict
    data: bytes


def keep_preview(actor, offering, preview, data, reason=None):
    """Keep a previewed file until it is accepted (or a day passes); its token."""
    payload = {"offering_id": offering.id, "user_id": actor.id, "round": preview.round,
               "reason": (reason or "").strip() or None, "versions": preview.versions,
               "data": base64.b64encode(data).decode("ascii")}
    return importing.store_pending(json.dumps(payload).encode("utf-8"))


def kept_import(token):
    """The kept file of a token, or None (unknown, expired, or not a kept marks file)."""
    raw = importing.load_pending(token)
    try:
        payload = json.loads(raw) if raw else None
        return KeptImport(token, int(payload["offering_id"]), int(payload["user_id"]), int(payload["round"]),
                          payload["reason"], dict(payload["versions"]), base64.b64decode(payload["data"]))
    except (ValueError, TypeError, KeyError):
        return None


def forget_kept(token):
    importing.delete_pending(token)


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
