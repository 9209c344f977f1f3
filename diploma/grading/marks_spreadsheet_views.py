"""The gradebook as a spreadsheet: export (XLSX, CSV), the template of the student list, and the import
of marks from a file. The rules live in diploma.grading.marks_spreadsheet."""
import re
from io import BytesIO
from urllib.parse import quote

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from diploma import spreadsheets
from diploma.access import ADMIN, LECTURER, REGISTRAR, roles
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.grading import bp, marks_spreadsheet, services
from diploma.grading.forms import ImportMarksForm
from diploma.i18n import current_language
from diploma.teaching.views import staff_offering_or_404

STAFF = (ADMIN, REGISTRAR, LECTURER)
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


def _sheet_for_staff(offering_id):
    offering = staff_offering_or_404(offering_id)
    return offering, services.load_sheet(offering)


@bp.route("/offerings/<int:offering_id>/gradebook/export.xlsx")
@roles(*STAFF)
def export_xlsx(offering_id):
    offering, sheet = _sheet_for_staff(offering_id)
    language = _language()
    return _download(marks_spreadsheet.export_xlsx(sheet, language), spreadsheets.XLSX_MIMETYPE, offering,
                     "gradebook", language, "xlsx")


@bp.route("/offerings/<int:offering_id>/gradebook/export.csv")
@roles(*STAFF)
def export_csv(offering_id):
    offering, sheet = _sheet_for_staff(offering_id)
    language = _language()
    return _download(marks_spreadsheet.export_csv(sheet, language), spreadsheets.CSV_MIMETYPE, offering,
                     "gradebook", language, "csv")


@bp.route("/offerings/<int:offering_id>/gradebook/template.xlsx")
@roles(*STAFF)
def import_template(offering_id):
    offering, sheet = _sheet_for_staff(offering_id)
    language = _language()
    return _download(marks_spreadsheet.template_xlsx(sheet, language), spreadsheets.XLSX_MIMETYPE, offering,
                     "template", language, "xlsx")


@bp.route("/offerings/<int:offering_id>/gradebook/import", methods=["GET", "POST"])
@roles(*STAFF)
def import_marks(offering_id):
    """Upload a file of marks; all of them are saved, or none and every problem is shown."""
    offering = staff_offering_or_404(offering_id)
    sheet = services.load_sheet(offering)
    actions = services.gradebook_actions(current_user, sheet)
    if not actions.edit_marks:
        abort(403)
    form = ImportMarksForm()
    if not actions.give_reason:  # after publication a mark changes only with a reason
        del form.reason
    page = {"offering": offering, "sheet": sheet, "form": form, "problems": [],
            "headers": marks_spreadsheet.template_columns(sheet, current_language())}
    if not form.validate_on_submit():
        return render_template("grading/import_marks.html", **page), 400 if request.method == "POST" else 200
    reason = form.reason.data if actions.give_reason else None
    if actions.give_reason and not (reason or "").strip():
        form.reason.errors = [_("Give the reason for changing a published mark.")]
        db.session.rollback()
        return render_template("grading/import_marks.html", **page), 400
    data = form.file.data.read(current_app.config["MAX_CONTENT_LENGTH"] + 1)
    try:
        outcome = marks_spreadsheet.import_marks(current_user, offering, data, reason=reason,
                                        max_bytes=current_app.config["MAX_CONTENT_LENGTH"])
    except marks_spreadsheet.MarksRejected as rejected:
        db.session.rollback()
        return render_template("grading/import_marks.html", **{**page, "problems": rejected.problems}), 422
    except RuleViolation as violation:
        db.session.rollback()
        if violation.field == "reason" and actions.give_reason:
            form.reason.errors = [str(violation.message)]
        else:
            form.form_errors.append(str(violation.message))
        return render_template("grading/import_marks.html", **page), 400
    db.session.commit()
    flash(_("%(saved)s marks saved.", saved=outcome.saved), "success")
    return redirect(url_for("grading.gradebook", offering_id=offering.id))
