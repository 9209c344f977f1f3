"""Public verification: finding a certificate by its serial and code (the same work and answer whichever part
is wrong), counting the looks at its page, and what the page states about it: the figures
the paper prints, in the paper's words and digits (``wording.stated_figures``, the PDF's own owner), and the
signing key that signed it with its period of validity set against the certificate's dates.

A certificate has two dates: its graduation date (``issued_on``, printed «تاريخ التخرج» / "Date of
graduation"), which the registrar may set in the past, and the moment it was entered in the register and
signed (``created_at``). A key vouches for what it signed during its period, so the period is checked
against the signing; the page says so in words when the graduation date comes before the key.

A certificate re-signed after its first key was disowned (``compromise``) is shown with the key that
re-signed it, signed on the day of the re-signing, and the page says why: "Re-signed on DATE: the key that
first signed it was disowned on DATE."
"""
import functools
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date

from diploma import audit
from diploma.certificates.compromise import resigning_of
from diploma.certificates.models import Certificate
from diploma.certificates.wording import stated_figures
from diploma.extensions import db

SERIAL_PATTERN = re.compile(r"^[A-Z]{2,10}-[A-Z]{3}-\d{4}-\d{4,6}$")
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
VERIFIED = "certificate.verified"
_DUMMY_CODE = secrets.token_urlsafe(16)


def find_by_serial(serial):
    """The certificate of a serial, with its university (the verification page, the QR's target, names
    it): one statement, built once, as each look at a QR code runs it."""
    return db.session.scalar(_certificate_by_serial(), {"serial": serial})


@functools.cache
def _certificate_by_serial():
    return db.select(Certificate).where(Certificate.serial == db.bindparam("serial")) \
        .options(db.joinedload(Certificate.university))


def verify(serial, code):
    """The certificate when serial and code both match, else None — the same work and the same answer
    whichever part is wrong (unknown, wrong code, missing, malformed)."""
    serial = serial if isinstance(serial, str) and SERIAL_PATTERN.match(serial or "") else "-"
    code = code if isinstance(code, str) and CODE_PATTERN.match(code or "") else ""
    certificate = find_by_serial(serial)
    expected = certificate.verification_code if certificate is not None else _DUMMY_CODE
    matches = hmac.compare_digest(expected.encode(), code.encode())
    return certificate if certificate is not None and matches and code else None


def record_verification(certificate_id):
    """Count one look at a certificate's verification page (the programme's results count them): an audit
    event naming the certificate, with no actor and no address — who checks a diploma is nobody's business.

    The one exception to "GET requests never write": the verification page is what the QR code opens, so
    a count of checks can only be taken there. The view commits it after the page is rendered, and a
    failure to write it never spoils the page."""
    audit.record_at_once(VERIFIED, Certificate, certificate_id)


@dataclass(frozen=True)
class KeyCheck:
    """The key shown on the page and how the certificate's dates stand against its period."""

    fingerprint: str
    valid_from: date
    valid_until: date
    signed_on: date | None  # when the certificate was entered in the register and signed with this key
    signed_within: bool  # signed_on lies within [valid_from, valid_until]
    graduated_before_key: bool  # the graduation date precedes valid_from (a cohort issued afterwards)
    replaced_since: bool  # no longer the university's current key: today's downloads use the current one
    current_fingerprint: str | None
    resigned_on: date | None = None  # re-signed with this key after the first one was disowned …
    first_key_disowned_on: date | None = None  # … on this day


def _day(moment):
    return moment.date() if moment is not None else None


def key_check(certificate, current_key):
    """The key that signed the certificate when it was issued (``certificate.signing_key``, current at
    issue). A certificate issued before its university had a key is signed when downloaded, with the
    current key: that key is shown, with no signing date. None when neither exists."""
    key = certificate.signing_key or current_key
    if key is None:
        return None
    valid_from, valid_until = _day(key.not_before), _day(key.not_after)
    resigning = resigning_of(certificate)
    signed_on = _day(certificate.created_at) if certificate.signing_key is not None else None
    if resigning is not None:
        signed_on = resigning.resigned_on
    graduated_on = certificate.issued_on
    replaced = current_key is not None and current_key.id != key.id
    return KeyCheck(
        fingerprint=key.fingerprint, valid_from=valid_from, valid_until=valid_until, signed_on=signed_on,
        signed_within=signed_on is not None and valid_from <= signed_on <= valid_until,
        graduated_before_key=graduated_on < valid_from and resigning is None, replaced_since=replaced,
        current_fingerprint=current_key.fingerprint if replaced else None,
        resigned_on=resigning.resigned_on if resigning else None,
        first_key_disowned_on=resigning.disowned_on if resigning else None)


@dataclass(frozen=True)
class PaperStatement:
    """The figures of the certificate as the paper prints them in the page's language."""

    academic_year: str
    average: str
    average_in_words: str  # Arabic: the wording reads the average out only in the Arabic version
    band: str
    rank: str
    cohort_size: str
    graduated_on: str


def paper_statement(certificate, language):
    """The certificate's figures in ``language``, with the digits its paper uses (Arabic-Indic in the
    Arabic version when the programme chose them). Call with the page's language active."""
    figures = stated_figures(certificate.snapshot, language)
    return PaperStatement(academic_year=figures["academic_year"], average=figures["average"],
                          average_in_words=figures["average_in_words"], band=figures["band"],
                          rank=figures["rank"], cohort_size=figures["cohort_size"],
                          graduated_on=figures["issued_on"])
