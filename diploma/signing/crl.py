"""The programme's certificate revocation list (CRL), signed by the root (RFC 5280).

It lists the university certificates whose key was disowned (``SigningKey.compromised_at``), each revoked
for key compromise from that moment. A key's retirement (rotation) is NOT in it: a retired key signed
honestly until it was retired, and what it signed must stay valid for life; only a leak makes a certificate
revoked. Validators (pyHanko, Acrobat, poppler) read the list from the signature itself (PAdES B-LT: the
list current at signing is embedded) or from its address, named in each university certificate made since
(the CRL Distribution Point extension, an absolute URL on PUBLIC_BASE_URL: /keys/programme.crl).

The list is kept in the database (``ProgrammeCrl``) as signed, made anew when a key is disowned
(``publish_crl``) and by the worker before it lapses (``renew_crl_if_due``: valid ``CRL_DAYS``, renewed
when fewer than ``RENEW_BEFORE_DAYS`` are left). Nothing here commits: the caller's unit of work does.
"""
from datetime import timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import CRLEntryExtensionOID
from sqlalchemy.exc import IntegrityError

from diploma import clock
from diploma.extensions import db
from diploma.signing import keystore
from diploma.signing.models import UNIVERSITY, ProgrammeCrl, SigningKey

CRL_DAYS = 7
RENEW_BEFORE_DAYS = 2
CRL_MIMETYPE = "application/pkix-crl"


def current_crl():
    """The newest list made (or None)."""
    return db.session.scalar(db.select(ProgrammeCrl).order_by(ProgrammeCrl.number.desc()).limit(1))


def disowned_keys():
    return db.session.scalars(db.select(SigningKey).where(SigningKey.kind == UNIVERSITY,
                                                          SigningKey.compromised_at.is_not(None))
                              .order_by(SigningKey.id)).all()


def _revoked_entry(record):
    return (x509.RevokedCertificateBuilder()
            .serial_number(keystore.load_certificate(record).serial_number)
            .revocation_date(record.compromised_at)
            .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
            .build())


def _signed_list(number, this_update, next_update):
    root = keystore.root_key()
    root_certificate = keystore.load_certificate(root)
    builder = (x509.CertificateRevocationListBuilder().issuer_name(root_certificate.subject)
               .last_update(this_update).next_update(next_update)
               .add_extension(x509.CRLNumber(number), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_certificate.public_key()),
                              critical=False))
    for record in disowned_keys():
        builder = builder.add_revoked_certificate(_revoked_entry(record))
    return builder.sign(keystore.root_private_key(), hashes.SHA256())


def publish_crl():
    """A new list, signed by the root now, valid CRL_DAYS: added (flushed) and returned. Two made at the
    same moment: the one that took the number stands, the other is dropped and the standing one returned."""
    previous = current_crl()
    number = previous.number + 1 if previous is not None else 1
    this_update = clock.utcnow().replace(microsecond=0)
    next_update = this_update + timedelta(days=CRL_DAYS)
    signed = _signed_list(number, this_update, next_update)
    record = ProgrammeCrl(number=number, der=signed.public_bytes(serialization.Encoding.DER),
                          this_update=this_update, next_update=next_update)
    savepoint = db.session.begin_nested()
    try:
        db.session.add(record)
        db.session.flush()
        savepoint.commit()
    except IntegrityError:
        savepoint.rollback()
        return current_crl()
    return record


def renew_crl_if_due():
    """The worker's step: a new list when there is none, or fewer than RENEW_BEFORE_DAYS are left of the
    current one. Returns the new list, or None when the current one stands (or there is no root yet)."""
    if keystore.root_key() is None:
        return None
    current = current_crl()
    if current is not None and current.next_update - clock.utcnow() > timedelta(days=RENEW_BEFORE_DAYS):
        return None
    return publish_crl()


def publish_first_crl(root):
    """The first list, empty, when the root is made (``keystore.root_created``)."""
    publish_crl()


def crl_for_signing():
    """The list to embed in a signature made now (DER): the current one, or a new one when there is none or
    it has lapsed (never an expired list in a new signature)."""
    current = current_crl()
    if current is None or current.next_update <= clock.utcnow():
        current = publish_crl()
    return current.der


def revoked_serials(der):
    """{serial number: (revocation date, reason)} listed in a CRL (for tests and the command line)."""
    crl = x509.load_der_x509_crl(der)
    listed = {}
    for entry in crl:
        try:
            reason = entry.extensions.get_extension_for_oid(CRLEntryExtensionOID.CRL_REASON).value.reason
        except x509.ExtensionNotFound:
            reason = None
        listed[entry.serial_number] = (entry.revocation_date_utc, reason)
    return listed
