"""The offline checker in Chromium refuses what only its own code can refuse (issue 26, "stronger where it
is weak"): a genuine token of another university — a valid signature, but by a key that belongs to another
university than the one the token names — and a token whose key's validity has not begun yet. Either would
read "Genuine" if the checker stopped comparing the key's university with the token's, or dropped the
lower bound of the key's validity."""
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.sync_api import expect

from diploma.certificates.models import Certificate
from diploma.certificates.qr import token_claims
from diploma.extensions import db
from diploma.partners.models import University
from diploma.signing import keystore
from diploma.signing.models import SigningKey
from diploma.signing.token import make_token
from tests.browser.test_offline_verify import MESSAGES, _check, _ready, context, server  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]


def _first_certificate(code):
    return db.session.scalars(db.select(Certificate).where(Certificate.serial.like(f"PCS-{code}-%"))
                              .order_by(Certificate.number).limit(1)).one()


def test_a_genuine_signature_by_another_universitys_key_is_refused(context):  # noqa: F811
    mosul = _first_certificate("MSL")
    basra = db.session.scalar(db.select(University).where(University.slug == "basra"))
    assert basra.id != mosul.university_id
    own = make_token(token_claims(mosul.snapshot, mosul.id), keystore.signer_for(mosul.university))
    # Mosul's certificate, signed for real with Basra's current (published, valid) key.
    borrowed = make_token(token_claims(mosul.snapshot, mosul.id), keystore.signer_for(basra))

    class Unpublished:  # a key of the forger's own, its token signed for real (not a header changed)
        private_key = ec.generate_private_key(ec.SECP256R1())
        kid = "Zz" + keystore.signer_for(mosul.university).kid[2:]

    forged = make_token(token_claims(mosul.snapshot, mosul.id), Unpublished)
    db.session.commit()

    page = context.new_page()
    page.goto("/verify/offline?lang=en")
    _ready(page, "en")
    _check(page, own)
    expect(page.get_by_test_id("offline-result")).to_have_attribute("data-outcome", "valid")
    _check(page, borrowed)
    expect(page.get_by_test_id("offline-result")).to_have_attribute("data-outcome", "unknown_key")
    expect(page.get_by_test_id("offline-verdict")).to_have_text(MESSAGES["en"]["refused"])
    expect(page.locator("#offline-content")).to_be_hidden()
    _check(page, own)
    expect(page.get_by_test_id("offline-result")).to_have_attribute("data-outcome", "valid")
    _check(page, forged)
    expect(page.get_by_test_id("offline-result")).to_have_attribute("data-outcome", "unknown_key")


def test_a_key_whose_validity_has_not_begun_is_refused(context):  # noqa: F811
    mosul = _first_certificate("MSL")
    token = make_token(token_claims(mosul.snapshot, mosul.id), keystore.signer_for(mosul.university))
    key = keystore.current_key(mosul.university)
    now = datetime.now(UTC).replace(tzinfo=None)  # stored naive, in UTC
    key.not_before, key.not_after = now + timedelta(days=30), now + timedelta(days=3650)  # not yet valid
    db.session.commit()
    assert db.session.get(SigningKey, key.id).not_before > now

    page = context.new_page()
    page.goto("/verify/offline?lang=en")
    _ready(page, "en")
    _check(page, token)
    expect(page.get_by_test_id("offline-result")).to_have_attribute("data-outcome", "expired_key")
    expect(page.get_by_test_id("offline-verdict")).to_have_text(MESSAGES["en"]["refused"])
    expect(page.get_by_test_id("offline-reason")).to_contain_text("outside its validity period")
