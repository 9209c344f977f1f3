"""What the browser tests do alike: log in and out as a demo account, and keep a picture of a page."""
import re
from pathlib import Path

from playwright.sync_api import expect

from diploma.demo import DEMO_PASSWORD
from tests.browser.conftest import SHOTS

NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def screenshot(page, name):
    """A picture for humans to look at; nothing asserts on it."""
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def log_in(page, email, password=DEMO_PASSWORD):
    page.goto("/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.get_by_test_id("login-submit").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def log_out(page):
    page.get_by_test_id("logout").click()
    expect(page).to_have_url(re.compile(r"/login$"))


def in_language(page, language):
    """The interface in ``language`` ('ar' or 'en'), switched with the header's language button if needed."""
    if page.evaluate("document.documentElement.lang") != language:
        page.get_by_test_id("language-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", language)
