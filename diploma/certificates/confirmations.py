"""The words of the certificates' confirmation pages (diploma.web.confirmation_page): issuing, correcting
and revoking cannot be taken back by a click, so each says first what will happen and to whom."""
from flask import request
from flask_babel import gettext as _

from diploma.arabic import format_long_date
from diploma.certificates import corrections, graduation
from diploma.certificates.graduation_date import proposed_graduation_date
from diploma.i18n import current_language, isolate
from diploma.web import confirmation_page, filled


def issue(university, cohort, student_ids, cancel_url, issued_on=None):
    """The confirmation page of an issue: how many certificates, of whom, on which graduation date (the one
    typed, else the proposal the service will use), carrying the ticked students and the date."""
    language = current_language()
    issued_on = issued_on or proposed_graduation_date(university, cohort)
    chosen = set(student_ids)
    names = [isolate(s.student.user.display_name(language))
             for s in graduation.graduation_report(university, cohort).standings if s.student.id in chosen]
    return confirmation_page(
        title=_("Issue the ticked certificates"), button=_("Issue the ticked certificates"),
        sentence=_("Issue {count} certificates of {cohort} at {university}, with consecutive serial numbers. "
                   "An issued certificate cannot be changed: only corrected (with a new serial number) or "
                   "revoked.").format(count=len(chosen), cohort=cohort.name(language),
                                      university=university.name(language)),
        details=[_("Graduation date: %(date)s", date=format_long_date(issued_on)), *names],
        carry=request.form, cancel_url=cancel_url)


def correction(certificate, form, cancel_url):
    """The confirmation page of a correction: which certificate is replaced, and what changes (None when
    nothing does: the service says so on the form)."""
    language = current_language()
    before = {**certificate.snapshot["student"], "issued_on": certificate.snapshot["issued_on"]}
    changes = []
    for name in corrections.CORRECTABLE:
        field = getattr(form, name, None)
        if field is None:
            continue
        after = field.data.isoformat() if hasattr(field.data, "isoformat") else field.data
        if str(before.get(name)) != str(after):
            changes.append(filled(_("{label}: {before}, corrected to {after}"), label=field.label.text,
                                  before=isolate(before.get(name)), after=isolate(after)))
    if not changes:
        return None
    return confirmation_page(
        title=_("Re-issue corrected"), button=_("Re-issue corrected"), danger=True,
        sentence=filled(_("Re-issue the certificate {serial} of {name} corrected: it is revoked as replaced, "
                          "and a corrected certificate with a new serial number and verification code takes "
                          "its place."), serial=isolate(certificate.serial),
                        name=isolate(certificate.snapshot["student"][f"name_{language}"])),
        details=changes, carry=request.form, cancel_url=cancel_url)


def revocation(certificate, reason, cancel_url):
    """Revoking: whose certificate, what follows, and the reason given."""
    language = current_language()
    return confirmation_page(
        title=_("Revoke the certificate"), button=_("Revoke the certificate"), danger=True,
        sentence=filled(_("Revoke the certificate {serial} of {name} ({university}): it can no longer be "
                          "printed, and the verification page and the university's revocation list show it "
                          "as revoked from now on."), serial=isolate(certificate.serial),
                        name=isolate(certificate.snapshot["student"][f"name_{language}"]),
                        university=certificate.university.name(language)),
        details=[filled(_("Reason: {reason}"), reason=isolate(reason))], carry=request.form,
        cancel_url=cancel_url)
