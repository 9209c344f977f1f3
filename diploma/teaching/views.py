"""Offerings (registrar) and what lecturers post to them (materials, announcements)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from diploma.access import (
    LECTURER,
    covered_university_id,
    get_in_scope_or_404,
    picks_university,
    roles,
)
from diploma.auth.forms import ConfirmForm
from diploma.commit_point import after_commit
from diploma.curriculum.services import all_courses, all_terms
from diploma.extensions import db
from diploma.i18n import current_language, isolate
from diploma.markdown import render_markdown
from diploma.partners.services import covered_university_or_404, university_choices
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


def _done(offering, message):
    """After a change: say what was done, back on the offering's page."""
    flash(message, "success")
    return redirect(url_for("teaching.offering_page", offering_id=offering.id))


# --- the registrar's offerings -------------------------------------------------------------------

@bp.route("/")
@roles(*services.OFFICE)
def list_offerings():
    university_id = covered_university_id(int_arg("university"))
    term_id = int_arg("term")
    query = services.offerings_query(university_id=university_id, term_id=term_id)
    universities = university_choices(current_language()) if picks_university() else None
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
    return covered_university_or_404(int_arg("university")).id


@bp.route("/new", methods=["GET", "POST"], defaults={"offering_id": None})
@bp.route("/<int:offering_id>/edit", methods=["GET", "POST"])
@roles(*services.OFFICE)
def edit_offering(offering_id):
    offering = get_in_scope_or_404(Offering, offering_id) if offering_id else None
    university_id = offering.university_id if offering else _university_for_new_offering()
    form = _offering_form(offering, university_id)
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in OFFERING_FIELDS}
        saved, saved_offering = save_or_show(form, lambda: services.save_offering(current_user, offering,
                                                                                  university_id, **values))
        if saved:
            return _done(saved_offering, _("The course offering was saved."))
    return render_template("teaching/offering_form.html", form=form, offering=offering)


