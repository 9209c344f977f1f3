"""PAdES signatures with pyHanko: B-B by default, B-T when SIGNING_TSA_URL names an RFC 3161 time-stamp
server. The signature is an incremental update over the whole file as rendered, so a PDF/A-3b stays
PDF/A-3b: pyHanko keeps the XMP packet (``pdfaid:part``/``conformance``, checked by the tests) and the
attached files, and adds an invisible signature field with the Print flag."""
import asyncio
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from flask import current_app
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko_certvalidator.registry import SimpleCertificateStore

FIELD_NAME = "UniversitySignature"
# Room kept in the file for the CMS signature when there is no time stamp: an ECDSA P-256 signature with the
# university's and the root's certificates takes about 2 KB. Giving it saves pyHanko's trial signature made
# to measure the size (half the signing time, measured with bench/certificates.py). With a time stamp, whose
# size depends on the time-stamp server's certificates, pyHanko measures.
SIGNATURE_BYTES_WITHOUT_TIMESTAMP = 8192


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


def sign_pdf(data, signer, *, reason, location=""):
    """``data`` (a PDF) signed by ``signer`` over the whole file: the signed PDF's bytes."""
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES,
        reason=reason, name=signer.signer_name, location=location or None)
    writer = IncrementalPdfFileWriter(BytesIO(data))
    output = BytesIO()
    timestamper = _timestamper()
    pdf_signer = signers.PdfSigner(metadata, _pyhanko_signer(signer), timestamper=timestamper)
    reserved = None if timestamper else SIGNATURE_BYTES_WITHOUT_TIMESTAMP
    _run_to_completion(lambda: pdf_signer.async_sign_pdf(writer, output=output, bytes_reserved=reserved))
    return output.getvalue()


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
