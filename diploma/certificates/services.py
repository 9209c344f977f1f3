"""Graduation, issuing certificates with gap-free serials, revoking, and public verification."""
import functools
import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from diploma import audit
from diploma.arabic import fold_for_search, number_in_words
from diploma.auth.models import User
from diploma.certificates.graduation_date import check_graduation_date, proposed_graduation_date
from diploma.certificates.models import REVOKED, VALID, Certificate, SerialCounter
from diploma.clock import utcnow
from diploma.curriculum.models import Cohort, Course
from diploma.curriculum.services import the_programme
from diploma.enrolment.models import Enrolment, Student
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.grading import rules
from diploma.grading.models import FIRST_ROUND, Gradebook
from diploma.grading.services import published_results_of
from diploma.teaching.models import Offering
from diploma.text import format_average
from diploma.web import absolute_url

SERIAL_PATTERN = re.compile(r"^[A-Z]{2,10}-[A-Z]{3}-\d{4}-\d{4,6}$")
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


# --- graduation ----------------------------------------------------------------------------------

@dataclass
class Standing:
    """Where one student of a cohort stands: eligible to graduate or not, and why."""

    student: Student
    results: list
    average: object
    credits: int
    reasons: list = field(default_factory=list)
    rank: int | None = None
    band: object = None
    certificate: Certificate | None = None

    @property
    def eligible(self):
        return not self.reasons

    @property
    def awaits_certificate(self):
        """Who can be issued a certificate: an eligible student who has none yet."""
        return self.eligible and self.certificate is None


@dataclass
class GraduationReport:
    university: object
    cohort: object
    programme: object
    standings: list

    @property
    def graduates(self):
        return [s for s in self.standings if s.eligible]

    @property
    def awaiting_certificate(self):
        return [s for s in self.standings if s.awaits_certificate]

    @property
    def printable_count(self):
        return sum(1 for s in self.standings if s.certificate is not None and s.certificate.printable)


def _unpublished_courses(student_ids):
    """{student id: [courses]} of active enrolments whose marks are not published yet."""
    rows = db.session.execute(
        db.select(Enrolment.student_id, Course).join(Offering, Offering.id == Enrolment.offering_id)
        .join(Course, Course.id == Offering.course_id)
        .outerjoin(Gradebook, Gradebook.offering_id == Offering.id)
        .where(Enrolment.student_id.in_(student_ids), Enrolment.status == "active",
               db.or_(Gradebook.id.is_(None), Gradebook.published_round < FIRST_ROUND))
    ).all()
    grouped = {}
    for student_id, course in rows:
        grouped.setdefault(student_id, []).append(course)
    return grouped


def _reasons(programme, required_courses, results, unpublished, credits):
    reasons = []
    passed_codes = {r.offering.course.code for r in results if r.passed}
    unpublished_codes = {course.code for course in unpublished}
    for course in required_courses:
        if course.code in passed_codes:
            continue
        if course.code in unpublished_codes:
            reasons.append(_l("%(course)s: the mark is not published yet", course=course.code))
        elif any(r.offering.course.code == course.code for r in results):
            reasons.append(_l("%(course)s: not passed", course=course.code))
        else:
            reasons.append(_l("%(course)s: not taken", course=course.code))
    for course in unpublished:
        if not course.required:
            reasons.append(_l("%(course)s: the mark is not published yet", course=course.code))
    if credits < programme.required_credits:
        reasons.append(_l("credits short: %(have)s of %(need)s", have=credits,
                          need=programme.required_credits))
    return reasons


def _rank(standings):
    """Competition ranking by average within the eligible students: 1, 2, 2, 4 …"""
    eligible = sorted((s for s in standings if s.eligible), key=lambda s: s.average, reverse=True)
    for position, standing in enumerate(eligible, start=1):
        previous = eligible[position - 2] if position > 1 else None
        standing.rank = previous.rank if previous and previous.average == standing.average else position


