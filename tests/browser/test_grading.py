"""Marks in a real browser (Arabic, right to left): a lecturer completes a draft gradebook of the demo with
the keyboard and Arabic-Indic digits and submits it, the registrar approves and publishes it, the student
sees the mark and its band, the registrar corrects the mark with a reason, and the mark's history shows
the correction. The gradebook fits a phone: its table scrolls inside its frame, not the page."""
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from diploma import demo_data
from diploma.curriculum.models import Course, Term
from diploma.demo import IRAQI_SCALE
from diploma.extensions import db
from diploma.grading import services as grading
from diploma.partners.models import University
from diploma.teaching.models import Offering
from tests.browser.conftest import PHONE
from tests.browser.helpers import NO_HORIZONTAL_SCROLL, log_in, log_out, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]

SLUG = "basra"
LECTURER = f"lecturer.{SLUG}@example.org"
REGISTRAR = f"registrar.{SLUG}@example.org"
# The student who has no mark yet gets coursework 82 and final ٨٥٫٥ (85.5): 0.4 × 82 + 0.6 × 85.5 = 84.1.
COURSEWORK, FINAL, MARK = "82", "٨٥٫٥", "84.1"
# The registrar then corrects the final to 90: 0.4 × 82 + 0.6 × 90 = 86.8.
CORRECTED_FINAL, CORRECTED_MARK = "90", "86.8"
REASON = "تصحيح خطأ في جمع درجات الامتحان النهائي"
OTHER_FINALS = ("74", "66.5", "91", "58")
VERY_GOOD = next(name_ar for minimum, name_ar, _en in IRAQI_SCALE if minimum == 80)


def mark_input(page, enrolment_id, assessment_id, attempt=1):
    return page.locator(f"#mark-{grading.cell_key(enrolment_id, assessment_id, attempt)}")


@pytest.fixture
def draft_gradebook():
    """The demo's draft gradebook at Basra: its offering, assessments, students in the order of the table,
    and the one student without any mark yet. The test's transaction ends here, so that it never holds a
    lock while the live server writes."""
    term = db.session.scalar(db.select(Term).where(Term.name_en == demo_data.TERMS[-1]["name_en"]))
    offering = db.session.scalar(
        db.select(Offering).join(Offering.university).join(Offering.course)
        .where(University.slug == SLUG, Course.code == demo_data.DRAFT_GRADEBOOKS[SLUG],
               Offering.term_id == term.id))
    sheet = grading.load_sheet(offering)
    assert sheet.gradebook.status == "draft"
    coursework, final = sheet.assessments
    rows = [row.enrolment for row in sheet.rows]
    unmarked = [row.enrolment for row in sheet.rows if not row.scores]
    assert len(unmarked) == 1 and all(coursework.id in row.scores for row in sheet.rows if row.scores)
    found = {"offering_id": offering.id, "title_ar": offering.course.title_ar,
             "coursework": coursework.id, "final": final.id, "rows": [e.id for e in rows],
             "student": unmarked[0].id, "student_email": unmarked[0].student.user.email}
    db.session.rollback()
    return found


