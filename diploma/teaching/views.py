"""Offerings (registrar) and what lecturers post to them (materials, announcements)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from diploma.access import ADMIN, LECTURER, REGISTRAR, get_in_scope_or_404, roles
from diploma.auth.forms import ConfirmForm
from diploma.commit_point import after_commit
from diploma.curriculum.services import all_courses, all_terms
from diploma.extensions import db
from diploma.i18n import current_language, isolate
from diploma.markdown import render_markdown
from diploma.partners.services import university_choices
from diploma.teaching import bp, services
from diploma.teaching.forms import AnnouncementForm, MaterialForm, OfferingForm
from diploma.teaching.models import Announcement, Material, Offering
from diploma.uploads import delete_stored
from diploma.web import confirmation_page, confirmed, filled, int_arg, paginate, save_or_show

OFFERING_FIELDS = ("course_id", "term_id", "capacity", "lecturer_ids")


def staff_offering_or_404(offering_id):
    """An offering for its staff: the administrator, its university's registrar, its own lecturers."""
    offering = get_in_scope_or_404(Offering, offering_id)
    if current_user.role == LECTURER and not services.is_lecturer_of(current_user, offering):
        abort(404)
    return offering


def _content_offering_or_404(offering_id):
    """Posting and changing content: the offering's lecturers (and the administrator)."""
    offering = staff_offering_or_404(offering_id)
    if current_user.role == REGISTRAR:
        abort(403)
    return offering


# --- the registrar's offerings -------------------------------------------------------------------

@bp.route("/")
@roles(ADMIN, REGISTRAR)
def list_offerings():
    university_id = int_arg("university") if current_user.role == ADMIN else current_user.university_id
    term_id = int_arg("term")
    query = services.offerings_query(university_id=university_id, term_id=term_id)
    universities = university_choices(current_language()) if current_user.role == ADMIN else None
    return render_template("teaching/offerings.html", page=paginate(query), terms=all_terms(),
                           term_id=term_id, universities=universities, university_id=university_id)


def _offering_form(offering, university_id):
    language = current_language()
    form = OfferingForm(obj=offering, data={"lecturer_ids": [lecturer.id for lecturer in offering.lecturers]}
                        if offering else None)
    form.course_id.choices = [(c.id, f"{c.code} — {c.title(language)}") for c in all_courses()]
    form.term_id.choices = [(t.id, t.name(language)) for t in all_terms()]
    form.lecturer_ids.choices = [(u.id, u.display_name(language))
                                 for u in services.lecturers_of_university(university_id)]
    return form


def _university_for_new_offering():
    if current_user.role != ADMIN:
        return current_user.university_id
    university_id = int_arg("university")
    if university_id is None or university_id not in dict(university_choices()):
        abort(404)
    return university_id


@bp.route("/new", methods=["GET", "POST"], defaults={"offering_id": None})
@bp.route("/<int:offering_id>/edit", methods=["GET", "POST"])
@roles(ADMIN, REGISTRAR)
def edit_offering(offering_id):
    offering = get_in_scope_or_404(Offering, offering_id) if offering_id else None
    university_id = offering.university_id if offering else _university_for_new_offering()
    form = _offering_form(offering, university_id)
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in OFFERING_FIELDS}
        saved, saved_offering = save_or_show(form, lambda: services.save_offering(current_user, offering,
                                                                                  university_id, **values))
        if saved:
            flash(_("The course offering was saved."), "success")
            return redirect(url_for("teaching.offering_page", offering_id=saved_offering.id))
    return render_template("teaching/offering_form.html", form=form, offering=offering)


