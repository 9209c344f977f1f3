"""The certificate's own proof, carried in its QR code: a compact signed token of what it states.

A compact JWS (RFC 7515), ES256, signed with the university's key, read by three checkers: the server
(``verify_token``, the command line), and the offline checker page (WebCrypto in the browser: ECDSA P-256
SHA-256 is native there and takes the JWS signature, raw r‖s, as it is). Chosen over COSE_Sign1/CWT with
Base45 (the EU digital COVID certificate): Base45 in the QR's alphanumeric mode is about a fifth smaller,
but its alphabet has the space and ``%``, which a URL fragment cannot hold as they are, so the QR would stop
being a URL a phone camera opens; and the browser would need a CBOR/COSE decoder of our own.

Kept small so the QR stays readable from print: one-letter claims, the date as ``YYYYMMDD``, the band as a
code, the names in UTF-8 (not ``\\uXXXX``), no whitespace, and the key named by the first characters of its
JWK thumbprint (``KID_LENGTH``, 48 bits: enough to tell the programme's few keys apart; a verifier tries
every published key that starts with it). Claims::

    s  serial                     a  student's name in Arabic     e  in English
    u  university code (MSL)      p  programme code (PCS)          d  date of issue, YYYYMMDD
    b  band code (BAND_CODES; the names themselves {"ar", "en"} for a band outside the Iraqi scale)
    i  the certificate's index in its university's revocation list (Bitstring Status List), when known
    t  when it was signed, in whole minutes since 1970-01-01 UTC (Unix time // 60: eight digits, two
       fewer than seconds, until the year 2160)

Judged at its signing time (``t``), not today: a key vouches, for the document's whole life, for the tokens
signed within its signing period — from its ``not_before`` to its retirement (``retired_at``, a rotation),
or to its ``not_after`` while current. So a token signed today still verifies in 2060; one that claims to be
signed after the key's retirement is refused (``signed_after_retirement``), and one outside the key's
certificate period too (``expired_key``). A key disowned after a leak (``compromised_at``) refuses every
token whose ``t`` is at or after the compromise's minute (``key_compromised``): whoever holds a stolen key
can write any ``t``, so an earlier ``t`` proves nothing on its own either — such a token is still valid here,
and the verdict carries the compromise date (``compromised_at``) so that each checker warns: the register
check online (serial and code, and the certificate re-signed with the new key) decides. Tokens printed
before ``t`` existed are judged by the old rule, the key's period against today, and refused outright
when their key was compromised. Times compare at the minute: a key retired at 12:00:30 still vouches for
a token of minute 12:00.

Read strictly, the same way by the server and the offline checker (static/js/verify-offline.js): the
signature's ``s`` in the lower half of the curve's order (low-s; ``make_token`` writes it so, a high-s
spelling of the same signature is refused), and every number of the claims a plain decimal integer
(``3``; never ``3.0``, ``1e0``, ``-1``, ``03``, ``"3"`` or ``true``), the index and the signing time below
2^31.

The token goes in the URL's fragment (``/verify/<serial>?code=…#<token>``): browsers never send a fragment
to the server, so access logs never collect names.
"""
import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from flask_babel import gettext as _

from diploma import clock
from diploma.extensions import db
from diploma.signing.models import UNIVERSITY, SigningKey

ALGORITHM = "ES256"
KID_LENGTH = 8
MAX_TOKEN_LENGTH = 4096
# The codes of the Iraqi scale's passing steps, highest first (GLOSSARY.md: Excellent, Very good, Good, Fair,
# Pass): the checker page names them in its language. Which band of a programme has which code is the
# rule of the documents that carry tokens (the certificates'); a printed token keeps its letter for good.
BAND_CODES = ("A", "B", "C", "D", "E")
VALID, BAD_SIGNATURE, UNKNOWN_KEY, EXPIRED_KEY, MALFORMED = (
    "valid", "bad_signature", "unknown_key", "expired_key", "malformed")
SIGNED_AFTER_RETIREMENT, KEY_COMPROMISED = "signed_after_retirement", "key_compromised"
OUTCOMES = (VALID, BAD_SIGNATURE, UNKNOWN_KEY, EXPIRED_KEY, SIGNED_AFTER_RETIREMENT, KEY_COMPROMISED,
            MALFORMED)
_PART = re.compile(r"^[A-Za-z0-9_-]+$")
_DATE = re.compile(r"^\d{8}$")
_REQUIRED = {"s": str, "a": str, "e": str, "u": str, "p": str, "d": str}
_CANONICAL_INTEGER = re.compile(r"^(0|[1-9][0-9]*)$")
# P-256's group order, and half of it: a signature's s above the half is the high-s spelling.
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
HALF_ORDER = P256_ORDER // 2
MAX_INDEX = 2**31


