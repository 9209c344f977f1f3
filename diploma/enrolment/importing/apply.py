"""Applying a checked plan through the enrolment services, in the caller's transaction. (The uploaded file
kept between the preview and the confirmation: ``diploma.spreadsheets.kept``.)"""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from diploma import audit
from diploma.auth.models import User
from diploma.enrolment import services
from diploma.enrolment.importing.checks import chunks
from diploma.enrolment.importing.sheet import ImportRejected, problem_at
from diploma.enrolment.models import Student
from diploma.errors import RuleViolation
from diploma.extensions import db

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
                raise ImportRejected([problem_at(entry.row, _SERVICE_FIELDS.get(violation.field),
                                              violation.message)]) from violation
            students[entry.student_number] = student
            created.append(student)
            if on_step:
                on_step()
        for entry in plan.enrolments:
            try:
                enrolment = services.enrol_student(actor, entry.offering, students[entry.student_number])
            except RuleViolation as violation:
                raise ImportRejected([problem_at(entry.row, "course", violation.message)]) from violation
            enrolments.append(enrolment)
            if on_step:
                on_step()
    except IntegrityError as error:
        raise ImportRejected([problem_at(None, None, _l(
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
    for chunk in chunks(set(user_ids)):
        accounts.extend(db.session.scalars(
            db.select(Student).join(Student.user)
            .where(Student.user_id.in_(chunk), Student.university_id == university_id,
                   User.active.is_(True))))
    return sorted(accounts, key=lambda student: (student.user.name_ar, student.student_number))
