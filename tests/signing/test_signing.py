"""Certificates that prove themselves: the keys (CLI), signed PDFs checked by real readers (pyHanko's
validator trusting the programme's root — in process, and once through its command line —, poppler's pdfsig
once, qpdf, pdftotext), the Open Badges 3.0
credential checked against the spec's required fields and verified with the published JWKS, and the
revocation status list."""
import datetime
import subprocess
import sys
from io import BytesIO

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from joserfc import jwt
from joserfc.jwk import KeySet
from pyhanko.pdf_utils.generic import StreamObject
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from diploma.certificates import documents, revocation
from diploma.extensions import db
from diploma.signing import credential, keystore
from diploma.signing.errors import SigningError
from diploma.signing.models import SigningKey
from diploma.signing.pades import _run_to_completion
from tests.certificates.builders import graduating_cohort
from tests.certificates.test_views import client_for
from tests.signing.tsa import start_tsa


def _run(*command):
    return subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=120)


def _pyhanko_cli(path, root):
    """pyHanko's command-line validator (a process of its own): run once, by the test named for it."""
    return _run(sys.executable, "-m", "pyhanko", "sign", "validate", "--trust", root, "--trust-replace",
                "--no-revocation-check", "--pretty-print", path).stdout


def _pyhanko_status(data, root_pem):
    """pyHanko's validation of the PDF's only signature, in process, trusting only the programme's root and
    fetching nothing (what the command line does with ``--trust root --trust-replace
    --no-revocation-check``). Through the app's loop-safe runner: a Playwright loop may run in this xdist
    worker, where pyHanko's synchronous wrapper fails."""
    root = asn1_x509.Certificate.load(x509.load_pem_x509_certificate(root_pem.read_bytes()).public_bytes(
        serialization.Encoding.DER))
    context = ValidationContext(trust_roots=[root], allow_fetching=False, revocation_mode="soft-fail")
    signatures = PdfFileReader(BytesIO(data)).embedded_signatures
    assert len(signatures) == 1
    return _run_to_completion(lambda: async_validate_pdf_signature(signatures[0],
                                                                   signer_validation_context=context))


def _sound(status):
    """The CLI's "The signature is cryptographically sound.": the digest matches and the signature checks."""
    return status.intact and status.valid


# --- keys -------------------------------------------------------------------------------------------------

def test_keys_are_made_listed_and_rotated_and_never_stored_in_clear(runner, cohort):
    university = cohort.issued()[0].university
    first = keystore.current_key(university)
    listed = runner.invoke(args=["keys", "list", "--language", "en"]).output
    assert first.fingerprint in listed and "ROOT" in listed and "current" in listed
    for record in db.session.scalars(db.select(SigningKey)):
        assert "ENCRYPTED PRIVATE KEY" in record.encrypted_key_pem
        assert "BEGIN PRIVATE KEY" not in record.encrypted_key_pem
        with pytest.raises(TypeError):  # needs the passphrase
            serialization.load_pem_private_key(record.encrypted_key_pem.encode(), None)

    again = runner.invoke(args=["keys", "issue", "--university", "MSL"])
    assert again.exit_code != 0 and "keys rotate" in again.output and "Traceback" not in again.output
    result = runner.invoke(args=["keys", "rotate", "--university", "MSL", "--language", "en"])
    assert result.exit_code == 0, result.output
    second = keystore.current_key(university)
    assert second.id != first.id and db.session.get(SigningKey, first.id).retired_at is not None
    published = {entry["kid"] for entry in credential.jwks()["keys"]}
    assert {credential.key_url(first.kid), credential.key_url(second.kid)} <= published  # old stays published


@pytest.mark.parametrize(("args", "arabic"), [
    (["keys", "issue", "--university", "XYZ"], "لا توجد جامعة"),
    (["keys", "rotate", "--university", "MSL"], "ليس للجامعة"),
])
def test_key_commands_refuse_in_arabic(runner, args, arabic):
    graduating_cohort(1, code="MSL")
    result = runner.invoke(args=args)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert arabic in result.output


