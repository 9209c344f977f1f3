"""The offline checker dates the revocation list it answers from (its validFrom) and, once the browser's
clock is past the list's validUntil (a list kept offline for too long), warns that a later revocation may be
missing from it: in English and in Arabic."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from diploma.extensions import db
from diploma.partners.services import find_university_by_code
from diploma.signing.models import StatusList
from tests.browser.test_offline_verify import MESSAGES, _check, _ready, context, server, tokens  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]

EXPIRED = {"en": "This list was valid until", "ar": "كانت هذه القائمة سارية حتى"}


def _english_date(moment):
    return f"{moment.day} {moment:%B} {moment.year}"  # as the page writes it in English


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_list_is_dated_and_a_list_past_its_valid_until_is_warned_about(context, tokens,  # noqa: F811
                                                                           language):
    kept = db.session.get(StatusList, find_university_by_code("MSL").id)
    page = context.new_page()
    page.goto(f"/verify/offline?lang={language}")
    _ready(page, language)
    revocation = page.get_by_test_id("offline-revocation")

    _check(page, tokens["valid"])
    expect(revocation).to_contain_text(MESSAGES[language]["not_revoked"])
    expect(revocation).not_to_contain_text(EXPIRED[language])
    if language == "en":
        expect(revocation).to_contain_text(_english_date(kept.signed_at))

    page.clock.set_fixed_time(kept.valid_until + timedelta(days=1))
    _check(page, tokens["revoked"])
    expect(revocation).to_contain_text(MESSAGES[language]["revoked"])
    expect(revocation).to_contain_text(EXPIRED[language])
    if language == "en":
        expect(revocation).to_contain_text(f"valid until {_english_date(kept.valid_until)}")
