"""The registrar's students (the administrator sees every university's)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from diploma.access import (
    ADMIN,
    REGISTRAR,
    STUDENT,
    covered_university_id,
    get_in_scope_or_404,
    picks_university,
    roles,
    sees_university,
    signed_in,
)
from diploma.auth import account_pages
from diploma.auth.forms import ConfirmForm
from diploma.auth.models import User
from diploma.curriculum.services import cohort_choices
from diploma.enrolment import bp, services
from diploma.enrolment.forms import StudentForm, chosen_university_id, offer_university_choice
from diploma.enrolment.models import Enrolment, Student
from diploma.extensions import db
from diploma.i18n import current_language
from diploma.markdown import render_markdown
from diploma.partners.services import university_choices
from diploma.teaching import services as teaching
from diploma.teaching.models import Material, Offering
from diploma.teaching.views import staff_offering_or_404
from diploma.uploads import send_stored
from diploma.web import (
    PAGE_SIZE,
    change_or_flash,
    int_arg,
    page_number,
    save_or_show,
    seen_answer,
)

STUDENT_FIELDS = ("email", "name_ar", "name_en", "student_number", "gender", "cohort_id")


def _page_of(query, total):
    """One page of ``query``, the total counted by the caller's cheaper query (not by wrapping ``query``)."""
    page = db.paginate(query, page=page_number(), per_page=PAGE_SIZE, error_out=False, count=False)
    page.total = total
    return page


@bp.route("/students/")
@roles(ADMIN, REGISTRAR)
def list_students():
    university_id = covered_university_id(int_arg("university"))
    search = request.args.get("q", "")
    page = _page_of(services.students_query(university_id=university_id, search=search),
                    total=services.count_students(university_id=university_id, search=search))
    universities = university_choices(current_language()) if picks_university() else None
    return render_template("enrolment/students.html", page=page, search=search, universities=universities,
                           university_id=university_id)


def _student_form(student=None):
    form = StudentForm(obj=student, data=None if student is None else {
        "email": student.user.email, "name_ar": student.user.name_ar, "name_en": student.user.name_en})
    form.cohort_id.choices = cohort_choices(current_language())
    if student is None:
        return offer_university_choice(form, current_language())
    del form.university_id
    return form


@bp.route("/students/new", methods=["GET", "POST"])
@roles(ADMIN, REGISTRAR)
def create_student():
    form = _student_form()
    if form.validate_on_submit():
        university_id = chosen_university_id(form)
        values = {name: getattr(form, name).data for name in STUDENT_FIELDS}
        saved, created = save_or_show(
            form, lambda: services.create_student_account(current_user, university_id, **values))
        if saved:
            student, token = created
            return account_pages.link_page(student.user, token, created=True)
    return render_template("enrolment/student_form.html", form=form, student=None)


@bp.route("/students/<int:student_id>", methods=["GET", "POST"])
@roles(ADMIN, REGISTRAR)
def edit_student(student_id):
    student = get_in_scope_or_404(Student, student_id)
    form = _student_form(student)
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in STUDENT_FIELDS}
        saved, _student = save_or_show(form, lambda: services.update_student(current_user, student, **values))
        if saved:
            flash(_("The student was saved."), "success")
            return redirect(url_for("enrolment.list_students"))
    return render_template("enrolment/student_form.html", form=form, student=student,
                           confirm_form=ConfirmForm())


@bp.route("/accounts/<int:user_id>/student")
@roles(ADMIN, REGISTRAR)
def edit_student_of_account(user_id):
    """The student page of an account (the accounts list links students' accounts here)."""
    student = services.student_of(db.get_or_404(User, user_id))
    if student is None or not sees_university(student.university_id):
        abort(404)
    return redirect(url_for("enrolment.edit_student", student_id=student.id))


@bp.route("/students/<int:student_id>/password-link", methods=["POST"])
@roles(ADMIN, REGISTRAR)
def student_password_link(student_id):
    return account_pages.new_password_link(get_in_scope_or_404(Student, student_id).user)


@bp.route("/students/<int:student_id>/active", methods=["POST"])
@roles(ADMIN, REGISTRAR)
def toggle_student_active(student_id):
    student = get_in_scope_or_404(Student, student_id)
    return account_pages.toggle_active(student.user, url_for("enrolment.edit_student", student_id=student.id))


