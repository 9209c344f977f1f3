"""What a certificate's QR code holds: its verification URL with the certificate's signed token in the
fragment (``diploma.signing.token`` signs and checks the claims; this module says what they are), so that
it can be checked offline.

The band travels as a code of the Iraqi scale (``token.BAND_CODES``, named by the offline checker) when the
certificate's band is one of its passing steps, else by its names. Bands are editable, so the code is not
read from a band's name: a band is a step of the scale by the mark it starts at (GLOSSARY.md: 90, 80, 70,
60, 50), decided once at issue and frozen in the snapshot (``band.code``). A renamed band keeps its code;
a band that starts elsewhere travels by its names. Snapshots frozen before the code was (they have no
``code``) keep the rule their tokens were printed with, the English name, so a reprint says the same.
"""
from datetime import date
from decimal import Decimal

from diploma import clock
from diploma.signing.token import BAND_CODES, make_token, signed_minute

# The Iraqi scale's passing steps by the mark each starts at, highest first, with their token codes.
IRAQI_STEPS = dict(zip((Decimal(90), Decimal(80), Decimal(70), Decimal(60), Decimal(50)), BAND_CODES,
                       strict=True))
# How the snapshots frozen before ``band.code`` named the steps (their English names, as printed).
_CODES_BY_ENGLISH_NAME = dict(zip(("Excellent", "Very good", "Good", "Fair", "Pass"), BAND_CODES,
                                  strict=True))


def band_code(min_mark):
    """The token code of a band that starts at ``min_mark``, or None when it is no step of the Iraqi scale."""
    return IRAQI_STEPS.get(Decimal(min_mark)) if min_mark is not None else None


def band_claim(band):
    """The snapshot's band as its code, or its names when it has none."""
    band = band or {}
    code = band["code"] if "code" in band else _CODES_BY_ENGLISH_NAME.get(band.get("en"))
    return code or {"ar": band.get("ar", ""), "en": band.get("en", "")}


def token_claims(snapshot, status_index=None, signed_at=None):
    """The token's claims: what the certificate states, from its frozen snapshot; ``status_index``: its
    index in its university's revocation list (its id), so that a checker can look it up; ``signed_at``:
    the signing moment (UTC), by which every checker judges the key (``t``, in minutes)."""
    claims = {
        "s": snapshot["serial"],
        "a": snapshot["student"]["name_ar"],
        "e": snapshot["student"]["name_en"],
        "u": snapshot["university"]["code"],
        "p": snapshot["programme"]["code"],
        "d": date.fromisoformat(snapshot["issued_on"]).strftime("%Y%m%d"),
        "b": band_claim(snapshot.get("band")),
    }
    if status_index is not None:
        claims["i"] = int(status_index)
    if signed_at is not None:
        claims["t"] = signed_minute(signed_at)
    return claims


def qr_url(snapshot, signer=None, status_index=None, signed_at=None):
    """The QR's URL: the verification URL, with the token signed by ``signer`` (the university's
    ``keystore.Signer``) in its fragment, stamped with its signing time ``signed_at`` (now when not given).
    Without a signer (a benchmark, a template preview), the bare URL: the signed documents open the key
    before rendering and never hand out an unsigned PDF."""
    if signer is None:
        return snapshot["verification_url"]
    claims = token_claims(snapshot, status_index, signed_at or clock.utcnow())
    return f"{snapshot['verification_url']}#{make_token(claims, signer)}"
