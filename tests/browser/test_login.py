"""Logging in and out in a real browser, in Arabic (right to left) and English (left to right)."""
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import expect

from diploma.demo import DEMO_PASSWORD
from tests.browser.conftest import PHONE
from tests.browser.helpers import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
REGISTRAR = "registrar.mosul@example.org"
MOSUL_AR = "جامعة الموصل"
MOSUL_EN = "University of Mosul"
WRONG_CREDENTIALS = "The e-mail address or the password is wrong."


def translation(language, msgid):
    """The catalogue's text for ``msgid`` (the msgid itself when the catalogue leaves it empty)."""
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        message = read_po(po).get(msgid)
    assert message is not None, f"{msgid!r} is missing from the {language} catalogue"
    return message.string or msgid


def expect_direction(page, language, direction):
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("html")).to_have_attribute("dir", direction)
    assert page.evaluate("getComputedStyle(document.body).direction") == direction


def log_in(page, email=REGISTRAR, password=DEMO_PASSWORD):
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.get_by_test_id("login-submit").click()


def switch_language(page, language):
    """Press the language switch and wait for the page to come back in ``language``."""
    page.get_by_test_id("language-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", language)


def test_login_page_is_arabic_and_right_to_left(page):
    page.goto("/login")
    expect_direction(page, "ar", "rtl")
    switch = page.get_by_test_id("language-switch")
    expect(switch).to_be_visible()
    expect(switch).to_have_text("English")
    screenshot(page, "login-ar")


def test_registrar_logs_in_and_sees_the_dashboard(page):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login$"))
    log_in(page)
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_test_id("dashboard-title")).to_contain_text(MOSUL_AR)
    expect_direction(page, "ar", "rtl")
    screenshot(page, "dashboard-registrar-ar")


def test_english_is_left_to_right_and_the_choice_sticks(page):
    page.goto("/login")
    log_in(page)
    expect(page.get_by_test_id("dashboard-title")).to_contain_text(MOSUL_AR)

    switch_language(page, "en")
    expect(page).to_have_url(re.compile(r"/dashboard\??$"))
    expect_direction(page, "en", "ltr")
    expect(page.get_by_test_id("dashboard-title")).to_contain_text(MOSUL_EN)
    expect(page.get_by_test_id("language-switch")).to_have_text("العربية")

    page.reload()
    expect_direction(page, "en", "ltr")
    expect(page.get_by_test_id("dashboard-title")).to_contain_text(MOSUL_EN)

    page.get_by_test_id("logout").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect_direction(page, "en", "ltr")
    log_in(page)
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect_direction(page, "en", "ltr")
    expect(page.get_by_test_id("dashboard-title")).to_contain_text(MOSUL_EN)


def test_the_saved_language_follows_the_user_to_a_new_browser(page, browser, live_server):
    page.goto("/login")
    log_in(page)
    switch_language(page, "en")

    other = browser.new_context(base_url=live_server, locale="ar-IQ")
    try:
        elsewhere = other.new_page()
        elsewhere.goto("/login")
        expect_direction(elsewhere, "ar", "rtl")  # no cookie there, and nobody logged in yet
        log_in(elsewhere)
        expect(elsewhere).to_have_url(re.compile(r"/dashboard$"))
        expect_direction(elsewhere, "en", "ltr")
        expect(elsewhere.get_by_test_id("dashboard-title")).to_contain_text(MOSUL_EN)
    finally:
        other.close()


def test_logging_out_returns_to_the_login_page(page):
    page.goto("/login")
    log_in(page)
    expect(page.get_by_test_id("dashboard-title")).to_be_visible()

    page.get_by_test_id("logout").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_test_id("logout")).to_have_count(0)
    expect(page.get_by_test_id("login-submit")).to_be_visible()

    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fdashboard$"))
    expect(page.get_by_test_id("dashboard-title")).to_have_count(0)


def test_a_wrong_password_shows_the_translated_error(page):
    arabic = translation("ar", WRONG_CREDENTIALS)
    assert arabic != WRONG_CREDENTIALS, "the Arabic catalogue does not translate the login error yet"

    page.goto("/login")
    log_in(page, password="not-the-password")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator("#password-errors")).to_have_text(arabic)
    expect(page.get_by_test_id("logout")).to_have_count(0)

    switch_language(page, "en")  # from a page shown after a POST: back to the login page, no scolding
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator(".flash")).to_have_count(0)
    log_in(page, password="not-the-password")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator("#password-errors")).to_have_text(translation("en", WRONG_CREDENTIALS))
    expect_direction(page, "en", "ltr")


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"])
def test_the_login_page_fits_a_phone_in_both_languages(page):
    no_horizontal_scroll = "document.documentElement.scrollWidth <= window.innerWidth"
    page.goto("/login")
    expect_direction(page, "ar", "rtl")
    assert page.evaluate("window.innerWidth") == PHONE["width"]
    assert page.evaluate(no_horizontal_scroll)
    screenshot(page, "login-ar-phone")

    switch_language(page, "en")
    expect_direction(page, "en", "ltr")
    assert page.evaluate(no_horizontal_scroll)
