"""The results page and the public page in Chromium on a 390 px phone, in Arabic: the charts and tables fit
the screen (a wide table scrolls inside its own box), the bars grow from the right."""
import pytest

from diploma.extensions import db
from tests.browser.checkers import add_axe, axe_problems, html_errors, require_checkers
from tests.browser.conftest import PHONE
from tests.browser.helpers import NO_HORIZONTAL_SCROLL, log_in, screenshot
from tests.results.builders import small_programme

pytestmark = pytest.mark.browser


@pytest.fixture
def viewport():
    return PHONE


@pytest.fixture
def admin_email():
    email = small_programme().admin.email
    db.session.rollback()  # SQLite: end this session's read transaction; the server's login writes
    return email


def test_the_results_page_fits_a_phone_in_arabic(page, admin_email):
    log_in(page, admin_email, password="correct-horse-battery")
    page.goto("/results")
    assert page.evaluate("document.documentElement.lang") == "ar"
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.locator(".bar-chart").count() >= 5
    screenshot(page, "results-phone-ar")
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    # Right to left: a bar starts at the right edge of its track (the first drawn: a withheld one has none).
    drawn = page.locator(".bar-track:has(.bar:not(.w-0))").first
    track, bar = drawn.bounding_box(), drawn.locator(".bar").bounding_box()
    assert abs((track["x"] + track["width"]) - (bar["x"] + bar["width"])) < 1.5
    assert bar["width"] > 0


def test_the_public_page_fits_a_phone_in_arabic(page, admin_email):
    page.goto("/login")
    page.get_by_test_id("in-numbers-link").click()
    assert page.locator("h1").inner_text() == "البرنامج بالأرقام"
    screenshot(page, "in-numbers-phone-ar")
    assert page.evaluate(NO_HORIZONTAL_SCROLL)


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_results_pages_pass_axe_core_and_the_nu_html_checker(page, admin_email, language, tmp_path):
    require_checkers()
    add_axe(page.context)
    log_in(page, admin_email, password="correct-horse-battery")
    if language == "en":
        page.get_by_test_id("language-switch").click()
    problems, files = [], []
    for number, url in enumerate(["/results", "/results?cohort=999", "/in-numbers"]):
        response = page.goto(url)
        assert page.evaluate("document.documentElement.lang") == language
        problems += axe_problems(page)
        saved = tmp_path / f"page-{number}.html"
        saved.write_text(response.text(), "utf-8")
        files.append(saved)
    assert problems == []
    assert html_errors(files) == []
