"""The registrar's students (the administrator sees every university's)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from diploma.access import ADMIN, REGISTRAR, get_in_scope_or_404, roles
from diploma.auth import services as accounts
from diploma.auth.forms import ConfirmForm
from diploma.curriculum.services import cohort_choices
from diploma.enrolment import bp, services
from diploma.enrolment.forms import StudentForm
from diploma.enrolment.models import Student
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.i18n import current_language
from diploma.partners.services import university_choices
from diploma.web import activation_message, apply_rule_violation, int_arg, paginate

STUDENT_FIELDS = ("email", "name_ar", "name_en", "student_number", "gender", "cohort_id")


def _is_admin():
    return current_user.role == ADMIN


@bp.route("/")
@roles(ADMIN, REGISTRAR)
def list_students():
    university_id = int_arg("university") if _is_admin() else current_user.university_id
    search = request.args.get("q", "")
    query = services.students_query(university_id=university_id, search=search)
    return render_template("enrolment/students.html", page=paginate(query), search=search,
                           universities=university_choices(current_language()) if _is_admin() else None,
                           university_id=university_id)


def _student_form(student=None):
    form = StudentForm(obj=student, data=None if student is None else {
        "email": student.user.email, "name_ar": student.user.name_ar, "name_en": student.user.name_en})
    form.cohort_id.choices = cohort_choices(current_language())
    if _is_admin() and student is None:
        form.university_id.choices = university_choices(current_language())
    else:
        del form.university_id
    return form


@bp.route("/new", methods=["GET", "POST"])
@roles(ADMIN, REGISTRAR)
def create_student():
    form = _student_form()
    if form.validate_on_submit():
        university_id = form.university_id.data if _is_admin() else current_user.university_id
        try:
            student = services.create_student(current_user, university_id,
                                              **{name: getattr(form, name).data for name in STUDENT_FIELDS})
            token = accounts.make_password_token(current_user, student.user)
        except RuleViolation as violation:
            db.session.rollback()
            apply_rule_violation(form, violation)
        else:
            db.session.commit()
            return render_template("auth/password_link.html", user=student.user, token=token, created=True)
    return render_template("enrolment/student_form.html", form=form, student=None)


@bp.route("/<int:student_id>", methods=["GET", "POST"])
@roles(ADMIN, REGISTRAR)
def edit_student(student_id):
    student = get_in_scope_or_404(Student, student_id)
    form = _student_form(student)
    if form.validate_on_submit():
        try:
            services.update_student(current_user, student,
                                    **{name: getattr(form, name).data for name in STUDENT_FIELDS})
        except RuleViolation as violation:
            db.session.rollback()
            apply_rule_violation(form, violation)
        else:
            db.session.commit()
            flash(_("The student was saved."), "success")
            return redirect(url_for("enrolment.list_students"))
    return render_template("enrolment/student_form.html", form=form, student=student,
                           confirm_form=ConfirmForm())


@bp.route("/<int:student_id>/password-link", methods=["POST"])
@roles(ADMIN, REGISTRAR)
def student_password_link(student_id):
    student = get_in_scope_or_404(Student, student_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    token = accounts.make_password_token(current_user, student.user)
    db.session.commit()
    return render_template("auth/password_link.html", user=student.user, token=token, created=False)


@bp.route("/<int:student_id>/active", methods=["POST"])
@roles(ADMIN, REGISTRAR)
def toggle_student_active(student_id):
    student = get_in_scope_or_404(Student, student_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    accounts.set_user_active(current_user, student.user, not student.user.active)
    db.session.commit()
    flash(activation_message(student.user), "success")
    return redirect(url_for("enrolment.edit_student", student_id=student.id))
