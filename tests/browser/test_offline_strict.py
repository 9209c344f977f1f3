"""The offline checker in Chromium, read strictly (issue 25, finding 6): when the university's revocation list
could not be checked the verdict is "signature genuine — revocation unknown", never plain "Genuine" (in
Arabic and English); a high-s twin of a genuine signature is refused; the index is read as a plain integer
only — the same tokens as the server's tests (tests/signing/strict_tokens.py)."""
import pytest
from playwright.sync_api import expect

from diploma.certificates.models import Certificate
from diploma.extensions import db
from diploma.signing import keystore
from tests.browser.test_offline_verify import MESSAGES, _check, _ready, context, server, tokens  # noqa: F401
from tests.signing.strict_tokens import (
    INDEX_SPELLINGS,
    high_s_twin,
    with_index_spelt,
    with_signing_time_spelt,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]

UNKNOWN = {"ar": "التوقيع أصلي — حالة الإلغاء غير معروفة", "en": "Signature genuine — revocation unknown"}


@pytest.fixture
def mosul_certificate():
    return db.session.scalars(db.select(Certificate).where(Certificate.serial.like("PCS-MSL-%"))
                              .order_by(Certificate.number).limit(1)).one()


@pytest.mark.parametrize("language", ["ar", "en"])
def test_without_the_revocation_list_the_verdict_says_revocation_unknown(browser, server, tokens,  # noqa: F811
                                                                         language):
    made = browser.new_context(base_url=server.url, service_workers="block")
    made.route("**/issuers/*/status", lambda route: route.abort())  # the lists cannot be fetched
    page = made.new_page()
    page.goto(f"/verify/offline?lang={language}")
    expect(page.get_by_test_id("offline-readiness")).not_to_be_empty()
    _check(page, tokens["valid"])
    result = page.get_by_test_id("offline-result")
    expect(result).to_have_attribute("data-outcome", "valid")
    expect(result).to_have_attribute("data-revocation", "unknown")
    expect(page.get_by_test_id("offline-verdict")).to_have_text(UNKNOWN[language])
    assert MESSAGES[language]["valid"] not in page.get_by_test_id("offline-verdict").inner_text()
    made.close()


def test_a_token_without_an_index_is_revocation_unknown(context, tokens, mosul_certificate):  # noqa: F811
    from diploma.certificates.qr import token_claims
    from diploma.signing.token import make_token

    signer = keystore.signer_for(mosul_certificate.university)
    token = make_token(token_claims(mosul_certificate.snapshot), signer)
    page = context.new_page()
    page.goto("/verify/offline?lang=en")
    _ready(page, "en")
    _check(page, tokens["valid"])
    expect(page.get_by_test_id("offline-result")).to_have_attribute("data-revocation", "not_revoked")
    expect(page.get_by_test_id("offline-verdict")).to_have_text(MESSAGES["en"]["valid"])
    _check(page, token)
    expect(page.get_by_test_id("offline-result")).to_have_attribute("data-revocation", "unknown")
    expect(page.get_by_test_id("offline-verdict")).to_have_text(UNKNOWN["en"])


def test_high_s_and_loose_index_spellings_are_refused(context, tokens, mosul_certificate):  # noqa: F811
    signer = keystore.signer_for(mosul_certificate.university)
    snapshot = mosul_certificate.snapshot
    page = context.new_page()
    page.goto("/verify/offline?lang=en")
    _ready(page, "en")
    _check(page, with_index_spelt(signer, snapshot, str(mosul_certificate.status_index)))  # plain spelling
    expect(page.get_by_test_id("offline-result")).to_have_attribute("data-outcome", "valid")
    _check(page, high_s_twin(tokens["valid"]))
    expect(page.get_by_test_id("offline-result")).to_have_attribute("data-outcome", "malformed")
    for name, spelling in INDEX_SPELLINGS.items():
        _check(page, tokens["valid"])  # a different verdict in between, so that each check is seen to finish
        expect(page.get_by_test_id("offline-result")).to_have_attribute("data-outcome", "valid")
        _check(page, with_index_spelt(signer, snapshot, spelling))
        expect(page.get_by_test_id("offline-verdict"), name).to_have_text(MESSAGES["en"]["refused"])
        expect(page.get_by_test_id("offline-result")).to_have_attribute("data-outcome", "malformed")


def test_loose_signing_time_spellings_are_refused(context, tokens, mosul_certificate):  # noqa: F811
    from diploma import clock

    signer = keystore.signer_for(mosul_certificate.university)
    snapshot = mosul_certificate.snapshot
    now = clock.utcnow()
    page = context.new_page()
    page.goto("/verify/offline?lang=en")
    _ready(page, "en")
    for name, spelling in {"plain": None, **INDEX_SPELLINGS}.items():
        _check(page, high_s_twin(tokens["valid"]))  # a different verdict in between
        expect(page.get_by_test_id("offline-result")).to_have_attribute("data-outcome", "malformed")
        _check(page, with_signing_time_spelt(signer, snapshot, spelling, now))
        expected = "valid" if spelling is None else "malformed"
        expect(page.get_by_test_id("offline-result"), name).to_have_attribute("data-outcome", expected)
