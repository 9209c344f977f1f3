"""Builders for the certificate tests (and anyone who needs graduates): a cohort whose students have passed
every course with published marks, and their certificates issued through the services.

Two levels, use the lightest one that shows the behaviour:

``snapshot(**overrides)``
    A certificate's frozen snapshot as a plain dict, exactly the shape
    ``issuing.certificate_statement`` builds, with
    no database at all: for the PDF templates. Nested overrides merge: ``snapshot(student={"gender": "m"})``
    changes the gender and keeps the rest of the student. ``snapshots(n)`` makes n different ones.

``graduating_cohort(size, ...)`` → ``Cohort``
    Real records, committed: a university (with signatories, and a logo if asked), the programme, a cohort,
    ``courses`` required courses taught in one term by one lecturer, ``size`` students enrolled in all of
    them, their marks entered, submitted by the lecturer and published by the registrar through the
    grading services. Every student is eligible; averages decrease with the position in ``names`` (so the
    first one ranks 1). ``cohort.issue()`` issues their certificates with ``issue_certificates`` (the
    registrar as the actor) and returns them in serial order.

    from tests.certificates.builders import graduating_cohort
    cohort = graduating_cohort(3, code="MSL")
    certificates = cohort.issue(issued_on=date(2025, 1, 20))
    certificates[0].snapshot["student"]["name_ar"]

Both need no fixture beyond the suite's autouse ``app_context`` (the database is emptied after each test).
"""
import copy
import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from diploma import clock
from diploma.arabic import to_arabic_digits
from diploma.certificates import graduation, issuing
from diploma.certificates.models import Certificate
from diploma.enrolment.models import Enrolment
from diploma.extensions import db
from diploma.grading import services as grading
from diploma.grading.models import Score
from diploma.partners import services as partners
from diploma.partners.models import Signatory
from tests import factories
from tests import teaching as build

# Real-looking four-part names (Arabic, English, gender): among them the letters that trip PDF text
# extraction (ري، الك …), both genders, and a long compound name.
NAMES = (
    ("فاطمة علي حسن العبيدي", "Fatima Ali Hassan Al-Obaidi", "f"),
    ("يوسف خضير لفتة الكعبي", "Yousif Khudhair Lafta Al-Kaabi", "m"),
    ("زينب حسين كاظم الجبوري", "Zainab Hussein Kadhim Al-Jubouri", "f"),
    ("مصطفى عبد الأمير جاسم الشمري", "Mustafa Abdulameer Jasim Al-Shammari", "m"),
    ("نور الهدى عباس فاضل الزبيدي", "Nour Al-Huda Abbas Fadhil Al-Zubaidi", "f"),
    ("عبد الله يحيى إبراهيم الحمداني", "Abdullah Yahya Ibrahim Al-Hamdani", "m"),
    ("رقية عبد الزهرة نجم التميمي", "Ruqaya Abdulzahra Najm Al-Tamimi", "f"),
    ("حيدر كريم ياسر الدوري", "Haider Kareem Yasir Al-Douri", "m"),
)
SIGNATORIES = (
    {"title_ar": "رئيس الجامعة", "title_en": "President of the University",
     "name_ar": "أ.د. قصي كمال الدين الأحمدي", "name_en": "Prof. Dr. Qusay Kamaladdin Al-Ahmadi"},
    {"title_ar": "عميد الكلية", "title_en": "Dean of the College",
     "name_ar": "أ.د. علي حسن الطائي", "name_en": "Prof. Dr. Ali Hassan Al-Taie"},
)
_numbers = itertools.count(1)


# --- snapshots without a database ---------------------------------------------------------------------

def _merge(base, overrides):
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


