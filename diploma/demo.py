"""The demo data set: ``flask --app wsgi demo seed``. Idempotent: running it again changes nothing."""
import atexit
import functools
import io
import random
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from markupsafe import escape
from werkzeug.datastructures import FileStorage

from diploma import clock, demo_data
from diploma.auth.models import User, utcnow
from diploma.auth.services import hash_password
from diploma.certificates import services as certificates
from diploma.certificates.models import Certificate
from diploma.curriculum.models import Cohort, Course, GradeBand, Programme, Term
from diploma.enrolment.models import Enrolment, Student
from diploma.extensions import db
from diploma.grading import rules
from diploma.grading import services as grading
from diploma.grading.models import FIRST_ROUND, SECOND_ROUND, Assessment, Gradebook, Score
from diploma.partners.models import Signatory, University
from diploma.teaching import services as teaching
from diploma.teaching.models import Announcement, Material, Offering

DEMO_PASSWORD = "peace-demo-2024"
DEMO_DOMAIN = "example.org"
IRAQI_SCALE = (
    (90, "امتياز", "Excellent"), (80, "جيد جداً", "Very good"), (70, "جيد", "Good"),
    (60, "متوسط", "Fair"), (50, "مقبول", "Pass"), (0, "راسب", "Fail"),
)
CAPACITY = 30
# The default assessments (diploma.grading.services.DEFAULT_ASSESSMENTS): coursework 40%, final 60%.
COURSEWORK_SHARE, FINAL_SHARE = Decimal("0.4"), Decimal("0.6")
SEMESTERS = (1, 2, 3, 4)

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


def term_key(cohort, semester):
    """The key of the term in which a cohort takes its courses of ``semester`` (two a year from its start)."""
    year = cohort["start_year"] + (semester - 1) // 2
    return f"{year}-{year + 1}-{(semester - 1) % 2 + 1}"


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
                    offering = Offering(course=course, university=university, term=term, capacity=CAPACITY,
                                        status=status, lecturers=list(lecturers[slug]))
                    db.session.add(offering)
                for student in students[cohort["key"]][slug]:
                    if offering.id is None or (student.id, offering.id) not in enrolled:
                        db.session.add(Enrolment(student=student, offering=offering, status="active",
                                                 enrolled_at=datetime.combine(term.starts_on, time(9))))
                if status == "open":
                    current.append(offering)
    db.session.flush()
    return current


# --- what the lecturers have posted to the current offerings -------------------------------------

LECTURE_PAGE = """<!doctype html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>{title}</title><style>
@font-face {{ font-family: "Demo Sans"; src: url("{fonts}/noto-sans-arabic-arabic-400-normal.woff2"); }}
@font-face {{ font-family: "Demo Sans"; unicode-range: U+0000-00FF;
  src: url("{fonts}/noto-sans-arabic-latin-400-normal.woff2"); }}
@page {{ size: A5; margin: 2cm; }}
body {{ font-family: "Demo Sans"; line-height: 1.6; }}
.muted {{ color: #5b6b76; }}
</style></head><body>
<p class="muted">{programme}</p>
<h1>{title}</h1>
<p>{course}</p>
<p>{topic}</p>
<p class="muted" dir="ltr">{latin}</p>
</body></html>"""


@functools.cache
def _font_configuration():
    """One per process: WeasyPrint then decompresses each web font once, not for every PDF."""
    from weasyprint.text.fonts import FontConfiguration  # imported only when a PDF is needed (0.5 s)

    return FontConfiguration()


# Release it while the interpreter still works (its __del__ fails noisily during shutdown).
atexit.register(_font_configuration.cache_clear)


@functools.cache
def _render_pdf(html):
    """A PDF of ``html`` (cached: the same lecture is posted at every university, and tests seed often)."""
    from weasyprint import HTML

    return HTML(string=html).write_pdf(font_config=_font_configuration())


def lecture_pdf(course, week, title, topic):
    """A one-page PDF of a lecture, in Arabic, with an English line (course code and week)."""
    fonts = Path(current_app.static_folder, "fonts", "noto-sans-arabic").as_uri()
    html = LECTURE_PAGE.format(
        fonts=fonts, programme=escape(demo_data.PROGRAMME["name_ar"]), title=escape(title),
        course=escape(f"{course.code} {course.title_ar}"), topic=escape(topic),
        latin=escape(f"{course.code} · {course.title_en} · Week {week}"))
    return _render_pdf(html)


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


