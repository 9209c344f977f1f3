"""Personas and records for the security tests, picked from the demo data set (the ``demo`` fixture).

The *home* university is Baghdad, the *other* one Mosul (both have issued certificates). The resources
of the walk belong to Baghdad: the current PCS201 offering (a draft gradebook with marks, materials and
announcements), a second current offering with no marks yet, a certificate, a student, an account.

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

Every integer id in a URL (and every parameter of ``SCOPED_PARAMETERS``) is taken as scoped to its university
and offering, unless route_policy.GLOBAL_IDS lists it. Besides the home URL of a rule, the walk asks for its
*variants* (``variants(rule)``): ``foreign``, every scoped argument naming the record of a third university,
Basra, to which no persona belongs (a consistent set: Basra's offering, a material of that offering…);
``other offering:<name>``, the home offering with the record ``<name>`` of another Baghdad offering; and, for
the pages where the administrator picks a university (``UNIVERSITY_QUERY_ENDPOINTS``), ``?university=``
naming Basra.

``build_world(markers=True)`` first plants *markers* in every university's private records (users' names,
material and announcement titles, gradebook comments: ``mk<CODE><kind><id>``); with the certificate serials,
verification codes, student numbers and the universities' names they say whose a string on a page is.
"""
import io
import re
from dataclasses import dataclass, field
from datetime import datetime

from PIL import Image
from sqlalchemy import String, cast, literal, update
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
from diploma.jobs import services as jobs
from diploma.partners import services as partners
from diploma.partners.models import University
from diploma.signing.models import SigningKey
from diploma.teaching.models import Announcement, Material, Offering
from tests import factories
from tests.security.route_policy import GLOBAL_IDS

HOME_CODE, OTHER_CODE = "BGD", "MSL"
# The university of the walk's "foreign" records: none of the personas belongs to it.
THIRD_CODE = "BSR"
# The variants of a rule's URL: its records of the home university; of the third; for a record of an
# offering, the home offering with the record of another offering (``f"{OTHER_OFFERING}:{name}"``); the third
# university in ?university=. And the methods a URL does not list, asked for to see 405.
HOME, FOREIGN, OTHER_OFFERING, UNLISTED = "home", "foreign", "other offering", "unlisted"
FOREIGN_QUERY = "foreign ?university="
# The pages where the administrator chooses a university with ?university= (for anyone else, the user's own
# university: the argument is ignored, and the page must show none of the third university's records).
UNIVERSITY_QUERY_ENDPOINTS = frozenset({
    "certificates.index", "certificates.cohort_report", "certificates.batch_pdf", "certificates.issue",
    "teaching.edit_offering", "enrolment.list_students", "teaching.list_offerings",
    "certificates.print_in_background"})
URL_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
# Parameters naming a record of one university: a user of another university gets 404 for them.
SCOPED_PARAMETERS = frozenset({"offering_id", "material_id", "announcement_id", "enrolment_id", "score_id",
                               "student_id", "serial"})
# The parameters naming (or belonging to) an offering: lecturers and students see only their own.
OFFERING_PARAMETERS = frozenset({"offering_id", "material_id", "announcement_id", "enrolment_id",
                                 "score_id"})
# The records of an offering: named beside another offering, they do not exist (404).
OFFERING_CHILD_PARAMETERS = OFFERING_PARAMETERS - {"offering_id"}
# A parameter that names another kind of record for some endpoints: (endpoint, parameter) -> record name.
RECORD_OF = {("enrolment.edit_student_of_account", "user_id"): "student_user_id"}  # a student's account
# Endpoints whose offering is the one without marks (its assessments can still be edited).
FRESH_OFFERING_ENDPOINTS = frozenset({"grading.edit_assessments"})
PERSONA_KEYS = ("anonymous", "student", "classmate", "foreign_student", "foreign_lecturer",
                "foreign_registrar", "unassigned_lecturer", "lecturer", "registrar", "admin")


def parameters(rule):
    """The names of the ``<parameters>`` in a rule's path (not its defaults)."""
    return {match.group(2) for match in URL_ARGUMENT.finditer(rule.rule)}


def int_parameters(rule):
    """The names of the ``<int:…>`` parameters in a rule's path."""
    return {match.group(2) for match in URL_ARGUMENT.finditer(rule.rule) if match.group(1) == "int"}


def scoped_parameters(rule):
    """The parameters of ``rule`` that name a record of one university (or offering): every integer id and
    every name of SCOPED_PARAMETERS, but the reviewed global ids (route_policy.GLOBAL_IDS)."""
    names = int_parameters(rule) | (parameters(rule) & SCOPED_PARAMETERS)
    return {name for name in names if (rule.endpoint, name) not in GLOBAL_IDS}


