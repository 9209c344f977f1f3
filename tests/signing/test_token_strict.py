"""The server's reading of a token is strict in the same way as the offline checker's (issue 25, finding 6):
low-s signatures only, and the index a plain decimal integer below 2^31."""
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from diploma import clock
from diploma.certificates.qr import token_claims
from diploma.signing.token import HALF_ORDER, MALFORMED, VALID, make_token, verify_token
from tests.certificates.builders import snapshot as make_snapshot
from tests.signing.strict_tokens import (
    INDEX_SPELLINGS,
    high_s_twin,
    with_index_spelt,
    with_signing_time_spelt,
)
from tests.signing.test_token import _unb64, signer  # noqa: F401 - a fixture


def test_tokens_are_made_low_s_and_their_high_s_twin_is_refused(signer):  # noqa: F811
    for number in range(12):  # about half of raw ECDSA signatures are high-s
        claims = token_claims(make_snapshot(serial=f"PCS-MSL-2025-{number:04d}"), number)
        token = make_token(claims, signer)
        raw = _unb64(token.split(".")[2])
        assert int.from_bytes(raw[32:], "big") <= HALF_ORDER
        assert verify_token(token).outcome == VALID
        twin = high_s_twin(token)
        head, payload, signature = twin.split(".")
        twin_raw = _unb64(signature)  # the twin is a valid ECDSA signature of the same data …
        der = encode_dss_signature(int.from_bytes(twin_raw[:32], "big"), int.from_bytes(twin_raw[32:], "big"))
        signer.certificate.public_key().verify(der, f"{head}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))
        assert verify_token(twin).outcome == MALFORMED  # … and is refused


def test_the_index_written_as_a_plain_integer_is_valid(signer):  # noqa: F811
    verdict = verify_token(with_index_spelt(signer, make_snapshot(), "3"))
    assert verdict.outcome == VALID and verdict.claims["i"] == 3


@pytest.mark.parametrize("spelling", INDEX_SPELLINGS.values(), ids=INDEX_SPELLINGS.keys())
def test_any_other_spelling_of_the_index_is_malformed(signer, spelling):  # noqa: F811
    assert verify_token(with_index_spelt(signer, make_snapshot(), spelling)).outcome == MALFORMED


def test_the_signing_time_written_as_a_plain_integer_is_valid(signer):  # noqa: F811
    verdict = verify_token(with_signing_time_spelt(signer, make_snapshot(), None, clock.utcnow()))
    assert verdict.outcome == VALID and isinstance(verdict.claims["t"], int)


@pytest.mark.parametrize("spelling", INDEX_SPELLINGS.values(), ids=INDEX_SPELLINGS.keys())
def test_any_other_spelling_of_the_signing_time_is_malformed(signer, spelling):  # noqa: F811
    token = with_signing_time_spelt(signer, make_snapshot(), spelling, clock.utcnow())
    assert verify_token(token).outcome == MALFORMED


def test_the_helper_signs_for_real(signer):  # noqa: F811
    assert verify_token(with_index_spelt(signer, make_snapshot(), "0")).outcome == VALID
