"""PAdES signatures with pyHanko, made to last.

- A certification signature (DocMDP, "no changes allowed"): any later edit of the content — text, an
  annotation, a form field — breaks the certification in every reader (pyHanko, Acrobat, poppler), not only
  in ours. Validation data added later (a DSS, document time stamps) is allowed by PAdES at that level.
- B-LT: the signature carries its validation data in the same revision (a DSS: the university's and the
  root's certificates and the programme's CRL current at signing, ``diploma.signing.crl``), so it can be
  validated with no network and after the university's key has expired.
- B-T when SIGNING_TSA_URL names an RFC 3161 time-stamp server: the signature's time is proved by a
  third party; ``add_document_timestamp`` adds a document time stamp (B-LTA) with the validation data of
  the previous ones, before the last one's TSA certificate lapses (the worker, diploma.certificates.keeping).

The signature is an incremental update over the whole file as rendered, so a PDF/A-3b stays PDF/A-3b:
pyHanko keeps the XMP packet (``pdfaid:part``/``conformance``, checked by the tests) and the attached
files, and adds an invisible signature field with the Print flag."""
import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC
from functools import cache
from io import BytesIO

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask import current_app
from flask_babel import lazy_gettext as _l
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
from pyhanko.sign.signers.pdf_signer import DSSContentSettings, SigDSSPlacementPreference
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from diploma.signing.errors import SigningError

FIELD_NAME = "UniversitySignature"
# Room kept in the file for the CMS signature when there is no time stamp: an ECDSA P-256 signature with the
# university's and the root's certificates takes about 2 KB. Giving it saves pyHanko's trial signature made
# to measure the size (half the signing time, measured with bench/certificates.py). With a time stamp, whose
# size depends on the time-stamp server's certificates, pyHanko measures.
SIGNATURE_BYTES_WITHOUT_TIMESTAMP = 8192
# The validation data goes in the signature's own revision (no VRI dictionary, which PAdES no longer asks
# for): one revision, so that readers see a signature over the whole file.
DSS_WITH_THE_SIGNATURE = DSSContentSettings(placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE,
                                            include_vri=False)


class _NoFetchingNotice(logging.Filter):
    """pyHanko warns at every signature that validation data is embedded without fetching: on purpose here
    (the programme's CRL comes from the database), so the notice is dropped."""

    def filter(self, record):
        return "fetching is not allowed" not in record.getMessage()


logging.getLogger("pyhanko.sign.signers.pdf_signer").addFilter(_NoFetchingNotice())


def _asn1_certificate(certificate):
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _pyhanko_signer(signer):
    """pyHanko's signer for a university's Signer, made once per process (the key stays in memory)."""
    with signer.lock:
        if signer._pades is None:
            der = signer.private_key.private_bytes(serialization.Encoding.DER,
                                                   serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption())
            signer._pades = signers.SimpleSigner(
                signing_cert=_asn1_certificate(signer.certificate),
                signing_key=asn1_keys.PrivateKeyInfo.load(der),
                cert_registry=SimpleCertificateStore.from_certs([_asn1_certificate(signer.root_certificate)]))
        return signer._pades


def _timestamper():
    url = current_app.config.get("SIGNING_TSA_URL")
    if not url:
        return None
    from pyhanko.sign.timestamps.requests_client import HTTPTimeStamper

    return HTTPTimeStamper(url, timeout=10)


def tsa_roots():
    """The time-stamp server's root certificate(s) (SIGNING_TSA_ROOTS, a PEM file), as asn1crypto
    certificates; none without a server. SigningError (translated) when a server is set without them."""
    if not current_app.config.get("SIGNING_TSA_URL"):
        return []
    path = current_app.config.get("SIGNING_TSA_ROOTS")
    if not path:
        raise SigningError(_l("A time-stamp server is set (SIGNING_TSA_URL) but not its root certificate "
                              "(SIGNING_TSA_ROOTS): nothing was signed. Download it from the time-stamp "
                              "service and name the file."))
    return _tsa_roots_in(path)


@cache
def _tsa_roots_in(path):
    with open(path, "rb") as pem:
        return [_asn1_certificate(c) for c in x509.load_pem_x509_certificates(pem.read())]


