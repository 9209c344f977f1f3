"""Issue 24, fault 4: charts drawn from one geometry. The registrar approves a gradebook from its distribution
chart; each bar must stand over its own label (the bar's horizontal centre inside the label's box) on a phone
(390 px) and a desktop (1280 px), in Arabic (right to left) and English. The results page's bar charts share
the rule: each bar sits in the row of its own label."""
import pytest
from playwright.sync_api import expect

from diploma import demo_data
from diploma.extensions import db
from diploma.grading.models import Gradebook
from diploma.partners.models import University
from diploma.teaching.models import Offering
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.helpers import NO_HORIZONTAL_SCROLL, in_language, log_in, screenshot
from tests.results.builders import small_programme

pytestmark = pytest.mark.browser

SIZES = [pytest.param(PHONE, id="phone"), pytest.param(DESKTOP, id="desktop")]
REGISTRAR = "registrar.mosul@example.org"
# Bars and labels, in the order drawn, whatever the markup (the old chart had one SVG for all bars and a row
# of spans for the labels; the chart now puts each bar and its label in one grid cell).
BOXES = """chart => {
  const box = element => {
    const r = element.getBoundingClientRect();
    return {x: r.x, width: r.width, y: r.y, height: r.height};
  };
  const labels = chart.querySelectorAll('.tenth-label').length ? chart.querySelectorAll('.tenth-label')
                                                                : chart.querySelectorAll('.tenths > span');
  return {bars: [...chart.querySelectorAll('rect')].map(box), labels: [...labels].map(box)};
}"""


@pytest.fixture
def submitted_gradebook(demo):
    """The offering of the demo's gradebook that awaits the registrar's approval at Mosul."""
    offering_id = db.session.scalar(
        db.select(Offering.id).join(Offering.university).join(Gradebook, Gradebook.offering_id == Offering.id)
        .where(University.slug == "mosul", Gradebook.status == "submitted"))
    assert offering_id, demo_data.SUBMITTED_GRADEBOOKS
    db.session.rollback()
    return offering_id


@pytest.mark.parametrize("viewport", SIZES)
@pytest.mark.parametrize("language", ["ar", "en"])
def test_each_bar_of_the_distribution_stands_over_its_own_label(page, submitted_gradebook, language,
                                                               viewport):
    log_in(page, REGISTRAR)
    in_language(page, language)
    page.goto(f"/offerings/{submitted_gradebook}/gradebook")
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")
    chart = page.locator(".distribution")
    boxes = chart.evaluate(BOXES)
    bars, labels = boxes["bars"], boxes["labels"]
    assert len(bars) == len(labels) == 10
    screenshot(page, f"distribution-{language}-{viewport['width']}")
    for bar, label in zip(bars, labels, strict=True):
        centre = bar["x"] + bar["width"] / 2
        assert label["x"] <= centre <= label["x"] + label["width"], (bar, label)
        assert bar["y"] + bar["height"] <= label["y"] + 1  # the bar stands above its label
    # 0–9 … 90–100 read left to right in both languages, each label beside the last without overlapping it.
    for left, right in zip(labels, labels[1:], strict=False):
        assert left["x"] + left["width"] <= right["x"] + 0.5
    assert page.evaluate(NO_HORIZONTAL_SCROLL)


@pytest.fixture
def results_admin():
    email = small_programme().admin.email
    db.session.rollback()  # SQLite: end this session's read transaction; the server's login writes
    return email


@pytest.mark.parametrize("viewport", SIZES)
def test_each_results_bar_is_drawn_in_the_row_of_its_own_label(page, results_admin, viewport):
    """The results page's charts are one grid already (a row holds its label and its bars, each bar inside
    the row's box); kept so."""
    log_in(page, results_admin, password="correct-horse-battery")
    page.goto("/results")
    rows = page.locator(".bar-chart .bar-row")
    assert rows.count() >= 5
    misplaced = rows.evaluate_all("""rows => rows.flatMap(row => {
      const box = row.getBoundingClientRect();
      return [...row.querySelectorAll('.bar')].filter(bar => {
        const r = bar.getBoundingClientRect();
        return r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5;
      }).map(() => row.innerText.slice(0, 40));
    })""")
    assert misplaced == []
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
