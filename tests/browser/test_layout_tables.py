"""Issue 24, fault 5: tables on a 390 px phone were cut off with no sign that they scroll (the
gradebook's course mark and band showed as half digits, the graduation report only its name column). Now, on
the gradebook, the graduation report, the certificates list and the results page, each column that matters
(name, mark, band…) is either wholly on the screen, or its table sits in a scroll box that shows it scrolls
(a shadow on the side where more columns wait, and the row's name kept in view while the rest scrolls)."""
import pytest
from playwright.sync_api import expect

from diploma.certificates.models import Certificate
from diploma.extensions import db
from diploma.grading.models import Gradebook
from diploma.partners.models import University
from diploma.teaching.models import Offering
from tests.browser.conftest import PHONE
from tests.browser.helpers import NO_HORIZONTAL_SCROLL, in_language, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]

# For each cell of the given columns (by their place in the header row, negative from the end): the part of it
# that can be seen (the viewport cut by every box that clips it), and how its scroll box, if any, signals what
# it hides. A scroll box signals with shadows drawn by "local" backgrounds (they move with the content, so a
# shadow shows only where something is hidden) — read from its computed style.
CELLS = """(table, columns) => {
  const clipped = element => {
    let r = element.getBoundingClientRect();
    let box = {left: Math.max(r.left, 0), right: Math.min(r.right, window.innerWidth), width: r.width};
    let scroller = null;
    for (let up = element.parentElement; up; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (style.overflowX !== 'visible') {
        const u = up.getBoundingClientRect();
        box.left = Math.max(box.left, u.left); box.right = Math.min(box.right, u.right);
        if (!scroller && up.scrollWidth > up.clientWidth) scroller = up;
      }
    }
    const signal = scroller ? getComputedStyle(scroller) : null;
    return {seen: box.right - box.left, width: r.width, text: element.innerText.trim(),
            scrolls: !!scroller,
            signalled: !!signal && /auto|scroll/.test(signal.overflowX)
                       && signal.backgroundAttachment.includes('local')
                       && signal.backgroundImage.includes('gradient')};
  };
  const header = [...table.querySelectorAll('thead tr:first-child th')];
  const places = columns.map(c => c < 0 ? header.length + c : c);
  return [...table.querySelectorAll('tbody tr')].filter(row => row.children.length === header.length)
    .flatMap(row => places.map(place => clipped(row.children[place])));
}"""


def check_key_columns(table, columns, always_seen=()):
    """Each key cell wholly seen, or in a scroll box that shows it scrolls; ``always_seen`` wholly seen."""
    cells = table.evaluate(CELLS, list(columns))
    assert cells, "no row to check"
    for index, cell in enumerate(cells):
        column = columns[index % len(columns)]
        wholly_seen = cell["seen"] >= cell["width"] - 1
        if column in always_seen:
            assert wholly_seen, cell
        else:
            assert wholly_seen or cell["signalled"], cell


def scroll_to_the_end(table):
    table.evaluate("t => { const box = t.closest('.table-wrap'); box.scrollLeft = box.dir === 'rtl' || "
                   "getComputedStyle(box).direction === 'rtl' ? -box.scrollWidth : box.scrollWidth; }")


@pytest.fixture
def viewport():
    return PHONE


@pytest.fixture
def places():
    """The demo's gradebook awaiting approval at Mosul, and the Basra cohort that has graduated."""
    gradebook = db.session.scalar(
        db.select(Offering.id).join(Offering.university).join(Gradebook, Gradebook.offering_id == Offering.id)
        .where(University.slug == "mosul", Gradebook.status == "submitted"))
    cohort = db.session.scalar(
        db.select(Certificate.cohort_id).join(University, University.id == Certificate.university_id)
        .where(University.slug == "basra").limit(1))
    db.session.rollback()
    return {"gradebook": gradebook, "cohort": cohort}


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_gradebook_s_name_mark_and_band_are_seen_or_signalled(page, places, language):
    log_in(page, "registrar.mosul@example.org")
    in_language(page, language)
    page.goto(f"/offerings/{places['gradebook']}/gradebook")
    table = page.get_by_test_id("gradebook")
    check_key_columns(table, [0, -2, -1], always_seen=[0])
    scroll_to_the_end(table)  # the name stays in view while the marks scroll under it
    check_key_columns(table, [0, -2, -1], always_seen=[0, -2, -1])
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    screenshot(page, f"table-gradebook-{language}-phone")


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_graduation_report_s_name_average_and_band_are_seen_or_signalled(page, places, language):
    log_in(page, "registrar.basra@example.org")
    in_language(page, language)
    page.goto(f"/certificates/cohorts/{places['cohort']}")
    table = page.get_by_test_id("standings")
    expect(table.locator("tbody tr").first).to_be_visible()
    check_key_columns(table, [1, 3, 4], always_seen=[1])
    scroll_to_the_end(table)
    check_key_columns(table, [1, 3, 4], always_seen=[1])
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    screenshot(page, f"table-report-{language}-phone")


def test_the_certificates_list_for_the_administrator_is_seen_or_signalled(page):
    log_in(page, "admin@example.org")
    page.goto("/certificates/")
    table = page.get_by_test_id("cohorts")
    check_key_columns(table, [0, 1, 2, 3], always_seen=[0])
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    screenshot(page, "table-certificates-ar-phone")


def test_the_results_tables_are_seen_or_signalled(page):
    log_in(page, "admin@example.org")
    page.goto("/results")
    tables = page.locator("table.figures")
    assert tables.count() >= 3
    for index in range(tables.count()):
        table = tables.nth(index)
        columns = table.locator("thead th").count()
        check_key_columns(table, list(range(columns)), always_seen=[0])
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    screenshot(page, "table-results-ar-phone")
