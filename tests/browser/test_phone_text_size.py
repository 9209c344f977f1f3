"""At 200 % text on a 390 px phone (WCAG 1.4.4 and 1.4.10, issue 18), the pages people open on a phone —
the public verification page, "My certificate", every role's dashboard — fit the screen: nothing makes the
page scroll sideways."""
import pytest
from playwright.sync_api import expect

from diploma.certificates.models import Certificate
from diploma.demo import demo_verification_url
from diploma.extensions import db
from diploma.partners.models import University
from tests.browser.conftest import PHONE
from tests.browser.helpers import NO_HORIZONTAL_SCROLL, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]

# What a phone's "large text" setting does: the root font size doubled (every size of the stylesheet is
# in rem or em, so everything grows with it). Set through the CSSOM, which the page's CSP allows.
DOUBLE_TEXT = "document.documentElement.style.fontSize = '200%'"
WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 || e.getBoundingClientRect().left < -1)
  .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().width))"""


@pytest.fixture
def graduate():
    """A Basra graduate's e-mail and the path of a certificate's verification page."""
    basra = db.session.scalar(db.select(University).where(University.slug == "basra"))
    certificate = db.session.scalar(db.select(Certificate).where(
        Certificate.university_id == basra.id, Certificate.status == "valid").order_by(Certificate.id))
    url = demo_verification_url()
    found = {"email": certificate.student.user.email, "verify": url[url.index("/verify/"):]}
    db.session.rollback()
    return found


def fits_at_double_text(page, name):
    # The page (after a language link, a new page) laid out with its own fonts before anything is measured.
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready.then(() => true)")
    page.evaluate(DOUBLE_TEXT)
    page.evaluate("document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => r(true))))")
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") == 32
    fits = page.evaluate(NO_HORIZONTAL_SCROLL)
    screenshot(page, f"text-200-{name}")
    assert fits, (f"{page.url} scrolls sideways by "
                  f"{page.evaluate('document.documentElement.scrollWidth - window.innerWidth')} px: "
                  f"{page.evaluate(WIDEST)}")


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"])
@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_verification_page_fits_a_phone_at_double_text(page, graduate, language):
    page.goto(graduate["verify"])
    if language == "en":
        page.get_by_test_id("language-switch").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    fits_at_double_text(page, f"verify-{language}")


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"])
def test_my_certificate_fits_a_phone_at_double_text(page, graduate):
    log_in(page, graduate["email"])
    page.goto("/certificates/mine")
    fits_at_double_text(page, "my-certificate")


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"])
@pytest.mark.parametrize("email", ["admin@example.org", "registrar.mosul@example.org",
                                   "lecturer.basra@example.org", None],
                         ids=["admin", "registrar", "lecturer", "student"])
def test_every_dashboard_fits_a_phone_at_double_text(page, graduate, email):
    log_in(page, email or graduate["email"])
    fits_at_double_text(page, f"dashboard-{email or 'student'}")
