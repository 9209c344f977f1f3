"""Issuing certificates: gap-free serials, the statement frozen at issue, and the one order of a batch."""
import secrets
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from diploma import audit
from diploma.arabic import fold_for_search, number_in_words
from diploma.certificates.graduation import graduation_report
from diploma.certificates.graduation_date import check_graduation_date, proposed_graduation_date
from diploma.certificates.models import VALID, Certificate, SerialCounter
from diploma.certificates.qr import band_code
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.signing import keystore, status_lists
from diploma.signing.credential import STATUS_LIST_BITS
from diploma.text import format_average
from diploma.web import absolute_url

BATCH_ORDERS = ("rank", "name")
# Draws of status indexes tried when another registrar took one of them at the same moment.
DRAW_ATTEMPTS = 5


# --- serials -------------------------------------------------------------------------------------

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


# --- places in the revocation status list --------------------------------------------------------

def draw_status_indexes(university_id, count):
    """``count`` distinct places in the university's revocation status list, drawn at random (``secrets``)
    among those no certificate of the university holds: a place tells nothing of when or how many
    certificates were issued."""
    used = set(db.session.scalars(db.select(Certificate.status_index)
                                  .where(Certificate.university_id == university_id)))
    if len(used.intersection(range(STATUS_LIST_BITS))) + count > STATUS_LIST_BITS:
        raise RuleViolation(_l("The university's revocation list has no free place left."))
    drawn, taken = [], set(used)
    while len(drawn) < count:
        index = secrets.randbelow(STATUS_LIST_BITS)
        if index not in taken:
            taken.add(index)
            drawn.append(index)
    return drawn


def _still_free(university_id, indexes):
    return not db.session.scalar(db.select(db.func.count()).select_from(Certificate)
                                 .where(Certificate.university_id == university_id,
                                        Certificate.status_index.in_(indexes)))


def with_status_indexes(university_id, count, build):
    """The certificates ``build(indexes)`` adds, given ``count`` freshly drawn places, flushed. Two
    registrars issuing at once for other years (other serial counters) may draw the same place: the
    second's flush then fails on the unique place (PostgreSQL makes it wait for the first's commit), its
    certificates are taken back (a savepoint) and built again with a new draw."""
    for attempt in range(1, DRAW_ATTEMPTS + 1):
        indexes = draw_status_indexes(university_id, count)
        savepoint = db.session.begin_nested()
        try:
            certificates = build(indexes)
            db.session.flush()
        except IntegrityError:
            savepoint.rollback()
            if attempt == DRAW_ATTEMPTS or _still_free(university_id, indexes):
                raise  # not a place taken at the same moment: another clash, the caller's
            continue
        savepoint.commit()
        return certificates
    raise AssertionError("unreachable")


# --- a new certificate ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Numbered:
    """A serial taken for a new certificate, with its verification code."""

    serial: str
    year: int
    number: int
    code: str


def numbered(programme_code, university_code, year, number):
    """A serial and a fresh random verification code (128 bits)."""
    return Numbered(format_serial(programme_code, university_code, year, number), year, number,
                    secrets.token_urlsafe(16))


def new_certificate(actor, university, numbers, snapshot, key, **fields):
    """A certificate of ``university`` under ``numbers`` (``numbered``), stating ``snapshot``, valid,
    signed with ``key``, the university's current key (``keystore.current_key``, recorded: None when it has
    none); ``fields``: the student, programme, cohort, graduation date (``issued_on``), its place in the
    revocation list (``status_index``, from ``with_status_indexes``) and, for a correction, its edition and
    the one it replaces. Added to the session, not flushed."""
    certificate = Certificate(
        serial=numbers.serial, university_id=university.id, year=numbers.year, number=numbers.number,
        verification_code=numbers.code, issued_by_id=getattr(actor, "id", None), status=VALID,
        snapshot=snapshot, signing_key_id=key.id if key is not None else None, **fields)
    db.session.add(certificate)
    return certificate


