"""The gradebook as a spreadsheet: export (XLSX, CSV), the template of the student list, and the import
of marks from a file in two steps — upload (a preview; nothing saved) and accept (saved at once, or by a
background job when it changes many marks). The rules live in diploma.grading.marks_spreadsheet."""
import re
from io import BytesIO
from urllib.parse import quote

from flask import abort, current_app, flash, redirect, render_template, request, send_file, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from diploma import spreadsheets
from diploma.access import ADMIN, LECTURER, REGISTRAR, roles
from diploma.commit_point import after_commit
from diploma.enrolment.forms import ImportConfirmForm
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.grading import bp, marks_spreadsheet, rules, services
from diploma.grading.forms import ImportMarksForm
from diploma.grading.jobs import IMPORT_MARKS
from diploma.i18n import current_language
from diploma.jobs.web import run_now_or_defer
from diploma.teaching.views import staff_offering_or_404

STAFF = (ADMIN, REGISTRAR, LECTURER)
# The previewed file waiting to be accepted, of this browser session: {token, user, offering}.
PENDING_KEY = "marks_import"
# The words of the downloaded files' names, in the language of the file.
FILE_WORDS = {"gradebook": {"ar": "سجل الدرجات", "en": "gradebook"},
              "template": {"ar": "قالب الدرجات", "en": "marks template"}}


def _language():
    """The language of the file: ?lang=ar|en, else the interface's."""
    asked = request.args.get("lang")
    return asked if asked in marks_spreadsheet.LANGUAGES else current_language()


def _download(data, mimetype, offering, kind, language, extension):
    """The file as an attachment named after the course, in the file's language ('PCS101 - سجل الدرجات
    .xlsx'), with a plain ASCII name for old browsers ('PCS101-gradebook.xlsx'); never cached."""
    code = re.sub(r"[^A-Za-z0-9_-]", "", offering.course.code) or "course"
    ascii_name = f"{code}-{FILE_WORDS[kind]['en'].replace(' ', '-')}.{extension}"
    name = f"{code} - {FILE_WORDS[kind][language]}.{extension}"
    response = send_file(BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=ascii_name,
                         max_age=0)
    response.headers.set("Content-Disposition", "attachment", filename=ascii_name,
                         **{"filename*": f"UTF-8''{quote(name, safe='')}"})
    response.headers["Cache-Control"] = "no-store"
    return response


def _gradebook_file(offering_id, make, mimetype, kind, extension):
    """A file made from the gradebook (``make(sheet, language)``), in the language asked for."""
    offering = staff_offering_or_404(offering_id)
    language = _language()
    return _download(make(services.load_sheet(offering), language), mimetype, offering, kind, language,
                     extension)


@bp.route("/offerings/<int:offering_id>/gradebook/export.xlsx")
@roles(*STAFF)
def export_xlsx(offering_id):
    return _gradebook_file(offering_id, marks_spreadsheet.export_xlsx, spreadsheets.XLSX_MIMETYPE,
                           "gradebook", "xlsx")


@bp.route("/offerings/<int:offering_id>/gradebook/export.csv")
@roles(*STAFF)
def export_csv(offering_id):
    return _gradebook_file(offering_id, marks_spreadsheet.export_csv, spreadsheets.CSV_MIMETYPE,
                           "gradebook", "csv")


@bp.route("/offerings/<int:offering_id>/gradebook/template.xlsx")
@roles(*STAFF)
def import_template(offering_id):
    return _gradebook_file(offering_id, marks_spreadsheet.template_xlsx, spreadsheets.XLSX_MIMETYPE,
                           "template", "xlsx")


_NOT_GIVEN = object()


def _import_page(offering, sheet, form, problems=(), status=200):
    return render_template("grading/import_marks.html", offering=offering, sheet=sheet, form=form,
                           problems=list(problems),
                           headers=marks_spreadsheet.template_columns(sheet, current_language())), status


def _editable_sheet_or_403(offering):
    """The gradebook and what the user may do on it, if they may change its marks now (403 otherwise)."""
    sheet = services.load_sheet(offering)
    actions = services.gradebook_actions(current_user, sheet)
    if not actions.edit_marks:
        abort(403)
    return sheet, actions


def _import_form(actions, formdata=_NOT_GIVEN):
    form = ImportMarksForm() if formdata is _NOT_GIVEN else ImportMarksForm(formdata=formdata)
    if not actions.give_reason:  # after publication a mark changes only with a reason
        del form.reason
    return form