def test_marks_go_from_the_lecturer_through_the_registrar_to_the_student(page, draft_gradebook):
    book = draft_gradebook
    offering_id, student = book["offering_id"], book["student"]
    gradebook_url = re.compile(rf"/offerings/{offering_id}/gradebook$")

    # The lecturer opens the gradebook from the course page: a draft with some coursework marks entered.
    log_in(page, LECTURER)
    page.goto(f"/offerings/{offering_id}")
    page.get_by_test_id("gradebook-link").click()
    expect(page).to_have_url(gradebook_url)
    expect(page.get_by_test_id("gradebook-status")).to_contain_text("مسودة")
    inputs = page.locator("input.mark-input")
    expect(inputs).to_have_count(2 * len(book["rows"]))
    empty = [name for name in inputs.evaluate_all("cells => cells.map(c => [c.name, c.value])")
             if not name[1]]
    assert len(empty) == len(book["rows"]) + 1  # every final exam, and the one student's coursework

    # The missing coursework mark, then the final exam column from top to bottom with Enter and ↓.
    mark_input(page, student, book["coursework"]).fill(COURSEWORK)
    finals = iter(OTHER_FINALS)
    mark_input(page, book["rows"][0], book["final"]).click()
    for position, enrolment_id in enumerate(book["rows"]):
        cell = mark_input(page, enrolment_id, book["final"])
        expect(cell).to_be_focused()
        page.keyboard.type(FINAL if enrolment_id == student else next(finals))
        if position + 1 < len(book["rows"]):
            page.keyboard.press("Enter" if position % 2 == 0 else "ArrowDown")
    expect(mark_input(page, student, book["final"])).to_have_value(FINAL)
    assert all(inputs.evaluate_all("cells => cells.map(c => c.value !== '')"))
    screenshot(page, "gradebook-typed-ar")

    page.get_by_test_id("save-marks").click()
    expect(page).to_have_url(gradebook_url)
    expect(page.locator(".flash-success")).to_be_visible()
    expect(mark_input(page, student, book["final"])).to_have_value("85.5")
    marks = page.get_by_test_id("course-mark")
    expect(marks).to_have_count(len(book["rows"]))
    expect(marks.filter(has_text="—")).to_have_count(0)
    student_row = page.locator("tr", has=mark_input(page, student, book["final"]))
    expect(student_row.get_by_test_id("course-mark")).to_have_text(MARK)
    expect(student_row).to_contain_text(VERY_GOOD)

    page.get_by_test_id("submit-gradebook").click()  # the confirmation page first
    expect(page).to_have_url(re.compile(rf"/offerings/{offering_id}/gradebook/submit\??$"))
    expect(page.get_by_test_id("confirm-sentence")).to_contain_text(book["title_ar"])
    page.get_by_test_id("confirm-button").click()
    expect(page).to_have_url(gradebook_url)
    expect(page.get_by_test_id("gradebook-status")).to_contain_text("مُرسَلة إلى شعبة التسجيل")
    expect(page.locator("input.mark-input")).to_have_count(0)  # locked for the lecturer
    expect(page.get_by_test_id("submit-gradebook")).to_have_count(0)
    log_out(page)

    # The registrar finds it in the queue, opens it and publishes it.
    log_in(page, REGISTRAR)
    page.locator('nav a[href="/grades/queue"]').click()
    expect(page).to_have_url(re.compile(r"/grades/queue$"))
    item = page.get_by_test_id("queue-item")
    expect(item).to_have_count(1)
    expect(item).to_have_text(book["title_ar"])
    item.click()
    expect(page).to_have_url(gradebook_url)
    page.get_by_test_id("publish-gradebook").click()
    expect(page).to_have_url(re.compile(rf"/offerings/{offering_id}/gradebook/publish\??$"))
    page.get_by_test_id("confirm-button").click()
    expect(page).to_have_url(gradebook_url)
    expect(page.get_by_test_id("gradebook-status")).to_contain_text("معتمدة ومنشورة")
    page.goto("/grades/queue")
    expect(page.get_by_test_id("queue-item")).to_have_count(0)
    log_out(page)

    # The student sees the course, the mark and its band.
    log_in(page, book["student_email"])
    page.locator('nav a[href="/grades/"]').click()
    expect(page).to_have_url(re.compile(r"/grades/$"))
    result = page.get_by_test_id("results").locator("tbody tr").filter(has_text=book["title_ar"])
    expect(result).to_have_count(1)
    expect(result.locator("td").nth(3)).to_have_text(MARK)
    expect(result.locator("td").nth(4)).to_have_text(VERY_GOOD)
    expect(page.get_by_test_id("average")).to_have_text(f"{Decimal(MARK):.2f}")
    screenshot(page, "grades-student-ar")
    log_out(page)

    # The registrar corrects the final exam, giving the reason; the mark's history shows it.
    log_in(page, REGISTRAR)
    page.goto(f"/offerings/{offering_id}/gradebook")
    final_cell = mark_input(page, student, book["final"])
    expect(final_cell).to_have_value("85.5")
    final_cell.fill(CORRECTED_FINAL)
    page.locator("textarea[name=reason]").fill(REASON)
    page.get_by_test_id("save-marks").click()
    expect(page).to_have_url(gradebook_url)
    expect(page.locator(".flash-success")).to_be_visible()
    student_row = page.locator("tr", has=mark_input(page, student, book["final"]))
    expect(student_row.get_by_test_id("course-mark")).to_have_text(CORRECTED_MARK)

    page.locator("td", has=mark_input(page, student, book["final"])).locator("a.history-link").click()
    expect(page).to_have_url(re.compile(rf"/offerings/{offering_id}/gradebook/scores/\d+/history$"))
    changes = page.get_by_test_id("history").locator("tbody tr")
    expect(changes).to_have_count(2)  # typed by the lecturer, corrected by the registrar
    correction = changes.filter(has_text=REASON)
    expect(correction).to_have_count(1)
    expect(correction.locator("td").nth(2)).to_have_text("85.5")
    expect(correction.locator("td").nth(3)).to_have_text(CORRECTED_FINAL)
    screenshot(page, "mark-history-ar")
    log_out(page)

    # The student sees the corrected mark.
    log_in(page, book["student_email"])
    page.goto("/grades/")
    result = page.get_by_test_id("results").locator("tbody tr").filter(has_text=book["title_ar"])
    expect(result.locator("td").nth(3)).to_have_text(CORRECTED_MARK)


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"])
def test_the_gradebook_table_scrolls_inside_its_frame_on_a_phone(page, draft_gradebook):
    log_in(page, LECTURER)
    page.goto(f"/offerings/{draft_gradebook['offering_id']}/gradebook")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("input.mark-input")).to_have_count(2 * len(draft_gradebook["rows"]))
    assert page.evaluate("window.innerWidth") == PHONE["width"]
    frame = page.locator(".table-wrap", has=page.get_by_test_id("gradebook"))
    assert frame.evaluate("wrap => wrap.scrollWidth > wrap.clientWidth")  # the table is wider than a phone
    assert frame.evaluate("wrap => getComputedStyle(wrap).overflowX") == "auto"
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    screenshot(page, "gradebook-lecturer-ar-phone")


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"])
def test_on_a_phone_a_student_s_results_are_cards_that_need_no_sideways_scrolling(page):
    log_in(page, f"student.{SLUG}.1@example.org")  # a graduate of the demo: eleven published results
    page.goto("/grades/")
    results = page.get_by_test_id("results")
    expect(results.locator("tbody tr")).to_have_count(11)
    frame = page.locator(".table-wrap", has=results)
    assert frame.evaluate("wrap => wrap.scrollWidth <= wrap.clientWidth")  # nothing hidden to the side
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    mark = results.locator("tbody tr").first.locator("td").nth(3)
    assert mark.evaluate("cell => getComputedStyle(cell, '::before').content") == '"الدرجة"'  # its label
    screenshot(page, "grades-student-ar-phone")


def test_on_a_desktop_the_student_s_results_stay_a_table(page):
    log_in(page, f"student.{SLUG}.1@example.org")
    page.goto("/grades/")
    results = page.get_by_test_id("results")
    expect(results.locator("thead")).to_be_visible()
    assert results.evaluate("table => getComputedStyle(table).display") == "table"
    mark = results.locator("tbody tr").first.locator("td").nth(3)
    assert mark.evaluate("cell => getComputedStyle(cell, '::before').content") in ("none", "normal")
