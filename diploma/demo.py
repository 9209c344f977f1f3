"""The demo data set: ``flask --app wsgi demo seed``. Idempotent: running it again changes nothing."""
import io
from datetime import date, datetime, time
from decimal import Decimal

import click
from flask.cli import AppGroup
from werkzeug.datastructures import FileStorage

from diploma import demo_data
from diploma.auth.models import User
from diploma.auth.services import hash_password
from diploma.certificates import graduation, issuing
from diploma.certificates.models import Certificate
from diploma.curriculum.models import Cohort, Course, GradeBand, Programme, Term
from diploma.demo_grades import SEMESTERS, seed_grades, term_key
from diploma.demo_lectures import lecture_pdf
from diploma.enrolment.models import Enrolment, Student
from diploma.extensions import db
from diploma.partners.models import Signatory, University
from diploma.teaching import services as teaching
from diploma.teaching.models import Announcement, Material, Offering
from diploma.transactions import unit_of_work

DEMO_PASSWORD = "peace-demo-2024"
DEMO_DOMAIN = "example.org"
IRAQI_SCALE = (
    (90, "امتياز", "Excellent"), (80, "جيد جداً", "Very good"), (70, "جيد", "Good"),
    (60, "متوسط", "Fair"), (50, "مقبول", "Pass"), (0, "راسب", "Fail"),
)
CAPACITY = 30

demo_cli = AppGroup("demo", help="Demonstration data.")


def _get_or_add(model, lookup, **values):
    """The row matching ``lookup``, created with ``values`` when missing (existing rows are kept)."""
    record = db.session.scalar(db.select(model).filter_by(**lookup))
    if record is None:
        record = model(**lookup, **values)
        db.session.add(record)
        db.session.flush()
    return record


def seed_universities():
    universities = {}
    for entry in demo_data.UNIVERSITIES:
        fields = {k: v for k, v in entry.items() if k not in ("code", "signatories")}
        university = _get_or_add(University, {"code": entry["code"]}, **fields)
        if not university.signatories:
            for position, signatory in enumerate(entry["signatories"], start=1):
                university.signatories.append(Signatory(position=position, **signatory))
        universities[entry["slug"]] = university
    return universities


def seed_programme():
    fields = {k: v for k, v in demo_data.PROGRAMME.items() if k != "code"}
    fields["pass_mark"] = Decimal(fields["pass_mark"])
    programme = _get_or_add(Programme, {"code": demo_data.PROGRAMME["code"]}, **fields)
    if not programme.bands:
        for minimum, name_ar, name_en in IRAQI_SCALE:
            programme.bands.append(GradeBand(min_mark=Decimal(minimum), name_ar=name_ar, name_en=name_en))
    for course in demo_data.COURSES:
        _get_or_add(Course, {"programme_id": programme.id, "code": course["code"]},
                    **{k: v for k, v in course.items() if k != "code"})
    return programme


def seed_terms():
    return {
        term["key"]: _get_or_add(Term, {"name_en": term["name_en"]}, name_ar=term["name_ar"],
                                 starts_on=date.fromisoformat(term["starts"]),
                                 ends_on=date.fromisoformat(term["ends"]))
        for term in demo_data.TERMS
    }


def seed_cohorts(programme):
    return {
        cohort["key"]: _get_or_add(Cohort, {"programme_id": programme.id, "name_en": cohort["name_en"]},
                                   name_ar=cohort["name_ar"], start_year=cohort["start_year"],
                                   end_year=cohort["end_year"])
        for cohort in demo_data.COHORTS
    }


def _account(email, password_hash, **values):
    return _get_or_add(User, {"email": email}, password_hash=password_hash, **values)


def seed_staff(universities, password_hash):
    """The accounts of the staff; returns each university's lecturers."""
    lecturers = {}
    _account(f"admin@{DEMO_DOMAIN}", password_hash, name_ar="مدير النظام", name_en="System Administrator",
             role="admin")
    for slug, staff in demo_data.STAFF.items():
        university_id = universities[slug].id
        person = staff["registrar"]
        _account(f"registrar.{slug}@{DEMO_DOMAIN}", password_hash, name_ar=person["name_ar"],
                 name_en=person["name_en"], role="registrar", university_id=university_id)
        for number, person in enumerate(staff["lecturers"], start=1):
            suffix = "" if number == 1 else f".{number}"
            lecturers.setdefault(slug, []).append(
                _account(f"lecturer.{slug}{suffix}@{DEMO_DOMAIN}", password_hash, name_ar=person["name_ar"],
                         name_en=person["name_en"], role="lecturer", university_id=university_id))
    return lecturers