def validation_context(root_certificate, crls=(), extra_roots=()):
    """What the signature's validation data is gathered from: the programme's root and its current CRL(s)
    (DER), the time-stamp server's roots; nothing fetched unless SIGNING_TSA_FETCH_REVOCATION."""
    roots = [_asn1_certificate(root_certificate), *extra_roots]
    fetching = bool(current_app.config.get("SIGNING_TSA_FETCH_REVOCATION"))
    return ValidationContext(trust_roots=roots, crls=list(crls), allow_fetching=fetching,
                             revocation_mode="soft-fail")


def sign_pdf(data, signer, *, reason, location="", crls=()):
    """``data`` (a PDF) certified by ``signer`` over the whole file (DocMDP: no changes allowed), with its
    validation data (the chain and ``crls``, the programme's CRL as DER) embedded: the signed PDF's bytes."""
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES,
        reason=reason, name=signer.signer_name, location=location or None,
        certify=True, docmdp_permissions=MDPPerm.NO_CHANGES,
        embed_validation_info=True,
        validation_context=validation_context(signer.root_certificate, crls, tsa_roots()),
        dss_settings=DSS_WITH_THE_SIGNATURE)
    writer = IncrementalPdfFileWriter(BytesIO(data))
    output = BytesIO()
    timestamper = _timestamper()
    pdf_signer = signers.PdfSigner(metadata, _pyhanko_signer(signer), timestamper=timestamper)
    reserved = None if timestamper else SIGNATURE_BYTES_WITHOUT_TIMESTAMP
    _run_to_completion(lambda: pdf_signer.async_sign_pdf(writer, output=output, bytes_reserved=reserved))
    return output.getvalue()


def add_document_timestamp(data, root_certificate, crls=(), timestamper=None, extra_tsa_roots=()):
    """``data`` (a signed PDF) with a document time stamp over all of it, and the validation data of what
    is already there (the signature's chain and CRL, the earlier time stamps' TSA certificates) in a DSS
    update before it: PAdES B-LTA, renewed before the last time stamp lapses. ``timestamper`` defaults to
    SIGNING_TSA_URL's; ``extra_tsa_roots`` (asn1crypto certificates): the roots of earlier time-stamp
    servers, besides SIGNING_TSA_ROOTS."""
    timestamper = timestamper or _timestamper()
    if timestamper is None:
        raise ValueError("no time-stamp server is configured (SIGNING_TSA_URL)")
    context = validation_context(root_certificate, crls, [*tsa_roots(), *extra_tsa_roots])
    output = BytesIO()
    stamper = signers.PdfTimeStamper(timestamper)
    _run_to_completion(lambda: stamper.async_update_archival_timestamp_chain(
        PdfFileReader(BytesIO(data)), context, in_place=False, output=output))
    return output.getvalue()


def last_timestamp_until(data):
    """When the TSA certificate of ``data``'s last time stamp (a document time stamp, else the signature's
    own) ends (naive UTC), or None when the file carries no time stamp: the archive's time stamps must be
    renewed before then."""
    reader = PdfFileReader(BytesIO(data), strict=False)
    stamps = reader.embedded_timestamp_signatures
    if stamps:
        return _naive(stamps[-1].signer_cert.not_valid_after)
    signatures = reader.embedded_regular_signatures
    token = _signature_timestamp_token(signatures[0].signer_info) if signatures else None
    if token is None:
        return None
    signer = token["signer_infos"][0]["sid"]
    for choice in token["certificates"] or ():
        certificate = choice.chosen
        if (signer.name == "issuer_and_serial_number"
                and certificate.serial_number == signer.chosen["serial_number"].native
                and certificate.issuer == signer.chosen["issuer"]):
            return _naive(certificate.not_valid_after)
    return None


def _signature_timestamp_token(signer_info):
    for attribute in signer_info["unsigned_attrs"] or ():
        if attribute["type"].native == "signature_time_stamp_token":
            return attribute["values"][0]["content"]
    return None


def _naive(moment):
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


def _run_to_completion(make_coroutine):
    """Run pyHanko's asynchronous signing to its end. pyHanko's own synchronous wrapper calls
    ``asyncio.run``, which refuses to run where an event loop is already running in this thread (an
    asynchronous server, a notebook, Playwright's synchronous API in the browser tests): there, the
    signing runs in a thread of its own, with its own loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()