def graduation_report(university, cohort):
    """Who of a cohort at a university can graduate, who cannot and why, with averages and ranks."""
    programme = the_programme()
    # The account joined once (for the order and the names), the cohort not again: it is ``cohort``.
    students = db.session.scalars(
        db.select(Student).join(Student.user)
        .where(Student.university_id == university.id, Student.cohort_id == cohort.id)
        .order_by(User.name_ar).options(db.contains_eager(Student.user), db.lazyload(Student.cohort))
    ).all()
    ids = [s.id for s in students]
    results = published_results_of(students) if students else {}
    unpublished = _unpublished_courses(ids) if ids else {}
    required = db.session.scalars(db.select(Course).where(Course.programme_id == programme.id,
                                                          Course.required.is_(True))).all()
    # Each certificate's serial and status, not its snapshot (the whole statement, a JSON document to parse).
    certificates = {c.student_id: c for c in db.session.scalars(
        db.select(Certificate).where(Certificate.student_id.in_(ids),
                                     Certificate.programme_id == programme.id, Certificate.current())
        .options(db.defer(Certificate.snapshot)))}
    standings = []
    for student in students:
        student_results, average = results[student.id]
        credits = sum(r.credits for r in student_results if r.passed)
        standing = Standing(student, student_results, average, credits,
                            _reasons(programme, required, student_results, unpublished.get(student.id, []),
                                     credits), certificate=certificates.get(student.id))
        if standing.eligible and average is not None:
            standing.band = rules.band_of(average, list(programme.bands))
        elif standing.eligible:
            standing.reasons.append(_l("no published marks"))
        standings.append(standing)
    _rank(standings)
    return GraduationReport(university, cohort, programme, standings)


# --- issuing -------------------------------------------------------------------------------------

def _counter(university_id, year):
    """The serial counter row, locked until the transaction ends (created the first time)."""
    lookup = db.select(SerialCounter).where(SerialCounter.university_id == university_id,
                                            SerialCounter.year == year).with_for_update() \
        .execution_options(populate_existing=True)
    counter = db.session.scalar(lookup)
    if counter is None:
        savepoint = db.session.begin_nested()
        try:
            db.session.add(SerialCounter(university_id=university_id, year=year, last_number=0))
            db.session.flush()
            savepoint.commit()
        except IntegrityError:  # another registrar created it at the same moment
            savepoint.rollback()
        counter = db.session.scalar(lookup)
    return counter


def allocate_numbers(university_id, year, count):
    """``count`` consecutive serial numbers; gap-free because they are taken in the issuing transaction."""
    counter = _counter(university_id, year)
    first = counter.last_number + 1
    counter.last_number += count
    db.session.flush()
    return list(range(first, first + count))


def format_serial(programme_code, university_code, year, number):
    """A serial as printed (``PCS-MSL-2025-0001``): every date the graduation date rule lets through gives
    one that SERIAL_PATTERN accepts (tests/certificates/test_graduation_date.py tries them all)."""
    return f"{programme_code}-{university_code}-{year:04d}-{number:04d}"


def verification_url(serial, code):
    """The public verification address printed on the certificate and in its QR code."""
    return absolute_url("certificates.verify", serial=serial, code=code)


