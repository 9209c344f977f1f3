"""The gradebook's spreadsheet file format: export (XLSX with Arabic headers and a right-to-left sheet, or
CSV), a template of the student list to fill in, and the reading of the marks typed into it.

The header names are part of the file format, in Arabic and in English ("السعي (40%) من 100",
"Coursework (40%) out of 100"): the export and the template write them in one language, the import
accepts either (or the bare assessment name). Students are found by their student number. ``read_marks``
turns a file into entries for ``services.save_marks`` and the problems of the file; it writes nothing
(the import itself: ``workflow``).
"""
import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from diploma import spreadsheets
from diploma.grading import rules, services
from diploma.grading.models import FIRST_ROUND, SECOND_ROUND

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
