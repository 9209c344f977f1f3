"""Personas and records for the security tests, picked from the demo data set (the ``demo`` fixture).

The *home* university is Baghdad, the *other* one Mosul (both have issued certificates). The resources
of the walk belong to Baghdad: the current PCS201 offering (a draft gradebook with marks, materials and
announcements), a second current offering with no gradebook yet, a certificate, a student, an account.

The personas, each a relation to those resources::

    anonymous            not logged in
    student              a Baghdad graduate (owner of a valid certificate), enrolled in the offering
    classmate            a Baghdad graduate enrolled in other offerings only
    foreign_student      a Mosul graduate
    foreign_lecturer     a lecturer of Mosul
    foreign_registrar    the registrar of Mosul
    unassigned_lecturer  a lecturer of Baghdad who teaches none of its offerings (made here)
    lecturer             a lecturer of Baghdad assigned to the offerings
    registrar            the registrar of Baghdad
    admin                the administrator

``build_world()`` returns a ``World``: the personas, the ids of the records, how to fill every URL rule's
``<parameters>`` (and the query arguments a page needs), and whether a persona may see the resource a
rule names. A rule with a parameter this module does not know fails loudly (``UnknownParameter``), so a
new route must be taught here before the walks pass.
"""
import io
import re
from dataclasses import dataclass, field
from datetime import datetime

from PIL import Image
from werkzeug.datastructures import FileStorage

from diploma import demo_data
from diploma.access import ADMIN, LECTURER, REGISTRAR, STUDENT
from diploma.auth import services as accounts
from diploma.auth.models import User
from diploma.certificates.models import Certificate
from diploma.curriculum.models import Cohort, Course, Term
from diploma.demo import DEMO_DOMAIN, DEMO_PASSWORD
from diploma.enrolment.models import Enrolment, Student
from diploma.extensions import db
from diploma.grading.models import Assessment, Gradebook, Score
from diploma.partners import services as partners
from diploma.partners.models import University
from diploma.teaching.models import Announcement, Material, Offering
from tests import factories

HOME_CODE, OTHER_CODE = "BGD", "MSL"
URL_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
# Parameters naming a record of one university: a user of another university gets 404 for them.
SCOPED_PARAMETERS = frozenset({"offering_id", "material_id", "announcement_id", "enrolment_id", "score_id",
                               "student_id", "serial"})
# The parameters naming (or belonging to) an offering: lecturers and students see only their own.
OFFERING_PARAMETERS = frozenset({"offering_id", "material_id", "announcement_id", "enrolment_id",
                                 "score_id"})
# Endpoints whose offering is the one without a gradebook (its assessments can still be edited).
FRESH_OFFERING_ENDPOINTS = frozenset({"grading.edit_assessments"})
PERSONA_KEYS = ("anonymous", "student", "classmate", "foreign_student", "foreign_lecturer",
                "foreign_registrar", "unassigned_lecturer", "lecturer", "registrar", "admin")


def parameters(rule):
    """The names of the ``<parameters>`` in a rule's path (not its defaults)."""
    return {match.group(2) for match in URL_ARGUMENT.finditer(rule.rule)}


class UnknownParameter(AssertionError):
    """A URL rule takes a parameter the security tests do not know how to fill."""


@dataclass(frozen=True)
class Persona:
    key: str
    role: str | None = None
    email: str | None = None
    password: str = DEMO_PASSWORD
    university_id: int | None = None
    name_ar: str = ""
    name_en: str = ""

    @property
    def anonymous(self):
        return self.role is None