def _certificate_statement(standing, report, serial, code, issued_on):
    """What the certificate states, frozen as its snapshot: reprints and verification read only this."""
    student, university = standing.student, report.university
    programme, cohort = report.programme, report.cohort
    average = format_average(standing.average)
    return {
        "serial": serial, "verification_url": verification_url(serial, code),
        "issued_on": issued_on.isoformat(),
        "student": {"name_ar": student.user.name_ar, "name_en": student.user.name_en,
                    "gender": student.gender, "student_number": student.student_number},
        "university": {"code": university.code, "name_ar": university.name_ar, "name_en": university.name_en,
                       "city_ar": university.city_ar, "city_en": university.city_en,
                       "logo": university.logo_filename,
                       "signatories": [{"title_ar": s.title_ar, "title_en": s.title_en, "name_ar": s.name_ar,
                                        "name_en": s.name_en} for s in university.signatories]},
        "programme": {"code": programme.code, "name_ar": programme.name_ar, "name_en": programme.name_en},
        "cohort": {"name_ar": cohort.name_ar, "name_en": cohort.name_en, "start_year": cohort.start_year,
                   "end_year": cohort.end_year},
        "average": average, "average_in_words_ar": number_in_words(average),
        "band": {"ar": standing.band.name_ar, "en": standing.band.name_en},
        "rank": standing.rank, "cohort_size": len(report.graduates), "credits": standing.credits,
        "digits": programme.certificate_digits,
        "courses": [{"code": r.offering.course.code, "title_ar": r.offering.course.title_ar,
                     "title_en": r.offering.course.title_en, "credits": r.credits,
                     "mark": format(r.mark, ".2f"),
                     "band_ar": r.band.name_ar if r.band else "", "band_en": r.band.name_en if r.band else "",
                     "round": r.round, "term_ar": r.offering.term.name_ar, "term_en": r.offering.term.name_en}
                    for r in standing.results],
    }


def _current_key_id(university):
    """The university's signing key current at issue, recorded on the certificate (None: it has none)."""
    from diploma.signing import keystore

    key = keystore.current_key(university)
    return key.id if key is not None else None


def issue_certificates(actor, university, cohort, student_ids, issued_on=None):
    """Issue the certificates of the chosen eligible students in one go: all of them or none. ``issued_on``
    is the graduation date (the proposed one when not given), checked by graduation_date."""
    issued_on = issued_on or proposed_graduation_date(university, cohort)
    check_graduation_date(university, cohort, issued_on)
    report = graduation_report(university, cohort)
    chosen = [s for s in report.standings if s.student.id in set(student_ids)]
    if not chosen or len(chosen) != len(set(student_ids)):
        raise RuleViolation(_l("Choose students of this cohort at your university."))
    for standing in chosen:
        name = standing.student.user.name_ar
        if standing.certificate is not None:
            raise RuleViolation(_l("%(name)s already has a certificate.", name=name))
        if not standing.eligible:
            raise RuleViolation(_l("%(name)s cannot graduate yet.", name=name))
    numbers = allocate_numbers(university.id, issued_on.year, len(chosen))
    certificates = []
    # Serials follow the batch's print order by rank (ties by folded Arabic name).
    in_print_order = sorted(chosen, key=lambda s: (s.rank, fold_for_search(s.student.user.name_ar)))
    for standing, number in zip(in_print_order, numbers, strict=True):
        serial = format_serial(report.programme.code, university.code, issued_on.year, number)
        code = secrets.token_urlsafe(16)
        certificate = Certificate(
            serial=serial, university_id=university.id, year=issued_on.year, number=number,
            verification_code=code, student_id=standing.student.id, programme_id=report.programme.id,
            cohort_id=cohort.id, issued_on=issued_on, issued_by_id=getattr(actor, "id", None),
            status=VALID, snapshot=_certificate_statement(standing, report, serial, code, issued_on),
            signing_key_id=_current_key_id(university))
        db.session.add(certificate)
        certificates.append(certificate)
    db.session.flush()
    for certificate in certificates:
        audit.record(actor, "certificate.issued", certificate, {"serial": certificate.serial,
                                                                 "student_id": certificate.student_id})
    return certificates


def revoke_certificate(actor, certificate, reason):
    if certificate.revoked:
        raise RuleViolation(_l("This certificate is already revoked."))
    if not (reason or "").strip():
        raise RuleViolation(_l("Give the reason for revoking the certificate."), field="reason")
    certificate.status, certificate.revoked_at = REVOKED, utcnow()
    certificate.revoked_reason, certificate.revoked_by_id = reason.strip(), getattr(actor, "id", None)
    db.session.flush()
    audit.record(actor, "certificate.revoked", certificate, {"serial": certificate.serial,
                                                              "reason": certificate.revoked_reason})
    return certificate