# --- enrolments in an offering -------------------------------------------------------------------

@bp.route("/offerings/<int:offering_id>/students")
@roles(*teaching.STAFF)
def roster(offering_id):
    """The offering's students; its registrar (and the administrator) enrol and withdraw here."""
    offering = staff_offering_or_404(offering_id)
    search = request.args.get("q", "")
    actions = teaching.offering_actions(current_user, offering)
    candidates = services.candidates_for(offering, search) if actions.manage and search.strip() else []
    return render_template("enrolment/roster.html", offering=offering,
                           enrolments=services.enrolments_of(offering), candidates=candidates, search=search,
                           actions=actions, confirm_form=ConfirmForm(),
                           enrolled=services.active_enrolment_count(offering))


def _posted_student():
    student_id = request.form.get("student_id", "")
    if not (student_id.isascii() and student_id.isdigit() and len(student_id) < 10):
        return None
    return db.session.get(Student, int(student_id))


@bp.route("/offerings/<int:offering_id>/students", methods=["POST"])
@roles(*teaching.OFFICE)
def enrol(offering_id):
    offering = get_in_scope_or_404(Offering, offering_id)
    student = _posted_student()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if student is None or not sees_university(student.university_id):
        abort(404)
    if change_or_flash(lambda: services.enrol_student(current_user, offering, student)):
        flash(_("%(name)s is enrolled.", name=student.user.display_name(current_language())), "success")
    return redirect(url_for("enrolment.roster", offering_id=offering.id, q=request.form.get("q", "")))


@bp.route("/offerings/<int:offering_id>/students/<int:enrolment_id>/withdraw", methods=["POST"])
@roles(*teaching.OFFICE)
def withdraw(offering_id, enrolment_id):
    offering = get_in_scope_or_404(Offering, offering_id)
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.offering_id != offering.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if change_or_flash(lambda: services.withdraw_student(current_user, enrolment)):
        flash(_("The student was withdrawn; the enrolment stays in the history."), "success")
    return redirect(url_for("enrolment.roster", offering_id=offering.id))


# --- the student's courses -----------------------------------------------------------------------

def followed_offering_or_404(offering_id):
    """An offering for someone who may follow it; 404 for everyone else, also for guessed ids."""
    offering = teaching.find_offering(offering_id)
    if offering is None or not services.can_follow(current_user, offering):
        abort(404)
    return offering


@bp.route("/courses/")
@roles(STUDENT)
def my_courses():
    return render_template("enrolment/my_courses.html", courses=services.course_summaries(current_user))


@bp.route("/courses/<int:offering_id>")
@signed_in
def course_page(offering_id):
    offering = followed_offering_or_404(offering_id)
    materials = teaching.materials_of(offering)
    return render_template("enrolment/course.html", offering=offering,
                           seen_url=url_for("enrolment.course_seen", offering_id=offering.id)
                           if current_user.role == STUDENT else None,
                           lecturers=teaching.lecturer_names_of(offering),
                           groups=teaching.group_by_week(materials),
                           announcements=teaching.announcements_of(offering), render_markdown=render_markdown)


@bp.route("/courses/<int:offering_id>/seen", methods=["POST"])
@roles(STUDENT)
def course_seen(offering_id):
    """The course's page was seen (its script posts this once shown; a button without JavaScript): its
    materials are no longer new on the dashboard. A GET of the page never writes it."""
    offering = followed_offering_or_404(offering_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not services.mark_course_seen(current_user, offering):
        abort(404)
    return seen_answer(url_for("enrolment.course_page", offering_id=offering.id))


@bp.route("/courses/<int:offering_id>/materials/<int:material_id>/file")
@signed_in
def material_file(offering_id, material_id):
    offering = followed_offering_or_404(offering_id)
    material = db.session.get(Material, material_id)
    if material is None or material.offering_id != offering.id or material.kind != "file":
        abort(404)
    if material.hidden and current_user.role == STUDENT:
        abort(404)
    return send_stored(material.stored_name, material.original_name, material.content_type,
                       force_download=request.args.get("download") == "1")
