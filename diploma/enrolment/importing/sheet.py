"""The students file: its columns (Arabic or English header names, and other spellings registrars
use), the problems found in it, and reading it into rows; the template and the links sheet offered for
download."""
import re
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l

from diploma import clock, spreadsheets
from diploma.curriculum.models import Cohort, Course, Term
from diploma.extensions import db
from diploma.teaching.models import Offering

COLUMNS = ("student_number", "name_ar", "name_en", "email", "gender", "cohort", "course", "term")
STUDENT_COLUMNS = ("name_ar", "name_en", "email", "gender", "cohort")
# The header names of the template (Arabic / English); the parser accepts either, or both as here.
ARABIC_HEADERS = {
    "student_number": "الرقم الجامعي", "name_ar": "الاسم الرباعي", "name_en": "الاسم بالإنكليزية",
    "email": "البريد الإلكتروني", "gender": "الجنس", "cohort": "الدفعة", "course": "رمز المقرر",
    "term": "الفصل الدراسي",
}
COLUMN_LABELS = {
    "student_number": _l("Student number"), "name_ar": _l("Name in Arabic (four-part name)"),
    "name_en": _l("Name in English"), "email": _l("E-mail"), "gender": _l("Gender"), "cohort": _l("Cohort"),
    "course": _l("Course code"), "term": _l("Term"),
}
# Other spellings seen in registrars' sheets, compared after ``_header_form``.
_EXTRA_HEADERS = {
    "student_number": ("student number", "student no", "student id", "number", "الرقم", "رقم الطالب"),
    "name_ar": ("arabic name", "name in arabic", "name (arabic)", "الاسم", "الاسم بالعربية",
                "الاسم باللغة العربية", "اسم الطالب"),
    "name_en": ("english name", "name in english", "name (english)", "الاسم بالانجليزية",
                "الاسم باللغة الانكليزية", "الاسم باللغة الانجليزية"),
    "email": ("e-mail", "e-mail address", "email address", "mail", "البريد", "الايميل"),
    "gender": ("sex",),
    "cohort": ("batch",),
    "course": ("course code", "code", "المقرر", "المقرر الدراسي", "رمز المادة", "المادة"),
    "term": ("semester", "الفصل"),
}
GENDER_WORDS = {"m": "m", "male": "m", "ذكر": "m", "f": "f", "female": "f", "انثي": "f"}
STUDENT_NUMBER = re.compile(r"^[A-Za-z0-9/_-]+$")
MAX_ROWS = 1000  # about ten seconds of work on PostgreSQL; a cohort of a university is far smaller
CHUNK = 500
XLSX_MIMETYPE = spreadsheets.XLSX_MIMETYPE

# Reasons, shown after "Row …, column …:".
REQUIRED = _l("required")
BAD_EMAIL = _l("not a valid e-mail address")
BAD_NUMBER = _l("Latin letters, digits, '-', '_' and '/' only")
UNKNOWN_GENDER = _l("unknown gender (write m or f, ذكر or أنثى)")
UNKNOWN_COHORT = _l("unknown cohort")
UNKNOWN_COURSE = _l("unknown course code")
UNKNOWN_TERM = _l("unknown term")
AMBIGUOUS_COHORT = _l("more than one cohort has this name; write its English name instead")
AMBIGUOUS_TERM = _l("more than one term has this name; write its English name instead")
NO_OFFERING = _l("no such course offering at your university in this term")
CLOSED = _l("the offering is closed to new enrolments")
ALREADY_ENROLLED = _l("the student is already enrolled in this offering")
DEACTIVATED = _l("the student's account is deactivated")
OTHER_UNIVERSITY = _l("belongs to a student of another university")
OTHER_ACCOUNT = _l("already used by another account")
MISSING_COLUMN = _l("missing from the header row")


def too_long(limit):
    return _l("longer than %(count)s characters", count=limit)


def twice(other):
    return _l("appears twice in the file (row %(other)s)", other=other)


def differs_from(other):
    return _l("differs from row %(other)s of the same student", other=other)


def full(capacity):
    return _l("the offering is full (%(capacity)s seats)", capacity=capacity)


def column_label(column):
    return COLUMN_LABELS.get(column, column)


def problem_at(row, column, reason):
    """A problem of the file at ``row`` (None: the file itself) and ``column`` (a key of COLUMNS, or None:
    the whole row), named in the message by the column's label."""
    return spreadsheets.Problem(row, column, reason, label=column_label(column) if column else None,
                                position=COLUMNS.index(column) if column in COLUMNS else -1)


class ImportRejected(spreadsheets.FileRejected):
    """The file was refused; ``problems`` says why, every one of them."""


# --- reading the file ----------------------------------------------------------------------------

@dataclass
class SheetRow:
    number: int
    values: dict


@dataclass
class Sheet:
    header_row: int
    columns: dict  # column key → position in the row
    rows: list
    ignored_columns: list = field(default_factory=list)


