"""The offline checker in Chromium judges a token at its signing time (issue 28): a token for a forged name
signed with a retired key, dated after its retirement, is refused; one signed with a disowned key from its
compromise date on is refused, and an earlier one is shown with a warning to check online. The published
key list is trusted only with the root's signature: a list altered in the browser's cache, or served
altered, is refused."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from diploma import clock
from diploma.certificates.models import Certificate
from diploma.certificates.qr import token_claims
from diploma.extensions import db
from diploma.signing import keystore
from diploma.signing.token import make_token
from tests.browser.test_offline_verify import MESSAGES, _check, _ready, context, server  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]

KEYS_NOT_SIGNED = {"en": "is not signed by the programme's root certificate",
                   "ar": "غير موقّعة بشهادة الجذر للبرنامج"}


def _first_certificate(code="MSL"):
    return db.session.scalars(db.select(Certificate).where(Certificate.serial.like(f"PCS-{code}-%"))
                              .order_by(Certificate.number).limit(1)).one()


def _dated_token(certificate, signer, signed_at, **changes):
    claims = token_claims(certificate.snapshot, certificate.id, signed_at)
    claims.update(changes)
    return make_token(claims, signer)


def _outcome(page, outcome):
    expect(page.get_by_test_id("offline-result")).to_have_attribute("data-outcome", outcome)


def test_a_token_forged_with_a_retired_key_after_its_retirement_is_refused(context):  # noqa: F811
    certificate = _first_certificate()
    old_signer = keystore.signer_for(certificate.university)
    signed_before = clock.utcnow()
    keystore.issue_key(certificate.university)  # rotated: the old key is retired now, and stays published
    db.session.commit()
    retired_at = keystore.keys_of(certificate.university)[-2].retired_at
    genuine = _dated_token(certificate, old_signer, signed_before)
    forged = _dated_token(certificate, old_signer, retired_at + timedelta(days=3), e="Forged Name")

    page = context.new_page()
    page.goto("/verify/offline?lang=en")
    _ready(page, "en")
    _check(page, genuine)
    _outcome(page, "valid")
    _check(page, forged)
    _outcome(page, "signed_after_retirement")
    expect(page.get_by_test_id("offline-verdict")).to_have_text(MESSAGES["en"]["refused"])
    expect(page.get_by_test_id("offline-reason")).to_contain_text("after its key was retired")
    expect(page.locator("#offline-content")).to_be_hidden()


@pytest.mark.parametrize("language", ["ar", "en"])
def test_a_disowned_keys_tokens_are_refused_from_the_compromise_date_and_warned_before(context,  # noqa: F811
                                                                                      language):
    certificate = _first_certificate()
    signer = keystore.signer_for(certificate.university)
    now = clock.utcnow()
    since = now - timedelta(minutes=2)
    after = _dated_token(certificate, signer, now)
    undated = make_token(token_claims(certificate.snapshot, certificate.id), signer)
    before = _dated_token(certificate, signer, since - timedelta(minutes=1))
    keystore.compromise_key(keystore.current_key(certificate.university), since)
    db.session.commit()

    page = context.new_page()
    page.goto(f"/verify/offline?lang={language}")
    _ready(page, language)
    for refused in (after, undated):
        _check(page, refused)
        _outcome(page, "key_compromised")
        expect(page.get_by_test_id("offline-verdict")).to_have_text(MESSAGES[language]["refused"])
    _check(page, before)
    _outcome(page, "valid")
    result = page.get_by_test_id("offline-result")
    expect(result).to_have_attribute("data-key-disowned", "yes")
    expect(result).to_have_class("card flash-warning")
    warning = {"en": "disowned this key on", "ar": "تبرّأت من هذا المفتاح بتاريخ"}[language]
    expect(page.get_by_test_id("offline-reason")).to_contain_text(warning)
    expect(page.get_by_test_id("offline-verdict")).not_to_have_text(MESSAGES[language]["valid"])


ALTER_CACHED_KEYS = """async () => {
  const decode = (text) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")),
                                           (c) => c.charCodeAt(0));
  const encode = (bytes) => btoa(String.fromCharCode(...bytes))
    .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  let altered = 0;
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    const response = await cache.match("/verify/offline/keys.json");
    if (!response) { continue; }
    const signed = await response.json();
    const list = JSON.parse(new TextDecoder().decode(decode(signed.payload)));
    list.keys.forEach((key) => { key.exp = "2099-12-31T00:00:00Z"; key.retired = null; });
    signed.payload = encode(new TextEncoder().encode(JSON.stringify(list)));
    const headers = {"Content-Type": "application/json"};
    await cache.put("/verify/offline/keys.json", new Response(JSON.stringify(signed), {headers}));
    altered += 1;
  }
  return altered;
}"""


def test_a_key_list_altered_in_the_browsers_cache_is_refused(context, server):  # noqa: F811
    certificate = _first_certificate()
    token = make_token(token_claims(certificate.snapshot, certificate.id, clock.utcnow()),
                       keystore.signer_for(certificate.university))
    page = context.new_page()
    page.goto("/verify/offline?lang=en")
    _ready(page, "en")
    _check(page, token)
    _outcome(page, "valid")  # the genuine list: its root signature checked in the browser

    server.stop()  # from now on only the service worker's cache answers
    assert page.evaluate(ALTER_CACHED_KEYS) >= 1
    # The HTTP cache would answer too (keys.json is kept 5 minutes): emptied, so the worker's copy is read.
    context.new_cdp_session(page).send("Network.clearBrowserCache")
    page.reload()
    readiness = page.get_by_test_id("offline-readiness")
    expect(readiness).to_have_attribute("data-keys", "refused")
    expect(readiness).to_contain_text(KEYS_NOT_SIGNED["en"])
    _check(page, token)
    expect(page.get_by_test_id("offline-reason")).to_contain_text(KEYS_NOT_SIGNED["en"])
    expect(page.get_by_test_id("offline-result")).not_to_have_attribute("data-outcome", "valid")


@pytest.mark.parametrize("language", ["ar", "en"])
def test_a_key_list_served_altered_is_refused(context, language):  # noqa: F811
    certificate = _first_certificate()
    token = make_token(token_claims(certificate.snapshot, certificate.id, clock.utcnow()),
                       keystore.signer_for(certificate.university))
    db.session.commit()
    page = context.new_page()

    def altered(route):
        signed = route.fetch().json()
        # The real list's signature over a payload that is not the real list.
        tail = "A" * 8 if signed["payload"][-8:] != "A" * 8 else "B" * 8
        signed["payload"] = signed["payload"][:-8] + tail
        route.fulfill(json=signed)

    # The first visit: no service worker controls the page yet, so its fetch of keys.json is routed here.
    page.route("**/verify/offline/keys.json", altered)
    page.goto(f"/verify/offline?lang={language}")
    expect(page.get_by_test_id("offline-readiness")).to_have_attribute("data-keys", "refused")
    expect(page.get_by_test_id("offline-readiness")).to_contain_text(KEYS_NOT_SIGNED[language])
    _check(page, token)
    expect(page.get_by_test_id("offline-reason")).to_contain_text(KEYS_NOT_SIGNED[language])
