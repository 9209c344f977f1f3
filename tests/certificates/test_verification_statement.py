"""Issue 24, item 7: the public verification page states everything the paper states, in the paper's words
and digits — the average in figures and in words, the band, the rank and the cohort's size, the graduation
date labelled as the paper labels it — so that a copy whose average was edited within the same band no
longer matches the page; the signing key shown is the one that signed the certificate, with its period set
against the certificate's dates; after a wrong code the typed serial is kept (the code never is).
"""
from datetime import date

import pytest
from flask_babel import format_date

from diploma.arabic import to_arabic_digits
from diploma.certificates import verification
from diploma.certificates.wording import certificate_context
from diploma.extensions import db
from diploma.i18n import force_language
from diploma.signing import keystore
from tests.certificates.builders import graduating_cohort
from tests.certificates.conftest import provide_keys
from tests.certificates.test_verification import TYPED_SERIAL, verify_url
from tests.certificates.test_views import client_for, page_of, shown

GRADUATED_ON = date(2025, 1, 20)


def issued(size=3, digits="arabic_indic", keys=True):
    """The third graduate of a cohort of ``size`` (rank 3), issued on GRADUATED_ON; plain values."""
    group = graduating_cohort(size, code="MSL", digits=digits)
    if keys:
        provide_keys(group.university)
    certificate = group.issue(issued_on=GRADUATED_ON)[2]
    found = {"serial": certificate.serial, "code": certificate.verification_code,
             "snapshot": certificate.snapshot, "university": group.university}
    db.session.rollback()
    return found


def paper(snapshot, language):
    """The figures the PDF of ``language`` prints (the certificate template's own context)."""
    with force_language(language):
        return certificate_context(snapshot, language)


def shown_on_page(app, certificate, language):
    response = client_for(app, language=language).get(verify_url(certificate["serial"], certificate["code"]))
    assert response.status_code == 200
    return page_of(response)


def test_the_arabic_page_states_the_papers_figures_in_its_words_and_digits(app):
    certificate = issued(12)
    page = shown_on_page(app, certificate, "ar")
    printed = paper(certificate["snapshot"], "ar")

    assert f'data-testid="average-figures">{printed["average"]}<' in page
    assert "٫" in printed["average"]  # Arabic-Indic, as the paper prints it
    assert f'data-testid="average-words">{printed["average_in_words"]}<' in page
    assert "فاصلة" in printed["average_in_words"]
    assert f'data-testid="stated-band">{printed["band"]}<' in page
    assert 'data-testid="rank">٣ من أصل ١٢<' in page
    assert 'data-testid="academic-year">٢٠٢٣–٢٠٢٤<' in page
    assert shown("Date of graduation") == "تاريخ التخرج"
    with force_language("ar"):
        date_on_paper = to_arabic_digits(format_date(GRADUATED_ON, format="long"))
    assert date_on_paper == printed["issued_on"] == "٢٠ كانون الثاني ٢٠٢٥"
    assert f'<dt>تاريخ التخرج</dt><dd data-testid="graduated-on">{date_on_paper}</dd>' in page
    assert shown("Date of issue") not in page


def test_the_english_page_states_the_papers_figures(app):
    certificate = issued(12)
    page = shown_on_page(app, certificate, "en")
    printed = paper(certificate["snapshot"], "en")

    assert f'data-testid="average-figures">{certificate["snapshot"]["average"]}<' in page
    assert printed["average"] == certificate["snapshot"]["average"]  # Western digits in English
    assert f'data-testid="average-words">{printed["average_in_words"]}<' in page  # the Arabic wording's
    assert f'data-testid="stated-band">{printed["band"]}<' in page
    assert 'data-testid="rank">3 of 12<' in page
    with force_language("en"):
        date_on_paper = format_date(GRADUATED_ON, format="long")
    assert date_on_paper == printed["issued_on"] and "2025" in date_on_paper
    assert f'<dt>Date of graduation</dt><dd data-testid="graduated-on">{date_on_paper}</dd>' in page
    assert "Date of issue" not in page


def test_western_digits_when_the_programme_prints_them(app):
    certificate = issued(5, digits="western")
    page = shown_on_page(app, certificate, "ar")
    assert f'data-testid="average-figures">{certificate["snapshot"]["average"]}<' in page
    assert 'data-testid="rank">3 من أصل 5<' in page
    assert "20 كانون الثاني 2025" in page


def test_an_average_edited_within_the_band_no_longer_matches_the_page(app):
    """The fault: a copy whose average was changed within the same band matched everything shown."""
    certificate = issued(5)
    page = shown_on_page(app, certificate, "ar")
    average = certificate["snapshot"]["average"]
    edited = format(float(average) + 0.5, ".2f")
    assert to_arabic_digits(average) in page and to_arabic_digits(edited) not in page


def test_the_key_shown_is_the_one_that_signed_it_and_its_period_covers_the_signing(app):
    certificate = issued(3)
    stored = verification.find_by_serial(certificate["serial"])
    key = stored.signing_key
    assert key is not None
    page = shown_on_page(app, certificate, "en")

    assert f'data-testid="key-fingerprint">{key.fingerprint}<' in page
    with force_language("en"):
        period = f'{format_date(key.not_before.date(), format="long")} – ' \
                 f'{format_date(key.not_after.date(), format="long")}'
        signed_on = format_date(stored.created_at.date(), format="long")
    assert f'data-testid="key-period">{period}<' in page
    within = "within the key's period"  # (translated text is not escaped again)
    assert f'data-within="yes">{signed_on} — {within}<' in page
    # The graduation date (January 2025) comes before the key (made today): said in words, not hidden.
    assert 'data-testid="graduated-before-key"' in page


def test_after_a_key_rotation_the_page_still_shows_the_key_that_signed_it(app):
    certificate = issued(3)
    first = verification.find_by_serial(certificate["serial"]).signing_key.fingerprint
    keystore.issue_key(certificate["university"])  # rotation: the previous key is retired
    db.session.commit()
    current = keystore.current_key(certificate["university"]).fingerprint
    assert current != first

    page = shown_on_page(app, certificate, "en")
    assert f'data-testid="key-fingerprint">{first}<' in page
    assert f'data-testid="current-key-fingerprint">{current}<' in page


def test_a_certificate_issued_before_its_university_had_a_key_is_signed_on_download(app):
    certificate = issued(3, keys=False)
    provide_keys(certificate["university"])
    page = shown_on_page(app, certificate, "en")
    assert 'data-within="download"' in page
    current = keystore.current_key(certificate["university"])
    assert f'data-testid="key-fingerprint">{current.fingerprint}<' in page


@pytest.mark.parametrize("language", ["ar", "en"])
def test_a_wrong_code_keeps_the_typed_serial_and_never_the_code(app, language):
    certificate = issued(3)
    client = client_for(app, language=language)
    response = client.get("/verify", query_string={"serial": certificate["serial"], "code": "WrongCode123"},
                          follow_redirects=True)

    assert response.status_code == 404
    page = page_of(response)
    assert 'data-status="not-found"' in page
    assert TYPED_SERIAL.search(page)[2] == certificate["serial"]
    assert "WrongCode123" not in page and certificate["code"] not in page
    assert 'id="code" maxlength="100" name="code" required spellcheck="false" type="text" value=""' in page
