"""Revoking a certificate (after a confirmation page) and undoing it (reinstating, with a reason)."""
from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from diploma.access import ADMIN, REGISTRAR, roles
from diploma.certificates import bp, confirmations, revocation
from diploma.certificates.forms import ReinstateForm, RevokeForm
from diploma.certificates.views import _certificate_or_404, _detail_page
from diploma.web import confirmed, save_or_show


def _detail_url(certificate):
    return url_for("certificates.certificate_detail", serial=certificate.serial)


@bp.route("/certificates/<serial>/revoke", methods=["POST"])
@roles(ADMIN, REGISTRAR)
def revoke(serial):
    certificate = _certificate_or_404(serial)
    form = RevokeForm()
    if form.validate_on_submit():
        if not confirmed():
            return confirmations.revocation(certificate, form.reason.data, _detail_url(certificate))
        saved, _revoked = save_or_show(form, lambda: revocation.revoke_certificate(current_user, certificate,
                                                                                 form.reason.data))
        if saved:
            flash(_("The certificate %(serial)s is revoked.", serial=certificate.serial), "success")
            return redirect(_detail_url(certificate))
    return _detail_page(certificate, revoke_form=form, status=422)


@bp.route("/certificates/<serial>/reinstate", methods=["POST"])
@roles(ADMIN, REGISTRAR)
def reinstate(serial):
    """A revocation undone: the certificate of the user's university (404 for another's) is valid again."""
    certificate = _certificate_or_404(serial)
    form = ReinstateForm()
    if form.validate_on_submit():
        saved, _reinstated = save_or_show(form, lambda: revocation.reinstate_certificate(
            current_user, certificate, form.reason.data))
        if saved:
            flash(_("The certificate %(serial)s is valid again.", serial=certificate.serial), "success")
            return redirect(_detail_url(certificate))
    return _detail_page(certificate, reinstate_form=form, status=422)
