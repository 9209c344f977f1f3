"""Verify by upload: the public /verify page takes a PDF and says whether it is one of our certificates,
intact, matching the register, valid, revoked or replaced — and refuses hostile files (truncated, random,
a 1 GB zip bomb, deeply nested) cleanly, never with a 500 or a hang. The PDFs are the real signed PDFs of
``diploma.certificates.documents``; the changed ones are made as a forger would."""
import os
import time
import zlib
from datetime import date
from io import BytesIO

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.writer import PdfFileWriter

from diploma.certificates import corrections, documents, inspect, revocation
from diploma.extensions import db
from diploma.signing import credential, keystore, pades
from tests.certificates.builders import blank_pdf, graduating_cohort
from tests.certificates.test_views import client_for


@pytest.fixture
def cohort():
    group = graduating_cohort(2, code="MSL")
    group.issue()
    return group


@pytest.fixture
def signed(cohort):
    """The first graduate's certificate as downloaded (Arabic), signed."""
    return documents.certificate_pdf(cohort.issued()[0], "ar")


BOUNDARY = "----diploma-test-boundary-7d3a61"


def upload(app, data, language="en", filename="certificate.pdf"):
    """POST the file as a browser does (multipart/form-data), encoded here: the test client would spool a
    large body to a temporary file of its own."""
    body = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            f"Content-Type: application/pdf\r\n\r\n").encode() + data + f"\r\n--{BOUNDARY}--\r\n".encode()
    client = client_for(app, language=language)
    return client.post("/verify/pdf", data=body, content_type=f"multipart/form-data; boundary={BOUNDARY}")


def outcome_of(response):
    page = response.get_data(as_text=True)
    assert 'data-testid="pdf-verdict"' in page, page[:500]
    return page.split('data-outcome="', 1)[1].split('"', 1)[0], page


# --- what a genuine certificate gets -------------------------------------------------------------------

def test_a_downloaded_certificate_is_valid_with_its_university_and_names(app, cohort, signed):
    certificate = cohort.issued()[0]
    response = upload(app, signed)
    outcome, page = outcome_of(response)
    assert response.status_code == 200 and outcome == "valid"
    assert certificate.serial in page and certificate.snapshot["student"]["name_en"] in page
    assert keystore.current_key(certificate.university).fingerprint in page
    assert "Valid: the signature is intact" in page


def test_the_verdict_is_in_arabic_by_default(app, signed):
    outcome, page = outcome_of(upload(app, signed, language=None))
    assert outcome == "valid" and "صالحة" in page and 'dir="rtl"' in page


def test_a_transcript_is_checked_the_same_way(app, cohort):
    data = documents.transcript_pdf(cohort.issued()[1], "en")
    assert outcome_of(upload(app, data))[0] == "valid"


def test_a_revoked_certificate_says_revoked_with_the_date(app, cohort, signed):
    certificate = cohort.issued()[0]
    revocation.revoke_certificate(cohort.registrar, certificate, "issued in error")
    db.session.commit()
    outcome, page = outcome_of(upload(app, signed))
    assert outcome == "revoked" and "revoked on" in page


def test_a_replaced_certificate_says_replaced_without_the_new_code(app, cohort, signed):
    certificate = cohort.issued()[0]
    new = corrections.correct_certificate(cohort.registrar, certificate, corrections.Correction(
        "اسم مصحح", "Corrected Name", certificate.issued_on, "misspelt"))
    db.session.commit()
    outcome, page = outcome_of(upload(app, signed))
    assert outcome == "replaced" and "replaced by a corrected certificate" in page
    assert new.verification_code not in page and new.serial not in page


def test_a_batch_has_an_intact_signature_but_no_certificate_data(app, cohort):
    certificates = cohort.issued()
    data = documents.batch_pdf(certificates[0].university, certificates, "ar")
    outcome, page = outcome_of(upload(app, data))
    assert outcome == "no_certificate_data" and "serial number and verification code" in page


# --- forgeries -----------------------------------------------------------------------------------------

def test_one_byte_changed_is_modified(app, signed):
    index = signed.index(b"/Producer") + 3
    changed = signed[:index] + bytes([signed[index] ^ 0x01]) + signed[index + 1:]
    outcome, page = outcome_of(upload(app, changed))
    assert outcome == "modified" and "Modified after signing" in page


def test_text_added_after_signing_by_an_incremental_update_is_modified(app, signed):
    writer = IncrementalPdfFileWriter(BytesIO(signed))
    writer.add_stream_to_page(0, writer.add_object(generic.StreamObject(
        stream_data=b"BT /F1 24 Tf 50 50 Td (FORGED) Tj ET")))
    output = BytesIO()
    writer.write(output)
    assert outcome_of(upload(app, output.getvalue()))[0] == "modified"


