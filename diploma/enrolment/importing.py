"""Bulk import of students and their enrolments from an XLSX workbook or a CSV file.

All or nothing: the whole file is read and checked first (``prepare_import``), every problem reported
with its row (as the spreadsheet numbers it, the header being row 1 when it is the first row) and
column; only a file without problems is applied (``apply_import``), through the enrolment services, in
the caller's transaction. Nothing here commits or looks at the request.
"""
import os
import re
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from diploma import audit, spreadsheets, uploads
from diploma.arabic import fold_for_search
from diploma.auth.models import User
from diploma.auth.services import normalize_email
from diploma.curriculum.models import Cohort, Course, Term
from diploma.enrolment import services
from diploma.enrolment.models import Enrolment, Student
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.spreadsheets import decode_csv  # noqa: F401  (kept here for the callers of importing)
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
PENDING_KIND = "imports"
PENDING_MAX_AGE = 24 * 3600
_PENDING_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
_CHUNK = 500
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


def _too_long(limit):
    return _l("longer than %(count)s characters", count=limit)


def _twice(other):
    return _l("appears twice in the file (row %(other)s)", other=other)


def _differs(other):
    return _l("differs from row %(other)s of the same student", other=other)


def _full(capacity):
    return _l("the offering is full (%(capacity)s seats)", capacity=capacity)


