"""Certificates on the web: the registrar's graduation report, issuing, printing and correcting; the
student's own certificate. (Revoking and reinstating: revocation_views; the public verification pages:
public_views.)

Every PDF is rendered from the certificate's frozen snapshot (diploma.certificates.pdf), never from
today's records. The verification page answers "not found" in one and the same way, after the same work,
whether the serial is unknown, the code wrong or missing, or the input malformed; it is rate-limited per
address and never kept by shared caches.
"""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from diploma.access import (
    ADMIN,
    REGISTRAR,
    STUDENT,
    covered_university_id,
    picks_university,
    roles,
    sees_university,
    university_argument,
)
from diploma.certificates import (
    bp,
    confirmations,
    corrections,
    documents,
    downloads,
    graduation,
    issuing,
    keeping,
    revocation,
)
from diploma.certificates.forms import (
    LANGUAGES,
    CorrectionForm,
    IssueForm,
    ReinstateForm,
    RevokeForm,
    choice_arg,
    read_student_ids,
)
from diploma.certificates.graduation_date import check_graduation_date, proposed_graduation_date
from diploma.certificates.jobs import ISSUE
from diploma.certificates.models import Certificate
from diploma.certificates.verification import SERIAL_PATTERN, find_by_serial
from diploma.commit_point import on_conflict
from diploma.curriculum.models import Cohort
from diploma.enrolment.models import Student
from diploma.enrolment.services import student_of
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.i18n import current_language
from diploma.jobs.web import run_now_or_defer
from diploma.partners.services import all_universities, covered_university_or_404
from diploma.signing.errors import SigningError
from diploma.web import confirmed, int_arg, page_number

STAFF = (ADMIN, REGISTRAR)


@bp.after_request
def keep_out_of_shared_caches(response):
    """Certificates, reports and verification answers are personal: no proxy or shared cache keeps them."""
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- what a page is about ------------------------------------------------------------------------

def _university_or_404():
    """The university the page covers (``access.covered_university_id``); 404 when unknown."""
    return covered_university_or_404(int_arg("university"))


def _cohort_or_404(cohort_id):
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        abort(404)
    return cohort


def _certificate_or_404(serial):
    """A certificate of a university the user may see; 404 for any other, as if it did not exist."""
    certificate = find_by_serial(serial) if SERIAL_PATTERN.match(serial) else None
    if certificate is None or not sees_university(certificate.university_id):
        abort(404)
    return certificate


def _scope(university):
    """The query arguments that keep the administrator on the same university from page to page."""
    return university_argument(university.id)


def _report_url(cohort_id, university_id):
    return url_for("certificates.cohort_report", cohort_id=cohort_id,
                   **university_argument(university_id))


# --- the registrar's pages -----------------------------------------------------------------------

ROWS_PER_PAGE = 24  # a row per cohort, or for the administrator per cohort and university


