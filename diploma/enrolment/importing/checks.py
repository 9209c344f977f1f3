"""Checking a students file against the database, row by row, collecting every problem: the plan of
what the import would do."""
from collections import Counter
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from diploma import spreadsheets
from diploma.arabic import fold_for_search
from diploma.auth.models import User
from diploma.auth.services import normalize_email
from diploma.curriculum.models import Cohort, Course, Term
from diploma.enrolment.importing.sheet import (
    ALREADY_ENROLLED,
    AMBIGUOUS_COHORT,
    AMBIGUOUS_TERM,
    BAD_EMAIL,
    BAD_NUMBER,
    CHUNK,
    CLOSED,
    COLUMNS,
    DEACTIVATED,
    GENDER_WORDS,
    MISSING_COLUMN,
    NO_OFFERING,
    OTHER_ACCOUNT,
    OTHER_UNIVERSITY,
    REQUIRED,
    STUDENT_COLUMNS,
    STUDENT_NUMBER,
    UNKNOWN_COHORT,
    UNKNOWN_COURSE,
    UNKNOWN_GENDER,
    UNKNOWN_TERM,
    ImportRejected,
    differs_from,
    full,
    problem_at,
    read_sheet,
    too_long,
    twice,
)
from diploma.enrolment.models import Enrolment, Student
from diploma.extensions import db
from diploma.teaching.models import Offering

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


def chunks(values):
    values = sorted(values)
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


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
        for chunk in chunks(numbers):
            self.students.update({student.student_number: student for student in db.session.scalars(
                db.select(Student).where(Student.university_id == self.university.id,
                                         Student.student_number.in_(chunk)))})
        self.accounts = {}
        for chunk in chunks(emails):
            self.accounts.update({user.email: user for user in db.session.scalars(
                db.select(User).where(User.email.in_(chunk)))})
        self.students_of_account = {}
        for chunk in chunks({user.id for user in self.accounts.values()}):
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
        for chunk in chunks({student.id for student in self.students.values()}):
            self.enrolled.update(db.session.execute(
                db.select(Enrolment.student_id, Enrolment.offering_id)
                .where(Enrolment.student_id.in_(chunk), Enrolment.status == "active")).tuples())

    def add(self, row, column, reason):
        self.problems.append(problem_at(row.number, column, reason))

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
            self.problems.append(problem_at(self.sheet.header_row, column, MISSING_COLUMN))
        self.problems.sort(key=spreadsheets.Problem.sort_key)
        return self.plan

    def check_row(self, row):
        number = self.value(row, "student_number", required=True)
        if number and (len(number) > 30 or not STUDENT_NUMBER.match(number)):
            self.add(row, "student_number", BAD_NUMBER if len(number) <= 30 else too_long(30))
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
                self.add(row, column, too_long(200))
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
                self.add(row, column, differs_from(first_row))

    def check_email(self, row, number, email):
        if len(email) > 254:
            self.add(row, "email", too_long(254))
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
            self.add(row, "email", twice(seen[0]))

    def check_enrolment(self, row, number, student):
        course_text = self.value(row, "course", required=False)
        term_text = self.value(row, "term", required=False)
        if not course_text and not term_text:
            if number:
                if number in self.student_only_row:
                    self.add(row, "student_number", twice(self.student_only_row[number]))
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
            self.add(row, "course", twice(self.enrolment_row[key]))
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
            self.add(row, "course", full(offering.capacity))
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