# --- the marks ---------------------------------------------------------------------------------------

def _level(student_number):
    """A student's usual level, around which their marks scatter."""
    if student_number in demo_data.EXCELLENT_STUDENTS:
        return demo_data.EXCELLENT_STUDENTS[student_number]
    return random.Random(f"level:{student_number}").randint(*demo_data.GRADE_LEVELS)


def drawn_marks(student_number, course_code):
    """The (coursework, final) a student scored in a course, both out of 100: the same on every call, and
    never a course mark below LOWEST_DRAWN_MARK."""
    draw = random.Random(f"marks:{student_number}:{course_code}")
    level = _level(student_number)
    coursework = Decimal(min(100, max(40, round(level + draw.uniform(-7, 7)))))
    final = Decimal(min(200, max(60, round((level + draw.uniform(-11, 9)) * 2)))) / 2  # half marks happen
    lowest = Decimal(demo_data.LOWEST_DRAWN_MARK)
    if coursework * COURSEWORK_SHARE + final * FINAL_SHARE < lowest:  # lift the final to the lowest mark
        final = ((lowest - coursework * COURSEWORK_SHARE) / FINAL_SHARE).to_integral_value(ROUND_CEILING)
    return coursework, final


def _at(day, hour=10):
    """A moment of ``day``, never later than now (the demo may be loaded before its current term ends)."""
    return min(datetime.combine(day, time(hour)), utcnow())


def _grading_context():
    """The offerings, their active enrolments with student numbers, the registrars, and the offerings
    whose gradebook is no longer an untouched draft (those are never changed again)."""
    offerings = db.session.scalars(db.select(Offering).order_by(Offering.id)).all()
    enrolments = {}
    for enrolment_id, offering_id, number in db.session.execute(
            db.select(Enrolment.id, Enrolment.offering_id, Student.student_number)
            .join(Student, Student.id == Enrolment.student_id)
            .where(Enrolment.status == "active").order_by(Enrolment.id)):
        enrolments.setdefault(offering_id, []).append((enrolment_id, number))
    registrars = {user.university_id: user for user in db.session.scalars(
        db.select(User).where(User.role == "registrar").order_by(User.id.desc()))}
    with_marks = db.select(Assessment.gradebook_id).join(Score, Score.assessment_id == Assessment.id)
    graded = set(db.session.scalars(db.select(Gradebook.offering_id).where(
        (Gradebook.status != "draft") | (Gradebook.published_round > 0) | Gradebook.id.in_(with_marks))))
    return offerings, enrolments, registrars, graded


def _type_marks(actor, offering, marks, attempt=FIRST_ROUND):
    """Marks entered through the grading service as a lecturer types them: ``marks`` is
    {enrolment id: [(assessment, value), …]}. Every cell must be saved: the demo's data is consistent."""
    entries = [{"enrolment_id": enrolment_id, "assessment_id": assessment.id, "attempt": attempt,
                "text": rules.format_mark(value), "version": None}
               for enrolment_id, cells in marks.items() for assessment, value in cells]
    results = grading.save_marks(actor, offering, entries)
    refused = {key: result.message for key, result in results.items() if result.status != "saved"}
    if refused:
        raise RuntimeError(f"demo marks refused in offering {offering.id}: {refused}")


