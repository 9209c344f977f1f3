"""Hostile PDFs for verify by upload, made as an attacker would (issue 25):

``lookalike_ca_pdf(n)``
    A PDF signed with a self-made key whose CMS carries ``n`` look-alike CA certificates: the same subject
    and issuer, no key identifiers. A path builder that tries to chain the signer to a trusted root walks
    about n! orderings of them (n=8: an 11 KB file, seconds to minutes of CPU).
``many_signature_fields_pdf(n)``
    A PDF whose form has ``n`` signature fields, each with a signature of an unknown SubFilter: pyHanko,
    enumerating the signatures, logs a warning with a traceback for each one.
``many_objects_pdf(n)``
    A PDF of ``n`` small indirect objects and one signature field.
``signed_pdf(data, certificate, key)`` signs as a university does. Genuine files come from the tests'
cohorts (diploma.certificates.documents).

Used by tests/certificates/test_upload_limits.py, tests/security/test_hostile_input.py and
bench/hostile_uploads.py.
"""
from datetime import UTC, datetime, timedelta
from io import BytesIO

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.writer import PdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko_certvalidator.registry import SimpleCertificateStore

from diploma.signing.pades import _run_to_completion

PROGRAMME = "Peace and Crisis Studies Diploma"
LOOKALIKE_NAME = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "IQ"),
                            x509.NameAttribute(NameOID.ORGANIZATION_NAME, PROGRAMME),
                            x509.NameAttribute(NameOID.COMMON_NAME, f"{PROGRAMME} Root CA")])


def _bare_certificate(subject, issuer, public_key, signing_key, ca):
    """A certificate without key identifiers (nothing tells a path builder which issuer is the right one)."""
    now = datetime.now(UTC)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(signing_key, hashes.SHA256()))


def _asn1(certificate):
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _numbers(*values):
    return generic.ArrayObject([generic.NumberObject(value) for value in values])


def _page_writer():
    writer = PdfFileWriter()
    writer.insert_page(generic.DictionaryObject({generic.NameObject("/Type"): generic.NameObject("/Page"),
                                                 generic.NameObject("/MediaBox"): _numbers(0, 0, 842, 595)}))
    return writer


def blank_pdf():
    writer = _page_writer()
    output = BytesIO()
    writer.write(output)
    return output.getvalue()


def lookalike_ca_pdf(count, data=None):
    """``data`` (a blank page by default) signed by a self-made key whose CMS carries ``count`` look-alike
    CA certificates (same subject and issuer as the programme's root, no key identifiers)."""
    key = ec.generate_private_key(ec.SECP256R1())
    leaf_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "University of Mosul")])
    leaf = _bare_certificate(leaf_name, LOOKALIKE_NAME, key.public_key(), key, ca=False)
    lookalikes = []
    for _ in range(count):
        ca_key = ec.generate_private_key(ec.SECP256R1())
        lookalikes.append(_bare_certificate(LOOKALIKE_NAME, LOOKALIKE_NAME, ca_key.public_key(), ca_key,
                                            ca=True))
    return signed_pdf(data or blank_pdf(), leaf, key, lookalikes)


def signed_pdf(data, certificate, key, extra_certificates=()):
    """``data`` signed (PAdES, like ours) with ``key`` and its ``certificate``; the CMS also carries
    ``extra_certificates``."""
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    registry = SimpleCertificateStore.from_certs([_asn1(extra) for extra in extra_certificates])
    signer = signers.SimpleSigner(signing_cert=_asn1(certificate),
                                  signing_key=asn1_keys.PrivateKeyInfo.load(der), cert_registry=registry)
    metadata = signers.PdfSignatureMetadata(field_name="UniversitySignature", md_algorithm="sha256",
                                            subfilter=SigSeedSubFilter.PADES)
    output = BytesIO()
    # pyHanko's synchronous wrapper calls asyncio.run, which fails where Playwright's loop runs (a browser
    # test earlier in the same xdist worker): the app's own helper runs it in a thread there.
    pdf_signer = signers.PdfSigner(metadata, signer)
    writer = IncrementalPdfFileWriter(BytesIO(data))
    _run_to_completion(lambda: pdf_signer.async_sign_pdf(writer, output=output))
    return output.getvalue()


def _signature_field(writer, index):
    value = writer.add_object(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Sig"),
        generic.NameObject("/Filter"): generic.NameObject("/Adobe.PPKLite"),
        generic.NameObject("/SubFilter"): generic.NameObject("/x.unknown.subfilter"),
        generic.NameObject("/ByteRange"): _numbers(0, 10, 20, 10),
        generic.NameObject("/Contents"): generic.ByteStringObject(b"\x30\x03\x02\x01\x00"),
    }))
    return writer.add_object(generic.DictionaryObject({
        generic.NameObject("/FT"): generic.NameObject("/Sig"),
        generic.NameObject("/T"): generic.TextStringObject(f"Signature{index}"),
        generic.NameObject("/V"): value,
    }))


def many_signature_fields_pdf(count):
    """A PDF whose form has ``count`` signature fields with broken signatures."""
    writer = _page_writer()
    fields = generic.ArrayObject([_signature_field(writer, index) for index in range(count)])
    writer.root[generic.NameObject("/AcroForm")] = writer.add_object(generic.DictionaryObject({
        generic.NameObject("/Fields"): fields}))
    output = BytesIO()
    writer.write(output)
    return output.getvalue()


def many_objects_pdf(count):
    """A PDF with ``count`` small indirect objects beside one (broken) signature field."""
    writer = _page_writer()
    for index in range(count):
        writer.add_object(generic.NumberObject(index))
    writer.root[generic.NameObject("/AcroForm")] = writer.add_object(generic.DictionaryObject({
        generic.NameObject("/Fields"): generic.ArrayObject([_signature_field(writer, 0)])}))
    output = BytesIO()
    writer.write(output)
    return output.getvalue()