@dataclass(repr=False)
class World:
    home_id: int
    other_id: int
    personas: dict
    records: dict  # name -> id (or serial, token …), all of the home university
    offering_lecturers: dict  # offering id -> {user ids}
    offering_students: dict  # offering id -> {user ids of the actively enrolled}
    user_ids: dict  # persona key -> user id
    private_strings: list = field(default_factory=list)  # names that only the resource's people may see

    def __repr__(self):  # short, in Hypothesis' reports of a failing example
        return f"World(home={self.home_id}, other={self.other_id})"

    def _repr_pretty_(self, printer, cycle):
        printer.text(repr(self))

    # --- URLs --------------------------------------------------------------------------------------

    def value(self, endpoint, name):
        """The value of ``<name>`` in a rule of ``endpoint``."""
        records = self.records
        if name == "record_id":
            kinds = {"curriculum.edit_cohort": "cohort_id", "curriculum.edit_course": "course_id",
                     "curriculum.edit_term": "term_id"}
            if endpoint not in kinds:
                raise UnknownParameter(f"{endpoint}: which record does <record_id> name?")
            return records[kinds[endpoint]]
        if name == "offering_id" and endpoint in FRESH_OFFERING_ENDPOINTS:
            return records["fresh_offering_id"]
        if name == "serial" and endpoint == "certificates.verify":
            return records["serial"]
        if name == "filename":
            return "css/app.css"
        if name not in records:
            raise UnknownParameter(f"{endpoint}: tell tests/security/personas.py what <{name}> is")
        return records[name]

    def path(self, rule):
        """The path of ``rule`` with its parameters filled from the home university's records."""
        return URL_ARGUMENT.sub(lambda match: str(self.value(rule.endpoint, match.group(2))), rule.rule)

    def query(self, rule):
        """The query arguments a page needs (the administrator chooses a university with ?university=)."""
        if rule.endpoint in ("certificates.cohort_report", "certificates.batch_pdf", "certificates.issue",
                             "certificates.index") or (rule.endpoint == "teaching.edit_offering"
                                                       and "offering_id" not in parameters(rule)):
            return {"university": self.home_id}
        if rule.endpoint == "certificates.verify" and parameters(rule):
            return {"code": self.records["verification_code"]}
        return {}

    def url(self, rule):
        query = self.query(rule)
        path = self.path(rule)
        return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")

    def neutral_body(self, rule):
        """The body of a POST that names its record but asks for nothing in particular (empty forms are
        refused by validation; the buttons without a form act)."""
        if rule.endpoint == "enrolment.enrol":
            return {"student_id": str(self.records["bystander_graduate_id"])}
        return {}

    # --- who sees what -----------------------------------------------------------------------------

    def scoped(self, rule):
        return bool(parameters(rule) & SCOPED_PARAMETERS)

    def offering_of(self, rule):
        if not parameters(rule) & OFFERING_PARAMETERS:
            return None
        return self.records["fresh_offering_id" if rule.endpoint in FRESH_OFFERING_ENDPOINTS
                            else "offering_id"]

    def in_scope(self, persona, rule):
        """Whether ``persona`` may see the records ``rule`` names (its role allowed): the administrator
        always; nobody of another university; a lecturer or a student only their own offering's."""
        if not self.scoped(rule) or persona.role == ADMIN:
            return True
        if persona.university_id != self.home_id:
            return False
        offering_id = self.offering_of(rule)
        user_id = self.user_ids[persona.key]
        if persona.role == LECTURER and offering_id is not None:
            return user_id in self.offering_lecturers[offering_id]
        if persona.role == STUDENT and offering_id is not None:
            return user_id in self.offering_students[offering_id]
        return persona.role in (REGISTRAR, ADMIN)


def _one(query):
    record = db.session.scalar(query)
    assert record is not None, f"the demo data has no {query}"
    return record


def _university(code):
    return _one(db.select(University).where(University.code == code))


def _current_term():
    return _one(db.select(Term).where(Term.name_en == demo_data.TERMS[-1]["name_en"]))


def _offering(university, course_code, term):
    return _one(db.select(Offering).join(Offering.course).where(
        Offering.university_id == university.id, Course.code == course_code, Offering.term_id == term.id))


def _graduates(university):
    """The students of a university holding a valid certificate, by certificate serial."""
    return db.session.scalars(
        db.select(Student).join(Certificate, Certificate.student_id == Student.id)
        .where(Certificate.university_id == university.id, Certificate.status == "valid")
        .order_by(Certificate.serial)).all()


def _persona(key, user, password=DEMO_PASSWORD):
    return Persona(key=key, role=user.role, email=user.email, password=password,
                   university_id=user.university_id, name_ar=user.name_ar, name_en=user.name_en)


def _user(email):
    return _one(db.select(User).where(User.email == email))


