"""The offline checker in Chromium: opened once while connected, it keeps working with the network cut and
the server stopped. A demo certificate's token (as its QR code carries it) is shown as genuine with the
names in Arabic and English; one character changed is refused; a key nobody published is refused with that
reason; a revoked certificate shows as revoked, with the date of the list. In Arabic and in English."""
import base64
import json
import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from diploma.certificates import revocation
from diploma.certificates.models import Certificate
from diploma.certificates.qr import token_claims
from diploma.extensions import db
from diploma.signing import keystore
from diploma.signing.token import make_token
from tests.browser.checkers import add_axe, axe_problems, html_errors, require_checkers
from tests.browser.conftest import DESKTOP, PHONE, TIMEOUT_MS, buffered
from tests.browser.helpers import NO_HORIZONTAL_SCROLL, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]

MESSAGES = {
    "ar": {"valid": "أصلية: موقّعة من الجامعة", "refused": "مرفوضة",
           "bad_signature": "التوقيع غير مطابق", "unknown_key": "لم ينشره البرنامج",
           "malformed": "هذا ليس رمز شهادة", "ready": "جاهزة للتحقق دون اتصال بالإنترنت",
           "not_revoked": "غير ملغاة", "revoked": "ملغاة، بحسب قائمة الإلغاء", "university": "جامعة الموصل"},
    "en": {"valid": "Genuine: signed by the university", "refused": "Refused",
           "bad_signature": "The signature does not match", "unknown_key": "has not published",
           "malformed": "This is not a certificate token", "ready": "Ready to check without the internet",
           "not_revoked": "Not revoked, according to", "revoked": "Revoked, according to",
           "university": "University of Mosul"},
}


class Server:
    """The app on a free port, which the test can stop (so that nothing but the browser's cache answers)."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, buffered(app), threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, name="offline-server", daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.running = True

    def stop(self):
        if self.running:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=10)
            self.running = False


@pytest.fixture
def server(app):
    running = Server(app)
    yield running
    running.stop()


@pytest.fixture
def context(browser, server):
    made = browser.new_context(base_url=server.url, viewport=DESKTOP, locale="ar-IQ", service_workers="allow")
    made.set_default_timeout(TIMEOUT_MS)
    made.set_default_navigation_timeout(TIMEOUT_MS)
    yield made
    made.close()


def _token_of(certificate):
    """The token a freshly printed copy of the certificate carries in its QR code."""
    signer = keystore.signer_for(certificate.university)
    return make_token(token_claims(certificate.snapshot, certificate.status_index), signer)


@pytest.fixture
def tokens():
    """Two Mosul demo certificates' tokens and names; the second certificate revoked. Committed before the
    browser asks: the server shares the database."""
    first, second = db.session.scalars(
        db.select(Certificate).where(Certificate.serial.like("PCS-MSL-%")).order_by(Certificate.number)
        .limit(2)).all()
    revocation.revoke_certificate(None, second, "Test: revoked for the offline checker")
    made = {"valid": _token_of(first), "revoked": _token_of(second),
            "url": f"{first.snapshot['verification_url']}#{_token_of(first)}",
            "path": first.snapshot["verification_url"].split("localhost", 1)[1],
            "name_ar": first.snapshot["student"]["name_ar"], "name_en": first.snapshot["student"]["name_en"],
            "serial": first.serial}
    db.session.commit()
    return made


def _changed(token, position):
    """One character of the signature changed (not the last, whose low bits are unused)."""
    replacement = "A" if token[position] != "A" else "B"
    return token[:position] + replacement + token[position + 1:]


def _with_kid(token, kid):
    header, payload, signature = token.split(".")
    new_header = base64.urlsafe_b64encode(json.dumps({"alg": "ES256", "kid": kid},
                                                     separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{new_header}.{payload}.{signature}"


def _ready(page, language):
    expect(page.get_by_test_id("offline-readiness")).to_have_attribute("data-ready", "yes")
    expect(page.get_by_test_id("offline-readiness")).to_contain_text(MESSAGES[language]["ready"])
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def _check(page, token):
    page.get_by_test_id("offline-token").fill(token)
    page.get_by_test_id("offline-check").click()


def _expect_genuine(page, language, tokens):
    words = MESSAGES[language]
    result = page.get_by_test_id("offline-result")
    expect(result).to_have_attribute("data-outcome", "valid")
    expect(page.get_by_test_id("offline-verdict")).to_have_text(words["valid"])
    expect(page.get_by_test_id("offline-name-ar")).to_have_text(tokens["name_ar"])
    expect(page.get_by_test_id("offline-name-en")).to_have_text(tokens["name_en"])
    expect(page.get_by_test_id("offline-serial")).to_have_text(tokens["serial"])
    expect(page.get_by_test_id("offline-university")).to_have_text(words["university"])
    expect(page.get_by_test_id("offline-revocation")).to_contain_text(words["not_revoked"])
    # The names are isolated in their own direction, whatever the page's.
    assert page.get_by_test_id("offline-name-ar").get_attribute("dir") == "rtl"
    assert page.get_by_test_id("offline-name-en").get_attribute("dir") == "ltr"


def _expect_refused(page, language, reason):
    words = MESSAGES[language]
    expect(page.get_by_test_id("offline-result")).to_have_attribute("data-outcome", reason)
    expect(page.get_by_test_id("offline-verdict")).to_have_text(words["refused"])
    expect(page.get_by_test_id("offline-reason")).to_contain_text(words[reason])
    expect(page.locator("#offline-content")).to_be_hidden()


def test_the_checker_works_with_the_network_cut_and_the_server_stopped(context, server, tokens):
    page = context.new_page()
    page.goto("/verify/offline")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    _ready(page, "ar")

    context.set_offline(True)
    server.stop()
    page.reload()
    _ready(page, "ar")  # the page, its script and the keys came from the service worker's cache

    _check(page, tokens["valid"])
    _expect_genuine(page, "ar", tokens)
    screenshot(page, "offline-verify-valid-ar")

    middle = tokens["valid"].rindex(".") + 20
    _check(page, _changed(tokens["valid"], middle))
    _expect_refused(page, "ar", "bad_signature")

    _check(page, _with_kid(tokens["valid"], "unknown0"))
    _expect_refused(page, "ar", "unknown_key")

    _check(page, "not a token")
    _expect_refused(page, "ar", "malformed")

    # The whole address read from the QR code: the token is its fragment.
    _check(page, tokens["url"])
    _expect_genuine(page, "ar", tokens)

    # A revoked certificate: the signature is good, the university's list (as last seen) says revoked.
    _check(page, tokens["revoked"])
    expect(page.get_by_test_id("offline-result")).to_have_attribute("data-outcome", "valid")
    expect(page.get_by_test_id("offline-verdict")).to_have_text(MESSAGES["ar"]["refused"])
    expect(page.get_by_test_id("offline-revocation")).to_contain_text(MESSAGES["ar"]["revoked"])

    # English, cached when the worker was installed.
    page.goto("/verify/offline?lang=en")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    _ready(page, "en")
    _check(page, tokens["valid"])
    _expect_genuine(page, "en", tokens)
    screenshot(page, "offline-verify-valid-en")
    _check(page, _changed(tokens["valid"], middle))
    _expect_refused(page, "en", "bad_signature")
    _check(page, _with_kid(tokens["valid"], "unknown0"))
    _expect_refused(page, "en", "unknown_key")


def test_a_qr_code_opened_offline_falls_back_to_the_checker(context, server, tokens):
    """A verifier who opened the checker once scans a QR code with the network cut: the verification page
    cannot load, and the checker reads the token in the address's fragment instead."""
    page = context.new_page()
    page.goto("/verify/offline")
    _ready(page, "ar")
    context.set_offline(True)
    server.stop()
    page.goto(f"{tokens['path']}#{tokens['valid']}")
    _expect_genuine(page, "ar", tokens)