def _foreign_signer():
    """A signer whose key is certified by another (test-made) root: looks like ours, is not."""
    root_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root_name = keystore._name("Peace and Crisis Studies Diploma Root CA", "Peace and Crisis Studies Diploma")
    root = keystore._certificate(root_name, root_key.public_key(), root_name, root_key, 1, ca=True)
    leaf_name = keystore._name("University of Mosul", "University of Mosul")
    leaf = keystore._certificate(leaf_name, key.public_key(), root.subject, root_key, 1, ca=False,
                                 issuer_public=root_key.public_key())

    class Foreign:
        import threading
        lock = threading.Lock()
        _pades = None
        private_key, certificate, root_certificate = key, leaf, root
        signer_name = "University of Mosul"
    return Foreign()


def test_a_pdf_signed_by_a_key_of_another_root_is_an_unknown_key(app, cohort):
    """The genuine certificate's content and attachments, signed by a stranger's key under a root of the
    same name: a forgery that looks right in a reader that trusts any signature."""
    from diploma.certificates import pdf

    certificate = cohort.issued()[0]
    token = documents.certificate_credential(certificate)
    rendered = pdf.render_certificate(certificate.snapshot, "ar", extra_attachments=[
        pdf.credential_attachment(token, credential.ATTACHMENT_NAME)])
    data = pades.sign_pdf(rendered, _foreign_signer(), reason=f"Graduation certificate {certificate.serial}")
    outcome, page = outcome_of(upload(app, data))
    assert outcome == "unknown_key" and "unknown key" in page


def test_a_pdf_without_a_signature_and_a_file_that_is_not_a_pdf_are_not_ours(app, cohort, signed):
    assert outcome_of(upload(app, blank_pdf()))[0] == "unsigned"
    assert outcome_of(upload(app, b"PK\x03\x04 a zip file, not a PDF"))[0] == "not_pdf"


# --- hostile files -------------------------------------------------------------------------------------

