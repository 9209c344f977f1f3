"""Issue 12 in a real browser: Arabic text in the English interface and English text in the Arabic one
each read in their own direction — the computed direction of every block of user text, punctuation at the
end where the text ends (left of the last letter in Arabic, right of it in English), first letters on the
side the text starts, year ranges and "(40٪، من 100)" on one line — on the course page, the public
verification page and the gradebook, at phone and desktop widths, with screenshots of each."""
import re

import pytest
from playwright.sync_api import expect

from diploma.auth.models import User
from diploma.certificates.models import Certificate
from diploma.extensions import db
from diploma.partners.models import University
from diploma.teaching import services as teaching
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.helpers import log_in, screenshot
from tests.browser.test_courses import LECTURER, current_offering, emails_of_students

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]

WIDE = {**DESKTOP, "width": 1366}
ENGLISH_TITLE = "Reading for week two"
ENGLISH_BODY = ("Please read the **first chapter** before Sunday.\n\n- The South African report.\n"
                "- The Colombian agreement.\n\nWe discuss both in class.")
ARABIC_PUNCTUATION_AT_END = ".:!؟"
# How many lines an inline element is drawn on (a bidi run may split it into several boxes on one line).
LINES = "(e) => new Set([...e.getClientRects()].map((r) => Math.round(r.top))).size"

# What the page says about one element: its direction, and where its first and last characters are drawn.
MEASURE = """(element) => {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  const chars = [];
  while (walker.nextNode()) {
    const node = walker.currentNode;
    for (let i = 0; i < node.data.length; i++) {
      if (node.data[i].trim() && !/\\p{M}/u.test(node.data[i])) chars.push([node, i]);
    }
  }
  const box = (pair) => { const range = document.createRange(); range.setStart(pair[0], pair[1]);
                          range.setEnd(pair[0], pair[1] + 1); return range.getBoundingClientRect(); };
  const style = getComputedStyle(element), outer = element.getBoundingClientRect();
  const [first, last, before] = [chars[0], chars[chars.length - 1], chars[chars.length - 2]];
  return {direction: style.direction, lang: element.closest("[lang]").lang, text: element.textContent.trim(),
          lastChar: last[0].data[last[1]], first: box(first), last: box(last), before: box(before),
          left: outer.left + parseFloat(style.paddingLeft),
          right: outer.right - parseFloat(style.paddingRight),
          lines: element.getClientRects().length};
}"""


def is_arabic(text):
    return len(re.findall(r"[\u0600-\u06FF]", text)) > len(re.findall(r"[A-Za-z]", text))


def check_reads_in_its_own_direction(locator, where):
    """Every element of ``locator``: right to left when its text is Arabic (left to right otherwise), its
    first letter on the side the text starts, and a final full stop or colon beyond its last letter."""
    count = locator.count()
    assert count > 0, where
    for index in range(count):
        seen = locator.nth(index).evaluate(MEASURE)
        arabic = is_arabic(seen["text"])
        label = f"{where} #{index}: {seen['text'][:40]!r}"
        assert seen["direction"] == ("rtl" if arabic else "ltr"), label
        assert seen["lang"] == ("ar" if arabic else "en"), label
        if arabic:
            assert seen["first"]["right"] >= seen["right"] - 2, f"{label} does not start on the right"
        else:
            assert seen["first"]["left"] <= seen["left"] + 2, f"{label} does not start on the left"
        if seen["lastChar"] in ARABIC_PUNCTUATION_AT_END and seen["last"]["top"] == seen["before"]["top"]:
            if arabic:
                assert seen["last"]["right"] <= seen["before"]["left"] + 1, f"{label}: displaced punctuation"
            else:
                assert seen["last"]["left"] >= seen["before"]["right"] - 1, f"{label}: displaced punctuation"


def user_text_blocks(page):
    """The announcements' titles and the paragraphs, items and headings of Markdown notes."""
    return page.locator("[data-testid=announcement-title], .note.user-text [dir]:not(ul):not(ol)")


def use_language(page, language):
    """The interface language, switched with the header's button when it is not the one wanted."""
    if page.locator("html").get_attribute("lang") != language:
        page.get_by_test_id("language-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", language)


