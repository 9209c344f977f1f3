"""The confirmation pages on a phone (390 px) with JavaScript switched off: a registrar revokes a demo
certificate — the confirmation page says which certificate and whose, Cancel keeps it valid, Confirm
revokes it — and reinstates it; the header's "log out of all devices" asks first too."""
import re

import pytest
from playwright.sync_api import expect

from diploma.certificates.models import VALID, Certificate
from diploma.extensions import db
from tests.browser.conftest import PHONE, TIMEOUT_MS
from tests.browser.helpers import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]

REGISTRAR = "registrar.mosul@example.org"


@pytest.fixture
def phone_without_script(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="ar-IQ",
                                  java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def certificate():
    """A valid Mosul demo certificate: its serial and the graduate's Arabic name."""
    found = db.session.scalars(db.select(Certificate).where(Certificate.serial.like("PCS-MSL-%"),
                                                            Certificate.status == VALID)
                               .order_by(Certificate.number)).first()
    values = {"serial": found.serial, "name_ar": found.snapshot["student"]["name_ar"]}
    db.session.rollback()
    return values


def within_the_screen(locator):
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box


def status_of(page):
    return page.get_by_test_id("certificate-status")


def test_revoking_asks_first_and_is_undone_on_a_phone_without_javascript(phone_without_script, certificate):
    page, serial = phone_without_script, certificate["serial"]
    log_in(page, REGISTRAR)
    page.goto(f"/certificates/{serial}")
    revoke_form = page.get_by_test_id("revoke-form")
    revoke_form.locator("textarea[name=reason]").fill("صدرت لطالب آخر")
    page.get_by_test_id("revoke-button").click()

    # The confirmation page: which certificate, whose, the reason, in Arabic; both ways out on the screen.
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    sentence = page.get_by_test_id("confirm-sentence")
    expect(sentence).to_contain_text(serial)
    expect(sentence).to_contain_text(certificate["name_ar"])
    expect(page.get_by_test_id("confirm-details")).to_contain_text("صدرت لطالب آخر")
    for way_out in ("confirm-button", "confirm-cancel"):
        expect(page.get_by_test_id(way_out)).to_be_visible()
        within_the_screen(page.get_by_test_id(way_out))
    screenshot(page, "confirm-revoke-phone-noscript")

    page.get_by_test_id("confirm-cancel").click()  # Cancel: back to the certificate, still valid
    expect(page).to_have_url(re.compile(rf"/certificates/{serial}$"))
    expect(status_of(page)).to_have_attribute("data-status", "valid")

    revoke_form.locator("textarea[name=reason]").fill("صدرت لطالب آخر")
    page.get_by_test_id("revoke-button").click()
    page.get_by_test_id("confirm-button").click()
    expect(page).to_have_url(re.compile(rf"/certificates/{serial}$"))
    expect(status_of(page)).to_have_attribute("data-status", "revoked")

    # The way back: reinstated with a reason, valid again.
    page.get_by_test_id("reinstate-button").click()  # without a reason: refused, said why
    expect(page.get_by_test_id("reinstate-form")).to_contain_text("هذا الحقل مطلوب")
    page.get_by_test_id("reinstate-form").locator("textarea[name=reason]").fill("أُلغيت خطأً")
    page.get_by_test_id("reinstate-button").click()
    expect(status_of(page)).to_have_attribute("data-status", "valid")


def test_logging_out_of_all_devices_asks_first_on_a_phone_without_javascript(phone_without_script):
    page = phone_without_script
    log_in(page, REGISTRAR)
    page.get_by_test_id("logout-everywhere").click()
    expect(page.get_by_test_id("confirm-sentence")).to_contain_text(REGISTRAR)
    within_the_screen(page.get_by_test_id("confirm-button"))

    page.get_by_test_id("confirm-cancel").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))  # still logged in

    page.get_by_test_id("logout-everywhere").click()
    page.get_by_test_id("confirm-button").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/login"))
