"""Tokens spelled in ways the checkers must refuse (issue 25, finding 6), signed for real with a university's
key so that only the spelling is wrong: the high-s twin of a signature, and claims whose index (or signing
time, ``t``) is written ``3.0``, ``1e0``, ``-1``, ``"3"``, ``true``, ``03`` or ``2^31``. Used by
tests/signing/test_token_strict.py and tests/browser/test_offline_strict.py."""
import base64
import json

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from diploma.certificates.qr import token_claims
from diploma.signing.token import P256_ORDER, _raw_signature, short_kid

INDEX_SPELLINGS = {"float": "3.0", "exponent": "1e0", "negative": "-1", "string": '"3"', "bool": "true",
                   "leading zero": "03", "too large": str(2**31), "negative zero": "-0"}


def _b64(data):
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def signed_with_claims_text(signer, claims_text):
    """A token whose claims are exactly ``claims_text`` (UTF-8), signed (low-s) with ``signer``'s key."""
    header = _b64(json.dumps({"alg": "ES256", "kid": short_kid(signer.kid)}, separators=(",", ":")).encode())
    signing_input = f"{header}.{_b64(claims_text.encode('utf-8'))}"
    der = signer.private_key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
    return f"{signing_input}.{_b64(_raw_signature(der))}"


def with_index_spelt(signer, snapshot, spelling):
    """The snapshot's token with its index written as ``spelling`` (raw JSON)."""
    claims = json.dumps(token_claims(snapshot, 3), ensure_ascii=False, separators=(",", ":"))
    assert claims.endswith(',"i":3}')
    return signed_with_claims_text(signer, claims[: -len('3}')] + spelling + "}")


def with_signing_time_spelt(signer, snapshot, spelling, signed_at):
    """The snapshot's token, signed at ``signed_at``, with its signing time written as ``spelling`` (raw
    JSON; ``None``: the plain minute)."""
    claims = json.dumps(token_claims(snapshot, 3, signed_at), ensure_ascii=False, separators=(",", ":"))
    head, minute = claims[:-1].rsplit(',"t":', 1)
    return signed_with_claims_text(signer, f'{head},"t":{minute if spelling is None else spelling}}}')


def high_s_twin(token):
    """The same signature spelt with s' = n − s (a valid ECDSA signature of the same data)."""
    head, payload, signature = token.split(".")
    raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    s = int.from_bytes(raw[32:], "big")
    return f"{head}.{payload}.{_b64(raw[:32] + (P256_ORDER - s).to_bytes(32, 'big'))}"