@bp.route("/<int:offering_id>/status", methods=["POST"])
@roles(ADMIN, REGISTRAR)
def toggle_offering_status(offering_id):
    offering = get_in_scope_or_404(Offering, offering_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.set_offering_status(current_user, offering, "closed" if offering.status == "open" else "open")
    flash(_("The course offering is closed.") if offering.status == "closed"
          else _("The course offering is open again."), "success")
    return redirect(url_for("teaching.offering_page", offering_id=offering.id))


# --- the offering page (staff) -------------------------------------------------------------------

@bp.route("/mine")
@roles(LECTURER)
def my_offerings():
    return render_template("teaching/my_offerings.html", offerings=services.offerings_taught_by(current_user))


@bp.route("/<int:offering_id>")
@roles(ADMIN, REGISTRAR, LECTURER)
def offering_page(offering_id):
    return _render_offering_page(staff_offering_or_404(offering_id), AnnouncementForm())


def _render_offering_page(offering, announcement_form):
    materials = services.materials_of(offering, include_hidden=True)
    return render_template(
        "teaching/offering.html", offering=offering, groups=services.group_by_week(materials),
        announcements=services.announcements_of(offering), render_markdown=render_markdown,
        enrolled=services.seats_taken(offering), announcement_form=announcement_form,
        confirm_form=ConfirmForm(), can_post=current_user.role != REGISTRAR, staff=True,
        manages=services.manages_offerings(current_user))


# --- materials -----------------------------------------------------------------------------------

def _material_of(offering, material_id):
    material = db.session.get(Material, material_id)
    if material is None or material.offering_id != offering.id:
        abort(404)
    return material


# The fields a kind of material does not show: left in, their errors would refuse the form unseen.
UNSHOWN_FIELDS = {"file": ("url", "body"), "link": ("body",), "text": ("url",)}


def _material_form(kind, **values):
    form = MaterialForm(**values)
    for name in UNSHOWN_FIELDS[kind]:
        delattr(form, name)
    return form


def _material_values(form):
    return {"title": form.title.data, "week": form.week.data, "topic": form.topic.data or None,
            "url": (form.url.data or None) if "url" in form else None,
            "body": (form.body.data or None) if "body" in form else None}


@bp.route("/<int:offering_id>/materials/new", methods=["GET", "POST"])
@roles(ADMIN, LECTURER)
def add_material(offering_id):
    offering = _content_offering_or_404(offering_id)
    kind = request.args.get("kind", "file")
    if kind not in ("file", "link", "text"):
        abort(404)
    form = _material_form(kind)
    if form.validate_on_submit():
        saved, _material = save_or_show(form, lambda: services.add_material(
            current_user, offering, kind, _material_values(form), form.file.data))
        if saved:
            flash(_("The material was posted."), "success")
            return redirect(url_for("teaching.offering_page", offering_id=offering.id))
    return render_template("teaching/material_form.html", form=form, offering=offering, kind=kind,
                           material=None)


@bp.route("/<int:offering_id>/materials/<int:material_id>/edit", methods=["GET", "POST"])
@roles(ADMIN, LECTURER)
def edit_material(offering_id, material_id):
    offering = _content_offering_or_404(offering_id)
    material = _material_of(offering, material_id)
    form = _material_form(material.kind, obj=material)
    if form.validate_on_submit():
        saved, _material = save_or_show(form, lambda: services.update_material(current_user, material,
                                                                               _material_values(form)))
        if saved:
            flash(_("The material was saved."), "success")
            return redirect(url_for("teaching.offering_page", offering_id=offering.id))
    return render_template("teaching/material_form.html", form=form, offering=offering, kind=material.kind,
                           material=material)


@bp.route("/<int:offering_id>/materials/<int:material_id>/hidden", methods=["POST"])
@roles(ADMIN, LECTURER)
def toggle_material_hidden(offering_id, material_id):
    offering = _content_offering_or_404(offering_id)
    material = _material_of(offering, material_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.set_material_hidden(current_user, material, not material.hidden)
    flash(_("The material is hidden from students.") if material.hidden
          else _("The material is visible to students."), "success")
    return redirect(url_for("teaching.offering_page", offering_id=offering.id))


def offering_words(offering):
    """The course, university and term that a confirmation sentence about an offering names."""
    language = current_language()
    return {"course": f"{offering.course.code} {offering.title(language)}",
            "university": offering.university.name(language), "term": offering.term.name(language)}


@bp.route("/<int:offering_id>/materials/<int:material_id>/delete", methods=["GET", "POST"])
@roles(ADMIN, LECTURER)
def delete_material(offering_id, material_id):
    offering = _content_offering_or_404(offering_id)
    material = _material_of(offering, material_id)
    if not confirmed():
        return confirmation_page(
            title=_("Delete the material"), danger=True, button=_("Delete the material"),
            sentence=filled(_("Delete the material {title} of {course} at {university}, {term}: its students "
                              "will no longer see it, and a deleted file cannot be brought back."),
                            title=isolate(material.title), **offering_words(offering)),
            cancel_url=url_for("teaching.offering_page", offering_id=offering.id))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    stored_name = services.delete_material(current_user, material)
    after_commit(lambda: delete_stored(stored_name))  # only once the deletion is committed
    flash(_("The material was deleted."), "success")
    return redirect(url_for("teaching.offering_page", offering_id=offering.id))


# --- announcements -------------------------------------------------------------------------------

@bp.route("/<int:offering_id>/announcements", methods=["POST"])
@roles(ADMIN, LECTURER)
def post_announcement(offering_id):
    offering = _content_offering_or_404(offering_id)
    form = AnnouncementForm()
    if not form.validate_on_submit():
        return _render_offering_page(offering, form), 400
    services.post_announcement(current_user, offering, form.title.data, form.body.data)
    flash(_("The announcement was posted."), "success")
    return redirect(url_for("teaching.offering_page", offering_id=offering.id))


@bp.route("/<int:offering_id>/announcements/<int:announcement_id>/delete", methods=["GET", "POST"])
@roles(ADMIN, LECTURER)
def delete_announcement(offering_id, announcement_id):
    offering = _content_offering_or_404(offering_id)
    announcement = db.session.get(Announcement, announcement_id)
    if announcement is None or announcement.offering_id != offering.id:
        abort(404)
    if not confirmed():
        return confirmation_page(
            title=_("Delete the announcement"), danger=True, button=_("Delete the announcement"),
            sentence=filled(_("Delete the announcement {title} of {course} at {university}, {term}: its "
                              "students will no longer see it."),
                            title=isolate(announcement.title), **offering_words(offering)),
            cancel_url=url_for("teaching.offering_page", offering_id=offering.id))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.delete_announcement(current_user, announcement)
    flash(_("The announcement was deleted."), "success")
    return redirect(url_for("teaching.offering_page", offering_id=offering.id))