def test_issuing_a_key_needs_the_root_first(runner):
    graduating_cohort(1, code="MSL")
    result = runner.invoke(args=["keys", "issue", "--university", "MSL"])
    assert result.exit_code != 0 and "شهادة الجذر" in result.output


# --- signed PDFs ------------------------------------------------------------------------------------------

def test_a_certificate_pdf_is_signed_pdf_a_with_both_attachments_and_readers_agree(cohort, root_pem,
                                                                                    tmp_path):
    certificate = cohort.issued()[0]
    data = documents.certificate_pdf(certificate, "ar")
    path = tmp_path / "signed.pdf"
    path.write_bytes(data)

    status = _pyhanko_status(data, root_pem)
    assert status.trusted and _sound(status)
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.modification_level in (None, ModificationLevel.NONE)
    assert _run("qpdf", "--check", path).returncode == 0
    text = _run("pdftotext", "-layout", path, "-").stdout
    assert certificate.snapshot["student"]["name_ar"] in " ".join(text.split())

    reader = PdfReader(BytesIO(data))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    attachments = reader.attachments
    assert set(attachments) == {"certificate.json", credential.ATTACHMENT_NAME,
                                credential.JSON_ATTACHMENT_NAME}
    fields = reader.get_fields()
    signature = next(f for f in fields.values() if f.get("/FT") == "/Sig")["/V"]
    assert certificate.serial in signature["/Reason"]
    assert "University" in signature["/Name"]


def _nss_database(folder, root_pem=None):
    """An NSS certificate database for poppler's pdfsig (``-nssdir``), trusting ``root_pem`` as a CA if
    given: what a verifier does by installing the root certificate published at /keys/root.pem."""
    folder.mkdir()
    assert _run("certutil", "-N", "-d", f"sql:{folder}", "--empty-password").returncode == 0
    if root_pem is not None:
        added = _run("certutil", "-A", "-d", f"sql:{folder}", "-n", "programme-root", "-t", "C,C,C",
                     "-a", "-i", root_pem)
        assert added.returncode == 0, added.stderr
    return folder


def test_the_real_pyhanko_command_line_validates_a_certificate_against_the_programme_root(cohort, root_pem,
                                                                                           tmp_path):
    """The one check through pyHanko's own command line (the other tests validate in process)."""
    path = tmp_path / "signed.pdf"
    path.write_bytes(documents.certificate_pdf(cohort.issued()[0], "en"))
    report = _pyhanko_cli(path, root_pem)
    assert "The signer's certificate is trusted." in report
    assert "The signature is cryptographically sound." in report
    assert "The signature covers the entire file." in report


def test_the_real_pdfsig_trusts_the_university_once_the_programme_root_is_installed(cohort, root_pem,
                                                                                    tmp_path):
    """The one check through poppler's pdfsig."""
    path = tmp_path / "signed.pdf"
    path.write_bytes(documents.certificate_pdf(cohort.issued()[0], "en"))

    trusting = _run("pdfsig", "-nssdir", _nss_database(tmp_path / "trusting", root_pem), path).stdout
    assert "Signature is Valid." in trusting
    assert "Certificate is Trusted." in trusting
    assert "Total document signed" in trusting

    bare = _run("pdfsig", "-nssdir", _nss_database(tmp_path / "bare"), path).stdout
    assert "Signature is Valid." in bare  # intact, but by a certificate nobody vouched for
    assert "Certificate is Trusted." not in bare


def test_a_changed_byte_or_an_added_update_is_reported_modified(cohort, root_pem):
    data = documents.transcript_pdf(cohort.issued()[0], "en")
    # One byte inside the signed content (the first page's content is well before the signature).
    index = data.index(b"/Producer") + 3
    assert _sound(_pyhanko_status(data, root_pem))
    changed = _pyhanko_status(data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1:], root_pem)
    assert not changed.intact and not _sound(changed)

    # Text added after signing, by an incremental update (the signed bytes are left as they were).
    writer = IncrementalPdfFileWriter(BytesIO(data))
    writer.add_stream_to_page(0, writer.add_object(StreamObject(stream_data=b"BT 50 50 Td (FORGED) Tj ET")))
    updated = BytesIO()
    writer.write(updated)
    added = _pyhanko_status(updated.getvalue(), root_pem)
    assert _sound(added)  # the signed revision is intact…
    assert added.coverage != SignatureCoverageLevel.ENTIRE_FILE  # …but it is not the whole file
    assert added.modification_level not in (None, ModificationLevel.NONE)  # and the change is seen


