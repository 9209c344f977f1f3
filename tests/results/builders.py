"""A small data set whose figures the tests work out by hand (see ``SmallProgramme``'s docstring), built with
tests/factories.py and plain rows: marks typed straight into the scores of published gradebooks, certificates
issued and verifications logged as rows, so that each figure is known without running the code under test.
"""
import secrets
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from diploma import audit
from diploma.certificates.models import REVOKED, VALID, Certificate
from diploma.enrolment.models import Enrolment
from diploma.extensions import db
from diploma.grading.models import Gradebook, Score
from diploma.teaching.models import Offering
from diploma.teaching.services import add_offering
from tests import factories

ISSUED_ON = date(2025, 7, 15)  # academic year 2024–2025


@dataclass
class SmallProgramme:
    """Two universities (A, B), two cohorts, two required courses of 3 credits (X, Y; 6 credits required),
    default assessments (coursework 40 %, final exam 60 %, out of 100), second round capped at the pass mark.

    Cohort 1 at A: a1…a6 women, a7 a man. X at A (2023-10, second round published), Y at A (2024-02):
        a1 90/95 → 93 (Excellent)       Y 100      a5 50/55 → 53 (Pass)                     Y 100
        a2 80/85 → 83 (Very good)       Y 100      a6 40/30 → 34, 2nd round 80 → 64, capped 50 (Pass)  Y 100
        a3 70/75 → 73 (Good)            Y 100      a7 30/20 → 24, 2nd round 40 → 36 (Fail)  Y 50/50 → 50
        a4 60/65 → 63 (Fair)            Y 100
    Cohort 1 at B: b1 (woman) X 80/80 → 80 (Very good); b2 (man) X 45/45 → 45 (Fail). No Y at B.
    Cohort 2 at A: c1, a man, no course; he holds a valid certificate.
    Certificates (issued 2025-07-15): valid a1…a5, b1, c1; a6's revoked.
    Verification page views: a1's 3, b1's 1.
    A lecturer teaches X at A only. A third term (2024-10) has no offering.
    """

    a: object = None
    b: object = None
    cohort1: object = None
    cohort2: object = None
    x: object = None
    y: object = None
    lecturer: object = None
    registrar_a: object = None
    registrar_b: object = None
    admin: object = None
    students: dict = field(default_factory=dict)
    offerings: dict = field(default_factory=dict)
    certificates: dict = field(default_factory=dict)


def _offering(course, university, term, lecturers=()):
    offering = Offering(course_id=course.id, university_id=university.id, term_id=term.id, capacity=40)
    offering.lecturers.extend(lecturers)
    add_offering(offering)
    db.session.flush()  # its gradebook (coursework 40, final exam 60) comes with it
    return offering


def _gradebook(offering):
    return db.session.scalar(db.select(Gradebook).where(Gradebook.offering_id == offering.id))


def enter_marks(offering, marks, published_round=1):
    """``marks``: {student: (coursework, final) or (coursework, final, second-round final)}; then publish."""
    gradebook = _gradebook(offering)
    coursework, final = sorted(gradebook.assessments, key=lambda a: a.position)
    for student, values in marks.items():
        enrolment = Enrolment(student_id=student.id, offering_id=offering.id, status="active")
        db.session.add(enrolment)
        db.session.flush()
        db.session.add(Score(enrolment_id=enrolment.id, assessment_id=coursework.id, attempt=1,
                             value=Decimal(values[0])))
        db.session.add(Score(enrolment_id=enrolment.id, assessment_id=final.id, attempt=1,
                             value=Decimal(values[1])))
        if len(values) > 2:
            db.session.add(Score(enrolment_id=enrolment.id, assessment_id=final.id, attempt=2,
                                 value=Decimal(values[2])))
    gradebook.status, gradebook.published_round = "published", published_round
    db.session.flush()


_serials = iter(range(1, 100000))


