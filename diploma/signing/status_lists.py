"""The universities' revocation status lists, signed only when they change and kept as signed.

A list is signed in the transaction of the change that alters it (a revocation, a reinstatement, a
correction: ``renew``), or made at a university's first issue (``ensure``), and stored (``StatusList``):
every fetch serves the same bytes, with a strong ETag, until the next change. Each list is valid for a week
(its ``validUntil``); the worker's periodic step (``renew_due``) signs again the lists with less than
RENEW_BEFORE left, and makes those that are missing. A GET never writes: a list that is missing or past its
``validUntil`` (the worker stopped for days) is signed for that answer only and not kept (``served``).

Signing knows no certificate: the revoked indexes come from the function ``create_app`` hands over
(``app.extensions[REVOKED_INDEXES]``, the certificates' ``revocation.revoked_indexes``).

Two changes at the same moment: the list's row is locked before the revoked indexes are read, so the second
waits for the first to commit and then reads its revocation too (PostgreSQL reads what is committed at each
statement); the first list of a university is inserted in a savepoint, and the one who loses that race
locks the winner's row and signs again.
"""
import functools
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy.exc import IntegrityError

from diploma.clock import utcnow
from diploma.extensions import db
from diploma.partners.models import University
from diploma.signing import credential, keystore
from diploma.signing.errors import SigningError
from diploma.signing.models import UNIVERSITY, SigningKey, StatusList

log = logging.getLogger(__name__)

# Where the app keeps the function that lists a university's revoked certificates as status-list indexes:
# signing knows no certificate, so ``create_app`` hands it the certificates' own (``revocation``).
REVOKED_INDEXES = "diploma.revoked_indexes"
# The worker signs a list again when less than this is left before its validUntil.
RENEW_BEFORE = timedelta(days=2)
# A fetched list may be kept by caches this long at most (and never past its validUntil).
MAX_AGE = 300


@dataclass(frozen=True)
class ServedList:
    """What a fetch answers: the signed list, its strong ETag, when it was signed and until when it holds;
    ``kept`` False for a list signed for one answer only (not stored: not cacheable)."""

    token: str
    etag: str
    signed_at: datetime
    valid_until: datetime
    kept: bool = True

    def max_age(self, now):
        """Seconds a cache may keep it: MAX_AGE, or less when its validUntil comes sooner."""
        return max(0, min(MAX_AGE, int((self.valid_until - now).total_seconds())))


def _signer_or_none(university):
    try:
        return keystore.signer_for(university)
    except SigningError:
        return None


def _signed(university, signer, moment):
    """The list signed now: its token, ETag, signing time and validUntil (naive UTC, whole seconds)."""
    moment = moment.replace(microsecond=0)
    revoked = current_app.extensions[REVOKED_INDEXES](university)
    token = credential.signed_status_list(university, signer, revoked, moment)
    return ServedList(token, hashlib.sha256(token.encode("ascii")).hexdigest(), moment,
                      moment + credential.STATUS_LIST_VALID_FOR)


def _store(row, signed):
    row.token, row.etag, row.signed_at, row.valid_until = (signed.token, signed.etag, signed.signed_at,
                                                           signed.valid_until)


def _locked(university_id):
    return db.session.scalar(db.select(StatusList).where(StatusList.university_id == university_id)
                             .with_for_update().execution_options(populate_existing=True))


def _inserted(university, signer):
    """The university's first list, inserted in a savepoint; None when another transaction inserted it at
    the same moment (its row exists now)."""
    savepoint = db.session.begin_nested()
    try:
        row = StatusList(university_id=university.id)
        _store(row, _signed(university, signer, utcnow()))
        db.session.add(row)
        db.session.flush()
    except IntegrityError:
        savepoint.rollback()
        return None
    savepoint.commit()
    return row


def renew(university):
    """Sign the university's list anew and keep it, in the caller's transaction (the change that alters it,
    or the worker's step): its row locked first, then the revoked indexes read. Returns the stored row, or
    None when nothing can be signed (no key, no passphrase or a wrong one): then the kept list, which no
    longer tells the truth, is dropped, and fetches answer 404 (checkers say "revocation unknown") rather
    than an old "not revoked"."""
    signer = _signer_or_none(university)
    if signer is None:
        db.session.execute(db.delete(StatusList).where(StatusList.university_id == university.id))
        return None
    row = _locked(university.id)
    if row is None:
        row = _inserted(university, signer)
        if row is not None:
            return row
        row = _locked(university.id)
    _store(row, _signed(university, signer, utcnow()))
    db.session.flush()
    return row


