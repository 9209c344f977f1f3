"""Builders of the files registrars upload for a bulk enrolment import, and counts of what is stored."""
import csv
import io

import openpyxl

from diploma.audit import AuditEvent
from diploma.auth.models import User
from diploma.enrolment.importing import COLUMNS
from diploma.enrolment.models import Enrolment, Student
from diploma.extensions import db


def student_row(number="KUF-101", **values):
    """A row of a new student of Kufa, enrolled in PCS102, in the header's English names."""
    defaults = {"student_number": number, "name_ar": "فاطمة عباس حسن الكعبي",
                "name_en": "Fatima Abbas Hassan Al-Kaabi", "email": f"{number.lower()}@example.org",
                "gender": "أنثى", "cohort": "الدفعة الأولى", "course": "PCS102", "term": "First term 2026"}
    return {**defaults, **values}


def table(rows, header=COLUMNS):
    """[header, *rows] as lists of cells (a row may be a dict by column key, or already a list)."""
    return [list(header), *([row.get(key, "") for key in COLUMNS] if isinstance(row, dict) else row
                            for row in rows)]


def csv_bytes(rows, encoding="utf-8", delimiter=",", header=COLUMNS):
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(table(rows, header))
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, header=COLUMNS):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for cells in table(rows, header):
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def counts():
    """How many accounts, students, enrolments and audit events there are."""
    db.session.expire_all()
    return {model.__name__: db.session.scalar(db.select(db.func.count()).select_from(model))
            for model in (User, Student, Enrolment, AuditEvent)}
