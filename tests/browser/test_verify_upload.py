"""Verify by upload in Chromium: the PDF picked on /verify and sent, the verdict page accessible (axe-core,
the Nu Html Checker) and no wider than the screen, on a phone in Arabic and a desktop in English."""
import pytest

from diploma.certificates import documents
from diploma.extensions import db
from tests.browser.checkers import add_axe, axe_problems, html_errors, require_checkers
from tests.certificates.builders import graduating_cohort
from tests.certificates.conftest import provide_keys


@pytest.fixture
def signed():
    """A Mosul graduate's certificate as downloaded (Arabic), signed (the university's key made first)."""
    group = graduating_cohort(2, code="MSL")
    group.issue()
    provide_keys(group.university)
    return documents.certificate_pdf(group.issued()[0], "ar")


@pytest.mark.browser
@pytest.mark.parametrize(("language", "screen", "words"), [
    ("ar", {"width": 390, "height": 844}, "صالحة"), ("en", {"width": 1280, "height": 800}, "Valid")])
def test_uploading_a_pdf_in_the_browser_shows_an_accessible_verdict(browser, live_server, signed, tmp_path,
                                                                    language, screen, words):
    """Chromium (phone width in Arabic, desktop in English) picks the PDF on /verify and sends the form; the
    verdict page passes axe-core and the Nu Html Checker, and nothing is wider than the screen."""
    require_checkers()
    chromium, server = browser, live_server
    db.session.commit()
    path = tmp_path / "certificate.pdf"
    path.write_bytes(signed)
    context = chromium.new_context(base_url=server, viewport=screen,
                                  locale="ar-IQ" if language == "ar" else "en-GB")
    add_axe(context)
    try:
        page = context.new_page()
        page.goto("/verify")
        assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
        page.get_by_test_id("verify-upload-form").locator("input[type=file]").set_input_files(str(path))
        with page.expect_navigation():
            page.get_by_test_id("verify-upload-button").click()
        verdict = page.get_by_test_id("pdf-verdict")
        assert verdict.get_attribute("data-outcome") == "valid" and words in verdict.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= screen["width"]
        assert axe_problems(page) == []
        html = tmp_path / "verdict.html"
        html.write_text(page.content())
        assert html_errors([html]) == []
    finally:
        context.close()
