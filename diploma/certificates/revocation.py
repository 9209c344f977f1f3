"""Undoing a revocation: a certificate revoked by mistake is made valid again (reinstated), with a reason.

A certificate revoked because a corrected certificate replaced it is never reinstated: the corrected one is
the graduate's certificate (two valid certificates would state two things). The status list, the
verification page and the graduate's page read the certificate's status, so they follow at once; the
revocation itself stays in the audit trail, beside the reinstatement.
"""
from flask_babel import lazy_gettext as _l

from diploma import audit
from diploma.certificates.models import VALID, Certificate
from diploma.errors import RuleViolation
from diploma.extensions import db


def may_be_reinstated(certificate):
    """The one rule of which certificates can be reinstated: revoked, and not replaced by a correction."""
    return certificate.revoked and not certificate.replaced


def _locked(certificate):
    """The row, locked and read afresh: a reinstatement and a correction or revocation at the same moment
    wait for one another, and the second sees what the first did."""
    return db.session.scalar(db.select(Certificate).where(Certificate.id == certificate.id)
                             .with_for_update().execution_options(populate_existing=True))


def reinstate_certificate(actor, certificate, reason):
    """Make a revoked certificate valid again (the registrar of its university or the administrator: the
    caller checks who sees it). Flushes; the caller commits."""
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(_l("Give the reason for reinstating the certificate."), field="reason")
    certificate = _locked(certificate)
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
    return certificate