BATCH_ORDERS = ("rank", "name")


def _folded_name(student, language):
    return fold_for_search(student[f"name_{language}"])


def print_order_key(order, language):
    """The one order of a batch, for the web and the command line alike: by rank in the cohort (ties by
    name), or by name — names compared folded (hamza forms, tatweel, case), in the batch's language."""
    if order == "name":
        return lambda certificate: _folded_name(certificate.snapshot["student"], language)
    return lambda certificate: (certificate.snapshot["rank"],
                                _folded_name(certificate.snapshot["student"], language))


def printable_certificates(university_id, cohort_id, *, order="rank", language="ar"):
    """The cohort's certificates at the university that may be printed, in the batch's order."""
    return sorted((c for c in certificates_of(university_id, cohort_id) if c.printable),
                  key=print_order_key(order, language))


def certificates_of(university_id=None, cohort_id=None):
    query = db.select(Certificate).order_by(Certificate.year, Certificate.number)
    if university_id is not None:
        query = query.where(Certificate.university_id == university_id)
    if cohort_id is not None:
        query = query.where(Certificate.cohort_id == cohort_id)
    return db.session.scalars(query).all()


def find_by_serial(serial):
    """The certificate of a serial, with its university (the verification page, the QR's target, names
    it): one statement, built once, as each look at a QR code runs it."""
    return db.session.scalar(_certificate_by_serial(), {"serial": serial})


@functools.cache
def _certificate_by_serial():
    return db.select(Certificate).where(Certificate.serial == db.bindparam("serial")) \
        .options(db.joinedload(Certificate.university))


# --- corrections ---------------------------------------------------------------------------------

# Stored on the replaced certificate in English, shown translated (``replacement_reason``).
REPLACED_REASON = "Replaced by a corrected certificate"
REPLACED_REASON_TEXT = _l("Replaced by a corrected certificate")
CORRECTABLE = ("name_ar", "name_en", "issued_on")


@dataclass
class Correction:
    """What a correction may change: the graduate's names as printed and the graduation date. Marks,
    average and rank are not corrected here (they come from published grades, corrected in the
    gradebook), so a corrected certificate states exactly what the old one did, but for these."""

    name_ar: str
    name_en: str
    issued_on: date
    reason: str


def _locked(certificate):
    """The certificate's row, locked until the transaction ends and read afresh: of two corrections at the
    same moment, the second waits here and then sees the first one's revocation."""
    return db.session.scalar(db.select(Certificate).where(Certificate.id == certificate.id)
                             .with_for_update().execution_options(populate_existing=True))


def _corrected_snapshot(old, correction, serial, code):
    snapshot = dict(old.snapshot)
    snapshot["student"] = {**old.snapshot["student"], "name_ar": correction.name_ar,
                           "name_en": correction.name_en}
    snapshot.update(serial=serial, verification_url=verification_url(serial, code),
                    issued_on=correction.issued_on.isoformat(), replaces=old.serial)
    return snapshot


def _changes(old, correction):
    student = old.snapshot["student"]
    before = {"name_ar": student["name_ar"], "name_en": student["name_en"],
              "issued_on": old.snapshot["issued_on"]}
    after = {"name_ar": correction.name_ar, "name_en": correction.name_en,
             "issued_on": correction.issued_on.isoformat()}
    return {k: [before[k], after[k]] for k in CORRECTABLE if before[k] != after[k]}