def _grade_past_offering(offering, enrolments, lecturer, registrar, failures):
    """Every first-round mark of a closed offering, entered and submitted by the lecturer and published by
    the registrar on their days; a second round, submitted and published too, when a student failed."""
    coursework, final = grading.gradebook_of(offering).assessments
    ends = offering.term.ends_on
    first, second = {}, {}
    for enrolment_id, number in enrolments:
        failure = failures.get((number, offering.course.code))
        if failure is None:
            marks = drawn_marks(number, offering.course.code)
        else:
            marks = (Decimal(str(failure["coursework"])), Decimal(str(failure["final"])))
            second[enrolment_id] = [(final, Decimal(str(failure["second_final"])))]
        first[enrolment_id] = [(coursework, marks[0]), (final, marks[1])]
    with clock.as_of(_at(ends + timedelta(days=demo_data.FIRST_ROUND_SUBMITTED_DAYS))):
        _type_marks(lecturer, offering, first)
        grading.submit_gradebook(lecturer, offering)
    with clock.as_of(_at(ends + timedelta(days=demo_data.FIRST_ROUND_PUBLISHED_DAYS))):
        grading.publish_gradebook(registrar, offering)
        if second:
            grading.open_second_round(registrar, offering)
    if second:
        with clock.as_of(_at(ends + timedelta(days=demo_data.SECOND_ROUND_SUBMITTED_DAYS))):
            _type_marks(lecturer, offering, second, attempt=SECOND_ROUND)
            grading.submit_gradebook(lecturer, offering)
        with clock.as_of(_at(ends + timedelta(days=demo_data.SECOND_ROUND_PUBLISHED_DAYS))):
            grading.publish_gradebook(registrar, offering)


def _grade_current_offering(offering, enrolments, lecturer, submitted):
    """A submitted gradebook has every mark; a draft has the coursework of all its students but the last."""
    coursework, final = grading.gradebook_of(offering).assessments
    starts = offering.term.starts_on
    marks = {}
    for position, (enrolment_id, number) in enumerate(enrolments, start=1):
        drawn = drawn_marks(number, offering.course.code)
        if submitted:
            marks[enrolment_id] = [(coursework, drawn[0]), (final, drawn[1])]
        elif position < len(enrolments):
            marks[enrolment_id] = [(coursework, drawn[0])]
    with clock.as_of(_at(starts + timedelta(days=demo_data.DRAFT_MARKS_DAYS))):
        _type_marks(lecturer, offering, marks)
    if submitted:
        with clock.as_of(_at(starts + timedelta(days=demo_data.SUBMITTED_DAYS))):
            grading.submit_gradebook(lecturer, offering)


def seed_grades(universities, terms, lecturers):
    """The first cohort's published marks in every closed offering (first round, and a few second rounds),
    and the second cohort's gradebooks in progress (see demo_data): entered, submitted and published
    through the grading services by the university's lecturer and registrar, each step on its day."""
    offerings, enrolments, registrars, graded = _grading_context()
    failures = {(case["student_number"], case["course"]): case for case in demo_data.SECOND_ROUND}
    slugs = {university.id: slug for slug, university in universities.items()}
    first = demo_data.COHORTS[0]
    past_terms = {semester: terms[term_key(first, semester)].id for semester in SEMESTERS}
    current_term = terms[demo_data.TERMS[-1]["key"]].id
    for offering in offerings:
        slug = slugs[offering.university_id]
        code = offering.course.code
        current = offering.term_id == current_term
        wanted = {demo_data.DRAFT_GRADEBOOKS.get(slug), demo_data.SUBMITTED_GRADEBOOKS.get(slug)}
        if current and code not in wanted:
            continue
        if offering.id in graded or not (current or offering.term_id == past_terms[offering.course.semester]):
            continue  # already graded (by an earlier seed, or by hand), or not one of the demo's offerings
        lecturer = lecturers[slug][0]
        students = enrolments.get(offering.id, [])
        if current:
            _grade_current_offering(offering, students, lecturer,
                                    submitted=code == demo_data.SUBMITTED_GRADEBOOKS.get(slug))
        else:
            _grade_past_offering(offering, students, lecturer, registrars[offering.university_id], failures)
    db.session.flush()


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
        report = certificates.graduation_report(university, cohort)
        waiting = [standing.student.id for standing in report.standings
                   if standing.eligible and standing.certificate is None]
        if waiting:
            certificates.issue_certificates(registrar, university, cohort, waiting,
                                            issued_on=CERTIFICATES_ISSUED_ON)


def demo_verification_url():
    """The public verification address of the first demo certificate, or None."""
    certificate = db.session.scalar(db.select(Certificate).where(Certificate.status == "valid")
                                    .order_by(Certificate.id))
    if certificate is None:
        return None
    return certificates.verification_url(certificate.serial, certificate.verification_code)


def seed():
    """Load the whole demo data set in one transaction."""
    # One hash for every demo account: they share the published demo password anyway.
    password_hash = hash_password(DEMO_PASSWORD)
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
    db.session.commit()


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
