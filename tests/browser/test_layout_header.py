"""Issue 24, fault 10 (the header): on a 390 px phone the header took 160–215 px of every page (the
administrator's links wrapped to three rows) and showed a large "log out of all devices" button. Now the phone
header is one row (at most 64 px high): the title, the language switch and a menu button; the menu — links,
the user's name and both ways to log out — opens without JavaScript, with the mouse or the keyboard, and its
links work. On a desktop the links stay in view without opening anything."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, TIMEOUT_MS
from tests.browser.helpers import in_language, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]

PHONE_HEADER_MAX = 64
ROLES = {
    "admin": "admin@example.org",
    "registrar": "registrar.mosul@example.org",
    "lecturer": "lecturer.basra@example.org",
    "student": "student.basra.1@example.org",
}


def header_height(page):
    return page.locator("header.site-header").evaluate("header => header.getBoundingClientRect().height")


@pytest.fixture(params=[True, False], ids=["javascript", "no-javascript"])
def phone(request, browser, live_server):
    """A 390 px phone, with JavaScript on or off."""
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="ar-IQ",
                                  java_script_enabled=request.param)
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


# Every role; the administrator (the most links) in both languages.
@pytest.mark.parametrize(("role", "language"), [("admin", "ar"), ("admin", "en"), ("registrar", "ar"),
                                                ("lecturer", "en"), ("student", "ar")])
def test_the_phone_header_is_one_row_and_its_menu_opens_without_javascript(phone, role, language):
    page = phone
    log_in(page, ROLES[role])
    in_language(page, language)
    assert header_height(page) <= PHONE_HEADER_MAX
    links = page.locator("nav.site-nav a")
    assert links.count() >= 2
    expect(links.first).to_be_hidden()  # folded into the menu
    expect(page.get_by_test_id("logout-everywhere")).to_be_hidden()

    page.get_by_test_id("menu-button").click()
    expect(links.last).to_be_visible()
    expect(page.get_by_test_id("logout")).to_be_visible()
    expect(page.get_by_test_id("logout-everywhere")).to_be_visible()
    screenshot(page, f"header-menu-{role}-{language}-phone")
    for index in range(links.count()):  # every link of the open menu is on the screen, none under another
        box = links.nth(index).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert box["height"] >= 24  # a target a finger can hit (WCAG 2.5.8)
    target = links.last.get_attribute("href")
    links.last.click()
    expect(page).to_have_url(re.compile(re.escape(target) + "$"))
    assert header_height(page) <= PHONE_HEADER_MAX  # the next page starts with the menu folded again


def test_the_phone_menu_opens_from_the_keyboard(page):
    page.set_viewport_size(PHONE)
    log_in(page, ROLES["registrar"])
    page.get_by_test_id("menu-button").focus()
    page.keyboard.press("Enter")
    link = page.locator("nav.site-nav a").nth(1)
    expect(link).to_be_visible()
    page.keyboard.press("Tab")  # the first link of the menu comes next in the order of focus
    expect(page.locator("nav.site-nav a").first).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # the menu button closes it again
    expect(link).to_be_hidden()


@pytest.mark.parametrize("role", ROLES)
def test_on_a_desktop_every_link_is_in_view_without_opening_a_menu(page, role):
    log_in(page, ROLES[role])
    expect(page.get_by_test_id("menu-button")).to_be_hidden()
    links = page.locator("nav.site-nav a")
    for index in range(links.count()):
        expect(links.nth(index)).to_be_visible()
    expect(page.get_by_test_id("logout")).to_be_visible()
    expect(page.get_by_test_id("logout-everywhere")).to_be_visible()
    assert header_height(page) <= 140  # two rows at most, for the administrator's eleven links
    screenshot(page, f"header-{role}-desktop")