def test_a_batch_is_signed_once_as_a_whole(cohort, root_pem):
    certificates = cohort.issued()
    data = documents.batch_pdf(certificates[0].university, certificates, "ar")
    status = _pyhanko_status(data, root_pem)
    assert status.trusted and _sound(status) and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert len(PdfReader(BytesIO(data)).pages) == len(certificates)


def test_a_missing_or_wrong_passphrase_signs_nothing(app, cohort, monkeypatch):
    certificate = cohort.issued()[0]
    keystore._signers.clear()
    monkeypatch.setitem(app.config, "SIGNING_PASSPHRASE", "not the passphrase")
    with pytest.raises(SigningError, match="خاطئة"):
        documents.certificate_pdf(certificate, "ar")
    monkeypatch.setitem(app.config, "SIGNING_PASSPHRASE", None)
    with pytest.raises(SigningError, match="SIGNING_PASSPHRASE"):
        documents.certificate_pdf(certificate, "ar")
    response = client_for(app, cohort.registrar).get(f"/certificates/{certificate.serial}.pdf")
    assert response.status_code == 503 and b"%PDF" not in response.data
    assert "عبارة مرور التوقيع" in response.get_data(as_text=True)


def test_a_university_without_a_key_signs_nothing(app, runner):
    group = graduating_cohort(1, code="MSL")
    group.issue()
    runner.invoke(args=["keys", "init"])
    with pytest.raises(SigningError, match="keys issue"):
        documents.certificate_pdf(group.issued()[0], "ar")


def test_with_a_time_stamp_server_the_signature_is_pades_b_t(app, cohort, monkeypatch, root_pem, tmp_path):
    tsa = start_tsa()
    try:
        monkeypatch.setitem(app.config, "SIGNING_TSA_URL", tsa.url)
        (tmp_path / "tsa.pem").write_bytes(tsa.certificate_pem)
        monkeypatch.setitem(app.config, "SIGNING_TSA_ROOTS", str(tmp_path / "tsa.pem"))
        data = documents.certificate_pdf(cohort.issued()[0], "en")
    finally:
        tsa.stop()
    status = _pyhanko_status(data, root_pem)
    assert _sound(status) and status.trusted
    assert status.timestamp_validity is not None  # PAdES-B-T: a signature time-stamp token is embedded
    assert status.timestamp_validity.intact and status.timestamp_validity.valid


# --- the Open Badges 3.0 credential -------------------------------------------------------------------------

def _published_keys(client):
    return KeySet.import_key_set({"keys": [
        {k: v for k, v in entry.items() if k in ("kty", "crv", "x", "y", "kid", "alg", "use")}
        for entry in client.get("/.well-known/jwks.json").get_json()["keys"]]})


