"""PDFs for a lifetime (issue 28), checked with independent tools: a certification signature whose DocMDP
level pyHanko and poppler's pdfsig enforce; the programme's CRL, signed by the root, served, parsed by
``openssl crl`` and named in new university certificates; PAdES B-LT (validation data embedded, pyHanko
with revocation information required); B-T and B-LTA with a local RFC 3161 time-stamp authority, validated
by pyHanko's AdES validator as of 2060; and the files signed once and kept for life."""
import http.server
import subprocess
import sys
import threading
from datetime import timedelta
from io import BytesIO

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.generic import StreamObject
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.fields import MDPPerm

from diploma import clock
from diploma.arabic import format_long_date
from diploma.certificates import corrections, documents, inspect, keeping, revocation
from diploma.certificates.models import Certificate, KeptDocument
from diploma.extensions import db
from diploma.jobs import runner
from diploma.signing import crl, keystore
from diploma.signing.models import ProgrammeCrl
from tests.certificates.builders import graduating_cohort
from tests.certificates.test_views import client_for
from tests.signing.test_signing import _nss_database, _pyhanko_status, _sound
from tests.signing.tsa import start_tsa, tsa_certificate


@pytest.fixture
def tsa(app, monkeypatch, tmp_path):
    """The local time-stamp authority as SIGNING_TSA_URL (its certificate as SIGNING_TSA_ROOTS)."""
    authority = start_tsa()
    path = tmp_path / "tsa.pem"
    path.write_bytes(authority.certificate_pem)
    monkeypatch.setitem(app.config, "SIGNING_TSA_URL", authority.url)
    monkeypatch.setitem(app.config, "SIGNING_TSA_ROOTS", str(path))
    authority.pem_path = path
    yield authority
    authority.stop()


def start_tsa_certificate_pem():
    return tsa_certificate("Another TSA")[1].public_bytes(serialization.Encoding.PEM)


def _run(*command):
    return subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=120)


def _edited(data):
    """``data`` with text added to its first page by an incremental update (the signed bytes untouched)."""
    writer = IncrementalPdfFileWriter(BytesIO(data))
    writer.add_stream_to_page(0, writer.add_object(StreamObject(stream_data=b"BT 50 50 Td (FORGED) Tj ET")))
    output = BytesIO()
    writer.write(output)
    return output.getvalue()


def _inspect(app, data):
    app.config["VERIFY_UPLOAD_ISOLATED"] = False
    return inspect.inspect_pdf(data)


# --- the certification signature (DocMDP) -----------------------------------------------------------------

def test_the_signature_certifies_with_no_changes_allowed_and_an_edit_is_forbidden(app, cohort, root_pem,
                                                                                 tmp_path):
    data = documents.certificate_pdf(cohort.issued()[0], "en")
    status = _pyhanko_status(data, root_pem)
    assert _sound(status) and status.trusted and status.docmdp_ok is True
    field = PdfFileReader(BytesIO(data)).embedded_regular_signatures[0]
    assert field.docmdp_level == MDPPerm.NO_CHANGES

    edited = _edited(data)
    changed = _pyhanko_status(edited, root_pem)
    assert _sound(changed)  # the signed revision itself is intact…
    assert changed.docmdp_ok is False  # …but the certification forbids what came after
    assert changed.modification_level >= ModificationLevel.FORM_FILLING
    assert _inspect(app, edited).outcome == inspect.MODIFIED

    original, forged = tmp_path / "signed.pdf", tmp_path / "forged.pdf"
    original.write_bytes(data)
    forged.write_bytes(edited)
    nss = _nss_database(tmp_path / "nss", root_pem)
    assert "Total document signed" in _run("pdfsig", "-nssdir", nss, original).stdout
    forged_report = _run("pdfsig", "-nssdir", nss, forged).stdout
    assert "Not total document signed" in forged_report


# --- the programme's CRL ----------------------------------------------------------------------------------