def variants(rule):
    """The variants of the URL of ``rule`` the walk asks for besides the home one (see the docstring)."""
    scoped = scoped_parameters(rule)
    found = [FOREIGN] if scoped else []
    if "offering_id" in scoped:
        found += [f"{OTHER_OFFERING}:{name}" for name in sorted(scoped & OFFERING_CHILD_PARAMETERS)]
    if rule.endpoint in UNIVERSITY_QUERY_ENDPOINTS and not scoped:
        found.append(FOREIGN_QUERY)
    return found


# The public pages reached with a certificate's serial and verification code.
SERIAL_AND_CODE_ENDPOINTS = ("certificates.verify", "certificates.public_credential",
                             "certificates.public_data_integrity_credential")


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
    foreign_records: dict = field(default_factory=dict)  # name -> id (or serial) of the third university
    other_offering_records: dict = field(default_factory=dict)  # name -> id of another home offering's record
    university_codes: dict = field(default_factory=dict)  # university id -> code
    markers: "Markers | None" = None  # when planted
    disclosures: dict = field(default_factory=dict)  # endpoint -> markers its home URL shows to anyone

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
        if name == "serial" and endpoint in SERIAL_AND_CODE_ENDPOINTS:
            return records["serial"]
        if name == "code" and endpoint.startswith("signing."):
            return HOME_CODE  # a university's public issuer profile and status list
        if name == "kid":
            return db.session.scalar(db.select(SigningKey.kid).join(University)
                                     .where(University.code == HOME_CODE).order_by(SigningKey.id))
        if name == "filename":
            return "css/app.css"
        if name == "page" and endpoint == "dashboard.record_visit":
            return "dashboard"  # a page whose last visit is kept, for everyone signed in
        name = RECORD_OF.get((endpoint, name), name)
        if name not in records:
            raise UnknownParameter(f"{endpoint}: tell tests/security/personas.py what <{name}> is")
        return records[name]

    def variant_value(self, endpoint, name, variant):
        """The value of the scoped ``<name>`` in the ``variant`` of a rule of ``endpoint``."""
        if variant == FOREIGN:
            name = RECORD_OF.get((endpoint, name), name)
            if name not in self.foreign_records:
                raise UnknownParameter(
                    f"{endpoint}: <{name}> is an id the walk takes as scoped, and it knows no other "
                    f"university's record for it: teach tests/security/personas.py (foreign_records), or, "
                    f"if every university shares the record, add ({endpoint!r}, {name!r}) to GLOBAL_IDS "
                    f"in tests/security/route_policy.py with the reason")
            return self.foreign_records[name]
        return self.other_offering_records[variant.partition(":")[2]]

    def varied(self, rule, variant):
        """The parameters ``variant`` fills otherwise than the home URL."""
        if variant == FOREIGN:
            return scoped_parameters(rule)
        if variant.startswith(OTHER_OFFERING + ":"):
            return {variant.partition(":")[2]}
        return set()

    def path(self, rule, variant=HOME):
        """The path of ``rule`` with its parameters filled from the home university's records (or, for those
        ``variant`` varies, from the third university's or another offering's)."""
        varied = self.varied(rule, variant)

        def fill(match):
            name = match.group(2)
            if name in varied:
                return str(self.variant_value(rule.endpoint, name, variant))
            return str(self.value(rule.endpoint, name))

        return URL_ARGUMENT.sub(fill, rule.rule)

    def query(self, rule, variant=HOME):
        """The query arguments a page needs (the administrator chooses a university with ?university=)."""
        if variant == FOREIGN_QUERY:
            return {"university": self.foreign_records["university_id"]}
        if rule.endpoint in ("certificates.cohort_report", "certificates.batch_pdf", "certificates.issue",
                             "certificates.index", "certificates.print_in_background") \
                or (rule.endpoint == "teaching.edit_offering" and "offering_id" not in parameters(rule)):
            return {"university": self.home_id}
        if rule.endpoint in SERIAL_AND_CODE_ENDPOINTS and parameters(rule):
            return {"code": self.records["verification_code"]}
        return {}

    def url(self, rule, variant=HOME):
        query = self.query(rule, variant)
        path = self.path(rule, variant)
        return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")

    def neutral_body(self, rule):
        """The body of a POST that names its record but asks for nothing in particular (empty forms are
        refused by validation; the buttons without a form act)."""
        if rule.endpoint == "enrolment.enrol":
            return {"student_id": str(self.records["bystander_graduate_id"])}
        return {}

    # --- who sees what -----------------------------------------------------------------------------

    def scoped(self, rule):
        return bool(scoped_parameters(rule))

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

    # --- markers -----------------------------------------------------------------------------------

    def markers_on(self, page):
        """{marker: (university code, kind)} of every marker on ``page``."""
        return dict(self.markers.found(page)) if self.markers is not None else {}

    def foreign_markers(self, persona, found, shown=()):
        """{marker: university code} of the ``found`` markers (``markers_on``) that belong to another
        university than ``persona``'s (a university's people see its own; visitors, no university's), but
        those in ``shown`` (what the URL names itself, what the page discloses to anyone); None for the
        administrator, who sees every university."""
        if persona.role == ADMIN:
            return None
        own = self.university_codes.get(persona.university_id)
        return {text: code for text, (code, _kind) in sorted(found.items())
                if code != own and text not in shown}