def _messages():
    return {
        VALID: _("The signature is valid: this is what the university signed."),
        BAD_SIGNATURE: _("The signature does not match: the token was changed, or was not signed by the "
                         "university it names."),
        UNKNOWN_KEY: _("The token was signed with a key that the programme has not published for this "
                       "university."),
        EXPIRED_KEY: _("The token was signed with a key that is outside its validity period."),
        SIGNED_AFTER_RETIREMENT: _("The token claims to be signed after its key was retired: the university "
                                   "no longer signs with that key, so it is not genuine."),
        KEY_COMPROMISED: _("The token was signed with a key that the university has disowned because it "
                           "leaked, and it is dated from the day of the leak or not dated: it is not "
                           "genuine."),
        MALFORMED: _("This is not a certificate token: it is damaged or incomplete."),
    }


@dataclass(frozen=True)
class TokenVerdict:
    """What a token proves. ``claims``: the certificate's content as signed, only when the signature
    checked (``valid``, and the refusals by the key's dates); ``kid``: the key the token names (as written
    in it); ``key_fingerprint``: the published key that checked it (its SHA-256 fingerprint);
    ``compromised_at``: when that key was disowned, if it was (a ``valid`` token of a compromised key is
    valid only as far as the register check online says: see the module's docstring)."""

    outcome: str
    claims: dict | None = None
    kid: str | None = None
    key_fingerprint: str | None = None
    compromised_at: datetime | None = None

    @property
    def valid(self):
        return self.outcome == VALID

    @property
    def message(self):
        """The outcome as a translated sentence (in the current locale)."""
        return _messages()[self.outcome]

    @property
    def warning(self):
        """For a valid token of a key disowned since: the translated warning that only the register decides;
        else None."""
        if self.outcome != VALID or self.compromised_at is None:
            return None
        return _("The university disowned this key on %(date)s (it leaked): the signature alone proves "
                 "nothing, only the register's answer does.", date=self.compromised_at.strftime("%Y-%m-%d"))


# --- base64url and the signature's form -----------------------------------------------------------------

def _b64encode(data):
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _b64decode(text):
    if not _PART.match(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64encode(data) != text:  # unused low bits set: another spelling of the same bytes
        raise ValueError("not canonical base64url")
    return data


def _compact_json(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _raw_signature(der):
    """A DER ECDSA signature as JOSE's raw r‖s (32 + 32 bytes): what WebCrypto takes, too; in its low-s
    form (s and n − s both verify: the checkers take only the lower one)."""
    r, s = decode_dss_signature(der)
    if s > HALF_ORDER:
        s = P256_ORDER - s
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def _low_s(raw):
    return int.from_bytes(raw[32:], "big") <= HALF_ORDER


def _strict_integer(literal):
    if not _CANONICAL_INTEGER.match(literal):
        raise ValueError(f"not a plain integer: {literal[:20]}")
    return int(literal)


def _refused_number(literal):
    raise ValueError(f"not a plain integer: {literal[:20]}")


def _strict_json(data):
    """The claims' JSON, where every number is a plain decimal integer."""
    return json.loads(data.decode("utf-8"), parse_int=_strict_integer, parse_float=_refused_number,
                      parse_constant=_refused_number)


def _der_signature(raw):
    return encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))


# --- making ----------------------------------------------------------------------------------------------

def short_kid(kid):
    return kid[:KID_LENGTH]


def make_token(claims, university_key):
    """The compact JWS (ES256) of ``claims`` (a dict of the claims above, plain values: see
    the certificates' ``qr.token_claims``), signed with ``university_key`` (a ``keystore.Signer``: its
    decrypted private key and its ``kid``)."""
    header = {"alg": ALGORITHM, "kid": short_kid(university_key.kid)}
    signing_input = _b64encode(_compact_json(header)) + "." + _b64encode(_compact_json(claims))
    der = university_key.private_key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
    return signing_input + "." + _b64encode(_raw_signature(der))


