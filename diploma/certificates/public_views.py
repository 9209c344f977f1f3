"""The public verification pages: a serial and code typed or read from the QR code, a PDF uploaded, and the
Open Badges credential of a valid certificate. "Not found" is one and the same page after the same work,
whether the serial is unknown, the code wrong or missing, or the input malformed; every page is
rate-limited per address and never kept by shared caches (views.keep_out_of_shared_caches)."""
from io import BytesIO

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import RequestEntityTooLarge

from diploma.access import public
from diploma.certificates import bp, documents, downloads, inspect, verification
from diploma.certificates.forms import VERIFY_FIELD_LENGTH, VerifyForm, VerifyUploadForm
from diploma.commit_point import commit_now
from diploma.extensions import csrf, db, limiter
from diploma.i18n import LANGUAGE_PARAMETER, current_language, language_by_link, linked_language
from diploma.web import writes_nothing

# Room for the multipart boundary and headers around an uploaded file.
UPLOAD_OVERHEAD = 64 * 1024


# --- public verification -------------------------------------------------------------------------

@bp.route("/verify")
@public
@language_by_link
@limiter.limit(lambda: current_app.config["VERIFY_LIMIT"])
def verify_form():
    """The form for a serial and code read off a paper certificate; it is sent with GET and lands on the
    same page as the certificate's QR code."""
    sent = any(name in request.args for name in ("serial", "code"))  # not a bare ?lang=
    form = VerifyForm(formdata=request.args if sent else None)
    if sent and form.validate():
        return redirect(url_for("certificates.verify", serial=form.serial.data, code=form.code.data,
                                **_language_of_link()))
    return _verify_form_page(form)


def _language_of_link():
    """The ``lang`` parameter to carry on to the next page, when this one was asked for by link."""
    language = linked_language()
    return {LANGUAGE_PARAMETER: language} if language else {}


def _verify_form_page(form, upload_error=None, status=200):
    return render_template("certificates/verify_form.html", form=form,
                           upload_form=VerifyUploadForm(formdata=None),
                           max_megabytes=current_app.config["VERIFY_UPLOAD_MAX_MB"],
                           upload_error=upload_error), status


def _in_memory(total_content_length, content_type, filename=None, content_length=None):
    """Where the form parser puts an uploaded file: in memory, never in a temporary file."""
    return BytesIO()


def _read_upload_in_memory():
    """The uploaded PDF's bytes, read in memory; None when the request is larger than the limit (werkzeug
    refuses it before reading it); b"" when no file was sent. (The view is exempt from CSRF: it changes and
    keeps nothing, and the token check would parse the body, spooling a large file to disk, first.)"""
    limit = inspect.max_upload_bytes()
    request._get_file_stream = _in_memory  # werkzeug's hook: where the parser writes uploaded files
    request.max_content_length = limit + UPLOAD_OVERHEAD
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        return None
    if upload is None or not upload.filename:
        return b""
    data = upload.read(limit + 1)
    return None if len(data) > limit else data


@bp.route("/verify/pdf", methods=["GET", "POST"])
@writes_nothing
@public
@csrf.exempt
@limiter.limit(lambda: current_app.config["VERIFY_UPLOAD_LIMIT"], methods=["POST"])
def verify_upload():
    """Check an uploaded PDF: its signature, its attached credential against the register, its status.
    Nothing is stored; the file is read in memory and dropped."""
    if request.method == "GET":
        return redirect(url_for("certificates.verify_form"))
    max_megabytes = current_app.config["VERIFY_UPLOAD_MAX_MB"]
    data = _read_upload_in_memory()
    if data is None:
        verdict = inspect.PdfVerdict(inspect.TOO_LARGE, max_megabytes=max_megabytes)
    elif not data:
        return _verify_form_page(VerifyForm(formdata=None), status=422,
                                 upload_error=_("Choose the PDF file of the certificate."))
    else:
        read = inspect.read_first(data)
        commit_now("the read ends here: no lock of the database is held while the file is checked")
        verdict = inspect.inspect_pdf(data, read)
    status = 413 if verdict.outcome == inspect.TOO_LARGE else 200
    return render_template("certificates/verify_upload.html", verdict=verdict,
                           upload_form=VerifyUploadForm(formdata=None), max_megabytes=max_megabytes), status


@bp.route("/verify/", defaults={"serial": ""})
@bp.route("/verify/<path:serial>")
@public
@language_by_link
@limiter.limit(lambda: current_app.config["VERIFY_LIMIT"])
def verify(serial):
    """What a certificate states and its status, read at every look, and the look counted. A visitor not
    signed in gets no cookie (the language by link: ``language_by_link``)."""
    certificate = verification.verify(serial, request.args.get("code"))
    if certificate is None:
        return _not_found(serial)
    page = render_template("certificates/verify.html", certificate=certificate, snapshot=certificate.snapshot,
                           statement=verification.paper_statement(certificate, current_language()),
                           key=verification.key_check(certificate,
                                                      documents.signing_key_of(certificate.university)),
                           code=request.args.get("code"))
    _count_verification(certificate)
    return page


def _not_found(serial):
    """One page for an unknown serial, a wrong or missing code and malformed input. The serial typed is
    kept in the form (cut to the field's length) so that only the code need be typed again; the code is
    never echoed."""
    form = VerifyForm(formdata=None, serial=serial[:VERIFY_FIELD_LENGTH])
    return render_template("certificates/verify_not_found.html", form=form), 404


def _count_verification(certificate):
    """Count the look in a transaction of its own. On SQLite a transaction that has read cannot wait for
    the write lock (it fails at once while another look is being counted); a new one waits its turn. So
    the page's reads end first, and what is needed of the certificate is taken before (reading it after
    the commit would be a read again)."""
    certificate_id, serial = certificate.id, certificate.serial
    try:
        db.session.commit()
        verification.record_verification(certificate_id)
        db.session.commit()
    except SQLAlchemyError:  # a database down or busy too long: the check goes uncounted, the page is shown
        db.session.rollback()
        current_app.logger.warning("a verification of %s was not counted", serial, exc_info=True)


@bp.route("/credentials/<serial>.jwt")
@public
@limiter.limit(lambda: current_app.config["VERIFY_LIMIT"])
def public_credential(serial):
    """The Open Badges credential of a valid certificate, for whoever holds its serial and code (the
    verification page links it); not found in the same way as the verification page otherwise."""
    certificate = verification.verify(serial, request.args.get("code"))
    if certificate is None or not certificate.printable:
        return _not_found(serial)
    return downloads.credential_file_of(certificate)


@bp.route("/credentials/<serial>.json")
@public
@limiter.limit(lambda: current_app.config["VERIFY_LIMIT"])
def public_data_integrity_credential(serial):
    """The same credential with its Data Integrity proof (JSON), on the same terms as the VC-JWT."""
    certificate = verification.verify(serial, request.args.get("code"))
    if certificate is None or not certificate.printable:
        return _not_found(serial)
    return downloads.data_integrity_credential_file(certificate)