def snapshot(**overrides):
    """A certificate snapshot (the dict ``issuing.certificate_statement`` freezes), female student,
    Arabic-Indic
    digits, 3rd of 44 with 88.50; ``overrides`` merge into it (nested dicts too)."""
    serial = overrides.get("serial", "PCS-MSL-2025-0001")
    base = {
        "serial": serial,
        "verification_url": f"http://127.0.0.1:5000/verify/{serial}?code=Zx3vQ9kL2mN8pR4tY6wB1c",
        "issued_on": "2025-01-20",
        "student": {"name_ar": NAMES[0][0], "name_en": NAMES[0][1], "gender": "f",
                    "student_number": "MSL-2023-017"},
        "university": {"code": "MSL", "name_ar": "جامعة الموصل", "name_en": "University of Mosul",
                       "city_ar": "الموصل", "city_en": "Mosul", "logo": None,
                       "signatories": [dict(s) for s in SIGNATORIES]},
        "programme": {"code": "PCS", "name_ar": "دبلوم دراسات السلام والأزمات",
                      "name_en": "Diploma in Peace and Crisis Studies"},
        "cohort": {"name_ar": "الدفعة الأولى", "name_en": "First cohort",
                   "start_year": 2023, "end_year": 2024},
        "average": "88.50", "average_in_words_ar": "ثمانية وثمانون فاصلة خمسون",
        "band": {"ar": "جيد جداً", "en": "Very good"},
        "rank": 3, "cohort_size": 44, "credits": 12, "digits": "arabic_indic",
        "courses": [
            {"code": "PCS101", "title_ar": "مدخل إلى دراسات السلام",
             "title_en": "Introduction to Peace Studies",
             "credits": 3, "mark": "91.00", "band_ar": "امتياز", "band_en": "Excellent", "round": 1,
             "term_ar": "الفصل الأول", "term_en": "First term"},
            {"code": "PCS102", "title_ar": "تحليل النزاعات", "title_en": "Conflict Analysis",
             "credits": 3, "mark": "86.00", "band_ar": "جيد جداً", "band_en": "Very good", "round": 1,
             "term_ar": "الفصل الأول", "term_en": "First term"},
            {"code": "PCS201", "title_ar": "إدارة الأزمات", "title_en": "Crisis Management",
             "credits": 3, "mark": "84.00", "band_ar": "جيد جداً", "band_en": "Very good", "round": 2,
             "term_ar": "الفصل الثاني", "term_en": "Second term"},
            {"code": "PCS202", "title_ar": "التماسك المجتمعي", "title_en": "Social Cohesion",
             "credits": 3, "mark": "93.00", "band_ar": "امتياز", "band_en": "Excellent", "round": 1,
             "term_ar": "الفصل الثاني", "term_en": "Second term"},
        ],
    }
    return _merge(base, copy.deepcopy(overrides))


def snapshots(count, **overrides):
    """``count`` snapshots with different serials, names, genders and ranks."""
    made = []
    for index in range(count):
        name_ar, name_en, gender = NAMES[index % len(NAMES)]
        serial = f"PCS-MSL-2025-{index + 1:04d}"
        made.append(snapshot(**_merge({
            "serial": serial, "verification_url": f"http://127.0.0.1:5000/verify/{serial}?code=c{index:021d}",
            "student": {"name_ar": name_ar, "name_en": name_en, "gender": gender,
                        "student_number": f"MSL-2023-{index + 1:03d}"},
            "rank": index + 1, "cohort_size": count}, copy.deepcopy(overrides))))
    return made


# --- graduates in the database -------------------------------------------------------------------------

@dataclass
class Cohort:
    """A cohort of one university whose every student can graduate; ``issue()`` gives them certificates."""

    university: object
    cohort: object
    programme: object
    registrar: object
    lecturer: object
    courses: list
    offerings: list
    students: list  # in the order of ``names``: the first has the highest average
    certificates: list = field(default_factory=list)

    def issue(self, issued_on=None, students=None):
        """Issue the certificates (committed) of ``students`` (all by default); returns them by serial."""
        chosen = students if students is not None else self.students
        issued = issuing.issue_certificates(self.registrar, self.university, self.cohort,
                                                 [s.id for s in chosen],
                                                 issued_on=issued_on or date(2025, 1, 20))
        db.session.commit()
        self.certificates.extend(issued)
        return sorted(issued, key=lambda c: c.number)

    def report(self):
        return graduation.graduation_report(self.university, self.cohort)

    def issued(self):
        """The cohort's certificates as stored, in serial order."""
        return db.session.scalars(db.select(Certificate).where(Certificate.cohort_id == self.cohort.id)
                                  .order_by(Certificate.number)).all()