def test_new_university_certificates_name_the_crl_and_the_crl_lists_only_disowned_keys(app, cohort, runner,
                                                                                       tmp_path):
    first = keystore.current_key(cohort.university)
    points = keystore.load_certificate(first).extensions.get_extension_for_class(x509.CRLDistributionPoints)
    assert points.value[0].full_name[0].value == "http://localhost/keys/programme.crl"

    # A rotation retires the first key: it is NOT revoked (what it signed stays valid for life).
    assert runner.invoke(args=["keys", "rotate", "--university", "MSL", "--language", "en"]).exit_code == 0
    second = keystore.current_key(cohort.university)
    second.compromised_at = clock.utcnow().replace(microsecond=0) - timedelta(days=1)
    listed = crl.publish_crl()
    db.session.commit()

    response = app.test_client().get("/keys/programme.crl")
    assert response.status_code == 200 and response.mimetype == "application/pkix-crl"
    assert "max-age" in response.headers["Cache-Control"]
    assert response.data == listed.der
    path = tmp_path / "programme.crl"
    path.write_bytes(response.data)
    text = _run("openssl", "crl", "-inform", "DER", "-in", path, "-noout", "-text").stdout
    second_serial = format(keystore.load_certificate(second).serial_number, "X")
    first_serial = format(keystore.load_certificate(first).serial_number, "X")
    assert second_serial in text.replace(":", "").upper() and "Key Compromise" in text
    assert first_serial not in text.replace(":", "").upper()

    parsed = x509.load_der_x509_crl(response.data)
    root = keystore.load_certificate(keystore.root_key())
    assert parsed.is_signature_valid(root.public_key()) and parsed.issuer == root.subject
    assert crl.revoked_serials(response.data)[keystore.load_certificate(second).serial_number] == (
        second.compromised_at.replace(tzinfo=clock.UTC), x509.ReasonFlags.key_compromise)
    (tmp_path / "root.pem").write_text(keystore.root_key().certificate_pem)
    verified = _run("openssl", "crl", "-inform", "DER", "-in", path, "-CAfile", tmp_path / "root.pem",
                    "-noout")
    assert "verify OK" in verified.stderr + verified.stdout


def test_the_worker_renews_the_crl_before_it_lapses(app, cohort):
    runner.run_periodic_steps()
    db.session.rollback()
    first = crl.current_crl()
    assert first is not None and first.next_update - first.this_update == timedelta(days=crl.CRL_DAYS)
    runner.run_periodic_steps()  # fresh: nothing to do
    assert db.session.scalar(db.select(db.func.count()).select_from(ProgrammeCrl)) == 1
    with clock.as_of(first.next_update - timedelta(days=crl.RENEW_BEFORE_DAYS) + timedelta(hours=1)):
        runner.run_periodic_steps()
    db.session.rollback()
    renewed = crl.current_crl()
    assert renewed.number == first.number + 1 and renewed.this_update > first.this_update


def test_an_unknown_crl_is_not_found(app):
    assert app.test_client().get("/keys/programme.crl").status_code == 404


# --- B-LT: the validation data in the signature -----------------------------------------------------------

def test_the_signature_carries_its_validation_data_b_lt(cohort, root_pem, tmp_path):
    """Offline, pyHanko's AdES validator (which requires revocation information for the signer) finds the
    chain and the programme's CRL in the file itself."""
    data = documents.certificate_pdf(cohort.issued()[0], "en")
    reader = PdfFileReader(BytesIO(data))
    dss = reader.root["/DSS"]
    assert len(dss["/CRLs"]) == 1 and len(dss["/Certs"]) >= 2
    assert reader.xrefs.total_revisions == 2  # the render, then the signature with its DSS: one update
    path = tmp_path / "signed.pdf"
    path.write_bytes(data)
    report = _run(sys.executable, "-m", "pyhanko", "sign", "adesverify", "--trust", root_pem,
                  "--trust-replace", "--pretty-print", path)
    assert report.returncode == 0 and "The signature is judged VALID." in report.stdout, report.stdout


