"""What the certificate's token claims (``certificates.qr``): the band by a code of the Iraqi scale that does
not hang on the band's editable name — decided at issue from the mark the band starts at and frozen in the
snapshot — while the snapshots frozen before keep the code their printed tokens carry."""
from decimal import Decimal

from diploma.certificates.qr import band_claim, band_code, token_claims
from diploma.extensions import db
from diploma.signing.token import BAND_CODES
from tests.certificates.builders import graduating_cohort
from tests.certificates.builders import snapshot as make_snapshot


def test_the_iraqi_scale_steps_have_the_codes_the_checker_names():
    assert [band_code(Decimal(mark)) for mark in (90, 80, 70, 60, 50)] == list(BAND_CODES)
    assert band_code(Decimal("95.00")) is None and band_code(Decimal(0)) is None and band_code(None) is None


def test_a_renamed_band_keeps_its_code():
    group = graduating_cohort(2, courses=1)
    for band in group.programme.bands:
        band.name_en, band.name_ar = f"Level {band.min_mark}", f"المستوى {band.min_mark}"
    db.session.commit()
    certificates = group.issue()
    for certificate in certificates:
        band = certificate.snapshot["band"]
        assert band["en"].startswith("Level ")
        assert token_claims(certificate.snapshot)["b"] == band["code"] in BAND_CODES


def test_a_band_off_the_scale_travels_by_its_names():
    band = {"ar": "مع مرتبة الشرف", "en": "With honours", "code": None}
    assert band_claim(band) == {"ar": "مع مرتبة الشرف", "en": "With honours"}


def test_a_snapshot_frozen_before_the_code_keeps_the_code_of_its_english_name():
    old = make_snapshot(band={"ar": "جيد جداً", "en": "Very good"})
    assert "code" not in old["band"]
    assert token_claims(old)["b"] == "B"
    assert token_claims(make_snapshot(band={"ar": "جيد جداً", "en": "Very good", "code": "B"}))["b"] == "B"
