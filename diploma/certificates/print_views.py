"""Printing a cohort's certificates in the background, of any number: the page that starts the job
(certificates/jobs.py does the work)."""
from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField

from diploma.access import ADMIN, REGISTRAR, roles, university_argument
from diploma.certificates import bp, issuing
from diploma.certificates.jobs import PRINT, PRINT_FORMATS
from diploma.curriculum.models import Cohort
from diploma.extensions import db
from diploma.jobs.web import start_and_show
from diploma.partners.services import covered_university_or_404
from diploma.web import int_arg

LANGUAGE_CHOICES = [("ar", _l("Arabic")), ("en", _l("English"))]
ORDER_LABELS = {"rank": _l("By rank in the cohort"), "name": _l("By name")}
FORMAT_LABELS = {"pdf": _l("One PDF for printing (one page per graduate)"),
                 "zip": _l("A ZIP of one signed PDF per graduate, named by serial number and name")}


class PrintForm(FlaskForm):
    language = RadioField(_l("Language of the certificates"), choices=LANGUAGE_CHOICES, default="ar")
    order = RadioField(_l("Order"), choices=[(order, ORDER_LABELS[order]) for order in issuing.BATCH_ORDERS],
                       default="rank")
    format = RadioField(_l("File"), choices=[(kind, FORMAT_LABELS[kind]) for kind in PRINT_FORMATS],
                        default="pdf")


@bp.route("/jobs/print/<int:cohort_id>", methods=["GET", "POST"])
@roles(ADMIN, REGISTRAR)
def print_in_background(cohort_id):
    """Print the cohort's valid certificates at the university, of any number, in the background."""
    cohort, university = db.session.get(Cohort, cohort_id), covered_university_or_404(int_arg("university"))
    if cohort is None:
        abort(404)
    form = PrintForm(formdata=request.form if request.method == "POST" else (request.args or None))
    count = len(issuing.printable_certificates(university.id, cohort.id))
    scope = university_argument(university.id)
    if request.method == "POST" and form.validate_on_submit():
        if not count:
            form.form_errors.append(_("This cohort has no valid certificates to print at this university."))
        else:
            return start_and_show(PRINT, university.id, {
                "cohort_id": cohort.id, "university_id": university.id, "language": form.language.data,
                "order": form.order.data, "format": form.format.data}, total=count)
    status = 422 if request.method == "POST" else 200
    return render_template("certificates/print.html", form=form, cohort=cohort, university=university,
                           count=count, scope=scope), status