def seed_students(universities, cohorts, password_hash):
    """The students' accounts and profiles; returns {cohort key: {university slug: [Student]}}."""
    numbers = dict.fromkeys(universities, 0)
    students = {}
    for cohort_key in (c["key"] for c in demo_data.COHORTS):
        for person in demo_data.STUDENTS[cohort_key]:
            slug = person["university"]
            numbers[slug] += 1
            university_id = universities[slug].id
            user = _account(f"student.{slug}.{numbers[slug]}@{DEMO_DOMAIN}", password_hash,
                            name_ar=person["name_ar"], name_en=person["name_en"], role="student",
                            university_id=university_id)
            student = _get_or_add(Student, {"user_id": user.id}, university_id=university_id,
                                  cohort_id=cohorts[cohort_key].id, student_number=person["student_number"],
                                  gender=person["gender"])
            students.setdefault(cohort_key, {}).setdefault(slug, []).append(student)
    return students



def seed_offerings(universities, programme, terms, lecturers, students):
    """At every university: the first cohort's courses of its four semesters (closed offerings) and the
    current term's courses of the cohort studying now, taught by the university's lecturers, with the
    cohort's students of that university enrolled. Returns the current offerings."""
    first, second = demo_data.COHORTS
    current_term = demo_data.TERMS[-1]["key"]
    now_semester = next(semester for semester in SEMESTERS if term_key(second, semester) == current_term)
    courses = db.session.scalars(db.select(Course).where(Course.programme_id == programme.id)
                                 .order_by(Course.code)).all()
    offerings = {(offering.course_id, offering.university_id, offering.term_id): offering
                 for offering in db.session.scalars(db.select(Offering))}
    enrolled = set(db.session.execute(db.select(Enrolment.student_id, Enrolment.offering_id)).tuples())
    plan = [(first, semester, "closed") for semester in SEMESTERS] + [(second, now_semester, "open")]
    current = []
    for slug, university in universities.items():
        for cohort, semester, status in plan:
            term = terms[term_key(cohort, semester)]
            for course in (course for course in courses if course.semester == semester):
                offering = offerings.get((course.id, university.id, term.id))
                if offering is None:
                    offering = teaching.add_offering(Offering(
                        course=course, university=university, term=term, capacity=CAPACITY, status=status,
                        lecturers=list(lecturers[slug])))
                for student in students[cohort["key"]][slug]:
                    if offering.id is None or (student.id, offering.id) not in enrolled:
                        db.session.add(Enrolment(student=student, offering=offering, status="active",
                                                 enrolled_at=datetime.combine(term.starts_on, time(9))))
                if status == "open":
                    current.append(offering)
    db.session.flush()
    return current


# --- what the lecturers have posted to the current offerings -------------------------------------

def _lectures(course):
    for week, (topic, short) in enumerate(demo_data.COURSE_MATERIALS[course.code]["lectures"], start=1):
        ordinal = demo_data.LECTURE_ORDINALS[week - 1]
        yield week, topic, f"المحاضرة {ordinal}: {short}", f"المحاضرة {ordinal} - {short}.pdf"