def png_bytes(size=(8, 8), color=(20, 90, 60)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def build_world():
    """Pick the records and personas from the seeded demo data; add the few it lacks (an unassigned
    lecturer, the student's enrolment in the offering, a logo, a set-password token); commit."""
    home, other = _university(HOME_CODE), _university(OTHER_CODE)
    term = _current_term()
    main = _offering(home, demo_data.DRAFT_GRADEBOOKS["baghdad"], term)
    fresh = db.session.scalar(
        db.select(Offering).where(Offering.university_id == home.id, Offering.term_id == term.id,
                                  Offering.id != main.id,
                                  Offering.id.not_in(db.select(Gradebook.offering_id))).order_by(Offering.id))
    assert fresh is not None, "the demo has no current offering without a gradebook"
    admin = _user(f"admin@{DEMO_DOMAIN}")
    registrar = _one(db.select(User).where(User.role == REGISTRAR, User.university_id == home.id)
                     .order_by(User.id))
    lecturers = sorted(main.lecturers, key=lambda user: user.id)
    lecturer, other_staff = lecturers[0], lecturers[-1]
    assert lecturer.id != other_staff.id, "the demo offering has a single lecturer"
    graduates = _graduates(home)
    assert len(graduates) >= 4, "the demo has too few graduates at the home university"
    student, classmate, certified, bystander_graduate = graduates[:4]
    foreign_student = _graduates(other)[0]
    foreign_registrar = _one(db.select(User).where(User.role == REGISTRAR, User.university_id == other.id))
    foreign_lecturer = _one(db.select(User).where(User.role == LECTURER, User.university_id == other.id)
                            .order_by(User.id))
    unassigned = factories.user(role="lecturer", university=home, email="unassigned.lecturer@example.org",
                                name_ar="محاضر غير مكلف بأي مقرر", name_en="Unassigned Lecturer")

    # The student follows the offering (the graduates of the first cohort finished their own long ago).
    db.session.add(Enrolment(student_id=student.id, offering_id=main.id, status="active",
                             enrolled_at=datetime(2026, 9, 1, 9)))
    enrolled = db.session.scalars(
        db.select(Enrolment).where(Enrolment.offering_id == main.id, Enrolment.status == "active")
        .order_by(Enrolment.id)).all()
    persona_students = {student.id, classmate.id, certified.id, bystander_graduate.id}
    bystander_enrolment = next(e for e in enrolled if e.student_id not in persona_students)
    bystander = bystander_enrolment.student  # a student of the offering who is none of the personas
    material = _one(db.select(Material).where(Material.offering_id == main.id, Material.kind == "file",
                                              Material.hidden.is_(False)).order_by(Material.id))
    announcement = _one(db.select(Announcement).where(Announcement.offering_id == main.id)
                        .order_by(Announcement.id))
    score = _one(db.select(Score).join(Assessment, Assessment.id == Score.assessment_id)
                 .join(Gradebook, Gradebook.id == Assessment.gradebook_id)
                 .where(Gradebook.offering_id == main.id).order_by(Score.id))
    certificate = _one(db.select(Certificate).where(Certificate.student_id == certified.id))
    cohort = _one(db.select(Cohort).where(Cohort.id == certificate.cohort_id))
    partners.save_logo(admin, home, FileStorage(io.BytesIO(png_bytes()), filename="logo.png"))
    token = accounts.make_password_token(admin, bystander.user)
    db.session.commit()

    people = {"student": student.user, "classmate": classmate.user, "foreign_student": foreign_student.user,
              "foreign_lecturer": foreign_lecturer, "foreign_registrar": foreign_registrar,
              "lecturer": lecturer, "registrar": registrar, "admin": admin}
    personas = {"anonymous": Persona("anonymous")}
    personas.update({key: _persona(key, user) for key, user in people.items()})
    personas["unassigned_lecturer"] = _persona("unassigned_lecturer", unassigned, factories.PASSWORD)
    personas = {key: personas[key] for key in PERSONA_KEYS}
    user_ids = {key: user.id for key, user in people.items()}
    user_ids["unassigned_lecturer"] = unassigned.id

    offering_students = {}
    for offering in (main, fresh):
        offering_students[offering.id] = set(db.session.scalars(
            db.select(Student.user_id).join(Enrolment, Enrolment.student_id == Student.id)
            .where(Enrolment.offering_id == offering.id, Enrolment.status == "active")))
    records = {
        "offering_id": main.id, "fresh_offering_id": fresh.id, "material_id": material.id,
        "announcement_id": announcement.id, "enrolment_id": bystander_enrolment.id, "score_id": score.id,
        "student_id": bystander.id, "user_id": other_staff.id, "university_id": home.id,
        "cohort_id": cohort.id, "course_id": main.course_id, "term_id": term.id,
        "serial": certificate.serial, "verification_code": certificate.verification_code, "token": token,
        "bystander_graduate_id": bystander_graduate.id,
    }
    enrolled_names = [name for e in enrolled for name in (e.student.user.name_ar, e.student.user.name_en)]
    private = [*enrolled_names, bystander.student_number, certificate.serial, certified.user.name_ar,
               material.title, announcement.title]
    return World(home_id=home.id, other_id=other.id, personas=personas, records=records,
                 offering_lecturers={o.id: {user.id for user in o.lecturers} for o in (main, fresh)},
                 offering_students=offering_students, private_strings=private, user_ids=user_ids)


def log_in(app, persona):
    """A new test client, logged in as ``persona`` (anonymous: not logged in)."""
    client = app.test_client()
    if not persona.anonymous:
        response = client.post("/login", data={"email": persona.email, "password": persona.password})
        assert response.status_code == 302, f"login of {persona.key} ({persona.email}) failed"
    return client


def forget_flashes(client):
    """Drop the messages a previous request left for the next page (they would show on it)."""
    with client.session_transaction() as session:
        session.pop("_flashes", None)