def column_label(column):
    return COLUMN_LABELS.get(column, column)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file: at a row and a column, a whole row, or the file itself."""

    row: int | None
    column: str | None
    reason: object  # a lazy string, rendered in the language active when the problem is shown

    def sort_key(self):
        return (self.row or 0, COLUMNS.index(self.column) if self.column in COLUMNS else -1)

    def __str__(self):
        if self.row is None:
            return str(self.reason)
        if self.column is None:
            return str(_l("Row %(row)s: %(reason)s", row=self.row, reason=self.reason))
        return str(_l("Row %(row)s, column %(column)s: %(reason)s", row=self.row,
                      column=column_label(self.column), reason=self.reason))


class ImportRejected(RuleViolation):
    """The file was refused; ``problems`` says why, every one of them."""

    def __init__(self, problems):
        super().__init__(_l("The file was not imported. Correct these problems and upload it again:"))
        self.problems = sorted(problems, key=Problem.sort_key)


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


def _header_form(text):
    """Header text compared without case, spaces, '_' '-' '.' ':' '*' and Arabic spelling variants."""
    return re.sub(r"[\s_\-.:*]", "", fold_for_search(text))


_HEADER_KEYS = {_header_form(name): key for key in COLUMNS
                for name in (key, ARABIC_HEADERS[key], *_EXTRA_HEADERS.get(key, ()))}


def header_key(text):
    """The column a header cell names ('الرقم الجامعي', 'Student Number', 'الرقم الجامعي / student_number'
    all name 'student_number'), or None."""
    text = text or ""
    for candidate in (text, *re.split(r"[/|()\n]", text)):
        key = _HEADER_KEYS.get(_header_form(candidate))
        if key:
            return key
    return None


def read_sheet(data):
    """The header and the rows of a CSV or XLSX file; ImportRejected when it cannot be read."""
    try:
        raw = spreadsheets.read_rows(data, MAX_ROWS, recognises=header_key,
                                     max_bytes=current_app.config.get("MAX_CONTENT_LENGTH"))
    except spreadsheets.Unreadable as unreadable:
        raise ImportRejected([Problem(None, None, unreadable.reason)]) from unreadable
    header_index = next((index for index, cells in enumerate(raw) if any(cells)), None)
    if header_index is None:
        raise ImportRejected([Problem(None, None, _l("The file is empty."))])
    columns, ignored, problems = {}, [], []
    for position, cell in enumerate(raw[header_index]):
        key = header_key(cell)
        if key is None:
            if cell:
                ignored.append(cell)
        elif key in columns:
            problems.append(Problem(header_index + 1, key, _l("appears twice in the header row")))
        else:
            columns[key] = position
    if not columns:
        problems.append(Problem(None, None, _l("The first row does not name the columns. Download the "
                                               "template to see their names.")))
    elif "student_number" not in columns:
        problems.append(Problem(header_index + 1, "student_number", MISSING_COLUMN))
    rows = []
    for index, cells in enumerate(raw[header_index + 1:], start=header_index + 1):
        values = {key: cells[position] if position < len(cells) else "" for key, position in columns.items()}
        if any(values.values()):  # a row with text only in ignored columns (a running number) is empty
            rows.append(SheetRow(index + 1, values))
    if not rows and not problems:
        problems.append(Problem(None, None, _l("The file has no rows of students under its header row.")))
    if problems:
        raise ImportRejected(problems)
    return Sheet(header_index + 1, columns, rows, ignored)


# --- checking it ---------------------------------------------------------------------------------

@dataclass
class NewStudent:
    row: int
    student_number: str
    name_ar: str
    name_en: str
    email: str
    gender: str
    cohort: Cohort


@dataclass
class PlannedEnrolment:
    row: int
    student_number: str
    offering: Offering


@dataclass
class OfferingSummary:
    offering: Offering
    enrolled_before: int
    added: int

    @property
    def enrolled_after(self):
        return self.enrolled_before + self.added


@dataclass
class ImportPlan:
    """What a file would do: the students to create, those already known, the enrolments to add."""

    university: object
    problems: list = field(default_factory=list)
    new_students: list = field(default_factory=list)
    existing_students: list = field(default_factory=list)
    enrolments: list = field(default_factory=list)
    ignored_columns: list = field(default_factory=list)
    rows: int = 0
    enrolled_before: dict = field(default_factory=dict)

    @property
    def ok(self):
        return not self.problems

    @property
    def steps(self):
        return len(self.new_students) + len(self.enrolments)

    def per_offering(self):
        added = Counter(entry.offering.id for entry in self.enrolments)
        offerings = {entry.offering.id: entry.offering for entry in self.enrolments}
        summaries = [OfferingSummary(offerings[offering_id], self.enrolled_before.get(offering_id, 0), count)
                     for offering_id, count in added.items()]
        return sorted(summaries, key=lambda summary: (summary.offering.course.code, summary.offering.term_id))


def _chunks(values):
    values = sorted(values)
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]


class _NamedRecords:
    """Cohorts or terms found by id, English name or Arabic name (compared folded)."""

    def __init__(self, records, unknown, ambiguous):
        self.unknown, self.ambiguous = unknown, ambiguous
        self.by_id = {str(record.id): record for record in records}
        self.by_name = {}
        for record in records:
            for name in {fold_for_search(record.name_en), fold_for_search(record.name_ar)}:
                self.by_name.setdefault(name, []).append(record)

    def find(self, text):
        """(record, None) or (None, reason)."""
        if text in self.by_id:
            return self.by_id[text], None
        found = self.by_name.get(fold_for_search(text), [])
        if len(found) == 1:
            return found[0], None
        return None, (self.ambiguous if found else self.unknown)


class _Checker:
    """Checks the rows of one sheet against the database, collecting every problem."""

    def __init__(self, university, sheet):
        self.university, self.sheet = university, sheet
        self.plan = ImportPlan(university, ignored_columns=sheet.ignored_columns, rows=len(sheet.rows))
        self.problems = self.plan.problems
        self.missing_columns = set()
        self._load()
        self.first_row_of = {}       # student number → (row number, values checked), first appearance
        self.email_row = {}          # e-mail → (row number, student number)
        self.student_only_row = {}   # student number → row number of a row without an enrolment
        self.enrolment_row = {}      # (student number, offering id) → row number
        self.taken = dict(self.plan.enrolled_before)

    def _load(self):
        rows = self.sheet.rows
        numbers = {row.values.get("student_number", "") for row in rows} - {""}
        emails = {normalize_email(row.values.get("email")) for row in rows} - {""}
        self.students = {}
        for chunk in _chunks(numbers):
            self.students.update({student.student_number: student for student in db.session.scalars(
                db.select(Student).where(Student.university_id == self.university.id,
                                         Student.student_number.in_(chunk)))})
        self.accounts = {}
        for chunk in _chunks(emails):
            self.accounts.update({user.email: user for user in db.session.scalars(
                db.select(User).where(User.email.in_(chunk)))})
        self.students_of_account = {}
        for chunk in _chunks({user.id for user in self.accounts.values()}):
            self.students_of_account.update({student.user_id: student for student in db.session.scalars(
                db.select(Student).where(Student.user_id.in_(chunk)))})
        self.cohorts = _NamedRecords(db.session.scalars(db.select(Cohort)).all(), UNKNOWN_COHORT,
                                     AMBIGUOUS_COHORT)
        self.terms = _NamedRecords(db.session.scalars(db.select(Term)).all(), UNKNOWN_TERM, AMBIGUOUS_TERM)
        self.courses = {course.code.upper(): course for course in db.session.scalars(db.select(Course))}
        self.offerings = {(offering.course_id, offering.term_id): offering for offering in db.session.scalars(
            db.select(Offering).where(Offering.university_id == self.university.id))}
        self.plan.enrolled_before = dict(db.session.execute(
            db.select(Enrolment.offering_id, db.func.count())
            .join(Offering, Offering.id == Enrolment.offering_id)
            .where(Offering.university_id == self.university.id, Enrolment.status == "active")
            .group_by(Enrolment.offering_id)).all())
        self.enrolled = set()
        for chunk in _chunks({student.id for student in self.students.values()}):
            self.enrolled.update(db.session.execute(
                db.select(Enrolment.student_id, Enrolment.offering_id)
                .where(Enrolment.student_id.in_(chunk), Enrolment.status == "active")).tuples())

    def add(self, row, column, reason):
        self.problems.append(Problem(row.number, column, reason))

    def value(self, row, column, required):
        """The cleaned value of a cell; a missing required value is a problem (of the header row, once,
        when the column itself is missing)."""
        text = row.values.get(column, "")
        if not text and required:
            if column in self.sheet.columns:
                self.add(row, column, REQUIRED)
            else:
                self.missing_columns.add(column)
        return text

    def check(self):
        for row in self.sheet.rows:
            self.check_row(row)
        for column in sorted(self.missing_columns, key=COLUMNS.index):
            self.problems.append(Problem(self.sheet.header_row, column, MISSING_COLUMN))
        self.problems.sort(key=Problem.sort_key)
        return self.plan

    def check_row(self, row):
        number = self.value(row, "student_number", required=True)
        if number and (len(number) > 30 or not STUDENT_NUMBER.match(number)):
            self.add(row, "student_number", BAD_NUMBER if len(number) <= 30 else _too_long(30))
            number = ""
        student = self.students.get(number) if number else None
        if student is not None:
            self.check_existing_student(row, student)
        else:
            self.check_new_student(row, number)
        self.check_enrolment(row, number, student)

    def check_existing_student(self, row, student):
        email = normalize_email(row.values.get("email"))
        if email and email != student.user.email:
            self.add(row, "email", _l("differs from the e-mail address of this student (%(email)s)",
                                      email=student.user.email))
        if student.student_number not in self.first_row_of:
            self.first_row_of[student.student_number] = (row.number, None)
            self.plan.existing_students.append(student)

    def check_new_student(self, row, number):
        values = {"name_ar": self.value(row, "name_ar", True), "name_en": self.value(row, "name_en", True),
                  "email": normalize_email(self.value(row, "email", True)),
                  "gender": self.value(row, "gender", True), "cohort": self.value(row, "cohort", True)}
        for column in ("name_ar", "name_en"):
            if len(values[column]) > 200:
                self.add(row, column, _too_long(200))
        email = values["email"]
        if email:
            self.check_email(row, number, email)
        gender = GENDER_WORDS.get(fold_for_search(values["gender"])) if values["gender"] else None
        if values["gender"] and gender is None:
            self.add(row, "gender", UNKNOWN_GENDER)
        cohort = None
        if values["cohort"]:
            cohort, reason = self.cohorts.find(values["cohort"])
            if reason is not None:
                self.add(row, "cohort", reason)
        if not number:
            return
        checked = {**values, "gender": gender, "cohort": cohort}
        first = self.first_row_of.get(number)
        if first is None:
            self.first_row_of[number] = (row.number, checked)
            if all(checked.values()):
                self.plan.new_students.append(NewStudent(row.number, number, **checked))
            return
        first_row, first_values = first
        for column in STUDENT_COLUMNS:
            if values[column] and first_values and first_values[column] and \
                    checked[column] != first_values[column]:
                self.add(row, column, _differs(first_row))

    def check_email(self, row, number, email):
        if len(email) > 254:
            self.add(row, "email", _too_long(254))
            return
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            self.add(row, "email", BAD_EMAIL)
            return
        account = self.accounts.get(email)
        if account is not None:
            owner = self.students_of_account.get(account.id)
            if owner is not None and owner.university_id != self.university.id:
                self.add(row, "email", OTHER_UNIVERSITY)
            elif owner is not None:
                self.add(row, "email", _l("belongs to another student of your university (%(number)s)",
                                          number=owner.student_number))
            else:
                self.add(row, "email", OTHER_ACCOUNT)
            return
        seen = self.email_row.get(email)
        if seen is None:
            self.email_row[email] = (row.number, number)
        elif seen[1] != number:
            self.add(row, "email", _twice(seen[0]))

    def check_enrolment(self, row, number, student):
        course_text = self.value(row, "course", required=False)
        term_text = self.value(row, "term", required=False)
        if not course_text and not term_text:
            if number:
                if number in self.student_only_row:
                    self.add(row, "student_number", _twice(self.student_only_row[number]))
                else:
                    self.student_only_row[number] = row.number
            return
        course = term = None
        if not course_text:
            self.value(row, "course", required=True)
        else:
            course = self.courses.get(course_text.upper())
            if course is None:
                self.add(row, "course", UNKNOWN_COURSE)
        if not term_text:
            self.value(row, "term", required=True)
        else:
            term, reason = self.terms.find(term_text)
            if reason is not None:
                self.add(row, "term", reason)
        if course is None or term is None:
            return
        offering = self.offerings.get((course.id, term.id))
        if offering is None:
            self.add(row, "course", NO_OFFERING)
            return
        if offering.status != "open":
            self.add(row, "course", CLOSED)
            return
        if not number:
            return
        key = (number, offering.id)
        if key in self.enrolment_row:
            self.add(row, "course", _twice(self.enrolment_row[key]))
            return
        self.enrolment_row[key] = row.number
        if student is not None and (student.id, offering.id) in self.enrolled:
            self.add(row, "course", ALREADY_ENROLLED)
            return
        if student is not None and not student.user.active:
            self.add(row, "student_number", DEACTIVATED)
            return
        self.taken[offering.id] = self.taken.get(offering.id, 0) + 1
        if self.taken[offering.id] > offering.capacity:
            self.add(row, "course", _full(offering.capacity))
            return
        self.plan.enrolments.append(PlannedEnrolment(row.number, number, offering))


def check_sheet(university, sheet):
    """The plan of a sheet that could be read: what it would do, and every problem of its rows."""
    return _Checker(university, sheet).check()


def prepare_import(university, data):
    """Read and check a file (bytes) for a university. Reads the database, writes nothing."""
    try:
        sheet = read_sheet(data)
    except ImportRejected as rejected:
        return ImportPlan(university, problems=rejected.problems)
    return check_sheet(university, sheet)


# --- applying it ---------------------------------------------------------------------------------

@dataclass
class ImportOutcome:
    university: object
    new_students: list
    existing_students: list
    enrolments: list
    per_offering: list

    @property
    def new_user_ids(self):
        return [student.user_id for student in self.new_students]


_SERVICE_FIELDS = {"cohort_id": "cohort", "email": "email", "gender": "gender",
                   "student_number": "student_number", "name_ar": "name_ar", "name_en": "name_en"}


def apply_import(actor, plan, on_step=None):
    """Create the new students and the enrolments of a checked plan, in the current transaction (flushed,
    not committed). Any refusal raises ImportRejected: the caller rolls back and nothing is written."""
    if not plan.ok:
        raise ImportRejected(plan.problems)
    university_id = plan.university.id
    students = {student.student_number: student for student in plan.existing_students}
    created, enrolments = [], []
    try:
        for entry in plan.new_students:
            try:
                student = services.create_student(
                    actor, university_id, email=entry.email, name_ar=entry.name_ar, name_en=entry.name_en,
                    student_number=entry.student_number, gender=entry.gender, cohort_id=entry.cohort.id)
            except RuleViolation as violation:
                raise ImportRejected([Problem(entry.row, _SERVICE_FIELDS.get(violation.field),
                                              violation.message)]) from violation
            students[entry.student_number] = student
            created.append(student)
            if on_step:
                on_step()
        for entry in plan.enrolments:
            try:
                enrolment = services.enrol_student(actor, entry.offering, students[entry.student_number])
            except RuleViolation as violation:
                raise ImportRejected([Problem(entry.row, "course", violation.message)]) from violation
            enrolments.append(enrolment)
            if on_step:
                on_step()
    except IntegrityError as error:
        raise ImportRejected([Problem(None, None, _l(
            "Someone changed the same students or offerings while the file was being imported. Nothing "
            "was saved; upload the file again."))]) from error
    per_offering = plan.per_offering()
    audit.record(actor, "enrolment.imported", plan.university, {
        "rows": plan.rows, "new_students": [student.id for student in created],
        "existing_students": [student.id for student in plan.existing_students],
        "enrolments": {str(summary.offering.id): summary.added for summary in per_offering}})
    return ImportOutcome(plan.university, created, list(plan.existing_students), enrolments, per_offering)


def new_accounts(university_id, user_ids):
    """The student accounts among ``user_ids`` that belong to one university, by Arabic name."""
    accounts = []
    for chunk in _chunks(set(user_ids)):
        accounts.extend(db.session.scalars(
            db.select(Student).join(Student.user)
            .where(Student.user_id.in_(chunk), Student.university_id == university_id,
                   User.active.is_(True))))
    return sorted(accounts, key=lambda student: (student.user.name_ar, student.student_number))


# --- files offered for download ------------------------------------------------------------------

def bilingual_header(key):
    return f"{ARABIC_HEADERS[key]} / {key}"


def example_row():
    """One example row of the template, with the real names of a cohort, a course and a term when the
    programme has them."""
    cohort = db.session.scalar(db.select(Cohort).order_by(Cohort.start_year.desc(), Cohort.id))
    course = db.session.scalar(db.select(Course).order_by(Course.semester, Course.code))
    term = db.session.scalar(db.select(Term).order_by(Term.starts_on.desc()))
    return {"student_number": "KUF-2024-001", "name_ar": "فاطمة عباس حسن الكعبي",
            "name_en": "Fatima Abbas Hassan Al-Kaabi", "email": "fatima.alkaabi@example.org",
            "gender": "أنثى", "cohort": cohort.name_ar if cohort else "الدفعة الأولى",
            "course": course.code if course else "PCS101", "term": term.name_ar if term else "الفصل الأول"}


def template_xlsx():
    example = example_row()
    return spreadsheets.workbook_bytes([bilingual_header(key) for key in COLUMNS],
                                       [[example[key] for key in COLUMNS]], "students")


def template_csv():
    """UTF-8 with a BOM, so that Excel opens the Arabic text correctly."""
    example = example_row()
    return spreadsheets.csv_bytes([bilingual_header(key) for key in COLUMNS],
                                  [[example[key] for key in COLUMNS]])


LINK_HEADERS = ("الاسم الرباعي / name_ar", "الاسم بالإنكليزية / name_en", "البريد الإلكتروني / email",
                "الرقم الجامعي / student_number", "رابط تعيين كلمة المرور / link")


def links_xlsx(entries):
    """``entries``: (student, link) pairs."""
    return spreadsheets.workbook_bytes(LINK_HEADERS, [
        [student.user.name_ar, student.user.name_en, student.user.email, student.student_number, link]
        for student, link in entries], "links")


# --- the uploaded file, kept between the preview and the confirmation ----------------------------

def _pending_folder():
    return uploads.upload_folder(PENDING_KIND)


def _sweep(folder):
    """Forget uploads nobody confirmed within a day."""
    limit = time.time() - PENDING_MAX_AGE
    for path in folder.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:
            continue


def store_pending(data):
    """Keep an uploaded file under a random token until it is confirmed; the token."""
    folder = _pending_folder()
    _sweep(folder)
    token = secrets.token_urlsafe(24)
    partial = folder / f".partial-{token}"
    partial.write_bytes(data)
    os.replace(partial, folder / token)
    return token


def load_pending(token):
    """The bytes kept under a token, or None (unknown, expired or malformed token)."""
    if not isinstance(token, str) or not _PENDING_TOKEN.match(token):
        return None
    path = _pending_folder() / token
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def delete_pending(token):
    if isinstance(token, str) and _PENDING_TOKEN.match(token):
        (_pending_folder() / token).unlink(missing_ok=True)
