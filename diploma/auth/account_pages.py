"""The account pages the administrator's staff list and the registrar's students list share: a new
set-password link shown once, and activating or deactivating an account. The rules are auth.services';
these are the two views' common halves, so that both lists behave alike."""
from flask import abort, flash, redirect, render_template
from flask_login import current_user

from diploma.auth import services
from diploma.auth.forms import ConfirmForm
from diploma.web import activation_message, change_or_flash


def link_page(user, token, created):
    """The one-time display of a set-password link (after creating the account, or on request)."""
    return render_template("auth/password_link.html", user=user, token=token, created=created)


def new_password_link(user):
    """POST: a new set-password link for ``user`` (whom the caller has found in its scope)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    token = services.make_password_token(current_user, user)
    return link_page(user, token, created=False)


def toggle_active(user, back_to):
    """POST: activate a deactivated account, or deactivate an active one (its sessions end); back to
    ``back_to``."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if change_or_flash(lambda: services.set_user_active(current_user, user, not user.active)):
        flash(activation_message(user), "success")
    return redirect(back_to)