def test_a_truncated_pdf_is_refused_cleanly(app, signed):
    outcome, _ = outcome_of(upload(app, signed[: len(signed) // 2]))
    assert outcome in ("unreadable", "modified", "unsigned")


def test_random_bytes_are_refused_cleanly(app, cohort):
    assert outcome_of(upload(app, os.urandom(20000)))[0] == "not_pdf"
    assert outcome_of(upload(app, b"%PDF-1.7\n" + os.urandom(20000)))[0] == "unreadable"


def _zeros_deflated(size):
    compressor, chunk, parts = zlib.compressobj(9), bytes(1024 * 1024), []
    for _ in range(size // len(chunk)):
        parts.append(compressor.compress(chunk))
    parts.append(compressor.flush())
    return b"".join(parts)


def _pdf_with_attachment_stream(encoded):
    """A PDF whose attached ``certificate.json`` is the FlateDecode stream ``encoded`` (not re-encoded)."""
    name = generic.NameObject
    writer = PdfFileWriter()
    writer.insert_page(generic.DictionaryObject({
        name("/Type"): name("/Page"),
        name("/MediaBox"): generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 595, 842)])}))
    stream = generic.StreamObject({name("/Type"): name("/EmbeddedFile"),
                                   name("/Filter"): name("/FlateDecode")}, encoded_data=encoded)
    spec = generic.DictionaryObject({
        name("/Type"): name("/Filespec"), name("/F"): generic.TextStringObject("certificate.json"),
        name("/EF"): generic.DictionaryObject({name("/F"): writer.add_object(stream)})})
    names = generic.ArrayObject([generic.TextStringObject("certificate.json"), writer.add_object(spec)])
    writer.root[name("/Names")] = generic.DictionaryObject({
        name("/EmbeddedFiles"): generic.DictionaryObject({name("/Names"): names})})
    output = BytesIO()
    writer.write(output)
    return output.getvalue()


def test_a_zip_bomb_of_one_gigabyte_is_refused_quickly(app, cohort):
    """A 1 GiB stream of zeros (about 1 MB deflated), attached to a PDF that is then signed by the
    university's genuine key, so that the inspection reaches the attachment and must decode it."""
    bomb = _zeros_deflated(1024 * 1024 * 1024)
    assert len(bomb) < 2 * 1024 * 1024
    university = cohort.issued()[0].university
    data = pades.sign_pdf(_pdf_with_attachment_stream(bomb), keystore.signer_for(university), reason="bomb")
    started = time.perf_counter()
    outcome, page = outcome_of(upload(app, data))
    elapsed = time.perf_counter() - started
    assert outcome == "unreadable" and "cannot be read" in page
    assert elapsed < 10, f"took {elapsed:.1f} s"


def test_deeply_nested_objects_are_refused_cleanly(app, cohort):
    nested = b"[" * 200000 + b"]" * 200000
    data = (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R /Nested " + nested + b" >>\nendobj\n"
            b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
            b"trailer\n<< /Root 1 0 R /Size 3 >>\n%%EOF\n")
    outcome, _ = outcome_of(upload(app, data))
    assert outcome in ("unreadable", "unsigned")


def test_a_file_over_the_limit_is_refused_without_being_read(app, cohort, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_UPLOAD_MAX_MB", 1)
    response = upload(app, b"%PDF-1.7\n" + bytes(3 * 1024 * 1024))
    outcome, page = outcome_of(response)
    assert response.status_code == 413 and outcome == "too_large" and "1 MB" in page


def test_no_file_chosen_is_a_translated_error(app, cohort):
    response = client_for(app, language="en").post("/verify/pdf", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose the PDF file" in response.get_data(as_text=True)


def test_the_verify_page_offers_the_upload(app):
    page = client_for(app, language="en").get("/verify").get_data(as_text=True)
    assert 'action="/verify/pdf"' in page and 'enctype="multipart/form-data"' in page


def test_the_upload_is_rate_limited(app, cohort, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_UPLOAD_LIMIT", "2 per minute")
    statuses = [upload(app, b"not a pdf").status_code for _ in range(3)]
    assert statuses[:2] == [200, 200] and statuses[2] == 429


@pytest.mark.parametrize(("name", "outcome"), [
    ("empty", "not_pdf"), ("header only", "unreadable"), ("first 100 bytes", "unreadable"),
    ("last 100 bytes cut", "unreadable"), ("signature's byte range renamed", "unreadable")])
def test_each_broken_file_gets_its_own_verdict(app, cohort, signed, name, outcome):
    """Not merely "no exception" (``inspect_pdf`` catches everything): the verdict each broken file gets."""
    data = {"empty": b"", "header only": b"%PDF-", "first 100 bytes": signed[:100],
            "last 100 bytes cut": signed[:-100],
            "signature's byte range renamed": signed.replace(b"/ByteRange", b"/ByteRangX")}[name]
    assert inspect.inspect_pdf(data).outcome == outcome


def _with_bytes_after_the_signed_file(signed, padding):
    """``padding`` appended after the signed file, followed by a copy of its trailer (so that a reader finds
    the end of the file again): the signature no longer covers the whole file."""
    return signed + padding + b"\n" + signed[signed.rindex(b"startxref"):]


def test_bytes_appended_after_the_signed_range_are_modified_not_valid(app, signed):
    assert outcome_of(upload(app, signed))[0] == "valid"
    assert outcome_of(upload(app, signed + b"\n% appended after signing\n"))[0] == "modified"
    assert outcome_of(upload(app, _with_bytes_after_the_signed_file(signed, b"% a comment")))[0] == "modified"


def test_the_key_current_at_issue_is_recorded_and_a_later_rotation_keeps_it():
    group = graduating_cohort(1, code="BGD")
    keystore.signer_for(group.university)  # the tests' fixture makes the university's key
    first_key = keystore.current_key(group.university)
    issued = group.issue(issued_on=date(2025, 7, 15))[0]
    assert issued.signing_key_id == first_key.id
    keystore.issue_key(group.university)  # rotation
    db.session.commit()
    assert db.session.get(type(issued), issued.id).signing_key_id == first_key.id


def test_the_upload_is_read_in_memory_never_spooled_to_disk(app, cohort, signed, monkeypatch):
    """Werkzeug writes an uploaded file larger than 500 KB to a temporary file; this view keeps it in
    memory (the padding makes the request larger than that)."""
    import werkzeug.formparser

    def no_temporary_files(*args, **kwargs):
        raise AssertionError("the upload was spooled to disk")

    monkeypatch.setattr(werkzeug.formparser, "SpooledTemporaryFile", no_temporary_files)
    monkeypatch.setattr(werkzeug.formparser, "TemporaryFile", no_temporary_files, raising=False)
    padded = _with_bytes_after_the_signed_file(signed, b"%" + b"x" * (800 * 1024))
    outcome, _ = outcome_of(upload(app, padded))
    assert outcome == "modified"  # read whole (in memory), and the bytes after the signed file are seen


def test_with_csrf_protection_on_the_upload_needs_no_token_and_stays_in_memory(app, signed, monkeypatch):
    """As in production (CSRF on): the public check takes the file without a token (it writes nothing:
    tests/security/test_csrf.py) and the protection, exempt here, does not parse the body to disk first."""
    from io import BytesIO

    import werkzeug.formparser

    def no_temporary_files(*args, **kwargs):
        raise AssertionError("the upload was spooled to disk")

    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    monkeypatch.setattr(werkzeug.formparser, "SpooledTemporaryFile", no_temporary_files)
    answer = client_for(app, language="en").post("/verify/pdf", data={"file": (BytesIO(signed), "c.pdf")},
                                                  content_type="multipart/form-data")
    assert answer.status_code == 200 and outcome_of(answer)[0] == "valid"
