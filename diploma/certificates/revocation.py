"""Revoking a certificate, and undoing a revocation: a certificate revoked by mistake is made valid again
(reinstated), with a reason.

A certificate revoked because a corrected certificate replaced it is never reinstated: the corrected one is
the graduate's certificate (two valid certificates would state two things). The status list, the
verification page and the graduate's page read the certificate's status, so they follow at once; the
university's signed status list is signed anew in the same transaction (``status_lists.renew``); the
revocation itself stays in the audit trail, beside the reinstatement.
"""
from flask_babel import lazy_gettext as _l

from diploma import audit
from diploma.certificates.models import REVOKED, VALID, Certificate
from diploma.clock import utcnow
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.signing import status_lists


def locked(certificate):
    """The certificate's row, locked until the transaction ends and read afresh: of two changes at the
    same moment (revocation, reinstatement, correction), the second waits here and then sees what the
    first did."""
    return db.session.scalar(db.select(Certificate).where(Certificate.id == certificate.id)
                             .with_for_update().execution_options(populate_existing=True))


def mark_revoked(actor, certificate, reason):
    """The revocation's fields: status, when, why and by whom (revoking, and replacing by a correction)."""
    certificate.status, certificate.revoked_at = REVOKED, utcnow()
    certificate.revoked_reason, certificate.revoked_by_id = reason, getattr(actor, "id", None)


def revoke_certificate(actor, certificate, reason):
    """Revoke a valid certificate, with a reason. Its row is locked first: a correction or another
    revocation at the same moment waits, then finds it revoked. Flushes; the caller commits."""
    certificate = locked(certificate)
    if certificate.revoked:
        raise RuleViolation(_l("This certificate is already revoked."))
    if not (reason or "").strip():
        raise RuleViolation(_l("Give the reason for revoking the certificate."), field="reason")
    mark_revoked(actor, certificate, reason.strip())
    db.session.flush()
    audit.record(actor, "certificate.revoked", certificate, {"serial": certificate.serial,
                                                              "reason": certificate.revoked_reason})
    status_lists.renew(certificate.university)
    return certificate


def revoked_indexes(university):
    """The university's revoked certificates as indexes of its revocation status list (their
    ``status_index``): what ``diploma.signing`` publishes, signed."""
    return set(db.session.scalars(db.select(Certificate.status_index)
                                  .where(Certificate.university_id == university.id,
                                         Certificate.status == REVOKED)))


def may_be_reinstated(certificate):
    """The one rule of which certificates can be reinstated: revoked, and not replaced by a correction."""
    return certificate.revoked and not certificate.replaced


def reinstate_certificate(actor, certificate, reason):
    """Make a revoked certificate valid again (the registrar of its university or the administrator: the
    caller checks who sees it). Flushes; the caller commits."""
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(_l("Give the reason for reinstating the certificate."), field="reason")
    certificate = locked(certificate)
    if certificate is None or not certificate.revoked:
        raise RuleViolation(_l("This certificate is not revoked."))
    if certificate.replaced:
        raise RuleViolation(_l("This certificate was replaced by a corrected certificate: it cannot be "
                               "reinstated."))
    revocation = {"revoked_at": certificate.revoked_at.isoformat() if certificate.revoked_at else None,
                  "revoked_reason": certificate.revoked_reason, "revoked_by_id": certificate.revoked_by_id}
    certificate.status = VALID
    certificate.revoked_at = certificate.revoked_reason = certificate.revoked_by_id = None
    db.session.flush()
    audit.record(actor, "certificate.reinstated", certificate,
                 {"serial": certificate.serial, "reason": reason, **revocation})
    status_lists.renew(certificate.university)
    return certificate