def test_the_credential_has_the_required_fields_and_verifies_with_the_published_jwks(app, cohort):
    certificate = cohort.issued()[0]
    client = app.test_client()
    response = client.get(f"/credentials/{certificate.serial}.jwt?code={certificate.verification_code}")
    assert response.status_code == 200
    token = response.get_data(as_text=True)
    header = jwt.decode(token, _published_keys(client), algorithms=["ES256"]).header
    assert header["alg"] == "ES256" and header["typ"] == "vc+jwt" and header["kid"].startswith("http")
    assert set(header) == {"alg", "kid", "typ", "cty"} and header["cty"] == "vc"
    claims = jwt.decode(token, _published_keys(client), algorithms=["ES256"]).claims
    # The JWT claims mirror the credential (Open Badges 3.0, "JSON Web Token Proof Format").
    assert claims["iss"] == claims["issuer"]["id"] and claims["jti"] == claims["id"]
    assert claims["sub"] == claims["credentialSubject"]["id"]
    valid_from = datetime.datetime.fromisoformat(claims["validFrom"])
    assert claims["nbf"] == int(valid_from.timestamp())
    assert valid_from.date() == certificate.issued_on
    # AchievementCredential: required properties and their constraints.
    assert claims["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert claims["@context"][1].startswith("https://purl.imsglobal.org/spec/ob/v3p0/context")
    assert "VerifiableCredential" in claims["type"] and "OpenBadgeCredential" in claims["type"]
    assert claims["id"].startswith("urn:uuid:")
    assert "Profile" in claims["issuer"]["type"]
    subject = claims["credentialSubject"]
    assert "AchievementSubject" in subject["type"] and "@" not in str(subject.get("identifier"))
    for identity in subject["identifier"]:
        assert identity["type"] == "IdentityObject"
        assert {"hashed", "identityHash", "identityType"} <= set(identity)
    achievement = subject["achievement"]
    assert {"id", "type", "name", "description", "criteria"} <= set(achievement)
    assert "Achievement" in achievement["type"] and achievement["criteria"]["narrative"]
    assert achievement["name"] == certificate.snapshot["programme"]["name_ar"]
    status = claims["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
    # The issuer profile is published at the issuer's id.
    profile = client.get(claims["issuer"]["id"].removeprefix("http://localhost")).get_json()
    assert profile["id"] == claims["issuer"]["id"] and "Profile" in profile["type"]


def test_the_pdf_carries_the_same_credential(cohort):
    certificate = cohort.issued()[0]
    reader = PdfReader(BytesIO(documents.certificate_pdf(certificate, "ar")))
    token = reader.attachments[credential.ATTACHMENT_NAME][0].decode()
    assert credential.credential_json(token)["id"] == credential.credential_id(certificate.serial)


def _status_bit(client, claims):
    status = claims["credentialStatus"]
    list_token = client.get(status["statusListCredential"].removeprefix("http://localhost")).get_data(as_text=True)
    list_claims = jwt.decode(list_token, _published_keys(client), algorithms=["ES256"]).claims
    assert list_claims["iss"] == claims["issuer"]["id"]
    assert "BitstringStatusListCredential" in list_claims["type"]
    encoded = list_claims["credentialSubject"]["encodedList"]
    assert len(credential.decode_status_list(encoded)) * 8 >= 131072
    return credential.status_bit(encoded, int(status["statusListIndex"]))


def test_revoking_flips_the_status_entry(app, cohort):
    revoked, kept = cohort.issued()
    client = app.test_client()
    claims = {c.serial: credential.credential_json(documents.certificate_credential(c))
              for c in (revoked, kept)}
    assert _status_bit(client, claims[revoked.serial]) is False
    revocation.revoke_certificate(cohort.registrar, revoked, "Issued to the wrong person")
    db.session.commit()
    assert _status_bit(client, claims[revoked.serial]) is True
    assert _status_bit(client, claims[kept.serial]) is False


# --- publication and the verification page ------------------------------------------------------------------

def test_the_verification_page_shows_the_signature_and_offers_the_downloads(app, cohort):
    certificate = cohort.issued()[0]
    client = app.test_client()
    page = client.get(f"/verify/{certificate.serial}?code={certificate.verification_code}",
                      headers={"Accept-Language": "ar"}).get_data(as_text=True)
    key = keystore.current_key(certificate.university)
    assert "موقّعة رقمياً" in page and key.fingerprint in page
    assert "/keys/root.pem" in page and f"/credentials/{certificate.serial}.jwt" in page
    root = client.get("/keys/root.pem")
    assert root.status_code == 200 and b"BEGIN CERTIFICATE" in root.data
    assert client.get(f"/credentials/{certificate.serial}.jwt?code=wrong-code-000000").status_code == 404
    jwk = client.get(f"/keys/jwk/{key.kid}").get_json()
    assert "d" not in jwk and jwk["kty"] == "EC" and jwk["crv"] == "P-256"


def test_the_graduate_downloads_the_credential(app, cohort):
    certificate = cohort.issued()[0]
    student = certificate.student.user
    response = client_for(app, student).get("/certificates/mine/credential.jwt")
    assert response.status_code == 200
    assert credential.credential_json(response.get_data(as_text=True))["id"] == credential.credential_id(
        certificate.serial)
