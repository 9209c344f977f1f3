"""``flask --app wsgi certificates check FILE.pdf`` and ``check --token TOKEN``: the verification page's
verdicts on the command line, in Arabic by default, exit code 0 only for a valid certificate."""
import os

import pytest

from diploma.certificates import corrections, documents, revocation
from diploma.certificates.qr import qr_url
from diploma.extensions import db
from diploma.signing import keystore
from tests.certificates.builders import blank_pdf, graduating_cohort


@pytest.fixture
def cohort():
    group = graduating_cohort(2, code="MSL")
    group.issue()
    return group


def check(runner, *arguments, language="en"):
    extra = ["--language", language] if language else []
    return runner.invoke(args=["certificates", "check", *map(str, arguments), *extra])


@pytest.fixture
def signed_file(cohort, tmp_path):
    path = tmp_path / "certificate.pdf"
    path.write_bytes(documents.certificate_pdf(cohort.issued()[0], "en"))
    return path


def test_a_genuine_pdf_is_valid_with_exit_code_zero(runner, cohort, signed_file):
    certificate = cohort.issued()[0]
    result = check(runner, signed_file)
    assert result.exit_code == 0, result.output
    assert "Valid: the signature is intact" in result.output and certificate.serial in result.output
    assert keystore.current_key(certificate.university).fingerprint in result.output


def test_the_answer_is_in_arabic_by_default(runner, signed_file):
    result = check(runner, signed_file, language=None)
    assert result.exit_code == 0 and "صالحة" in result.output


def test_a_changed_pdf_exits_non_zero(runner, signed_file, tmp_path):
    data = signed_file.read_bytes()
    index = data.index(b"/Producer") + 3
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(data[:index] + bytes([data[index] ^ 1]) + data[index + 1:])
    result = check(runner, changed)
    assert result.exit_code == 1 and "Modified after signing" in result.output


def test_revoked_and_replaced_pdfs_exit_non_zero(runner, cohort, tmp_path):
    first, second = cohort.issued()
    first_file, second_file = tmp_path / "1.pdf", tmp_path / "2.pdf"
    first_file.write_bytes(documents.certificate_pdf(first, "en"))
    second_file.write_bytes(documents.certificate_pdf(second, "en"))
    revocation.revoke_certificate(cohort.registrar, first, "issued in error")
    corrections.correct_certificate(cohort.registrar, second, corrections.Correction(
        "اسم مصحح تماماً", "Corrected Name", second.issued_on, "misspelt"))
    db.session.commit()
    revoked = check(runner, first_file)
    assert revoked.exit_code == 1 and "Revoked" in revoked.output
    replaced = check(runner, second_file)
    assert replaced.exit_code == 1 and "replaced by a corrected certificate" in replaced.output


def test_files_that_are_not_certificates_exit_non_zero_without_a_traceback(runner, cohort, tmp_path):
    cases = {"random.bin": os.urandom(4000), "blank.pdf": blank_pdf(),
             "broken.pdf": b"%PDF-1.7\n" + os.urandom(4000)}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        result = check(runner, tmp_path / name)
        assert result.exit_code == 1 and "Traceback" not in result.output, (name, result.output)
    missing = check(runner, tmp_path / "missing.pdf")
    assert missing.exit_code == 1 and "cannot be read" in missing.output


def test_a_file_and_a_token_together_or_neither_is_refused(runner, signed_file):
    assert check(runner).exit_code == 1
    assert "either" in check(runner, signed_file, "--token", "x").output


def _signed_qr_url(certificate):
    """What the certificate's QR code holds (as its signed PDF prints it)."""
    return qr_url(certificate.snapshot, keystore.signer_for(certificate.university), certificate.status_index)


def _token_of_certificate(certificate):
    return _signed_qr_url(certificate).split("#", 1)[1]


def test_a_genuine_token_is_valid_and_the_whole_url_works_too(runner, cohort):
    certificate = cohort.issued()[0]
    url = _signed_qr_url(certificate)
    for given in (url.split("#", 1)[1], url):
        result = check(runner, "--token", given)
        assert result.exit_code == 0, result.output
        assert certificate.snapshot["student"]["name_en"] in result.output


def test_a_changed_token_is_refused(runner, cohort):
    token = _token_of_certificate(cohort.issued()[0])
    header, payload, signature = token.split(".")
    flipped = payload[:10] + ("A" if payload[10] != "A" else "B") + payload[11:]
    result = check(runner, "--token", f"{header}.{flipped}.{signature}")
    assert result.exit_code == 1 and "Valid" not in result.output
    garbage = check(runner, "--token", "not-a-token")
    assert garbage.exit_code == 1 and "not a certificate token" in garbage.output


def test_a_token_of_a_revoked_certificate_is_refused_by_the_register(runner, cohort):
    certificate = cohort.issued()[0]
    token = _token_of_certificate(certificate)
    revocation.revoke_certificate(cohort.registrar, certificate, "issued in error")
    db.session.commit()
    result = check(runner, "--token", token)
    assert result.exit_code == 1
    assert "The signature is valid" in result.output and "Revoked" in result.output
