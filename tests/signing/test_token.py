"""The certificate's signed token (compact JWS, ES256) and its checker: what it carries, that any change is
refused, and each reason of refusal — with the real keys made by the keystore."""
import base64
import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diploma.certificates.qr import token_claims
from diploma.extensions import db
from diploma.i18n import force_language
from diploma.signing import keystore
from diploma.signing.token import (
    BAD_SIGNATURE,
    EXPIRED_KEY,
    MALFORMED,
    OUTCOMES,
    UNKNOWN_KEY,
    VALID,
    make_token,
    verify_token,
)
from tests import factories
from tests.certificates.builders import snapshot as make_snapshot


@pytest.fixture
def signer(mosul):
    return keystore.signer_for(mosul)


def _b64(data):
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _parts(token):
    header, payload, signature = token.split(".")
    return json.loads(_unb64(header)), json.loads(_unb64(payload)), signature


def _with(token, header=None, claims=None):
    """The token with its header or claims replaced, its signature kept."""
    old_header, old_claims, signature = _parts(token)
    encode = lambda value: _b64(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())  # noqa: E731
    return f"{encode(header or old_header)}.{encode(claims or old_claims)}.{signature}"


def test_a_token_carries_what_the_certificate_states_and_verifies(signer):
    snapshot = make_snapshot()
    token = make_token(token_claims(snapshot, 17), signer)
    verdict = verify_token(token)
    assert verdict.outcome == VALID and verdict.valid
    assert verdict.claims == {"s": "PCS-MSL-2025-0001", "a": "فاطمة علي حسن العبيدي",
                              "e": "Fatima Ali Hassan Al-Obaidi", "u": "MSL", "p": "PCS", "d": "20250120",
                              "b": "B", "i": 17}
    assert verdict.kid == signer.kid[:8] and verdict.key_fingerprint == signer.fingerprint
    header, _, _ = _parts(token)
    assert header == {"alg": "ES256", "kid": signer.kid[:8]}
    # The names travel as UTF-8, not as \\u escapes: the QR stays small.
    assert "فاطمة".encode() in _unb64(token.split(".")[1])


def test_the_token_is_a_standard_jws_that_another_library_verifies(signer):
    from joserfc import jws
    from joserfc.jwk import ECKey

    token = make_token(token_claims(make_snapshot()), signer)
    public = ECKey.import_key(signer.certificate.public_key())
    result = jws.deserialize_compact(token, public, algorithms=["ES256"])
    assert json.loads(result.payload) == token_claims(make_snapshot())


def test_any_changed_character_is_refused(signer):
    token = make_token(token_claims(make_snapshot()), signer)
    header_end, payload_end = token.index("."), token.rindex(".")
    refused = set()
    for position in range(len(token)):
        if position in (header_end, payload_end):
            continue
        original = token[position]
        replacement = "A" if original != "A" else "B"
        changed = token[:position] + replacement + token[position + 1:]
        verdict = verify_token(changed)
        assert verdict.outcome != VALID, f"changed at {position} still valid"
        assert verdict.claims is None
        refused.add(verdict.outcome)
    # Mostly a broken signature; a change in the header or claims' base64 may also make it unreadable or
    # name another key.
    assert BAD_SIGNATURE in refused and refused <= {BAD_SIGNATURE, MALFORMED, UNKNOWN_KEY}


def test_a_changed_name_with_the_old_signature_is_a_bad_signature(signer):
    token = make_token(token_claims(make_snapshot()), signer)
    _, claims, _ = _parts(token)
    forged = _with(token, claims={**claims, "e": "Someone Else"})
    assert verify_token(forged).outcome == BAD_SIGNATURE


def test_a_token_signed_by_a_key_that_was_never_published_is_refused(signer):
    """A forger who copies the kid but signs with their own key: bad signature; with a kid of their own:
    unknown key."""
    snapshot = make_snapshot()

    class Forger:
        private_key = ec.generate_private_key(ec.SECP256R1())
        kid = signer.kid

    assert verify_token(make_token(token_claims(snapshot), Forger)).outcome == BAD_SIGNATURE
    Forger.kid = "Zz" + signer.kid[2:]
    verdict = verify_token(make_token(token_claims(snapshot), Forger))
    assert verdict.outcome == UNKNOWN_KEY and verdict.kid == Forger.kid[:8] and verdict.claims is None


def test_an_unknown_kid_is_refused_with_that_reason(signer):
    """A token signed for real (not a header changed after signing) by a key the programme never
    published."""

    class Unpublished:
        private_key = ec.generate_private_key(ec.SECP256R1())
        kid = "unknown0"

    verdict = verify_token(make_token(token_claims(make_snapshot()), Unpublished))
    assert verdict.outcome == UNKNOWN_KEY and verdict.claims is None
    with force_language("en"):
        assert "not published" in verdict.message