HEADER_NAMES = spreadsheets.HeaderNames({key: (ARABIC_HEADERS[key], *_EXTRA_HEADERS.get(key, ()))
                                         for key in COLUMNS})


def header_key(text):
    """The column a header cell names ('الرقم الجامعي', 'Student Number', 'الرقم الجامعي / student_number'
    all name 'student_number'), or None."""
    return HEADER_NAMES.key(text)


def read_sheet(data):
    """The header and the rows of a CSV or XLSX file; ImportRejected when it cannot be read."""
    try:
        raw = spreadsheets.read_rows(data, MAX_ROWS, recognises=header_key,
                                     max_bytes=current_app.config.get("MAX_CONTENT_LENGTH"))
    except spreadsheets.Unreadable as unreadable:
        raise ImportRejected([problem_at(None, None, unreadable.reason)]) from unreadable
    header_index = spreadsheets.header_row_index(raw)
    if header_index is None:
        raise ImportRejected([problem_at(None, None, _l("The file is empty."))])
    columns, ignored, problems = {}, [], []
    for position, cell in enumerate(raw[header_index]):
        key = header_key(cell)
        if key is None:
            if cell:
                ignored.append(cell)
        elif key in columns:
            problems.append(problem_at(header_index + 1, key, _l("appears twice in the header row")))
        else:
            columns[key] = position
    if not columns:
        problems.append(problem_at(None, None, _l("The first row does not name the columns. Download the "
                                               "template to see their names.")))
    elif "student_number" not in columns:
        problems.append(problem_at(header_index + 1, "student_number", MISSING_COLUMN))
    rows = []
    for index, cells in enumerate(raw[header_index + 1:], start=header_index + 1):
        values = {key: cells[position] if position < len(cells) else "" for key, position in columns.items()}
        if any(values.values()):  # a row with text only in ignored columns (a running number) is empty
            rows.append(SheetRow(index + 1, values))
    if not rows and not problems:
        problems.append(problem_at(None, None, _l("The file has no rows of students under its header row.")))
    if problems:
        raise ImportRejected(problems)
    return Sheet(header_index + 1, columns, rows, ignored)


# --- files offered for download ------------------------------------------------------------------

def bilingual_header(key):
    return f"{ARABIC_HEADERS[key]} / {key}"


def _example_offering(university_id):
    """An offering of the current term (the earliest-starting term not yet ended; at the university when
    given), so that the template's example row imports as it is downloaded."""
    query = db.select(Offering).join(Term, Term.id == Offering.term_id) \
        .join(Course, Course.id == Offering.course_id).where(Term.ends_on >= clock.today()) \
        .order_by(Term.starts_on, Course.code, Offering.id).limit(1)
    if university_id is not None:
        query = query.where(Offering.university_id == university_id)
    return db.session.scalar(query)


def example_row(university_id=None):
    """One example row of the template, with the real names of a cohort, and of a course and a term offered
    now at the university when there is one (else the programme's first course and latest term)."""
    cohort = db.session.scalar(db.select(Cohort).order_by(Cohort.start_year.desc(), Cohort.id))
    offering = _example_offering(university_id)
    course = offering.course if offering else db.session.scalar(db.select(Course).order_by(Course.semester,
                                                                                          Course.code))
    term = offering.term if offering else db.session.scalar(db.select(Term).order_by(Term.starts_on.desc()))
    return {"student_number": "KUF-2024-001", "name_ar": "فاطمة عباس حسن الكعبي",
            "name_en": "Fatima Abbas Hassan Al-Kaabi", "email": "fatima.alkaabi@example.org",
            "gender": "أنثى", "cohort": cohort.name_ar if cohort else "الدفعة الأولى",
            "course": course.code if course else "PCS101", "term": term.name_ar if term else "الفصل الأول"}


def template_xlsx(university_id=None):
    example = example_row(university_id)
    return spreadsheets.workbook_bytes([bilingual_header(key) for key in COLUMNS],
                                       [[example[key] for key in COLUMNS]], "students")


def template_csv(university_id=None):
    """UTF-8 with a BOM, so that Excel opens the Arabic text correctly."""
    example = example_row(university_id)
    return spreadsheets.csv_bytes([bilingual_header(key) for key in COLUMNS],
                                  [[example[key] for key in COLUMNS]])


LINK_HEADERS = ("الاسم الرباعي / name_ar", "الاسم بالإنكليزية / name_en", "البريد الإلكتروني / email",
                "الرقم الجامعي / student_number", "رابط تعيين كلمة المرور / link")


def links_xlsx(entries):
    """``entries``: (student, link) pairs."""
    return spreadsheets.workbook_bytes(LINK_HEADERS, [
        [student.user.name_ar, student.user.name_en, student.user.email, student.student_number, link]
        for student, link in entries], "links")


