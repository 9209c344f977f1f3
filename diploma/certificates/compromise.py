"""A leaked key disowned (``flask --app wsgi keys compromise``): what it signed is re-signed and re-issued.

The key gets its compromise date (``SigningKey.compromised_at``; from then on every checker refuses its
tokens: ``diploma.signing.token``), its university a new current key when the leaked one was current, and
the programme's CRL signed anew by the root with the key's certificate in it (keyCompromise, from that
date: PDF readers that check revocation refuse what it signed later), the university's status list signed
with its current key, and every certificate it signed (as entered in the register, or whose kept files it
signed) is re-signed with the university's current key — the same serial, its ``signing_key_id`` moved to
the new key, its kept files signed anew (``documents.keep_documents``: the new files embed the new CRL), an
audit event for each (``certificate.resigned``) and one for the key (``signing_key.compromised``). All of it
in the caller's unit of work: a failure leaves nothing half done.

The verification page says so (``resigning_of``): "Re-signed on DATE: the key that first signed it was
disowned on DATE."
"""
from dataclasses import dataclass
from datetime import date

from diploma import audit
from diploma.audit import AuditEvent
from diploma.certificates import documents
from diploma.certificates.models import Certificate, KeptDocument
from diploma.clock import utcnow
from diploma.extensions import db
from diploma.signing import crl, keystore, status_lists

KEY_COMPROMISED = "signing_key.compromised"
RESIGNED = "certificate.resigned"


@dataclass(frozen=True)
class Resigning:
    """When a certificate was re-signed, and when the key that first signed it was disowned."""

    resigned_on: date
    disowned_on: date


def disown_key(actor, record, since):
    """Disown ``record`` (a university SigningKey) from ``since`` and re-issue what it signed; returns the
    certificates re-signed. Flushes; the caller commits (one unit of work)."""
    successor = keystore.compromise_key(record, since)
    audit.record(actor, KEY_COMPROMISED, record, {
        "fingerprint": record.fingerprint, "university": record.university.code,
        "compromised_at": since.isoformat(timespec="minutes"),
        "successor": successor.fingerprint if successor is not None else None})
    crl.publish_crl()
    status_lists.renew(record.university)
    return reissue_after_compromise(actor, record, successor)


def signed_by(record):
    """The certificates entered in the register with ``record`` as their signing key, or whose kept files
    it signed (a certificate issued before its university had a key is signed at its first keeping),
    oldest first."""
    kept_with_it = db.select(KeptDocument.certificate_id).where(KeptDocument.signing_key_id == record.id)
    return db.session.scalars(db.select(Certificate).where(
        db.or_(Certificate.signing_key_id == record.id, Certificate.id.in_(kept_with_it)))
        .order_by(Certificate.id)).all()


def reissue_after_compromise(actor, record, successor=None):
    """Every certificate ``record`` signed, re-signed with ``successor`` (the university's current key):
    same serial, the key moved, the signed documents made anew, audited. Returns them."""
    successor = successor or keystore.current_key(record.university)
    certificates = signed_by(record)
    moment = utcnow()
    for certificate in certificates:
        certificate.signing_key_id = successor.id
        certificate.signing_key = successor
        _sign_documents_again(certificate)
        audit.record(actor, RESIGNED, certificate, {
            "serial": certificate.serial, "previous_key": record.fingerprint, "key": successor.fingerprint,
            "disowned_at": record.compromised_at.isoformat(timespec="minutes"),
            "resigned_at": moment.isoformat(timespec="minutes")})
    db.session.flush()
    return certificates


def _sign_documents_again(certificate):
    """The certificate's kept files (certificate and transcript, both languages) signed anew with its
    university's current key, replacing those the disowned key signed."""
    documents.keep_documents(certificate)


def resigning_of(certificate):
    """The certificate's last re-signing after a compromise, or None. Asked only when its key is newer
    than the certificate (a key current at issue is older): no query for the others."""
    key = certificate.signing_key
    if key is None or key.created_at <= certificate.created_at:
        return None
    event = db.session.scalar(
        db.select(AuditEvent).where(AuditEvent.target_type == Certificate.__name__,
                                    AuditEvent.target_key == certificate.id, AuditEvent.action == RESIGNED)
        .order_by(AuditEvent.id.desc()).limit(1))
    if event is None:
        return None
    return Resigning(resigned_on=event.created_at.date(),
                     disowned_on=date.fromisoformat(event.data["disowned_at"][:10]))
