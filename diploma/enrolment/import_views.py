"""Bulk enrolment import: upload a file, see what it would do, confirm, download the new accounts'
set-password links. The rules live in diploma.enrolment.importing."""
from io import BytesIO

from flask import abort, current_app, flash, redirect, render_template, send_file, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from diploma.access import ADMIN, REGISTRAR, covered_university_id, roles, sees_university
from diploma.auth import services as accounts
from diploma.auth.forms import ConfirmForm
from diploma.commit_point import after_commit
from diploma.enrolment import bp, importing
from diploma.enrolment.forms import (
    ImportConfirmForm,
    ImportForm,
    chosen_university_id,
    offer_university_choice,
)
from diploma.enrolment.jobs import IMPORT_STUDENTS
from diploma.extensions import db
from diploma.i18n import current_language
from diploma.jobs.models import DONE
from diploma.jobs.web import job_or_404, run_now_or_defer
from diploma.partners.models import University
from diploma.web import absolute_url

# The upload waiting for confirmation, and the new accounts of the last import, of this browser session.
PENDING_KEY = "enrolment_import"
LINKS_KEY = "enrolment_import_links"


def _import_form():
    return offer_university_choice(ImportForm(), current_language())


def _render_form(form, problems=(), status=200):
    return render_template("enrolment/import_form.html", form=form, problems=list(problems),
                           columns=importing.COLUMNS, headers=importing.ARABIC_HEADERS,
                           labels=importing.COLUMN_LABELS), status


def _forget_pending():
    pending = session.pop(PENDING_KEY, None)
    if isinstance(pending, dict):
        importing.delete_pending(pending.get("token"))


def _id_ranges(ids):
    """[[first, last], …] of consecutive ids: a long list of new accounts fits in the session cookie."""
    ranges = []
    for user_id in sorted(set(ids)):
        if ranges and ranges[-1][1] == user_id - 1:
            ranges[-1][1] = user_id
        else:
            ranges.append([user_id, user_id])
    return ranges


def _ids_of(ranges):
    ids = []
    for pair in ranges if isinstance(ranges, list) else []:
        if isinstance(pair, list) and len(pair) == 2 and all(isinstance(value, int) for value in pair) \
                and 0 < pair[0] <= pair[1] and len(ids) + pair[1] - pair[0] < importing.MAX_ROWS:
            ids.extend(range(pair[0], pair[1] + 1))
    return ids


@bp.route("/offerings/import", methods=["GET", "POST"])
@roles(ADMIN, REGISTRAR)
def import_students():
    """The upload form; a good file is kept and previewed, a bad one is refused with every problem."""
    form = _import_form()
    if not form.validate_on_submit():
        return _render_form(form)
    university_id = chosen_university_id(form)
    university = db.session.get(University, university_id)
    if university is None:
        abort(404)
    data = form.file.data.read(current_app.config["MAX_CONTENT_LENGTH"] + 1)
    plan = importing.prepare_import(university, data)
    if not plan.ok:
        db.session.rollback()
        return _render_form(form, plan.problems)
    _forget_pending()
    token = importing.store_pending(data)
    session[PENDING_KEY] = {"token": token, "user": current_user.id, "university": university.id}
    return render_template("enrolment/import_preview.html", plan=plan,
                           confirm_form=ImportConfirmForm(token=token))


def _pending_for(token):
    """The waiting upload this user may confirm (their own, of their university), or None."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or not token or pending.get("token") != token \
            or pending.get("user") != current_user.id:
        return None
    if not sees_university(pending.get("university")):
        return None
    return pending


@bp.route("/offerings/import/confirm", methods=["POST"])
@roles(ADMIN, REGISTRAR)
def confirm_import():
    """Check the kept file again (things may have changed since the preview), then import it."""
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    pending = _pending_for(form.token.data)
    data = importing.load_pending(pending["token"]) if pending else None
    university = db.session.get(University, pending["university"]) if pending else None
    if data is None or university is None:
        flash(_("This import is no longer waiting for confirmation. Upload the file again."), "error")
        return redirect(url_for("enrolment.import_students"))
    plan = importing.prepare_import(university, data)
    # A large import: applied in the background (diploma.jobs), which checks it again and keeps the file
    # until it is committed.
    deferred = plan.ok and run_now_or_defer(plan.steps, IMPORT_STUDENTS, university.id, {
        "university_id": university.id, "token": pending["token"], "language": current_language()})
    if deferred:
        session.pop(PENDING_KEY, None)
        return deferred
    try:
        outcome = importing.apply_import(current_user, plan)
    except importing.ImportRejected as rejected:
        db.session.rollback()
        _forget_pending()
        return _render_form(_import_form(), rejected.problems)
    page = render_template("enrolment/import_result.html", outcome=outcome)
    after_commit(_forget_pending)
    session[LINKS_KEY] = {"user": current_user.id, "university": university.id,
                          "ids": _id_ranges(outcome.new_user_ids)}
    return page


@bp.route("/offerings/import/links.xlsx", methods=["POST"])
@roles(ADMIN, REGISTRAR)
def import_links():
    """A sheet of fresh set-password links for the accounts the last import of this session created (a
    POST: making links writes them)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    saved = session.get(LINKS_KEY)
    if not isinstance(saved, dict) or saved.get("user") != current_user.id:
        abort(404)
    university_id = covered_university_id(saved.get("university"))
    return _links_sheet(university_id, _ids_of(saved.get("ids")))


@bp.route("/offerings/import/jobs/<int:job_id>/links.xlsx", methods=["POST"])
@roles(ADMIN, REGISTRAR)
def import_job_links(job_id):
    """The same sheet for the accounts a background import created (its job's page): only for the person
    who started the job, or the administrator (``job_or_404``)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    job = job_or_404(job_id)
    if job.kind != IMPORT_STUDENTS or job.state != DONE or not job.summary:
        abort(404)
    university_id = covered_university_id(job.university_id)
    return _links_sheet(university_id, job.summary.get("new_user_ids") or [])


def _links_sheet(university_id, user_ids):
    """A spreadsheet of fresh set-password links for these new accounts of the university (404 if none)."""
    students = importing.new_accounts(university_id, [i for i in user_ids if isinstance(i, int)])
    if not students:
        abort(404)
    entries = [(student, absolute_url("auth.set_password",
                                      token=accounts.make_password_token(current_user, student.user)))
               for student in students]
    data = importing.links_xlsx(entries)
    response = send_file(BytesIO(data), mimetype=importing.XLSX_MIMETYPE, as_attachment=True,
                         download_name="set-password-links.xlsx", max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/offerings/import/template.xlsx")
@roles(ADMIN, REGISTRAR)
def import_template_xlsx():
    data = importing.template_xlsx(current_user.university_id)
    return send_file(BytesIO(data), mimetype=importing.XLSX_MIMETYPE, as_attachment=True,
                     download_name="students-import.xlsx", max_age=0)


@bp.route("/offerings/import/template.csv")
@roles(ADMIN, REGISTRAR)
def import_template_csv():
    data = importing.template_csv(current_user.university_id)
    return send_file(BytesIO(data), mimetype="text/csv; charset=utf-8",
                     as_attachment=True, download_name="students-import.csv", max_age=0)