MARKER_TOKEN = re.compile(r"mk([A-Z]{3})([a-z]+)\d+")


@dataclass
class Markers:
    """The private strings of every university: the planted tokens (the university's code and the kind of
    record in them), and ``exact`` strings (certificate serials and verification codes, student numbers, and
    the university's names: a page of one university's people that names another lists its records), each
    with its university's code and kind."""

    exact: dict  # text -> (university code, kind)

    def __post_init__(self):
        texts = sorted(self.exact, key=len, reverse=True)
        self.pattern = re.compile("|".join([*map(re.escape, texts), MARKER_TOKEN.pattern]))

    def found(self, page):
        """(marker, (university code, kind)) for every marker on ``page``."""
        for match in self.pattern.finditer(page):
            text = match.group()
            yield text, self.exact.get(text) or (match.group(1), match.group(2))


def plant_markers():
    """Put a token naming its university, kind and id in front of every university's users' names,
    materials' and announcements' titles, and in every gradebook's comment: ``mkMSLuser42 …``."""
    for university in db.session.scalars(db.select(University)).all():
        offerings = db.select(Offering.id).where(Offering.university_id == university.id)

        def token(kind, column, code=university.code):
            return literal(f"mk{code}{kind}") + cast(column, String) + literal(" ")

        for statement in (
            update(User).where(User.university_id == university.id).values(
                name_ar=token("user", User.id) + User.name_ar, name_en=token("user", User.id) + User.name_en),
            update(Material).where(Material.offering_id.in_(offerings)).values(
                title=token("material", Material.id) + Material.title),
            update(Announcement).where(Announcement.offering_id.in_(offerings)).values(
                title=token("announcement", Announcement.id) + Announcement.title),
            update(Gradebook).where(Gradebook.offering_id.in_(offerings)).values(
                return_comment=token("comment", Gradebook.id)),
        ):
            db.session.execute(statement.execution_options(synchronize_session=False))
    db.session.commit()
    db.session.expire_all()


def _markers():
    codes = dict(db.session.execute(db.select(University.id, University.code)).all())
    exact = {number: (codes[university_id], "number") for number, university_id in db.session.execute(
        db.select(Student.student_number, Student.university_id))}
    for name_ar, name_en, university_id in db.session.execute(
            db.select(University.name_ar, University.name_en, University.id)):
        exact[name_ar] = exact[name_en] = (codes[university_id], "university")
    for serial, code, university_id in db.session.execute(
            db.select(Certificate.serial, Certificate.verification_code, Certificate.university_id)):
        exact[serial] = (codes[university_id], "serial")
        exact[code] = (codes[university_id], "code")
    return Markers(exact=exact)


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


def _foreign_records(third, term):
    """A consistent set of the third university's records: its current offering with a draft gradebook, and
    a material, an announcement, an enrolment and a mark of it; a student, a lecturer, a certificate."""
    offering = _offering(third, demo_data.DRAFT_GRADEBOOKS["basra"], term)
    enrolment = _one(db.select(Enrolment).where(Enrolment.offering_id == offering.id,
                                                Enrolment.status == "active").order_by(Enrolment.id))
    return {
        "offering_id": offering.id, "university_id": third.id, "student_id": enrolment.student_id,
        "student_user_id": enrolment.student.user_id, "enrolment_id": enrolment.id,
        "material_id": _one(db.select(Material.id).where(Material.offering_id == offering.id,
                                                         Material.kind == "file", Material.hidden.is_(False))
                            .order_by(Material.id)),
        "announcement_id": _one(db.select(Announcement.id).where(Announcement.offering_id == offering.id)
                                .order_by(Announcement.id)),
        "score_id": _one(_scores().where(Gradebook.offering_id == offering.id)),
        "user_id": max(user.id for user in offering.lecturers),
        "serial": _one(db.select(Certificate.serial).where(Certificate.university_id == third.id,
                                                           Certificate.status == "valid")
                       .order_by(Certificate.id)),
        "job_id": _job_of(_one(db.select(User).where(User.role == REGISTRAR, User.university_id == third.id)
                               .order_by(User.id))),
    }