def issue(student, university, cohort, programme, status=VALID):
    number = next(_serials)
    certificate = Certificate(
        serial=f"PCS-{university.code}-2025-{number:04d}", university_id=university.id, year=2025,
        number=number, verification_code=secrets.token_urlsafe(16), student_id=student.id,
        programme_id=programme.id, cohort_id=cohort.id, issued_on=ISSUED_ON, status=status, snapshot={},
        status_index=number)
    db.session.add(certificate)
    db.session.flush()
    return certificate


def log_verifications(certificate, count):
    for _ in range(count):
        audit.record(None, "certificate.verified", certificate, {"serial": certificate.serial})
    db.session.flush()


def small_programme():
    programme = factories.programme(required_credits=6)
    programme.required_credits = 6
    data = SmallProgramme()
    data.a = factories.university(code="UAA", name_en="University A", name_ar="جامعة ألف")
    data.b = factories.university(code="UBB", name_en="University B", name_ar="جامعة باء")
    data.cohort1 = factories.cohort(name_en="First cohort", name_ar="الدفعة الأولى", start_year=2023,
                                    end_year=2025)
    data.cohort2 = factories.cohort(name_en="Second cohort", name_ar="الدفعة الثانية", start_year=2025,
                                    end_year=2027)
    data.x = factories.course(code="PCSX01", title_en="Conflict Analysis", title_ar="تحليل النزاعات")
    data.y = factories.course(code="PCSY02", title_en="Social Cohesion", title_ar="التماسك المجتمعي")
    first = factories.term(name_en="Autumn 2023", starts_on=date(2023, 10, 1), ends_on=date(2024, 1, 31))
    second = factories.term(name_en="Spring 2024", starts_on=date(2024, 2, 15), ends_on=date(2024, 6, 30))
    factories.term(name_en="Autumn 2024", starts_on=date(2024, 10, 1), ends_on=date(2025, 1, 31))
    data.lecturer = factories.user(role="lecturer", university=data.a)
    data.registrar_a = factories.user(role="registrar", university=data.a)
    data.registrar_b = factories.user(role="registrar", university=data.b)
    data.admin = factories.user(role="admin")
    s = data.students
    for index in range(1, 8):
        s[f"a{index}"] = factories.student(university=data.a, cohort=data.cohort1,
                                           gender="m" if index == 7 else "f")
    s["b1"] = factories.student(university=data.b, cohort=data.cohort1, gender="f")
    s["b2"] = factories.student(university=data.b, cohort=data.cohort1, gender="m")
    s["c1"] = factories.student(university=data.a, cohort=data.cohort2, gender="m")
    o = data.offerings
    o["xa"] = _offering(data.x, data.a, first, [data.lecturer])
    o["ya"] = _offering(data.y, data.a, second)
    o["xb"] = _offering(data.x, data.b, first)
    enter_marks(o["xa"], {s["a1"]: (90, 95), s["a2"]: (80, 85), s["a3"]: (70, 75), s["a4"]: (60, 65),
                          s["a5"]: (50, 55), s["a6"]: (40, 30, 80), s["a7"]: (30, 20, 40)}, published_round=2)
    enter_marks(o["ya"], {**{s[f"a{i}"]: (100, 100) for i in range(1, 7)}, s["a7"]: (50, 50)})
    enter_marks(o["xb"], {s["b1"]: (80, 80), s["b2"]: (45, 45)})
    c = data.certificates
    for key in ("a1", "a2", "a3", "a4", "a5"):
        c[key] = issue(s[key], data.a, data.cohort1, programme)
    c["a6"] = issue(s["a6"], data.a, data.cohort1, programme, status=REVOKED)
    c["b1"] = issue(s["b1"], data.b, data.cohort1, programme)
    c["c1"] = issue(s["c1"], data.a, data.cohort2, programme)
    log_verifications(c["a1"], 3)
    log_verifications(c["b1"], 1)
    db.session.commit()
    return data