def test_the_checker_fits_a_phone(browser, server, tokens):
    context = browser.new_context(base_url=server.url, viewport=PHONE, locale="ar-IQ")
    try:
        page = context.new_page()
        page.goto("/verify/offline")
        _ready(page, "ar")
        _check(page, tokens["url"])
        _expect_genuine(page, "ar", tokens)
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        screenshot(page, "offline-verify-phone-ar")
    finally:
        context.close()


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_checker_passes_axe_core_and_the_nu_html_checker(browser, server, tokens, tmp_path, language):
    """As served, and with a verdict shown (the script's DOM)."""
    require_checkers()
    context = browser.new_context(base_url=server.url, viewport=PHONE if language == "ar" else DESKTOP,
                                  locale="ar-IQ")
    add_axe(context)
    try:
        page = context.new_page()
        response = page.goto(f"/verify/offline?lang={language}")
        (tmp_path / "served.html").write_bytes(response.body())
        _ready(page, language)
        problems = axe_problems(page)
        _check(page, tokens["valid"])
        _expect_genuine(page, language, tokens)
        problems += axe_problems(page)
        (tmp_path / "verdict.html").write_text(page.content())
    finally:
        context.close()
    errors = html_errors(sorted(tmp_path.glob("*.html")))
    assert not problems and not errors, "\n".join(problems + errors)


def test_a_key_past_its_validity_is_refused_with_that_reason(context, tokens):
    from datetime import datetime

    from diploma.signing.models import SigningKey

    for record in db.session.scalars(db.select(SigningKey).where(SigningKey.kind == "university")):
        record.not_before, record.not_after = datetime(2019, 1, 1), datetime(2024, 1, 1)  # expired
    db.session.commit()
    page = context.new_page()
    page.goto("/verify/offline?lang=en")
    _ready(page, "en")
    _check(page, tokens["valid"])
    expect(page.get_by_test_id("offline-result")).to_have_attribute("data-outcome", "expired_key")
    expect(page.get_by_test_id("offline-verdict")).to_have_text(MESSAGES["en"]["refused"])
    expect(page.get_by_test_id("offline-reason")).to_contain_text("outside its validity period")