def certificate_statement(standing, report, numbers, issued_on):
    """What the certificate states, frozen as its snapshot: reprints and verification read only this."""
    student, university = standing.student, report.university
    programme, cohort = report.programme, report.cohort
    average = format_average(standing.average)
    return {
        "serial": numbers.serial, "verification_url": verification_url(numbers.serial, numbers.code),
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
        "band": {"ar": standing.band.name_ar, "en": standing.band.name_en,
                 "code": band_code(standing.band.min_mark)},
        "rank": standing.rank, "cohort_size": len(report.graduates), "credits": standing.credits,
        "digits": programme.certificate_digits,
        "courses": [{"code": r.offering.course.code, "title_ar": r.offering.course.title_ar,
                     "title_en": r.offering.course.title_en, "credits": r.credits,
                     "mark": format(r.mark, ".2f"),
                     "band_ar": r.band.name_ar if r.band else "", "band_en": r.band.name_en if r.band else "",
                     "round": r.round, "term_ar": r.offering.term.name_ar, "term_en": r.offering.term.name_en}
                    for r in standing.results],
    }


# --- the order of a batch ------------------------------------------------------------------------

def batch_order_key(order, language, rank, student):
    """The one order of a batch — of the serials at issue and of the pages printed, for the web and the
    command line alike: by rank in the cohort (ties by name), or by name; names (``student["name_ar"]``,
    ``["name_en"]``) compared folded (hamza forms, tatweel, case), in the batch's language."""
    folded = fold_for_search(student[f"name_{language}"])
    return folded if order == "name" else (rank, folded)


def print_order_key(order, language):
    """The batch's order (``batch_order_key``) of issued certificates, read from their snapshots."""
    return lambda certificate: batch_order_key(order, language, certificate.snapshot["rank"],
                                               certificate.snapshot["student"])


def _issue_order_key(standing):
    """Serials follow the batch's print order by rank in Arabic, the first language of the paper."""
    user = standing.student.user
    return batch_order_key("rank", "ar", standing.rank, {"name_ar": user.name_ar, "name_en": user.name_en})


# --- issuing -------------------------------------------------------------------------------------

def _chosen_standings(report, student_ids):
    chosen = [s for s in report.standings if s.student.id in set(student_ids)]
    if not chosen or len(chosen) != len(set(student_ids)):
        raise RuleViolation(_l("Choose students of this cohort at your university."))
    for standing in chosen:
        name = standing.student.user.name_ar
        if standing.certificate is not None:
            raise RuleViolation(_l("%(name)s already has a certificate.", name=name))
        if not standing.eligible:
            raise RuleViolation(_l("%(name)s cannot graduate yet.", name=name))
    return sorted(chosen, key=_issue_order_key)


def issue_certificates(actor, university, cohort, student_ids, issued_on=None):
    """Issue the certificates of the chosen eligible students in one go: all of them or none. ``issued_on``
    is the graduation date (the proposed one when not given), checked by graduation_date."""
    issued_on = issued_on or proposed_graduation_date(university, cohort)
    check_graduation_date(university, cohort, issued_on)
    report = graduation_report(university, cohort)
    chosen = _chosen_standings(report, student_ids)
    numbers = allocate_numbers(university.id, issued_on.year, len(chosen))
    key = keystore.current_key(university)

    def build(indexes):
        certificates = []
        for standing, number, index in zip(chosen, numbers, indexes, strict=True):
            taken = numbered(report.programme.code, university.code, issued_on.year, number)
            certificates.append(new_certificate(
                actor, university, taken, certificate_statement(standing, report, taken, issued_on), key,
                student_id=standing.student.id, programme_id=report.programme.id, cohort_id=cohort.id,
                issued_on=issued_on, status_index=index))
        return certificates

    certificates = with_status_indexes(university.id, len(chosen), build)
    status_lists.ensure(university)
    for certificate in certificates:
        audit.record(actor, "certificate.issued", certificate, {"serial": certificate.serial,
                                                                 "student_id": certificate.student_id})
    return certificates


# --- the register --------------------------------------------------------------------------------

def certificates_of(university_id=None, cohort_id=None):
    query = db.select(Certificate).order_by(Certificate.year, Certificate.number)
    if university_id is not None:
        query = query.where(Certificate.university_id == university_id)
    if cohort_id is not None:
        query = query.where(Certificate.cohort_id == cohort_id)
    return db.session.scalars(query).all()


def printable_certificates(university_id, cohort_id, *, order="rank", language="ar"):
    """The cohort's certificates at the university that may be printed, in the batch's order."""
    return sorted((c for c in certificates_of(university_id, cohort_id) if c.printable),
                  key=print_order_key(order, language))


def current_certificate_of(student):
    """The student's certificate that counts today: the newest, not replaced by a correction (or None)."""
    return db.session.scalar(db.select(Certificate).where(Certificate.student_id == student.id,
                                                          Certificate.current())
                             .order_by(Certificate.edition.desc()))