def test_a_key_of_another_university_cannot_speak_for_this_one(signer):
    basra = factories.university(code="BSR")
    keystore.issue_key(basra)
    db.session.commit()
    basra_signer = keystore.signer_for(basra)
    claims_mosul = make_snapshot()  # states Mosul
    assert verify_token(make_token(token_claims(claims_mosul), basra_signer)).outcome == UNKNOWN_KEY
    basra_claims = token_claims(make_snapshot(university={"code": "BSR"}))
    assert verify_token(make_token(basra_claims, basra_signer)).outcome == VALID


def test_a_key_outside_its_validity_period_is_refused(signer, mosul):
    token = make_token(token_claims(make_snapshot()), signer)
    record = keystore.current_key(mosul)
    after = verify_token(token, now=record.not_after + timedelta(days=1))
    before = verify_token(token, now=record.not_before - timedelta(days=1))
    assert after.outcome == EXPIRED_KEY and before.outcome == EXPIRED_KEY
    assert verify_token(token, now=record.not_after - timedelta(days=1)).outcome == VALID


def test_a_rotated_key_still_verifies_what_it_signed(signer, mosul):
    token = make_token(token_claims(make_snapshot()), signer)
    keystore.issue_key(mosul)  # rotation: the old key is retired and stays published
    db.session.commit()
    assert verify_token(token).outcome == VALID
    newer = keystore.signer_for(mosul)
    assert newer.kid != signer.kid
    assert verify_token(make_token(token_claims(make_snapshot()), newer)).outcome == VALID


@pytest.mark.parametrize("token", [
    "", "   ", "abc", "a.b", "a.b.c", "a.b.c.d", "x" * 5000, "eyJhbGciOiJub25lIn0.e30.",
    None, 42, ["a", "b"], "é.é.é", "=.=.=",
])
def test_malformed_input_is_refused_never_raised(signer, token):
    verdict = verify_token(token)
    assert verdict.outcome == MALFORMED and verdict.claims is None


def test_a_token_with_another_algorithm_or_missing_claims_is_malformed(signer):
    token = make_token(token_claims(make_snapshot()), signer)
    header, claims, _ = _parts(token)
    assert verify_token(_with(token, header={**header, "alg": "none"})).outcome == MALFORMED
    assert verify_token(_with(token, header={**header, "alg": "HS256"})).outcome == MALFORMED
    del claims["a"]
    assert verify_token(_with(token, claims=claims)).outcome == MALFORMED
    assert verify_token(_with(token, claims={**_parts(token)[1], "d": "2025-01-20"})).outcome == MALFORMED
    head, payload, signature = token.split(".")
    assert verify_token(f"{head}.{payload}.{signature[:-4]}").outcome == MALFORMED  # short signature


def test_a_band_outside_the_iraqi_scale_travels_by_its_names(signer):
    snapshot = make_snapshot(band={"ar": "مع مرتبة الشرف", "en": "With honours"})
    verdict = verify_token(make_token(token_claims(snapshot), signer))
    assert verdict.outcome == VALID and verdict.claims["b"] == {"ar": "مع مرتبة الشرف", "en": "With honours"}


def test_every_verdict_has_a_translated_message():
    from diploma.signing.token import TokenVerdict

    for outcome in OUTCOMES:
        with force_language("en"):
            english = TokenVerdict(outcome).message
        with force_language("ar"):
            arabic = TokenVerdict(outcome).message
        assert english and arabic and english != arabic
        assert any("\u0600" <= letter <= "\u06ff" for letter in arabic)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_any_text_gets_a_verdict(signer, text):
    assert verify_token(text).outcome in OUTCOMES


def test_the_signature_is_raw_r_and_s_as_webcrypto_takes_it(signer):
    """WebCrypto's ECDSA verify takes the 64-byte r‖s: check it the same way, without the JOSE library."""
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    token = make_token(token_claims(make_snapshot()), signer)
    head, payload, signature = token.split(".")
    raw = _unb64(signature)
    assert len(raw) == 64
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    signer.certificate.public_key().verify(der, f"{head}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))


def test_another_spelling_of_the_same_signature_bytes_is_refused(signer):
    """The last base64url character of a 64-byte signature carries 2 bits and 4 unused ones: flipping an
    unused bit decodes to the same bytes with a lenient decoder. The token is refused all the same, so
    that 'one character changed' is always refused."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    token = make_token(token_claims(make_snapshot()), signer)
    last = alphabet.index(token[-1])
    respelt = token[:-1] + alphabet[last ^ 1]
    assert _unb64(respelt.split(".")[2]) == _unb64(token.split(".")[2])
    assert verify_token(respelt).outcome == MALFORMED