def correct_certificate(actor, certificate, correction):
    """Re-issue ``certificate`` corrected, in the caller's one transaction: the old one is revoked
    ("replaced by a corrected certificate"), a new serial is taken from the same gap-free counter, the new
    certificate gets a fresh snapshot (the old one's, with the corrected names and date), a new
    verification code and the university's current key; the student's record takes the corrected names;
    audit events link both. Returns the new certificate."""
    old = _locked(certificate)
    if old is None or old.revoked:
        raise RuleViolation(_l("This certificate is revoked: only a valid certificate can be corrected."))
    if not (correction.reason or "").strip():
        raise RuleViolation(_l("Give the reason for the correction."), field="reason")
    changes = _changes(old, correction)
    if not changes:
        raise RuleViolation(_l("Nothing was changed: correct the name or the date first."))
    if "issued_on" in changes:
        check_graduation_date(old.university, db.session.get(Cohort, old.cohort_id), correction.issued_on)
    old.status, old.revoked_at = REVOKED, utcnow()
    old.revoked_reason, old.revoked_by_id = REPLACED_REASON, getattr(actor, "id", None)
    db.session.flush()
    year = correction.issued_on.year
    number = allocate_numbers(old.university_id, year, 1)[0]
    printed = old.snapshot
    serial = format_serial(printed["programme"]["code"], printed["university"]["code"], year, number)
    code = secrets.token_urlsafe(16)
    new = Certificate(
        serial=serial, university_id=old.university_id, year=year, number=number, verification_code=code,
        student_id=old.student_id, programme_id=old.programme_id, cohort_id=old.cohort_id,
        issued_on=correction.issued_on, issued_by_id=getattr(actor, "id", None), status=VALID,
        snapshot=_corrected_snapshot(old, correction, serial, code), edition=old.edition + 1,
        replaces_id=old.id, signing_key_id=_current_key_id(old.university))
    db.session.add(new)
    user = old.student.user
    user.name_ar, user.name_en = correction.name_ar, correction.name_en
    db.session.flush()
    reason = correction.reason.strip()
    audit.record(actor, "certificate.replaced", old, {"serial": old.serial, "replaced_by": new.serial,
                                                       "reason": reason, "changes": changes})
    audit.record(actor, "certificate.corrected", new, {"serial": new.serial, "replaces": old.serial,
                                                        "reason": reason, "changes": changes,
                                                        "student_id": new.student_id})
    return new


def current_certificate_of(student):
    """The student's certificate that counts today: the newest, not replaced by a correction (or None)."""
    return db.session.scalar(db.select(Certificate).where(Certificate.student_id == student.id,
                                                          Certificate.current())
                             .order_by(Certificate.edition.desc()))


# --- public verification -------------------------------------------------------------------------

_DUMMY_CODE = secrets.token_urlsafe(16)


def counts_by_cohort(model, cohort_ids, university_id=None, *conditions):
    """{(cohort id, university id): rows of ``model``} (students or certificates) for the cohorts shown, at
    one university (a registrar's) or at each (the administrator's): never counted over what a page does
    not show."""
    query = db.select(model.cohort_id, model.university_id, db.func.count()) \
        .where(model.cohort_id.in_(cohort_ids), *conditions).group_by(model.cohort_id, model.university_id)
    if university_id is not None:
        query = query.where(model.university_id == university_id)
    return {(cohort_id, university): count for cohort_id, university, count in db.session.execute(query)}


VERIFIED = "certificate.verified"


def record_verification(certificate_id):
    """Count one look at a certificate's verification page (the programme's results count them): an audit
    event naming the certificate, with no actor and no address — who checks a diploma is nobody's business.

    The one exception to "GET requests never write": the verification page is what the QR code opens, so
    a count of checks can only be taken there. The view commits it after the page is rendered, and a
    failure to write it never spoils the page."""
    audit.record_at_once(VERIFIED, Certificate, certificate_id)


def verify(serial, code):
    """The certificate when serial and code both match, else None — the same work and the same answer
    whichever part is wrong (unknown, wrong code, missing, malformed)."""
    serial = serial if isinstance(serial, str) and SERIAL_PATTERN.match(serial or "") else "-"
    code = code if isinstance(code, str) and CODE_PATTERN.match(code or "") else ""
    certificate = find_by_serial(serial)
    expected = certificate.verification_code if certificate is not None else _DUMMY_CODE
    matches = hmac.compare_digest(expected.encode(), code.encode())
    return certificate if certificate is not None and matches and code else None