def _forget_kept():
    kept = session.pop(PENDING_KEY, None)
    if isinstance(kept, dict):
        marks_spreadsheet.forget_kept(kept.get("token"))


@bp.route("/offerings/<int:offering_id>/gradebook/import", methods=["GET", "POST"])
@roles(*STAFF)
def import_marks(offering_id):
    """Upload a file of marks: a file with problems shows every one of them; a good one is kept and its
    preview shown (what it changes), saving nothing until it is accepted."""
    offering = staff_offering_or_404(offering_id)
    sheet, actions = _editable_sheet_or_403(offering)
    form = _import_form(actions)
    if not form.validate_on_submit():
        return _import_page(offering, sheet, form, status=400 if request.method == "POST" else 200)
    reason = form.reason.data if actions.give_reason else None
    try:  # asked before the preview, not only when the file is accepted
        services.checked_reason(current_user, sheet, reason)
    except RuleViolation as violation:
        form.reason.errors = [str(violation.message)]
        return _import_page(offering, sheet, form, status=400)
    data = form.file.data.read(current_app.config["MAX_CONTENT_LENGTH"] + 1)
    try:
        preview = marks_spreadsheet.preview_import(current_user, offering, data,
                                                   max_bytes=current_app.config["MAX_CONTENT_LENGTH"])
    except RuleViolation as violation:
        form.form_errors.append(str(violation.message))
        return _import_page(offering, sheet, form, status=400)
    if preview.problems:
        return _import_page(offering, sheet, form, preview.problems, status=422)
    token = None
    if preview.changes:
        _forget_kept()
        token = marks_spreadsheet.keep_preview(current_user, offering, preview, data, reason)
        session[PENDING_KEY] = {"token": token, "user": current_user.id, "offering": offering.id}
    return render_template("grading/import_preview.html", offering=offering, preview=preview,
                           accept_form=ImportConfirmForm(token=token), show_mark=rules.format_mark)


def _kept_for(offering, token):
    """The kept file this user previewed for this offering in this browser session, or None."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or not token or pending.get("token") != token \
            or pending.get("user") != current_user.id or pending.get("offering") != offering.id:
        return None
    kept = marks_spreadsheet.kept_import(token)
    if kept is None or kept.user_id != current_user.id or kept.offering_id != offering.id:
        return None
    return kept


@bp.route("/offerings/<int:offering_id>/gradebook/import/accept", methods=["POST"])
@roles(*STAFF)
def accept_marks_import(offering_id):
    """Apply a previewed file, checked again against the gradebook as it is now: at once when it changes
    few marks, in the background (diploma.jobs) when it changes more than JOBS_INLINE_MAX_ITEMS."""
    offering = staff_offering_or_404(offering_id)
    sheet, actions = _editable_sheet_or_403(offering)
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    kept = _kept_for(offering, form.token.data)
    if kept is None:  # accepted already (a second click), expired, or not this person's
        form = _import_form(actions, formdata=None)
        form.form_errors.append(_("This import is no longer waiting to be accepted. Upload the file again."))
        return _import_page(offering, sheet, form, status=409)
    preview = marks_spreadsheet.recheck_import(current_user, offering, kept)
    if preview.problems or not preview.changes:
        _forget_kept()
        return _import_page(offering, sheet, _import_form(actions, formdata=None), preview.problems or [
            marks_spreadsheet.Problem(None, None, marks_spreadsheet.NO_MARKS)], status=409)
    # Many changes: the worker checks it again and keeps the file until its transaction is committed.
    deferred = run_now_or_defer(len(preview.changes), IMPORT_MARKS, offering.university_id, {
        "offering_id": offering.id, "token": kept.token, "language": current_language()},
        total=len(preview.found.entries))
    if deferred:
        session.pop(PENDING_KEY, None)
        return deferred
    try:
        outcome = marks_spreadsheet.accept_import(current_user, offering, kept)
    except marks_spreadsheet.MarksRejected as rejected:
        db.session.rollback()
        _forget_kept()
        return _import_page(offering, sheet, _import_form(actions, formdata=None), rejected.problems,
                            status=409)
    except RuleViolation as violation:
        db.session.rollback()
        _forget_kept()
        flash(str(violation.message), "error")
        return redirect(url_for("grading.gradebook", offering_id=offering.id))
    after_commit(_forget_kept)
    flash(_("%(saved)s marks saved.", saved=outcome.saved), "success")
    return redirect(url_for("grading.gradebook", offering_id=offering.id))