@bp.route("/<int:offering_id>/status", methods=["POST"])
@roles(*services.OFFICE)
def toggle_offering_status(offering_id):
    offering = get_in_scope_or_404(Offering, offering_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.set_offering_status(current_user, offering, "closed" if offering.is_open else "open")
    return _done(offering, _("The course offering is closed.") if not offering.is_open
                 else _("The course offering is open again."))


# --- the offering page (staff) -------------------------------------------------------------------

@bp.route("/mine")
@roles(LECTURER)
def my_offerings():
    return render_template("teaching/my_offerings.html", offerings=services.offerings_taught_by(current_user))


@bp.route("/<int:offering_id>")
@roles(*services.STAFF)
def offering_page(offering_id):
    return _render_offering_page(staff_offering_or_404(offering_id), AnnouncementForm())


def _render_offering_page(offering, announcement_form):
    materials = services.materials_of(offering, include_hidden=True)
    return render_template(
        "teaching/offering.html", offering=offering, groups=services.group_by_week(materials),
        announcements=services.announcements_of(offering), render_markdown=render_markdown,
        enrolled=services.seats_taken(offering), announcement_form=announcement_form,
        confirm_form=ConfirmForm(), actions=services.offering_actions(current_user, offering), staff=True)


# --- materials -----------------------------------------------------------------------------------

def _posted_or_404(offering, model, record_id):
    """A material or an announcement (``model``) of this offering; 404 for any other id."""
    record = db.session.get(model, record_id)
    if record is None or record.offering_id != offering.id:
        abort(404)
    return record


def _material_of(offering, material_id):
    return _posted_or_404(offering, Material, material_id)


# The confirmation of a deletion: its heading (and button), and what deleting does.
MATERIAL_DELETION = (
    _l("Delete the material"),
    _l("Delete the material {title} of {course} at {university}, {term}: its students will no longer see it, "
       "and a deleted file cannot be brought back."))
ANNOUNCEMENT_DELETION = (
    _l("Delete the announcement"),
    _l("Delete the announcement {title} of {course} at {university}, {term}: its students will no longer "
       "see it."))


def _unconfirmed_deletion(offering, wording, title):
    """Before a material or an announcement (named ``title``) is deleted: its confirmation page in the
    ``wording`` (MATERIAL_DELETION …); None once confirmed by a valid form (400 for an invalid one)."""
    heading, sentence = wording
    if not confirmed():
        return confirmation_page(title=heading, danger=True, button=heading,
                                 sentence=filled(sentence, title=isolate(title), **offering_words(offering)),
                                 cancel_url=url_for("teaching.offering_page", offering_id=offering.id))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return None


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
@roles(*services.CONTENT_AUTHORS)
def add_material(offering_id):
    offering = staff_offering_or_404(offering_id)
    kind = request.args.get("kind", "file")
    if kind not in ("file", "link", "text"):
        abort(404)
    form = _material_form(kind)
    if form.validate_on_submit():
        saved, _material = save_or_show(form, lambda: services.add_material(
            current_user, offering, kind, _material_values(form), form.file.data))
        if saved:
            return _done(offering, _("The material was posted."))
    return render_template("teaching/material_form.html", form=form, offering=offering, kind=kind,
                           material=None)


@bp.route("/<int:offering_id>/materials/<int:material_id>/edit", methods=["GET", "POST"])
@roles(*services.CONTENT_AUTHORS)
def edit_material(offering_id, material_id):
    offering = staff_offering_or_404(offering_id)
    material = _material_of(offering, material_id)
    form = _material_form(material.kind, obj=material)
    if form.validate_on_submit():
        saved, _material = save_or_show(form, lambda: services.update_material(current_user, material,
                                                                               _material_values(form)))
        if saved:
            return _done(offering, _("The material was saved."))
    return render_template("teaching/material_form.html", form=form, offering=offering, kind=material.kind,
                           material=material)


@bp.route("/<int:offering_id>/materials/<int:material_id>/hidden", methods=["POST"])
@roles(*services.CONTENT_AUTHORS)
def toggle_material_hidden(offering_id, material_id):
    offering = staff_offering_or_404(offering_id)
    material = _material_of(offering, material_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.set_material_hidden(current_user, material, not material.hidden)
    return _done(offering, _("The material is hidden from students.") if material.hidden
                 else _("The material is visible to students."))


def offering_words(offering):
    """The course, university and term that a confirmation sentence about an offering names."""
    language = current_language()
    return {"course": f"{offering.course.code} {offering.title(language)}",
            "university": offering.university.name(language), "term": offering.term.name(language)}


@bp.route("/<int:offering_id>/materials/<int:material_id>/delete", methods=["GET", "POST"])
@roles(*services.CONTENT_AUTHORS)
def delete_material(offering_id, material_id):
    offering = staff_offering_or_404(offering_id)
    material = _material_of(offering, material_id)
    confirmation = _unconfirmed_deletion(offering, MATERIAL_DELETION, material.title)
    if confirmation:
        return confirmation
    stored_name = services.delete_material(current_user, material)
    after_commit(lambda: delete_stored(stored_name))  # only once the deletion is committed
    return _done(offering, _("The material was deleted."))


# --- announcements -------------------------------------------------------------------------------

@bp.route("/<int:offering_id>/announcements", methods=["POST"])
@roles(*services.CONTENT_AUTHORS)
def post_announcement(offering_id):
    offering = staff_offering_or_404(offering_id)
    form = AnnouncementForm()
    if not form.validate_on_submit():
        return _render_offering_page(offering, form), 400
    services.post_announcement(current_user, offering, form.title.data, form.body.data)
    return _done(offering, _("The announcement was posted."))


@bp.route("/<int:offering_id>/announcements/<int:announcement_id>/delete", methods=["GET", "POST"])
@roles(*services.CONTENT_AUTHORS)
def delete_announcement(offering_id, announcement_id):
    offering = staff_offering_or_404(offering_id)
    announcement = _posted_or_404(offering, Announcement, announcement_id)
    confirmation = _unconfirmed_deletion(offering, ANNOUNCEMENT_DELETION, announcement.title)
    if confirmation:
        return confirmation
    services.delete_announcement(current_user, announcement)
    return _done(offering, _("The announcement was deleted."))