@bp.route("/certificates/")
@roles(*STAFF)
def index():
    """The cohorts, the latest first and a page of about ROWS_PER_PAGE rows at a time, with how many
    students and certificates each has at the university (or at each, for the administrator)."""
    universities = all_universities() if picks_university() else [_university_or_404()]
    page = db.paginate(db.select(Cohort).order_by(Cohort.start_year.desc(), Cohort.id.desc()),
                       page=page_number(), per_page=max(1, ROWS_PER_PAGE // len(universities)),
                       error_out=False)
    cohort_ids = [cohort.id for cohort in page.items]
    university_id = covered_university_id(None)
    return render_template("certificates/index.html", cohorts=page.items, page=page,
                           universities=universities, choose_university=picks_university(),
                           students=graduation.counts_by_cohort(Student, cohort_ids, university_id),
                           issued=graduation.counts_by_cohort(Certificate, cohort_ids, university_id,
                                                            Certificate.current()))


def _report_page(university, cohort, selected=(), select_all=False, error=None, status=200, form=None):
    """The report; its issue form proposes the graduation date (or keeps the one posted, ``form``)."""
    report = graduation.graduation_report(university, cohort)
    issuable = report.awaiting_certificate
    if select_all:
        selected = [s.student.id for s in issuable]
    form = form or IssueForm(formdata=None, issued_on=proposed_graduation_date(university, cohort))
    return render_template(
        "certificates/report.html", report=report, university=university, cohort=cohort,
        issuable=issuable, selected=set(selected), error=error, issue_form=form,
        scope=_scope(university), valid_count=report.printable_count,
        batch_limit=current_app.config["CERTIFICATE_BATCH_WEB_LIMIT"]), status


@bp.route("/certificates/cohorts/<int:cohort_id>")
@roles(*STAFF)
def cohort_report(cohort_id):
    """The graduation report of a cohort at the university; ``?select=all`` ticks every issuable student."""
    cohort, university = _cohort_or_404(cohort_id), _university_or_404()
    return _report_page(university, cohort, select_all=request.args.get("select") == "all")


@bp.route("/certificates/cohorts/<int:cohort_id>/issue", methods=["POST"])
@roles(*STAFF)
def issue(cohort_id):
    """Issue the ticked students' certificates in one transaction: all of them, or none."""
    cohort, university = _cohort_or_404(cohort_id), _university_or_404()
    form = IssueForm()
    student_ids = read_student_ids(request.form)
    if not form.validate_on_submit():
        if not form.is_submitted() or "csrf_token" in form.errors:
            abort(400)
        return _report_page(university, cohort, selected=student_ids, form=form, status=422)
    if not student_ids:
        return _report_page(university, cohort, error=_("Tick the students whose certificates to issue."),
                            status=422, form=form)
    if not confirmed():
        refusal = _date_refusal(university, cohort, form.issued_on.data)
        if refusal is not None:  # a date the issue would refuse is refused before the confirmation
            return _report_page(university, cohort, selected=student_ids, error=refusal, status=422,
                                form=form)
        return confirmations.issue(university, cohort, student_ids, _report_url(cohort.id, university.id),
                                   form.issued_on.data)
    deferred = _issue_in_the_background_if_many(university, cohort, student_ids, form.issued_on.data)
    if deferred:
        return deferred
    on_conflict(lambda: _report_page(university, cohort, selected=student_ids, status=409, error=_(
        "Nothing was issued: certificates of this university were being issued at the same moment. "
        "Check the report and try again.")))  # another issue of the same students or serials, at once
    try:
        certificates = issuing.issue_certificates(current_user, university, cohort, student_ids,
                                                   issued_on=form.issued_on.data)
    except RuleViolation as violation:
        db.session.rollback()
        return _report_page(university, cohort, selected=student_ids, error=str(violation.message),
                            status=422, form=form)
    keeping.keep_soon()
    flash(_("Certificates issued: %(count)s (%(first)s to %(last)s).", count=len(certificates),
            first=certificates[0].serial, last=certificates[-1].serial), "success")
    return redirect(_report_url(cohort.id, university.id))


def _date_refusal(university, cohort, issued_on):
    """The graduation date rule's refusal of the date typed (None when it is fine or left to the proposal)."""
    if issued_on is None:
        return None
    try:
        check_graduation_date(university, cohort, issued_on)
    except RuleViolation as violation:
        return str(violation.message)
    return None


def _issue_in_the_background_if_many(university, cohort, student_ids, issued_on):
    """Many certificates: issued by the worker (diploma.jobs), in one transaction all the same, with the
    graduation date chosen (checked by the same service there); None when the request issues them."""
    return run_now_or_defer(len(student_ids), ISSUE, university.id, {
        "university_id": university.id, "cohort_id": cohort.id, "student_ids": student_ids,
        "issued_on": issued_on.isoformat() if issued_on else None,
        "language": current_language()}, total=len(student_ids))


@bp.route("/certificates/cohorts/<int:cohort_id>/batch.pdf")
@roles(*STAFF)
def batch_pdf(cohort_id):
    """One PDF of the cohort's valid certificates at the university, one page each (``language``,
    ``order=rank|name``); batches larger than the web serves go to the background print page (jobs)."""
    cohort, university = _cohort_or_404(cohort_id), _university_or_404()
    language = choice_arg(request.args, "language", LANGUAGES)
    order = choice_arg(request.args, "order", issuing.BATCH_ORDERS)
    certificates = issuing.printable_certificates(university.id, cohort.id, order=order, language=language)
    if not certificates:
        flash(_("This cohort has no valid certificates to print at this university."), "error")
        return redirect(_report_url(cohort.id, university.id))
    filename = f"certificates-{university.code}-{cohort.start_year}-{language}.pdf"
    limit = current_app.config["CERTIFICATE_BATCH_WEB_LIMIT"]
    if len(certificates) > limit:
        return redirect(url_for("certificates.print_in_background", cohort_id=cohort.id, language=language,
                                order=order, **_scope(university)))
    try:
        data = documents.batch_pdf(university, certificates, language)
    except SigningError as error:
        return downloads.signing_refused(error)
    return downloads.send_pdf(data, filename)


def _correction_form_for(certificate):
    """The correction form filled in with what the certificate states."""
    from datetime import date

    student = certificate.snapshot["student"]
    return CorrectionForm(formdata=None, name_ar=student["name_ar"], name_en=student["name_en"],
                          issued_on=date.fromisoformat(certificate.snapshot["issued_on"]))


def _detail_page(certificate, revoke_form=None, correction_form=None, reinstate_form=None, status=200):
    return render_template("certificates/detail.html", certificate=certificate, snapshot=certificate.snapshot,
                           revoke_form=revoke_form or RevokeForm(),
                           reinstate_form=reinstate_form or ReinstateForm(),
                           may_reinstate=revocation.may_be_reinstated(certificate),
                           correction_form=correction_form or _correction_form_for(certificate),
                           signing_key=documents.signing_key_of(certificate.university),
                           report_url=_report_url(certificate.cohort_id, certificate.university_id),
                           verification_url=issuing.verification_url(certificate.serial,
                                                                      certificate.verification_code)), status


@bp.route("/certificates/<serial>")
@roles(*STAFF)
def certificate_detail(serial):
    return _detail_page(_certificate_or_404(serial))


def _printable_or_redirect(certificate):
    """A revoked certificate is never printed again: back to its page with the reason."""
    if certificate.printable:
        return None
    flash(_("This certificate is revoked: it cannot be printed."), "error")
    return redirect(url_for("certificates.certificate_detail", serial=certificate.serial))


@bp.route("/certificates/<serial>.pdf")
@roles(*STAFF)
def certificate_pdf(serial):
    certificate = _certificate_or_404(serial)
    return _printable_or_redirect(certificate) or downloads.printed(certificate, "certificate")


@bp.route("/certificates/<serial>/transcript.pdf")
@roles(*STAFF)
def transcript_pdf(serial):
    certificate = _certificate_or_404(serial)
    return _printable_or_redirect(certificate) or downloads.printed(certificate, "transcript")


@bp.route("/certificates/<serial>/credential.jwt")
@roles(*STAFF)
def certificate_credential(serial):
    certificate = _certificate_or_404(serial)
    return _printable_or_redirect(certificate) or downloads.credential_file_of(certificate)


@bp.route("/certificates/<serial>/credential.json")
@roles(*STAFF)
def certificate_data_integrity_credential(serial):
    certificate = _certificate_or_404(serial)
    return _printable_or_redirect(certificate) or downloads.data_integrity_credential_file(certificate)


@bp.route("/certificates/<serial>/correct", methods=["POST"])
@roles(*STAFF)
def correct(serial):
    """Re-issue the certificate corrected (names, graduation date): the old one revoked as replaced, a new
    serial and code, in one transaction."""
    certificate = _certificate_or_404(serial)
    form = CorrectionForm()
    valid = form.validate_on_submit()
    if valid and not confirmed():  # the confirmation page first (none when nothing changes: refused below)
        refusal = _date_refusal(certificate.university, db.session.get(Cohort, certificate.cohort_id),
                                corrections.changed_date(certificate, form.issued_on.data))
        if refusal is not None:
            form.issued_on.errors = [*form.issued_on.errors, refusal]
            return _detail_page(certificate, correction_form=form, status=422)
        page = confirmations.correction(certificate, form, url_for("certificates.certificate_detail",
                                                                   serial=serial))
        if page is not None:
            return page
    if valid:
        correction = corrections.Correction(form.name_ar.data, form.name_en.data, form.issued_on.data,
                                         form.reason.data)
        on_conflict(lambda: _correction_conflict(serial, form))
        try:
            new = corrections.correct_certificate(current_user, certificate, correction)
        except RuleViolation as violation:
            db.session.rollback()
            form.form_errors.append(str(violation.message))
        else:
            keeping.keep_soon()
            flash(_("The certificate %(old)s is replaced by the corrected certificate %(new)s.", old=serial,
                    new=new.serial), "success")
            return redirect(url_for("certificates.certificate_detail", serial=new.serial))
    return _detail_page(_certificate_or_404(serial), correction_form=form, status=422)


def _correction_conflict(serial, form):
    """A correction of the same certificate at the same moment: nothing of this one was saved."""
    form.form_errors.append(_("This certificate was being corrected by someone else at the same moment. "
                              "Check it and try again."))
    return _detail_page(_certificate_or_404(serial), correction_form=form, status=422)


# --- the student's own certificate ---------------------------------------------------------------

def _own_certificate():
    student = student_of(current_user)
    return issuing.current_certificate_of(student) if student is not None else None


def _own_valid_certificate_or_404():
    certificate = _own_certificate()
    if certificate is None or not certificate.printable:
        abort(404)
    return certificate


@bp.route("/certificates/mine")
@roles(STUDENT)
def mine():
    certificate = _own_certificate()
    if certificate is None:
        return render_template("certificates/mine.html", certificate=None)
    return render_template("certificates/mine.html", certificate=certificate, snapshot=certificate.snapshot,
                           verification_url=issuing.verification_url(certificate.serial,
                                                                      certificate.verification_code))


@bp.route("/certificates/mine/certificate.pdf")
@roles(STUDENT)
def my_certificate_pdf():
    return downloads.printed(_own_valid_certificate_or_404(), "certificate")


@bp.route("/certificates/mine/transcript.pdf")
@roles(STUDENT)
def my_transcript_pdf():
    return downloads.printed(_own_valid_certificate_or_404(), "transcript")


@bp.route("/certificates/mine/credential.jwt")
@roles(STUDENT)
def my_credential():
    return downloads.credential_file_of(_own_valid_certificate_or_404())


@bp.route("/certificates/mine/credential.json")
@roles(STUDENT)
def my_data_integrity_credential():
    return downloads.data_integrity_credential_file(_own_valid_certificate_or_404())
