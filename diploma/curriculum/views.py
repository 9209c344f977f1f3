"""The administrator's pages for the programme, cohorts, courses and terms."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from diploma.access import ADMIN, roles
from diploma.curriculum import bp, services
from diploma.curriculum.forms import CohortForm, CourseForm, ProgrammeForm, TermForm
from diploma.curriculum.models import Cohort, Course, Term
from diploma.extensions import db
from diploma.web import save_or_show


@bp.route("/programme", methods=["GET", "POST"])
@roles(ADMIN)
def edit_programme():
    programme = services.the_programme()
    if programme is None:
        return render_template("curriculum/no_programme.html"), 404
    form = ProgrammeForm(obj=programme)
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in services.PROGRAMME_SETTINGS}
        bands = [entry.data for entry in form.bands]
        saved, _programme = save_or_show(form, lambda: services.update_programme(current_user, programme,
                                                                                 values, bands))
        if saved:
            flash(_("The programme was saved."), "success")
            return redirect(url_for("curriculum.edit_programme"))
    return render_template("curriculum/programme_form.html", form=form)


# Each kind of record: its model, form, save service, fields, and the words of its pages.
KINDS = {
    "cohorts": (Cohort, CohortForm, services.save_cohort, services.COHORT_FIELDS, services.all_cohorts),
    "courses": (Course, CourseForm, services.save_course, services.COURSE_FIELDS, services.all_courses),
    "terms": (Term, TermForm, services.save_term, services.TERM_FIELDS, services.all_terms),
}


def _list(kind):
    *_, listing = KINDS[kind]
    return render_template(f"curriculum/{kind}.html", records=listing())


def _edit(kind, record_id):
    model, form_class, save, fields, _listing = KINDS[kind]
    record = db.get_or_404(model, record_id) if record_id else None
    form = form_class(obj=record)
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in fields}
        saved, _record = save_or_show(form, lambda: save(current_user, record, values))
        if saved:
            flash(_("Saved."), "success")
            return redirect(url_for(f"curriculum.list_{kind}"))
    return render_template("curriculum/record_form.html", form=form, record=record, kind=kind,
                           fields=fields)


def _record_pages(kind, singular):
    """A kind of record's list (``/cohorts``: ``list_cohorts``) and its edit page, for a new record or an
    existing one (``/cohorts/new``, ``/cohorts/<id>``: ``edit_cohort``), for the administrator."""
    @roles(ADMIN)
    def list_records():
        return _list(kind)

    @roles(ADMIN)
    def edit_record(record_id):
        return _edit(kind, record_id)

    bp.add_url_rule(f"/{kind}", f"list_{kind}", list_records)
    bp.add_url_rule(f"/{kind}/new", f"edit_{singular}", edit_record, methods=["GET", "POST"],
                    defaults={"record_id": None})
    bp.add_url_rule(f"/{kind}/<int:record_id>", f"edit_{singular}", edit_record, methods=["GET", "POST"])


for _kind, _singular in (("cohorts", "cohort"), ("courses", "course"), ("terms", "term")):
    _record_pages(_kind, _singular)
