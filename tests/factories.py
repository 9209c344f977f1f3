"""Test data factories: each builds one valid record (and what it needs), flushed and committed."""
import itertools
from datetime import date, timedelta
from decimal import Decimal

from diploma.auth.models import User
from diploma.auth.services import hash_password
from diploma.curriculum.models import Cohort, Course, GradeBand, Programme, Term
from diploma.demo import IRAQI_SCALE
from diploma.enrolment.models import Student
from diploma.extensions import db
from diploma.partners.models import Signatory, University

PASSWORD = "correct-horse-battery"
_sequence = itertools.count(1)
_password_hashes = {}


def _next():
    return next(_sequence)


def _commit(record):
    db.session.add(record)
    db.session.commit()
    return record


def university(code=None, **values):
    number = _next()
    code = code or f"U{number % 100:02d}"[:3].upper()
    defaults = {"slug": f"uni-{number}", "name_ar": f"جامعة {number}", "name_en": f"University {number}",
                "city_ar": "بغداد", "city_en": "Baghdad"}
    record = University(code=code, **{**defaults, **values})
    record.signatories.append(Signatory(position=1, title_ar="رئيس الجامعة", title_en="President",
                                        name_ar="أ.د. علي حسن", name_en="Prof. Dr. Ali Hassan"))
    return _commit(record)


def _hash(password):
    if password not in _password_hashes:
        _password_hashes[password] = hash_password(password)
    return _password_hashes[password]


def user(role="registrar", university=None, password=PASSWORD, **values):
    number = _next()
    if role != "admin" and university is None:
        university = globals()["university"]()
    defaults = {"email": f"{role}{number}@example.org", "name_ar": f"مستخدم رقم {number}",
                "name_en": f"User {number}"}
    record = User(role=role, university_id=getattr(university, "id", None),
                  password_hash=_hash(password) if password else None, **{**defaults, **values})
    return _commit(record)


def programme(**values):
    existing = db.session.scalar(db.select(Programme).where(Programme.code == "PCS"))
    if existing is not None:
        return existing
    defaults = {"name_ar": "دبلوم دراسات السلام والأزمات", "name_en": "Diploma in Peace and Crisis Studies",
                "required_credits": 30, "pass_mark": Decimal(50)}
    record = Programme(code="PCS", **{**defaults, **values})
    for minimum, name_ar, name_en in IRAQI_SCALE:
        record.bands.append(GradeBand(min_mark=Decimal(minimum), name_ar=name_ar, name_en=name_en))
    return _commit(record)


def cohort(**values):
    number = _next()
    defaults = {"name_ar": f"الدفعة {number}", "name_en": f"Cohort {number}", "start_year": 2023,
                "end_year": 2025}
    return _commit(Cohort(programme=programme(), **{**defaults, **values}))


def course(**values):
    number = _next()
    defaults = {"code": f"PCS{number:03d}", "title_ar": f"مقرر {number}", "title_en": f"Course {number}",
                "credits": 3, "semester": 1, "required": True}
    return _commit(Course(programme=programme(), **{**defaults, **values}))


def term(**values):
    number = _next()
    # A term in progress whenever the tests run (dashboards list the courses of terms not yet ended).
    defaults = {"name_ar": f"الفصل {number}", "name_en": f"Term {number}",
                "starts_on": date.today() - timedelta(days=30), "ends_on": date.today() + timedelta(days=90)}
    return _commit(Term(**{**defaults, **values}))


def student(university=None, cohort=None, gender="f", password=PASSWORD, **values):
    university = university or globals()["university"]()
    cohort = cohort or globals()["cohort"]()
    account = user(role="student", university=university, password=password,
                   **{k: v for k, v in values.items() if k in ("email", "name_ar", "name_en")})
    number = values.get("student_number") or f"S-{_next():05d}"
    return _commit(Student(user=account, university_id=university.id, cohort_id=cohort.id,
                           student_number=number, gender=gender))