def seed_course_content(offerings):
    """PDF lectures for weeks 1-3, a link, a note and announcements in each current offering, posted by
    its first lecturer through the teaching services (files stored like uploads, audit events)."""
    posted = set(db.session.execute(db.select(Material.offering_id, Material.title)).tuples())
    announced = set(db.session.execute(db.select(Announcement.offering_id, Announcement.title)).tuples())
    for offering in offerings:
        course, lecturer = offering.course, offering.lecturers[0]
        content = demo_data.COURSE_MATERIALS[course.code]
        topics = {}
        for week, topic, title, file_name in _lectures(course):
            topics[week] = topic
            if (offering.id, title) not in posted:
                upload = FileStorage(io.BytesIO(lecture_pdf(course, week, title, topic)), filename=file_name)
                values = {"title": title, "week": week, "topic": topic}
                teaching.add_material(lecturer, offering, "file", values, upload)
        extras = (("text", 1, {"body": content["note"]["body"]}, content["note"]["title"]),
                  ("link", 2, {"url": content["link"]["url"]}, content["link"]["title"]))
        for kind, week, values, title in extras:
            if (offering.id, title) not in posted:
                teaching.add_material(lecturer, offering, kind,
                                      {"title": title, "week": week, "topic": topics[week], **values})
        for announcement in content["announcements"]:
            if (offering.id, announcement["title"]) not in announced:
                teaching.post_announcement(lecturer, offering, announcement["title"], announcement["body"])


# --- the first cohort's certificates -------------------------------------------------------------

# Issued at these universities; the others (Kufa among them) are left for their registrar to issue.
CERTIFICATE_UNIVERSITIES = ("mosul", "baghdad", "basra")
CERTIFICATES_ISSUED_ON = date(2025, 7, 15)


def seed_certificates(universities, cohorts):
    """The first cohort's certificates at CERTIFICATE_UNIVERSITIES, issued by the university's registrar
    through the certificates service (gap-free serials, frozen snapshots, audit events). Students who
    already have one, or cannot graduate, are skipped."""
    cohort = cohorts[demo_data.COHORTS[0]["key"]]
    for slug in CERTIFICATE_UNIVERSITIES:
        university = universities[slug]
        registrar = db.session.scalar(db.select(User).where(User.role == "registrar",
                                                            User.university_id == university.id)
                                      .order_by(User.id))
        report = graduation.graduation_report(university, cohort)
        waiting = [standing.student.id for standing in report.awaiting_certificate]
        if waiting:
            issuing.issue_certificates(registrar, university, cohort, waiting,
                                            issued_on=CERTIFICATES_ISSUED_ON)


def demo_verification_url():
    """The public verification address of the first demo certificate, or None."""
    certificate = db.session.scalar(db.select(Certificate).where(Certificate.status == "valid")
                                    .order_by(Certificate.id))
    if certificate is None:
        return None
    return issuing.verification_url(certificate.serial, certificate.verification_code)


def seed():
    """Load the whole demo data set in one transaction."""
    # One hash for every demo account: they share the published demo password anyway.
    password_hash = hash_password(DEMO_PASSWORD)
    with unit_of_work():
        universities = seed_universities()
        programme = seed_programme()
        terms = seed_terms()
        cohorts = seed_cohorts(programme)
        lecturers = seed_staff(universities, password_hash)
        students = seed_students(universities, cohorts, password_hash)
        current = seed_offerings(universities, programme, terms, lecturers, students)
        seed_course_content(current)
        seed_grades(universities, terms, lecturers)
        seed_certificates(universities, cohorts)
        seed_signing_keys()


def seed_signing_keys():
    """The programme's root and each university's signing key, when missing and a signing passphrase is set
    (make run writes one in the instance folder): the demo's certificates are signed with nothing to type."""
    from flask import current_app

    from diploma.signing.cli import ensure_demo_keys

    if current_app.config.get("SIGNING_PASSPHRASE"):
        ensure_demo_keys()


def demo_logins():
    """The demo accounts to print for a newcomer."""
    lines = [f"  admin@{DEMO_DOMAIN}  (administrator)"]
    for slug in demo_data.STAFF:
        lines.append(f"  registrar.{slug}@{DEMO_DOMAIN}  lecturer.{slug}@{DEMO_DOMAIN}  "
                     f"student.{slug}.1@{DEMO_DOMAIN}")
    return "\n".join(lines)


@demo_cli.command("seed")
def seed_command():
    """Load the demo data (safe to run again)."""
    seed()
    click.echo("Demo data loaded. Password for every demo account: " + DEMO_PASSWORD)
    click.echo(demo_logins())
    link = demo_verification_url()
    if link:
        click.echo("A demo certificate's public verification page: " + link)