def _job_of(user, with_result=False):
    """A background job of ``user`` (diploma.jobs: only they and the administrator see it), queued (nothing
    runs it), or done with a file to download."""
    job = jobs.start_job(user, "print_certificates", user.university_id,
                         {"cohort_id": 0, "university_id": user.university_id, "language": "ar",
                          "order": "rank", "format": "pdf"}, total=1)
    if with_result:
        name = jobs.new_result_name(job.id, ".pdf")
        (jobs.result_folder() / name).write_bytes(b"%PDF-1.7 a printed batch")
        job.state, job.done, job.result_path, job.result_name = "done", 1, name, "certificates.pdf"
        job.finished_at, job.result_expires_at = datetime(2026, 1, 1), datetime(2999, 1, 1)
        db.session.flush()
    return job.id


def _other_offering_records(home, main):
    """For each kind of record of an offering, one of another offering of the home university."""
    others = db.select(Offering.id).where(Offering.university_id == home.id, Offering.id != main.id)
    return {
        "material_id": _one(db.select(Material.id).where(Material.offering_id.in_(others),
                                                         Material.kind == "file", Material.hidden.is_(False))
                            .order_by(Material.id)),
        "announcement_id": _one(db.select(Announcement.id).where(Announcement.offering_id.in_(others))
                                .order_by(Announcement.id)),
        "enrolment_id": _one(db.select(Enrolment.id).where(Enrolment.offering_id.in_(others),
                                                           Enrolment.status == "active")
                             .order_by(Enrolment.id)),
        "score_id": _one(_scores().where(Gradebook.offering_id.in_(others))),
    }


def _scores():
    return (db.select(Score.id).join(Assessment, Assessment.id == Score.assessment_id)
            .join(Gradebook, Gradebook.id == Assessment.gradebook_id).order_by(Score.id))


def _student_markers(student):
    """The markers a page about ``student`` shows: the token of their name, their student number."""
    return {f"mk{student.university.code}user{student.user_id}", student.student_number}


def build_world(markers=False):
    """Pick the records and personas from the seeded demo data; add the few it lacks (an unassigned
    lecturer, the student's enrolment in the offering, a logo, a set-password token); commit. With
    ``markers``, first plant the markers of every university's private records (``plant_markers``)."""
    if markers:
        plant_markers()
    home, other = _university(HOME_CODE), _university(OTHER_CODE)
    term = _current_term()
    main = _offering(home, demo_data.DRAFT_GRADEBOOKS["baghdad"], term)
    marked = (db.select(Gradebook.offering_id).join(Assessment, Assessment.gradebook_id == Gradebook.id)
              .join(Score, Score.assessment_id == Assessment.id))
    fresh = db.session.scalar(
        db.select(Offering).where(Offering.university_id == home.id, Offering.term_id == term.id,
                                  Offering.id != main.id, Offering.id.not_in(marked)).order_by(Offering.id))
    assert fresh is not None, "the demo has no current offering without marks"
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
    score_id = _one(_scores().where(Gradebook.offering_id == main.id))
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
        "announcement_id": announcement.id, "enrolment_id": bystander_enrolment.id, "score_id": score_id,
        "student_id": bystander.id, "student_user_id": bystander.user_id, "user_id": other_staff.id,
        "university_id": home.id,
        "cohort_id": cohort.id, "course_id": main.course_id, "term_id": term.id,
        "serial": certificate.serial, "verification_code": certificate.verification_code, "token": token,
        "bystander_graduate_id": bystander_graduate.id,
        "job_id": _job_of(registrar, with_result=True),  # the home registrar's own job, done
    }
    enrolled_names = [name for e in enrolled for name in (e.student.user.name_ar, e.student.user.name_en)]
    private = [*enrolled_names, bystander.student_number, certificate.serial, certified.user.name_ar,
               material.title, announcement.title]
    # Pages that show anyone what their URL's secret unlocks: a certificate with its code, the account of a
    # set-password link.
    shown_with_the_code = {certificate.serial, certificate.verification_code, home.name_ar, home.name_en,
                           *_student_markers(certified)}
    disclosures = {"certificates.verify": shown_with_the_code,
                   # the credential in JSON states what the verification page states, to the same holder
                   "certificates.public_data_integrity_credential": shown_with_the_code,
                   "auth.set_password": _student_markers(bystander),
                   # A university's Open Badges issuer profile names it, for every verifier.
                   "signing.issuer_profile": {home.name_ar, home.name_en}}
    return World(home_id=home.id, other_id=other.id, personas=personas, records=records,
                 offering_lecturers={o.id: {user.id for user in o.lecturers} for o in (main, fresh)},
                 offering_students=offering_students, private_strings=private, user_ids=user_ids,
                 foreign_records=_foreign_records(_university(THIRD_CODE), term),
                 other_offering_records=_other_offering_records(home, main),
                 university_codes=dict(db.session.execute(db.select(University.id, University.code)).all()),
                 markers=_markers() if markers else None, disclosures=disclosures)


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
