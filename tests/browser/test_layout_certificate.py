"""Issue 24, fault 6: a certificate's page on a 390 px phone. The verification link's box overlapped the rank
line above it, and the heading broke the serial («-PCS-MSL-2025 / 0004»). Now no two boxes of the page's
facts overlap, every serial stays on one line, and the long link wraps inside its own box."""
import pytest

from diploma.certificates.models import Certificate
from diploma.extensions import db
from diploma.partners.models import University
from tests.browser.conftest import PHONE
from tests.browser.helpers import NO_HORIZONTAL_SCROLL, in_language, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]

# The boxes of the facts shown (the headings, each label and value, the link), and whether any two overlap.
OVERLAPS = """() => {
  const facts = 'main h1, main dt, main dd, main p, [data-testid=verification-link]';
  const boxes = [...document.querySelectorAll(facts)].map(e => [e, e.getBoundingClientRect()]);
  const found = [];
  for (const [a, ra] of boxes) for (const [b, rb] of boxes) {
    if (a === b || a.contains(b) || b.contains(a)) continue;
    const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
    const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
    const name = e => e.tagName + ' ' + e.innerText.slice(0, 30);
    if (w > 1 && h > 1) found.push(name(a) + ' / ' + name(b));
  }
  return found;
}"""
# One line: an inline box broken over lines has one client rectangle per line.
ONE_LINE = "bdi => bdi.getClientRects().length === 1"
INSIDE = "e => { const r = e.getBoundingClientRect(); return r.left >= 0 && r.right <= window.innerWidth; }"


@pytest.fixture
def viewport():
    return PHONE


@pytest.fixture
def mosul_certificate():
    certificate = db.session.scalar(
        db.select(Certificate).join(University, University.id == Certificate.university_id)
        .where(University.slug == "mosul", Certificate.status == "valid").order_by(Certificate.serial.desc()))
    found = {"serial": certificate.serial, "student": certificate.student.user.email}
    db.session.rollback()
    return found


def check_the_page(page, name):
    screenshot(page, name)
    assert page.evaluate(OVERLAPS) == []
    for serial in page.locator("main bdi", has_text="PCS-").all():
        assert serial.evaluate(ONE_LINE), serial.inner_text()
    link = page.get_by_test_id("verification-link")
    assert link.evaluate(INSIDE)
    assert page.evaluate(NO_HORIZONTAL_SCROLL)


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_registrar_s_certificate_page_on_a_phone(page, mosul_certificate, language):
    log_in(page, "registrar.mosul@example.org")
    in_language(page, language)
    page.goto(f"/certificates/{mosul_certificate['serial']}")
    assert page.locator("h1 bdi").inner_text() == mosul_certificate["serial"]
    check_the_page(page, f"certificate-detail-{language}-phone")


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_graduate_s_certificate_page_on_a_phone(page, mosul_certificate, language):
    log_in(page, mosul_certificate["student"])
    in_language(page, language)
    page.goto("/certificates/mine")
    check_the_page(page, f"certificate-mine-{language}-phone")
