"""Keyboard only (WCAG 2.1.1, issue 18): a lecturer signs in, skips to the content, opens the draft
gradebook of the demo from the menu, types the missing marks, marks one student absent with the «غ» button,
saves and submits the marks — with no mouse: Tab, Enter, Space and typing."""
import re

import pytest
from playwright.sync_api import expect

from diploma import demo_data
from diploma.curriculum.models import Course, Term
from diploma.demo import DEMO_PASSWORD
from diploma.extensions import db
from diploma.grading import services as grading
from diploma.partners.models import University
from diploma.teaching.models import Offering

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]

LECTURER = "lecturer.basra@example.org"
MOST_TABS = 120  # a page's stops before the wanted one: more means the page is too long to tab through


@pytest.fixture
def draft_gradebook():
    """The demo's draft gradebook at Basra: offering, final exam, the rows' enrolments, the unmarked one."""
    term = db.session.scalar(db.select(Term).where(Term.name_en == demo_data.TERMS[-1]["name_en"]))
    offering = db.session.scalar(
        db.select(Offering).join(Offering.university).join(Offering.course)
        .where(University.slug == "basra", Course.code == demo_data.DRAFT_GRADEBOOKS["basra"],
               Offering.term_id == term.id))
    sheet = grading.load_sheet(offering)
    coursework, final = sheet.assessments
    found = {"offering_id": offering.id, "coursework": coursework.id, "final": final.id,
             "rows": [row.enrolment.id for row in sheet.rows],
             "unmarked": next(row.enrolment.id for row in sheet.rows if not row.scores)}
    db.session.rollback()
    return found


def tab_to(page, selector):
    """Press Tab until the focused element matches ``selector``; fails after MOST_TABS presses."""
    page.wait_for_load_state()
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"{selector} cannot be reached with Tab on {page.url}")


def test_a_lecturer_enters_and_submits_marks_with_the_keyboard_alone(page, draft_gradebook):
    book = draft_gradebook
    offering_id = book["offering_id"]

    def cell(enrolment_id, assessment_id):
        return f"#mark-{grading.cell_key(enrolment_id, assessment_id, 1)}"

    page.goto("/login")
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("skip-link")).to_be_focused()
    expect(page.get_by_test_id("skip-link")).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main#content")).to_be_focused()
    tab_to(page, "input[name=email]")
    page.keyboard.type(LECTURER)
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/dashboard(#content)?$"))  # the fragment stays through redirects

    tab_to(page, 'nav a[href="/offerings/mine"]')
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/offerings/mine$"))
    tab_to(page, f'main a[href="/offerings/{offering_id}"]')
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/offerings/{offering_id}$"))
    tab_to(page, "[data-testid=gradebook-link]")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/offerings/{offering_id}/gradebook$"))

    # The missing coursework mark, then the final exams down the column with Enter; the last student is
    # marked absent with the button beside the cell (Tab, then Space).
    tab_to(page, cell(book["unmarked"], book["coursework"]))
    page.keyboard.type("٧٠")
    tab_to(page, cell(book["rows"][0], book["final"]))
    for position in range(len(book["rows"]) - 1):
        page.keyboard.type(str(60 + position))
        page.keyboard.press("Enter")
    last = page.locator(cell(book["rows"][-1], book["final"]))
    expect(last).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator(f"button.absent-button[data-mark='{cell(book['rows'][-1], book['final'])[1:]}']")
           ).to_be_focused()
    page.keyboard.press("Space")
    expect(last).to_have_value("غ")

    tab_to(page, "[data-testid=save-marks]")
    page.keyboard.press("Enter")
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(cell(book["unmarked"], book["coursework"]))).to_have_value("70")
    expect(page.locator(cell(book["rows"][-1], book["final"]))).to_have_value("غ")

    page.keyboard.press("Shift+Tab")  # from wherever the page starts, forward again to the submit button
    tab_to(page, "[data-testid=submit-gradebook]")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("confirm-sentence")).to_be_visible()  # the confirmation page, by keyboard too
    tab_to(page, "[data-testid=confirm-button]")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("gradebook-status")).to_contain_text("مُرسَلة إلى شعبة التسجيل")