def detached_es256(payload, private_key, kid):
    """``payload`` (bytes) signed as a JWS in the flattened JSON serialization (RFC 7515 §7.2.2): a dict of
    ``protected``, ``payload`` and ``signature``, base64url, ES256 with a low-s, deterministic (RFC 6979)
    signature — the same bytes each time for the same payload. What the root signs the key list with."""
    protected = _b64encode(_compact_json({"alg": ALGORITHM, "kid": kid}))
    encoded = _b64encode(payload)
    der = private_key.sign(f"{protected}.{encoded}".encode("ascii"),
                           ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    return {"protected": protected, "payload": encoded, "signature": _b64encode(_raw_signature(der))}


# --- checking --------------------------------------------------------------------------------------------

def _parse(token):
    """(header, claims, signing input, raw signature), or ValueError."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise ValueError("no token")
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise ValueError("not three parts")
    header = json.loads(_b64decode(parts[0]).decode("utf-8"))
    claims = _strict_json(_b64decode(parts[1]))
    signature = _b64decode(parts[2])
    if not isinstance(header, dict) or header.get("alg") != ALGORITHM:
        raise ValueError("not ES256")
    kid = header.get("kid")
    if not isinstance(kid, str) or not _PART.match(kid) or not KID_LENGTH <= len(kid) <= 64:
        raise ValueError("no kid")
    if len(signature) != 64 or not _low_s(signature):
        raise ValueError("not a low-s P-256 signature")
    _check_claims(claims)
    return header, claims, f"{parts[0]}.{parts[1]}".encode("ascii"), signature


def _check_claims(claims):
    if not isinstance(claims, dict):
        raise ValueError("claims are not an object")
    for name, kind in _REQUIRED.items():
        if not isinstance(claims.get(name), kind) or not claims[name]:
            raise ValueError(f"claim {name} missing")
    if not _DATE.match(claims["d"]):
        raise ValueError("date")
    datetime.strptime(claims["d"], "%Y%m%d")
    band = claims.get("b")
    coded = isinstance(band, str) and band in BAND_CODES
    named = isinstance(band, dict) and isinstance(band.get("en"), str) and isinstance(band.get("ar"), str)
    if not (coded or named):
        raise ValueError("band")
    index = claims.get("i", 0)
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < MAX_INDEX:
        raise ValueError("index")
    if "t" in claims:
        minute = claims["t"]
        if not isinstance(minute, int) or isinstance(minute, bool) or \
                not 0 <= minute < MAX_INDEX:
            raise ValueError("signing time")


def published_keys():
    """Every university key the programme has published (current and retired)."""
    return db.session.scalars(db.select(SigningKey).where(SigningKey.kind == UNIVERSITY)
                              .order_by(SigningKey.id)).all()


def _signature_checks(record, signing_input, signature):
    from diploma.signing.keystore import load_certificate

    public_key = load_certificate(record).public_key()
    try:
        public_key.verify(_der_signature(signature), signing_input, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def _naive_utc(moment):
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def signed_minute(moment):
    """The ``t`` claim of a token signed at ``moment`` (a UTC datetime, naive or aware): whole minutes
    since 1970."""
    return int(_naive_utc(moment).replace(tzinfo=UTC).timestamp()) // 60


def signing_period_end(key):
    """The last moment a key signs at: its retirement, else its certificate's end."""
    return min(key.retired_at, key.not_after) if key.retired_at is not None else key.not_after


def key_judgement(key, minute, now):
    """The outcome of a genuine signature by ``key`` (a SigningKey) on a token signed at ``minute`` (its
    ``t``, or None for a token printed before ``t``), judged as the module's docstring says."""
    compromised = key.compromised_at is not None
    if minute is None:
        if compromised:
            return KEY_COMPROMISED
        moment = _naive_utc(now or clock.now())
        return VALID if key.not_before <= moment <= key.not_after else EXPIRED_KEY
    if compromised and minute >= signed_minute(key.compromised_at):
        return KEY_COMPROMISED
    if key.retired_at is not None and minute > signed_minute(signing_period_end(key)):
        return SIGNED_AFTER_RETIREMENT
    if not signed_minute(key.not_before) <= minute <= signed_minute(key.not_after):
        return EXPIRED_KEY
    return VALID


def verify_token(token, now=None):
    """Check a token against the published keys: ``valid``, or why not — ``malformed`` (not a token of
    ours), ``unknown_key`` (no published key of the university it names has its ``kid``),
    ``bad_signature`` (changed, or signed by another key), and the key's dates against the token's signing
    time (``key_judgement``: ``expired_key``, ``signed_after_retirement``, ``key_compromised``; ``now``
    matters only to a token without ``t``). Never raises on any input."""
    try:
        header, claims, signing_input, signature = _parse(token)
    except (ValueError, TypeError, UnicodeDecodeError, binascii.Error, RecursionError):
        return TokenVerdict(MALFORMED)
    kid = header["kid"]
    candidates = [key for key in published_keys() if key.kid.startswith(kid)]
    if not candidates:
        return TokenVerdict(UNKNOWN_KEY, kid=kid)
    signed_by = next((key for key in candidates if _signature_checks(key, signing_input, signature)), None)
    if signed_by is None:
        return TokenVerdict(BAD_SIGNATURE, kid=kid)
    if signed_by.university is None or signed_by.university.code != claims["u"]:
        # A genuine key of another university: it may not speak for this one.
        return TokenVerdict(UNKNOWN_KEY, kid=kid)
    outcome = key_judgement(signed_by, claims.get("t"), now)
    return TokenVerdict(outcome, claims=claims, kid=kid, key_fingerprint=signed_by.fingerprint,
                        compromised_at=signed_by.compromised_at)