@pytest.fixture
def scene():
    """The current Mosul offering of PCS202 with an English announcement (beside the demo's Arabic ones),
    an enrolled student, and a valid Mosul certificate's verification path. Committed for the server."""
    offering = current_offering("mosul", "PCS202")
    lecturer = db.session.scalar(db.select(User).where(User.email == LECTURER))
    teaching.post_announcement(lecturer, offering, ENGLISH_TITLE, ENGLISH_BODY)
    certificate = db.session.scalar(
        db.select(Certificate).join(University, Certificate.university_id == University.id)
        .where(University.slug == "mosul", Certificate.revoked_at.is_(None)).order_by(Certificate.serial))
    cohort = certificate.snapshot["cohort"]
    found = {"offering_id": offering.id, "student": emails_of_students(offering, enrolled=True)[0],
             "verify": f"/verify/{certificate.serial}?code={certificate.verification_code}",
             "years": (cohort["start_year"], cohort["end_year"])}
    db.session.commit()
    return found


SIZES = [pytest.param(PHONE, id="phone"), pytest.param(WIDE, id="desktop")]


@pytest.mark.parametrize("viewport", SIZES)
@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_course_page_shows_each_text_in_its_own_direction(page, scene, language, viewport):
    log_in(page, scene["student"])
    page.goto(f"/courses/{scene['offering_id']}")
    use_language(page, language)

    blocks = user_text_blocks(page)
    check_reads_in_its_own_direction(blocks, "course page")
    texts = blocks.all_inner_texts()
    assert any(is_arabic(text) for text in texts) and any(not is_arabic(text) for text in texts)
    # An Arabic file name keeps ".pdf" at its end (on the left), and its size stays on one line.
    for file_line in page.get_by_test_id("material-file").all():
        name = file_line.locator("bdi").first
        assert name.evaluate("(e) => getComputedStyle(e).direction") == "rtl"
        assert file_line.locator(".nowrap").evaluate(LINES) == 1
    screenshot(page, f"issue12-course-{language}-{viewport['width']}")


@pytest.mark.parametrize("viewport", SIZES)
@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_verification_page_keeps_names_and_years_whole(page, scene, language, viewport):
    page.goto(scene["verify"])
    use_language(page, language)

    expect(page.get_by_test_id("certificate-status")).to_have_attribute("data-status", "valid")
    check_reads_in_its_own_direction(page.get_by_test_id("name-ar"), "Arabic name")
    check_reads_in_its_own_direction(page.get_by_test_id("name-en"), "English name")
    years = page.get_by_test_id("cohort").locator(".year-range")
    assert years.evaluate(LINES) == 1  # never «–2023» then «2025»
    start, end = (str(year) for year in scene["years"])
    first_year = years.evaluate(f"""(e) => {{ const r = document.createRange(); const t = e.firstChild;
        r.setStart(t, 0); r.setEnd(t, {len(start)}); const a = r.getBoundingClientRect();
        r.setStart(t, t.data.length - {len(end)}); r.setEnd(t, t.data.length);
        const b = r.getBoundingClientRect();
        return a.left > b.left; }}""")
    assert first_year == (language == "ar")  # the first year is read first: on the right in Arabic
    screenshot(page, f"issue12-verify-{language}-{viewport['width']}")


@pytest.mark.parametrize("viewport", SIZES)
@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_gradebook_writes_weights_in_the_sentences_language(page, scene, language, viewport):
    log_in(page, LECTURER)
    page.goto(f"/offerings/{scene['offering_id']}/gradebook")
    use_language(page, language)

    summary = page.get_by_test_id("assessments-summary")
    if language == "ar":
        expect(summary).to_contain_text(re.compile(r"\(\d+٪، من \d+\)"))  # «(40٪، من 100)», no Latin comma
    else:
        expect(summary).to_contain_text(re.compile(r"\(\d+%, out of \d+\)"))
    for part in summary.locator(".nowrap").all():
        assert part.evaluate(LINES) == 1
    names = page.get_by_test_id("gradebook").locator("tbody td:first-child bdi")
    assert names.count() > 0
    direction = names.first.evaluate("(e) => getComputedStyle(e).direction")
    assert direction == ("rtl" if language == "ar" else "ltr")
    screenshot(page, f"issue12-gradebook-{language}-{viewport['width']}")
