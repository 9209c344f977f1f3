"""Correcting a certificate: the graduate's names as printed and the graduation date, re-issued under a new
serial in one transaction, the old certificate revoked as replaced."""
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from diploma import audit
from diploma.certificates.graduation_date import check_graduation_date
from diploma.certificates.issuing import (
    allocate_numbers,
    new_certificate,
    numbered,
    verification_url,
    with_status_indexes,
)
from diploma.certificates.revocation import locked, mark_revoked
from diploma.curriculum.models import Cohort
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.signing import keystore, status_lists

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


def _corrected_snapshot(old, correction, numbers):
    snapshot = dict(old.snapshot)
    snapshot["student"] = {**old.snapshot["student"], "name_ar": correction.name_ar,
                           "name_en": correction.name_en}
    snapshot.update(serial=numbers.serial, verification_url=verification_url(numbers.serial, numbers.code),
                    issued_on=correction.issued_on.isoformat(), replaces=old.serial)
    return snapshot


def _changes(old, correction):
    student = old.snapshot["student"]
    before = {"name_ar": student["name_ar"], "name_en": student["name_en"],
              "issued_on": old.snapshot["issued_on"]}
    after = {"name_ar": correction.name_ar, "name_en": correction.name_en,
             "issued_on": correction.issued_on.isoformat()}
    return {k: [before[k], after[k]] for k in CORRECTABLE if before[k] != after[k]}


def _checked_changes(old, correction):
    if old is None or old.revoked:
        raise RuleViolation(_l("This certificate is revoked: only a valid certificate can be corrected."))
    if not (correction.reason or "").strip():
        raise RuleViolation(_l("Give the reason for the correction."), field="reason")
    changes = _changes(old, correction)
    if not changes:
        raise RuleViolation(_l("Nothing was changed: correct the name or the date first."))
    if "issued_on" in changes:
        check_graduation_date(old.university, db.session.get(Cohort, old.cohort_id), correction.issued_on)
    return changes


def correct_certificate(actor, certificate, correction):
    """Re-issue ``certificate`` corrected, in the caller's one transaction: the old one is revoked
    ("replaced by a corrected certificate"), a new serial is taken from the same gap-free counter, the new
    certificate gets a fresh snapshot (the old one's, with the corrected names and date), a new
    verification code, a new place drawn in the revocation list and the university's current key; the
    student's record takes the corrected names; audit events link both; the university's status list is
    signed anew. Returns the new certificate."""
    old = locked(certificate)
    changes = _checked_changes(old, correction)
    mark_revoked(actor, old, REPLACED_REASON)
    db.session.flush()
    year = correction.issued_on.year
    printed = old.snapshot
    taken = numbered(printed["programme"]["code"], printed["university"]["code"], year,
                     allocate_numbers(old.university_id, year, 1)[0])
    key = keystore.current_key(old.university)
    new, = with_status_indexes(old.university_id, 1, lambda indexes: [new_certificate(
        actor, old.university, taken, _corrected_snapshot(old, correction, taken), key,
        student_id=old.student_id, programme_id=old.programme_id, cohort_id=old.cohort_id,
        issued_on=correction.issued_on, edition=old.edition + 1, replaces_id=old.id,
        status_index=indexes[0])])
    user = old.student.user
    user.name_ar, user.name_en = correction.name_ar, correction.name_en
    db.session.flush()
    reason = correction.reason.strip()
    audit.record(actor, "certificate.replaced", old, {"serial": old.serial, "replaced_by": new.serial,
                                                       "reason": reason, "changes": changes})
    audit.record(actor, "certificate.corrected", new, {"serial": new.serial, "replaces": old.serial,
                                                        "reason": reason, "changes": changes,
                                                        "student_id": new.student_id})
    status_lists.renew(old.university)  # the old one's place is set now
    return new


def changed_date(old, issued_on):
    """The graduation date typed in a correction when it differs from the certificate's, else None: the date
    rule is checked only for a date that changes (here and on the confirmation step alike)."""
    return None if issued_on is None or issued_on.isoformat() == old.snapshot["issued_on"] else issued_on
