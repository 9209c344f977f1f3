"""Verify by upload under hostile files (issue 25, findings 1 and 2): the check decides cheaply first.

- A stranger's key whose CMS carries look-alike CA certificates is refused before any path building
  (counted through pdf_check's own validation step), and too many certificates are refused outright.
- Thousands of signature fields, or of objects, are refused before the signatures are enumerated, and
  pyHanko's per-field warnings never reach the log.
- The check runs under a CPU-time limit, in a process of its own: over it, the file is refused.
- While a file is checked, no database lock is held: a login at the same moment succeeds (SQLite).
"""
import hashlib
import logging
import threading

import pytest

from diploma.certificates import documents, inspect
from diploma.signing import pdf_check
from tests import factories
from tests.certificates.builders import graduating_cohort
from tests.certificates.hostile_pdfs import lookalike_ca_pdf, many_objects_pdf, many_signature_fields_pdf
from tests.certificates.test_verify_upload import outcome_of, upload
from tests.certificates.test_views import client_for

TOO_COMPLEX_EN = "this file is too complex"
TOO_COMPLEX_AR = "هذا الملف معقّد أكثر مما ينبغي"


@pytest.fixture
def cohort():
    group = graduating_cohort(1, code="MSL")
    group.issue()
    return group


@pytest.fixture
def genuine(cohort):
    return documents.certificate_pdf(cohort.issued()[0], "en")


@pytest.fixture
def path_building(monkeypatch):
    """How many times pdf_check validated a signature (pyHanko's path building and all): the real step,
    called through."""
    calls = []
    real = pdf_check._validated

    def counted(signature, context):
        calls.append(signature)
        return real(signature, context)

    monkeypatch.setattr(pdf_check, "_validated", counted)
    return calls


def _signer_fingerprint(data):
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    signature = PdfFileReader(BytesIO(data), strict=False).embedded_signatures[-1]
    return hashlib.sha256(signature.signer_cert.dump()).hexdigest()


# --- finding 1: a stranger's key with look-alike CA certificates ---------------------------------------

def test_a_foreign_key_is_refused_before_any_path_building(app, genuine, path_building):
    trust = inspect.published_trust()
    assert pdf_check.check_signature(lookalike_ca_pdf(3), trust).outcome == pdf_check.UNKNOWN_KEY
    assert path_building == []
    assert pdf_check.check_signature(genuine, trust).outcome == pdf_check.INTACT  # the count counts
    assert len(path_building) == 1


@pytest.mark.parametrize("language, words", [("en", TOO_COMPLEX_EN), ("ar", TOO_COMPLEX_AR)])
def test_eight_lookalike_certificates_are_refused_as_too_complex(app, genuine, language, words):
    response = upload(app, lookalike_ca_pdf(8), language=language)
    outcome, page = outcome_of(response)
    assert response.status_code == 200 and outcome == "too_complex" and words in page


def test_the_cpu_time_limit_ends_a_check_that_runs_too_long(app, genuine):
    """Seven look-alikes under the certificate limit, and a trust that (wrongly) names the stranger's key:
    the path builder then walks thousands of orderings; one second of CPU ends it with a refusal."""
    data = lookalike_ca_pdf(7)
    trust = pdf_check.Trust(fingerprints=frozenset({_signer_fingerprint(data)}),
                            root_der=inspect.published_trust().root_der)
    limits = pdf_check.Limits(cms_certificates=10)
    finding = pdf_check.run_isolated(data, trust, limits, cpu_seconds=1, wall_seconds=60)
    assert finding.outcome == "too_complex"


def test_a_genuine_certificate_passes_the_isolated_check(app, genuine):
    finding = pdf_check.run_isolated(genuine, inspect.published_trust())
    assert finding.outcome == pdf_check.INTACT and "certificate.json" in finding.attachments


# --- finding 2: thousands of signature fields, of objects -----------------------------------------------

def test_thousands_of_signature_fields_are_refused_with_a_short_log(app, cohort, caplog, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_UPLOAD_ISOLATED", False)  # in this process, where the log is
    caplog.set_level(logging.DEBUG)
    outcome, page = outcome_of(upload(app, many_signature_fields_pdf(3000)))
    assert outcome == "too_complex" and TOO_COMPLEX_EN in page
    assert len(caplog.records) < 20, [record.getMessage()[:80] for record in caplog.records[:5]]


def test_pyhankos_warnings_on_a_few_broken_fields_do_not_reach_the_log(app, cohort, caplog):
    """Under the field limit, pyHanko warns (with a traceback) about each signature of an unknown kind:
    none of it is logged."""
    caplog.set_level(logging.DEBUG)
    finding = pdf_check.check_signature(many_signature_fields_pdf(5), inspect.published_trust())
    assert finding.outcome == pdf_check.UNSIGNED
    assert [r for r in caplog.records if r.name.startswith(pdf_check.QUIETED_LOGGERS)] == []
    assert logging.getLogger("pyhanko").level == logging.NOTSET  # quiet only during the check


def test_many_objects_are_refused(app, cohort):
    assert outcome_of(upload(app, many_objects_pdf(20_000)))[0] == "too_complex"


# --- no lock held during the check ----------------------------------------------------------------------

def test_a_login_during_a_check_succeeds(app, cohort, genuine, monkeypatch):
    """A registrar logs in while an upload is being checked (from inside the check): on SQLite the login
    waits for no lock, and the upload's verdict is still right."""
    logins, email = [], cohort.registrar.email
    real = pdf_check.run_isolated

    def log_in_meanwhile(*args, **kwargs):
        def log_in():
            client = client_for(app)
            logins.append(client.post("/login", data={"email": email, "password": factories.PASSWORD}))
        thread = threading.Thread(target=log_in)
        thread.start()
        thread.join()
        return real(*args, **kwargs)

    monkeypatch.setattr(pdf_check, "run_isolated", log_in_meanwhile)
    assert outcome_of(upload(app, genuine))[0] == "valid"
    assert len(logins) == 1 and logins[0].status_code == 302, logins[0].status_code
