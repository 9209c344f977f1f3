"""Helpers of the tests of the gradebook as a spreadsheet (diploma.grading.marks_spreadsheet): files made
with openpyxl and csv, a classroom's marks as stored, and the import's outcome or refusal."""
import csv
import io
from decimal import Decimal

import openpyxl
import pytest

from diploma.extensions import db
from diploma.grading import marks_spreadsheet, rules
from diploma.grading.models import Score
from diploma.i18n import force_language

D = Decimal
AR_HEADER = ["الرقم الجامعي", "اسم الطالب", "السعي (40%) من 100", "الامتحان النهائي (60%) من 100"]
EN_HEADER = ["Student number", "Student name", "Coursework (40%) out of 100", "Final exam (60%) out of 100"]
AR_TOTALS = ["الدرجة النهائية للمقرر", "التقدير", "الدور"]
EN_TOTALS = ["Course mark", "Band", "Round"]


def worksheet(data):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def values(data):
    return [list(row) for row in worksheet(data).iter_rows(values_only=True)]


def xlsx_file(rows):
    workbook = openpyxl.Workbook()
    for cells in rows:
        workbook.active.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_file(rows, encoding="utf-8", delimiter=","):
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def numbers(room):
    return [student.student_number for student in room.students]


def stored(room):
    """{(line, assessment index, attempt): 'value' or 'غ'} of every score in the table."""
    db.session.expire_all()
    lines = {enrolment.id: index for index, enrolment in enumerate(room.enrolments)}
    positions = {a.id: index for index, a in enumerate(room.assessments())}
    return {(lines[s.enrolment_id], positions[s.assessment_id], s.attempt):
            "غ" if s.absent else rules.format_mark(s.value) for s in db.session.scalars(db.select(Score))}


def in_english(problems):
    with force_language("en"):
        return [str(problem) for problem in problems]


def rejected(actor, room, data, reason=None):
    """The problems of a refused file (the session rolled back, as the view does)."""
    with pytest.raises(marks_spreadsheet.MarksRejected) as refusal:
        marks_spreadsheet.import_marks(actor, room.offering, data, reason=reason)
    db.session.rollback()
    return in_english(refusal.value.problems)


def imported(actor, room, data, reason=None):
    outcome = marks_spreadsheet.import_marks(actor, room.offering, data, reason=reason)
    db.session.commit()
    return outcome
