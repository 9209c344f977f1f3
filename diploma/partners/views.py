"""The administrator's pages: universities and accounts."""
from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from diploma.access import ADMIN, ROLES, roles, signed_in
from diploma.auth import account_pages
from diploma.auth import services as accounts
from diploma.auth.forms import ConfirmForm, UserForm
from diploma.auth.models import User
from diploma.extensions import db
from diploma.i18n import current_language
from diploma.partners import bp, services
from diploma.partners.forms import UniversityForm
from diploma.partners.models import University
from diploma.web import paginate, save_or_show


@bp.route("/universities")
@roles(ADMIN)
def list_universities():
    return render_template("partners/universities.html", universities=services.all_universities())


def _save_university_from(form, university):
    signatories = [entry.data for entry in form.signatories]
    values = {name: getattr(form, name).data for name in services.UNIVERSITY_FIELDS}
    university = services.save_university(current_user, university, values, signatories)
    if form.logo.data:
        services.save_logo(current_user, university, form.logo.data)
    return university


@bp.route("/universities/new", methods=["GET", "POST"], defaults={"university_id": None})
@bp.route("/universities/<int:university_id>", methods=["GET", "POST"])
@roles(ADMIN)
def edit_university(university_id):
    university = db.get_or_404(University, university_id) if university_id else None
    form = UniversityForm(obj=university)
    if form.validate_on_submit():
        saved, _university = save_or_show(form, lambda: _save_university_from(form, university))
        if saved:
            flash(_("The university was saved."), "success")
            return redirect(url_for("partners.list_universities"))
    return render_template("partners/university_form.html", form=form, university=university)


@bp.route("/universities/<int:university_id>/logo")
@signed_in
def university_logo(university_id):
    university = db.get_or_404(University, university_id)
    path = services.logo_path(university)
    if path is None:
        abort(404)
    return send_file(path, max_age=3600)


# --- accounts ------------------------------------------------------------------------------------

@bp.route("/users")
@roles(ADMIN)
def list_users():
    role = request.args.get("role") if request.args.get("role") in ROLES else None
    page = paginate(accounts.users_query(role=role, search=request.args.get("q", "")))
    return render_template("partners/users.html", page=page, role=role, roles=ROLES,
                           universities=services.universities_by_id(u.university_id for u in page.items),
                           search=request.args.get("q", ""))


def _user_form(user=None):
    form = UserForm(obj=user)
    form.role.choices = [(value, label) for value, label in form.role.choices
                         if value in accounts.STAFF_ROLES]
    form.university_id.choices = [(None, "—")] + services.university_choices(current_language())
    return form


def _user_values(form):
    return {"email": form.email.data, "name_ar": form.name_ar.data, "name_en": form.name_en.data,
            "role": form.role.data, "university_id": form.university_id.data}


@bp.route("/users/new", methods=["GET", "POST"])
@roles(ADMIN)
def create_user():
    form = _user_form()
    if form.validate_on_submit():
        saved, created = save_or_show(form, lambda: accounts.create_staff_account(current_user,
                                                                                  **_user_values(form)))
        if saved:
            return account_pages.link_page(*created, created=True)
    return render_template("partners/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles(ADMIN)
def edit_user(user_id):
    user = db.get_or_404(User, user_id)
    if user.role == "student":
        return redirect(url_for("enrolment.edit_student_of_account", user_id=user.id))
    form = _user_form(user)
    if form.validate_on_submit():
        values = _user_values(form)
        saved, _user = save_or_show(form, lambda: accounts.update_user(current_user, user, **values))
        if saved:
            flash(_("The account was saved."), "success")
            return redirect(url_for("partners.list_users"))
    return render_template("partners/user_form.html", form=form, user=user, confirm_form=ConfirmForm())


@bp.route("/users/<int:user_id>/password-link", methods=["POST"])
@roles(ADMIN)
def user_password_link(user_id):
    return account_pages.new_password_link(db.get_or_404(User, user_id))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@roles(ADMIN)
def toggle_user_active(user_id):
    user = db.get_or_404(User, user_id)
    return account_pages.toggle_active(user, url_for("partners.edit_user", user_id=user.id))
