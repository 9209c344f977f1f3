"""A university ready for bulk enrolment imports (see import_files.py for the files)."""
import pytest

from diploma.extensions import db
from diploma.teaching import services as teaching


@pytest.fixture
def kufa(make):
    """Kufa (the registrar's university) and Mosul, a cohort, a term, and offerings at Kufa:
    PCS101 (3 seats), PCS102 (30 seats), PCS103 (closed); PCS104 is offered at Mosul only."""
    home = make.university(code="KUF", name_ar="جامعة الكوفة", name_en="University of Kufa")
    other = make.university(code="MSL", name_ar="جامعة الموصل", name_en="University of Mosul")
    cohort = make.cohort(name_ar="الدفعة الأولى", name_en="First cohort")
    second_cohort = make.cohort(name_ar="الدفعة الثانية", name_en="Second cohort", start_year=2024,
                                end_year=2026)
    term = make.term(name_ar="الفصل الأول ٢٠٢٦", name_en="First term 2026")
    courses = {code: make.course(code=code, title_ar=f"مقرر {code}", title_en=f"Course {code}")
               for code in ("PCS101", "PCS102", "PCS103", "PCS104")}
    lecturer = make.user(role="lecturer", university=home, email="lecturer@example.org")
    foreign_lecturer = make.user(role="lecturer", university=other)

    def offer(code, university, capacity, teacher):
        return teaching.save_offering(None, None, university.id, course_id=courses[code].id, term_id=term.id,
                                      capacity=capacity, lecturer_ids=[teacher.id])

    offerings = {"PCS101": offer("PCS101", home, 3, lecturer), "PCS102": offer("PCS102", home, 30, lecturer),
                 "PCS103": offer("PCS103", home, 30, lecturer),
                 "PCS104": offer("PCS104", other, 30, foreign_lecturer)}
    teaching.set_offering_status(None, offerings["PCS103"], "closed")
    db.session.commit()
    return {
        "home": home, "other": other, "cohort": cohort, "second_cohort": second_cohort, "term": term,
        "courses": courses, "offerings": offerings, "lecturer": lecturer,
        "registrar": make.user(role="registrar", university=home),
        "other_registrar": make.user(role="registrar", university=other),
        "admin": make.user(role="admin"),
        "existing": make.student(university=home, cohort=cohort, student_number="KUF-001",
                                 email="zainab@example.org", name_ar="زينب علي حسين الجبوري",
                                 name_en="Zainab Ali Hussein Al-Jubouri"),
        "foreign": make.student(university=other, cohort=cohort, student_number="MSL-001",
                                email="omar@example.org", name_ar="عمر خالد محمود العبيدي",
                                name_en="Omar Khalid Mahmoud Al-Obaidi", gender="m"),
    }