def ensure(university):
    """Make the university's list if it has none yet (at its first issue: the credentials issued point to
    it); an existing list is left as it is (a new certificate is not revoked: the list does not change)."""
    if keystore.current_key(university) is None or db.session.get(StatusList, university.id) is not None:
        return  # no key yet: its first fetch or the worker signs it, once the university has one
    signer = _signer_or_none(university)
    if signer is not None:
        _inserted(university, signer)


def served(university):
    """What a fetch of the university's list answers: the kept list while it holds; a list signed for this
    answer only (``kept`` False) when none is kept or the kept one is past its validUntil; None when the
    university has no signing key. Writes nothing."""
    row = db.session.get(StatusList, university.id)
    now = utcnow()
    if row is not None and row.valid_until > now:
        return ServedList(row.token, row.etag, row.signed_at, row.valid_until)
    signer = _signer_or_none(university)
    if signer is None:
        return None
    if row is not None:
        log.warning("the status list of %s is past its validUntil: is the worker running?", university.code)
    signed = _signed(university, signer, now)
    return ServedList(signed.token, signed.etag, signed.signed_at, signed.valid_until, kept=False)


def revoked_in(token):
    """The indexes set in a signed list (its ``encodedList``)."""
    encoded = credential.credential_json(token)["credentialSubject"]["encodedList"]
    bits = credential.decode_status_list(encoded)
    return [offset * 8 + bit for offset, byte in enumerate(bits) if byte for bit in range(8)
            if byte & (0x80 >> bit)]


@dataclass(frozen=True)
class ServedDocument:
    """A key's Data Integrity status list as served: its bytes, strong ETag and the kept list it states."""

    body: bytes
    etag: str
    listed: ServedList


def served_data_integrity(university, record):
    """The list of the credentials proved by ``record``'s Ed25519 twin (what the DCC verifier reads), stating
    exactly what the kept list states (``served``: the same revoked indexes, validFrom and validUntil), so
    that it too is the same bytes at every fetch (Ed25519 signatures are deterministic), made once per
    process and kept list. None when the key proves nothing (no twin, compromised) or nothing is signed."""
    listed = served(university)
    if listed is None or record.compromised or not record.ed25519_public_key:
        return None
    body = _data_integrity_body(university.id, record.id, listed.etag) if listed.kept else \
        _data_integrity_bytes(university, record, listed)
    return ServedDocument(body, hashlib.sha256(body).hexdigest(), listed)


def _data_integrity_bytes(university, record, listed):
    secured = credential.data_integrity_status_list(university, record, revoked_in(listed.token),
                                                    issued_at=listed.signed_at,
                                                    valid_until=listed.valid_until)
    return credential.data_integrity_json(secured).encode("utf-8")


@functools.lru_cache(maxsize=64)
def _data_integrity_body(university_id, key_id, etag):
    """Made once per kept list (its ``etag``) and key: a proof costs tens of milliseconds."""
    university, record = db.session.get(University, university_id), db.session.get(SigningKey, key_id)
    return _data_integrity_bytes(university, record, served(university))


def due(now=None):
    """The universities with a current key whose list is missing or has less than RENEW_BEFORE left."""
    now = now or utcnow()
    with_key = db.select(SigningKey.university_id).where(SigningKey.kind == UNIVERSITY,
                                                         SigningKey.retired_at.is_(None))
    return db.session.scalars(
        db.select(University).outerjoin(StatusList, StatusList.university_id == University.id)
        .where(University.id.in_(with_key),
               db.or_(StatusList.university_id.is_(None), StatusList.valid_until < now + RENEW_BEFORE))
        .order_by(University.id)).all()


def renew_due(now=None):
    """The worker's periodic step: sign anew the lists that are due (``due``); the caller's unit of work
    commits. Returns the codes of the universities whose list was signed."""
    renewed = [university.code for university in due(now) if renew(university) is not None]
    if renewed:
        log.info("status lists signed anew: %s", ", ".join(renewed))
    return renewed
