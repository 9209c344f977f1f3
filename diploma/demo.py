"""The demo data set: ``flask --app wsgi demo seed``. Idempotent: running it again changes nothing."""
from datetime import date
from decimal import Decimal

import click
from flask.cli import AppGroup

from diploma import demo_data
from diploma.auth.models import User
from diploma.auth.services import hash_password
from diploma.curriculum.models import Cohort, Course, GradeBand, Programme, Term
from diploma.enrolment.models import Student
from diploma.extensions import db
from diploma.partners.models import Signatory, University

DEMO_PASSWORD = "peace-demo-2024"
DEMO_DOMAIN = "example.org"
IRAQI_SCALE = (
    (90, "امتياز", "Excellent"), (80, "جيد جداً", "Very good"), (70, "جيد", "Good"),
    (60, "متوسط", "Fair"), (50, "مقبول", "Pass"), (0, "راسب", "Fail"),
)

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
    for term in demo_data.TERMS:
        _get_or_add(Term, {"name_en": term["name_en"]}, name_ar=term["name_ar"],
                    starts_on=date.fromisoformat(term["starts"]), ends_on=date.fromisoformat(term["ends"]))


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
    _account(f"admin@{DEMO_DOMAIN}", password_hash, name_ar="مدير النظام", name_en="System Administrator",
             role="admin")
    for slug, staff in demo_data.STAFF.items():
        university_id = universities[slug].id
        person = staff["registrar"]
        _account(f"registrar.{slug}@{DEMO_DOMAIN}", password_hash, name_ar=person["name_ar"],
                 name_en=person["name_en"], role="registrar", university_id=university_id)
        for number, person in enumerate(staff["lecturers"], start=1):
            suffix = "" if number == 1 else f".{number}"
            _account(f"lecturer.{slug}{suffix}@{DEMO_DOMAIN}", password_hash, name_ar=person["name_ar"],
                     name_en=person["name_en"], role="lecturer", university_id=university_id)


def seed_students(universities, cohorts, password_hash):
    numbers = dict.fromkeys(universities, 0)
    for cohort_key in (c["key"] for c in demo_data.COHORTS):
        for person in demo_data.STUDENTS[cohort_key]:
            slug = person["university"]
            numbers[slug] += 1
            university_id = universities[slug].id
            user = _account(f"student.{slug}.{numbers[slug]}@{DEMO_DOMAIN}", password_hash,
                            name_ar=person["name_ar"], name_en=person["name_en"], role="student",
                            university_id=university_id)
            _get_or_add(Student, {"user_id": user.id}, university_id=university_id,
                        cohort_id=cohorts[cohort_key].id, student_number=person["student_number"],
                        gender=person["gender"])


def seed():
    """Load the whole demo data set in one transaction."""
    # One hash for every demo account: they share the published demo password anyway.
    password_hash = hash_password(DEMO_PASSWORD)
    universities = seed_universities()
    programme = seed_programme()
    seed_terms()
    cohorts = seed_cohorts(programme)
    seed_staff(universities, password_hash)
    seed_students(universities, cohorts, password_hash)
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
