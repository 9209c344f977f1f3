"""Issue 24, fault 9 (layout of words): on a phone's list of course offerings the «و» joining two lecturers'
names fell into the label column (it was a loose piece of text in a two-column grid); and on the English
dashboard, "Latest announcement: …" laid an Arabic title out in the English direction (the last user text not
isolated)."""
import pytest
from playwright.sync_api import expect

from diploma.enrolment.models import Enrolment
from diploma.extensions import db
from diploma.teaching.models import Announcement
from tests.browser.conftest import PHONE
from tests.browser.helpers import in_language, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]

# Every piece of a labelled cell's value (elements and bare text alike) lies beside the label, not under it:
# its box starts after the label's column (6.5rem, at the inline start of the cell).
OUT_OF_PLACE = """cells => cells.flatMap(cell => {
  const rtl = getComputedStyle(cell).direction === 'rtl', box = cell.getBoundingClientRect();
  const labelEnd = 6.5 * parseFloat(getComputedStyle(document.documentElement).fontSize);
  return [...cell.childNodes].filter(n => n.textContent.trim()).flatMap(node => {
    const range = document.createRange(); range.selectNodeContents(node);
    const r = range.getBoundingClientRect();
    const intoLabel = rtl ? r.right > box.right - labelEnd - 1 : r.left < box.left + labelEnd + 1;
    return intoLabel ? [cell.dataset.label + ': ' + node.textContent.trim()] : [];
  });
})"""


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"])
@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_lecturers_names_and_their_and_stay_beside_the_label_on_a_phone(page, language):
    log_in(page, "registrar.mosul@example.org")
    in_language(page, language)
    page.goto("/offerings/")
    cells = page.locator("table.stacked td[data-label]")
    expect(cells.first).to_be_visible()
    two_lecturers = page.locator("table.stacked td[data-label]", has=page.locator("bdi + bdi, bdi ~ bdi"))
    assert two_lecturers.count() >= 1, "no offering with two lecturers on the first page"
    screenshot(page, f"offerings-{language}-phone")
    assert cells.evaluate_all(OUT_OF_PLACE) == []


@pytest.fixture
def announced():
    """A student enrolled in an offering with an announcement, and that announcement's (Arabic) title."""
    announcement = db.session.scalar(db.select(Announcement).order_by(Announcement.created_at.desc()))
    enrolment = db.session.scalar(
        db.select(Enrolment).where(Enrolment.offering_id == announcement.offering_id))
    found = {"email": enrolment.student.user.email}
    db.session.rollback()
    return found


def test_an_arabic_announcement_title_keeps_its_direction_on_the_english_dashboard(page, announced):
    log_in(page, announced["email"])
    in_language(page, "en")
    latest = page.get_by_test_id("latest-announcement").first
    expect(latest).to_be_visible()
    title = latest.locator("bdi")
    expect(title).to_have_attribute("dir", "rtl")
    assert title.evaluate("bdi => getComputedStyle(bdi).direction") == "rtl"
    assert latest.evaluate("span => getComputedStyle(span).direction") == "ltr"
