"""Logging in and out, choosing a password, the interface language."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from diploma.access import public, signed_in
from diploma.auth import bp, services
from diploma.auth.forms import ConfirmForm, LanguageForm, LoginForm, SetPasswordForm
from diploma.extensions import limiter
from diploma.i18n import LANGUAGE_COOKIE, isolate, supported_languages
from diploma.web import confirmation_page, confirmed, filled, is_safe_next, save_or_show

ONE_YEAR = 365 * 24 * 3600


def _login_account_key():
    return "login-account:" + services.normalize_email(request.form.get("email", ""))[:254]


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], methods=["POST"],
               key_func=_login_account_key)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            services.start_login_session(user, remember=form.remember.data)
            login_user(user, remember=form.remember.data)
            next_url = request.args.get("next")
            return redirect(next_url if is_safe_next(next_url) else url_for("dashboard.dashboard"))
        form.password.errors.append(_("The e-mail address or the password is wrong."))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@signed_in
def logout():
    return _log_out(services.end_login_session, _("You have logged out."))


def _log_out(end_sessions, message):
    """Once the form is valid: ``end_sessions`` of the account (this one, or all), forget the login in this
    browser and say so; then the login page."""
    if ConfirmForm().validate_on_submit():
        end_sessions(current_user._get_current_object())
        logout_user()
        flash(message, "info")
    return redirect(url_for("auth.login"))


@bp.route("/logout/everywhere", methods=["GET", "POST"])
@signed_in
def logout_everywhere():
    """Every session of the account ends, on every device (a lost phone, a shared computer), once
    confirmed."""
    if not confirmed():
        return confirmation_page(
            title=_("Log out of all devices"), button=_("Log out of all devices"),
            sentence=filled(_("End every session of your account {email}, on this device and on every other "
                              "one: you will have to log in again everywhere."),
                            email=isolate(current_user.email)),
            cancel_url=url_for("dashboard.dashboard"))
    return _log_out(services.end_all_login_sessions, _("You have logged out on every device."))


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@public
def set_password(token):
    user = services.user_from_password_token(token)
    if user is None:
        return render_template("auth/link_invalid.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        saved, _user = save_or_show(form, lambda: services.set_password(user, form.password.data))
        if saved:
            logout_user()
            flash(_("Your password is set. You can log in now."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, user=user,
                           min_length=current_app.config["PASSWORD_MIN_LENGTH"])


@bp.route("/language", methods=["POST"])
@public
def switch_language():
    form = LanguageForm()
    if not form.validate_on_submit() or form.language.data not in supported_languages():
        abort(400)
    if current_user.is_authenticated:
        services.set_user_locale(current_user, form.language.data)
    # Without a page to return to (one shown after a POST), go home: the dashboard, or the login page
    # for a visitor who is not logged in (not /dashboard, which would greet them with "please log in").
    target = form.next.data if is_safe_next(form.next.data) else url_for("dashboard.home")
    response = redirect(target)
    response.set_cookie(LANGUAGE_COOKIE, form.language.data, max_age=ONE_YEAR, samesite="Lax",
                        httponly=True, secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response
