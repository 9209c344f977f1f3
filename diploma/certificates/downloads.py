"""What a certificate's downloads answer, for the registrar's, the graduate's and the public pages alike: its
kept signed PDFs (signed and kept at the first download when the worker has not kept them yet) and its Open
Badges credentials (VC-JWT and Data Integrity JSON). A certificate that cannot be signed is not handed out:
the reason, translated (503)."""
from io import BytesIO

from flask import render_template, request, send_file

from diploma.certificates import documents
from diploma.certificates.forms import LANGUAGES, choice_arg
from diploma.commit_point import commit_now
from diploma.signing import credential
from diploma.signing.errors import SigningError

PDF_MIMETYPE = "application/pdf"


def send_pdf(data, filename):
    return send_file(BytesIO(data), mimetype=PDF_MIMETYPE, as_attachment=True, download_name=filename,
                     max_age=0)


def signing_refused(error):
    """A certificate that cannot be signed is not handed out: the reason, translated (503)."""
    return render_template("certificates/signing_error.html", message=error.message), 503


def printed(certificate, document):
    """The certificate or its transcript (``document``) in ``?language=`` (Arabic by default): the signed
    PDF kept for life (the same bytes at every download). Asked for before the worker kept it, it is signed
    and kept here, in a transaction of its own (a GET writes nothing otherwise)."""
    language = choice_arg(request.args, "language", LANGUAGES)
    suffix = "-transcript" if document == "transcript" else ""
    filename = f"{certificate.serial}{suffix}-{language}.pdf"
    kept = documents.kept_document(certificate, document, language)
    if kept is not None:
        return send_pdf(kept.data, filename)
    try:
        data, signer = documents.sign_document(certificate, document, language)
    except SigningError as error:
        return signing_refused(error)
    certificate_id = certificate.id
    commit_now("the reads end before the kept file is written: on SQLite a transaction that has read cannot "
               "wait for the write lock")
    kept = documents.store_document(certificate_id, document, language, data, signer)
    data = kept.data  # the file kept first, when another download kept it at the same moment
    commit_now("a download keeps the signed file it made, as the worker would have")
    return send_pdf(data, filename)


def credential_file_of(certificate):
    """The certificate's Open Badges 3.0 credential (VC-JWT), to add to a wallet."""
    return credential_file(certificate, documents.certificate_credential, credential.MEDIA_TYPE, "jwt")


def data_integrity_credential_file(certificate):
    """The certificate's Open Badges 3.0 credential with its Data Integrity proof (JSON), for the DCC
    verifier and the Learner Credential Wallet."""
    return credential_file(certificate, documents.certificate_data_integrity_credential,
                            credential.JSON_MEDIA_TYPE, "json")


def credential_file(certificate, make, mimetype, extension):
    """The credential ``make(certificate)`` signs, as a file to download; refused (503) when it cannot be
    signed."""
    try:
        text = make(certificate)
    except SigningError as error:
        return signing_refused(error)
    return send_file(BytesIO(text.encode("ascii")), mimetype=mimetype, as_attachment=True,
                     download_name=f"{certificate.serial}-open-badge.{extension}", max_age=0)