def _serving(path, body):
    """A local HTTP server answering ``path`` with ``body`` (the CRL, at the address in the certificate)."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            found = self.path == path
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", crl.CRL_MIMETYPE)
            self.end_headers()
            if found:
                self.wfile.write(body())

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_online_the_crl_at_the_certificates_address_vouches_for_the_signer(app, runner, tmp_path):
    """pyHanko's validator with revocation information required fetches the CRL named in the university
    certificate (here served on 127.0.0.1): valid; once the key is disowned, the same file is refused."""
    served = {}
    server = _serving("/keys/programme.crl", lambda: served["der"])
    try:
        app.config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
        group = graduating_cohort(1, code="MSL")
        group.issue()
        assert runner.invoke(args=["keys", "init", "--language", "en"]).exit_code == 0
        assert runner.invoke(args=["keys", "issue", "--university", "MSL", "--language", "en"]).exit_code == 0
        root_pem = tmp_path / "root.pem"
        root_pem.write_text(keystore.root_key().certificate_pem)
        path = tmp_path / "signed.pdf"
        path.write_bytes(documents.certificate_pdf(group.issued()[0], "en"))
        db.session.commit()
        served["der"] = crl.current_crl().der

        def validate():
            return _run(sys.executable, "-m", "pyhanko", "sign", "validate", "--trust", root_pem,
                        "--trust-replace", "--force-revinfo", "--pretty-print", path)

        trusted = validate()
        assert trusted.returncode == 0 and "The signer's certificate is trusted." in trusted.stdout, \
            trusted.stdout + trusted.stderr

        keystore.current_key(group.university).compromised_at = clock.utcnow() - timedelta(days=1)
        served["der"] = crl.publish_crl().der
        db.session.commit()
        refused = validate()
        assert refused.returncode != 0 and "revoked" in refused.stdout.lower(), refused.stdout
    finally:
        server.shutdown()
        server.server_close()


# --- B-T and B-LTA with a local time-stamp authority ------------------------------------------------------

def _ades_2060(path, root_pem, tsa_pem):
    return _run(sys.executable, "-m", "pyhanko", "sign", "adesverify", "--trust", root_pem, "--trust",
                tsa_pem, "--trust-replace", "--validation-time", "2060-01-01T00:00:00+00:00",
                "--pretty-print", path)


def test_a_certificate_issued_today_validates_in_2060(app, cohort, root_pem, tsa, tmp_path):
    certificate = cohort.issued()[0]
    kept = documents.keep_document(certificate, "certificate", "en")
    db.session.commit()
    assert kept.timestamp_until.year >= 2074
    path = tmp_path / "kept.pdf"
    path.write_bytes(kept.data)
    result = _ades_2060(path, root_pem, tsa.pem_path)
    assert result.returncode == 0 and "The signature is judged VALID." in result.stdout, result.stdout
    stranger = tmp_path / "stranger.pem"  # the same check, the time stamp's TSA not trusted: refused
    stranger.write_bytes(start_tsa_certificate_pem())
    refused = _ades_2060(path, root_pem, stranger)
    assert refused.returncode != 0 and "The signature is judged VALID." not in refused.stdout

    nss = _nss_database(tmp_path / "nss", root_pem)
    assert _run("certutil", "-A", "-d", f"sql:{nss}", "-n", "tsa", "-t", "C,C,C", "-a", "-i",
                tsa.pem_path).returncode == 0
    report = _run("pdfsig", "-nssdir", nss, path).stdout
    assert "Signature is Valid." in report and "Certificate is Trusted." in report, report


def test_the_worker_adds_a_document_time_stamp_before_the_last_one_lapses(app, cohort, root_pem, tsa,
                                                                         tmp_path):
    certificate = cohort.issued()[0]
    short = start_tsa("Short-lived TSA", until=clock.now() + timedelta(days=200))
    short_pem = tmp_path / "short.pem"
    short_pem.write_bytes(short.certificate_pem)
    try:
        app.config["SIGNING_TSA_URL"], app.config["SIGNING_TSA_ROOTS"] = short.url, str(short_pem)
        kept = documents.keep_document(certificate, "certificate", "en")
        db.session.commit()
    finally:
        short.stop()
    first_bytes, first_until = kept.data, kept.timestamp_until
    assert first_until < clock.utcnow() + keeping.ARCHIVE_MARGIN

    app.config["SIGNING_TSA_URL"], app.config["SIGNING_TSA_ROOTS"] = tsa.url, str(tsa.pem_path)
    assert keeping.renew_timestamps(tsa_roots=[tsa.stamper.tsa_cert, short.stamper.tsa_cert]) is True
    db.session.commit()
    db.session.refresh(kept)
    assert kept.timestamp_until.year >= 2074 and kept.data.startswith(first_bytes)
    assert kept.sha256 == documents.sha256_of(kept.data)
    assert len(PdfFileReader(BytesIO(kept.data)).embedded_timestamp_signatures) == 1
    assert keeping.renew_timestamps() is False  # nothing due any more

    path = tmp_path / "lta.pdf"
    path.write_bytes(kept.data)
    combined = tmp_path / "tsas.pem"
    combined.write_bytes(tsa.certificate_pem + short.certificate_pem)
    result = _ades_2060(path, root_pem, combined)
    assert result.returncode == 0 and "The signature is judged VALID." in result.stdout, result.stdout

    # The file with the time stamp added is still ours for the upload check, by hash and by signature.
    assert _inspect(app, kept.data).outcome == inspect.VALID
    db.session.delete(kept)
    db.session.commit()
    assert _inspect(app, kept.data).outcome == inspect.VALID
    assert _inspect(app, first_bytes).outcome == inspect.VALID


# --- signed once, kept for life ---------------------------------------------------------------------------

def test_a_download_is_signed_once_and_the_same_bytes_are_served_again(app, cohort):
    certificate = cohort.issued()[0]
    client = client_for(app, cohort.registrar)
    first = client.get(f"/certificates/{certificate.serial}.pdf?language=en")
    second = client.get(f"/certificates/{certificate.serial}.pdf?language=en")
    assert first.status_code == 200 and first.data == second.data
    db.session.rollback()
    kept = documents.kept_document(certificate, "certificate", "en")
    assert kept is not None and kept.sha256 == documents.sha256_of(first.data)
    assert kept.signing_key_id == keystore.current_key(cohort.university).id
    transcript = client.get(f"/certificates/{certificate.serial}/transcript.pdf?language=ar")
    assert transcript.data != first.data
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(KeptDocument)) == 2


def test_the_worker_keeps_the_files_of_issued_and_corrected_certificates(app, cohort):
    runner.run_periodic_steps()
    db.session.rollback()
    kept = db.session.scalars(db.select(KeptDocument)).all()
    assert len(kept) == 4 * len(cohort.issued())
    assert {(k.kind, k.language) for k in kept} == {(kind, language) for kind in ("certificate", "transcript")
                                                    for language in ("ar", "en")}
    runner.run_periodic_steps()
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(KeptDocument)) == len(kept)

    old = cohort.issued()[0]
    new = corrections.correct_certificate(cohort.registrar, old, corrections.Correction(
        "اسم مصحح", "Corrected Name", old.issued_on, "typo"))
    db.session.commit()
    runner.run_periodic_steps()
    db.session.rollback()
    new_files = db.session.scalars(db.select(KeptDocument).where(KeptDocument.certificate_id == new.id)).all()
    assert len(new_files) == 4
    old_file = documents.kept_document(old, "certificate", "en")
    assert _inspect(app, old_file.data).outcome == inspect.REPLACED  # by hash: the old edition's file
    assert _inspect(app, new_files[0].data).outcome == inspect.VALID


def test_two_keepers_at_once_leave_one_file(app, cohort):
    certificate = cohort.issued()[0]
    data, signer = documents.sign_document(certificate, "certificate", "en")
    first = documents.store_document(certificate.id, "certificate", "en", data, signer)
    db.session.commit()
    second_signature = documents.certificate_pdf(certificate, "en")
    again = documents.store_document(certificate.id, "certificate", "en", second_signature, signer)
    assert again.id == first.id and again.data == data
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(KeptDocument)) == 1


def test_the_upload_check_compares_by_hash_first_and_refuses_a_disowned_key(app, cohort):
    certificate = cohort.issued()[0]
    kept = documents.keep_document(certificate, "certificate", "ar")
    db.session.commit()
    assert _inspect(app, kept.data).outcome == inspect.VALID

    fresh = documents.certificate_pdf(certificate, "ar")  # ours and intact, but not the kept file
    assert fresh != kept.data and _inspect(app, fresh).outcome == inspect.VALID

    key = keystore.current_key(cohort.university)
    key.compromised_at = clock.utcnow().replace(microsecond=0)
    db.session.commit()
    verdict = _inspect(app, fresh)
    assert verdict.outcome == inspect.DISOWNED_KEY
    assert "تبرّأ منه البرنامج" in verdict.message
    assert format_long_date(key.compromised_at.date()) in verdict.message
    assert _inspect(app, kept.data).outcome == inspect.VALID  # the file handed out stays known by hash

    revocation.revoke_certificate(cohort.registrar, certificate, "fraud")
    db.session.commit()
    assert _inspect(app, kept.data).outcome == inspect.REVOKED


def test_keep_documents_re_signs_with_the_current_key(app, cohort, runner):
    certificate = cohort.issued()[0]
    before = {(k.kind, k.language): k.sha256 for k in documents.keep_documents(certificate)}
    db.session.commit()
    old_key = keystore.current_key(cohort.university).id
    assert runner.invoke(args=["keys", "rotate", "--university", "MSL", "--language", "en"]).exit_code == 0
    after = documents.keep_documents(certificate)
    db.session.commit()
    assert len(after) == 4 and all(k.signing_key_id != old_key for k in after)
    assert all(before[(k.kind, k.language)] != k.sha256 for k in after)


@pytest.mark.commits
@pytest.mark.postgres_only
def test_two_downloads_keeping_the_same_file_at_once_keep_one(app, cohort):
    """Two requests that each signed the same file store it at the same moment (their own connections): one
    row stands, and both hand out its bytes. PostgreSQL only: SQLite serialises the writers."""
    certificate = cohort.issued()[0]
    signed = [documents.sign_document(certificate, "transcript", "ar") for _ in range(2)]
    certificate_id = certificate.id
    db.session.commit()
    db.session.close()
    barrier, handed_out = threading.Barrier(2), {}

    def keep(index):
        with app.app_context():
            try:
                barrier.wait(timeout=60)
                kept = documents.store_document(certificate_id, "transcript", "ar", *signed[index])
                handed_out[index] = kept.data
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported by the test, not lost in the thread
                db.session.rollback()
                handed_out[index] = repr(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=keep, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    rows = db.session.scalars(db.select(KeptDocument)
                              .where(KeptDocument.certificate_id == certificate_id)).all()
    assert len(rows) == 1
    assert handed_out[0] == handed_out[1] == rows[0].data, handed_out


def test_issuing_on_the_web_asks_the_worker_to_keep_the_new_files(app):
    from diploma.jobs import queue
    from tests.certificates.conftest import provide_keys
    from tests.certificates.test_views import GRADUATES, graduates_at, post_issue

    group = graduates_at("KUF", GRADUATES[:2])
    provide_keys(group.university)
    huey = queue.huey_of(app)
    huey.flush()
    response = post_issue(client_for(app, group.registrar), group, [s.id for s in group.students])
    assert response.status_code == 302
    # enqueued once the issue is committed
    assert [task.name for task in huey.pending()] == ["periodic_steps"]
    huey.flush()

    runner.run_periodic_steps()  # what that task runs in the worker
    db.session.rollback()
    issued = db.session.scalars(db.select(Certificate).where(Certificate.cohort_id == group.cohort.id)).all()
    assert len(issued) == 2
    kept = db.session.scalars(db.select(KeptDocument)).all()
    assert sorted(k.certificate_id for k in kept) == sorted([c.id for c in issued] * 4)