def _marks(size, course_count):
    """Course marks per student: distinct averages from about 95 down to 60, all passes."""
    rows = []
    for index in range(size):
        base = Decimal(95) - (Decimal(35) * index / max(size, 1)).quantize(Decimal("0.01"))
        rows.append([min(Decimal(100), base + Decimal(course % 3) - 1) for course in range(course_count)])
    return rows


def _with_logo(university, registrar):
    """Give the university a real PNG logo, stored by the partners service in the logos folder."""
    partners.save_logo(registrar, university, build.upload(build.png_bytes((120, 120), "teal"), "logo.png"))
    db.session.commit()


def graduating_cohort(size=3, *, code=None, names=NAMES, courses=2, credits=3, digits="arabic_indic",
                      start_year=2023, end_year=2024, logo=False, signatories=SIGNATORIES):
    """``size`` graduates of one cohort at one university (see the module's docstring). ``names``: the
    (Arabic, English, gender) of the students, cycled when ``size`` is larger. ``code``: the university's
    code (a fresh one by default)."""
    number = next(_numbers)
    programme = factories.programme()
    programme.required_credits = courses * credits
    programme.certificate_digits = digits
    university = factories.university(code=code or f"Q{number % 100:02d}",
                                      name_ar="جامعة الموصل", name_en="University of Mosul",
                                      city_ar="الموصل", city_en="Mosul")
    university.signatories.clear()
    db.session.flush()
    for position, values in enumerate(signatories, start=1):
        university.signatories.append(Signatory(position=position, **values))
    db.session.commit()
    registrar = factories.user(role="registrar", university=university)
    lecturer = factories.user(role="lecturer", university=university)
    if logo:
        _with_logo(university, registrar)
    cohort = factories.cohort(name_ar=f"الدفعة {to_arabic_digits(number)}", name_en=f"Cohort {number}",
                              start_year=start_year, end_year=end_year)
    starts_on = date(end_year - 1, 10, 1)
    term = factories.term(name_ar=f"الفصل الأول {to_arabic_digits(number)}", name_en=f"First term {number}",
                          starts_on=starts_on, ends_on=starts_on + timedelta(days=120))
    course_records = [factories.course(code=f"PCS{number:02d}{index + 1}",
                                       title_ar=f"مقرر السلام {to_arabic_digits(index + 1)}",
                                       title_en=f"Peace course {index + 1}", credits=credits, required=True)
                      for index in range(courses)]
    students = []
    for index in range(size):
        name_ar, name_en, gender = names[index % len(names)]
        students.append(factories.student(university=university, cohort=cohort, gender=gender,
                                          name_ar=name_ar, name_en=name_en,
                                          student_number=f"{number}-{index + 1:04d}"))
    offerings = [build.offering(university, lecturers=[lecturer], course=course, term=term, capacity=size + 5)
                 for course in course_records]
    marks = _marks(size, courses)
    # Published the day after the term ends, as a registrar would: a graduation date may not come before.
    with clock.as_of(datetime.combine(term.ends_on + timedelta(days=1), time(10))):
        for column, offering in enumerate(offerings):
            _grade_and_publish(offering, students, [row[column] for row in marks], lecturer, registrar)
    return Cohort(university, cohort, programme, registrar, lecturer, course_records, offerings, students)


def _grade_and_publish(offering, students, marks, lecturer, registrar):
    """Enrol the students, write every assessment's score (the mark itself, out of 100), then submit
    (lecturer) and publish (registrar) through the grading services."""
    enrolments = [Enrolment(student_id=student.id, offering_id=offering.id) for student in students]
    db.session.add_all(enrolments)
    db.session.flush()
    gradebook = grading.gradebook_of(offering)
    for enrolment, mark in zip(enrolments, marks, strict=True):
        for assessment in gradebook.assessments:
            db.session.add(Score(enrolment_id=enrolment.id, assessment_id=assessment.id, attempt=1,
                                 value=mark, absent=False))
    db.session.commit()
    grading.submit_gradebook(lecturer, offering)
    grading.publish_gradebook(registrar, offering)
    db.session.commit()


def blank_pdf(pages=1):
    """A small real PDF of blank pages (pypdf), for a stand-in render that is then signed."""
    from io import BytesIO

    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=842, height=595)
    output = BytesIO()
    writer.write(output)
    return output.getvalue()
