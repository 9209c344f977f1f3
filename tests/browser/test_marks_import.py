"""The marks import as a lecturer does it in a browser, on a phone in Arabic and on a desktop in English:
upload → the preview (a real table, no page-wide horizontal scroll, no axe-core or Nu Html Checker error)
→ accept → the gradebook with the marks saved. The crawl of test_accessibility.py follows
links only, and never reaches the preview (the answer to a POST)."""
import io

import openpyxl
import pytest
from playwright.sync_api import expect

from diploma.auth.models import User
from diploma.extensions import db
from diploma.grading import marks_spreadsheet, services
from diploma.teaching.models import Offering, offering_lecturer
from tests.browser.checkers import add_axe, axe_problems, html_errors, require_checkers
from tests.browser.conftest import DESKTOP, PHONE, TIMEOUT_MS
from tests.browser.helpers import NO_HORIZONTAL_SCROLL, log_in, screenshot

pytestmark = [pytest.mark.browser]
LECTURER = "lecturer.basra@example.org"  # a draft gradebook in the demo


def draft_gradebook_file(language):
    """The Basra lecturer's draft offering, and a file that changes the first mark column of its first
    student (the mark now plus one, or 1)."""
    lecturer = db.session.scalar(db.select(User).where(User.email == LECTURER))
    offerings = db.session.scalars(db.select(Offering).join(offering_lecturer).where(
        offering_lecturer.c.user_id == lecturer.id).order_by(Offering.id))
    for offering in offerings:
        sheet = services.load_sheet(offering)
        if services.gradebook_actions(lecturer, sheet).edit_marks and sheet.rows:
            break
    else:
        pytest.fail("the demo has no draft gradebook of the Basra lecturer")
    row, assessment = sheet.rows[0], sheet.assessments[0]
    score = row.scores.get(assessment.id)
    new = "1" if score is None or score.value is None or score.value >= assessment.max_score else \
        str(score.value + 1)
    workbook = openpyxl.Workbook()
    workbook.active.append(["Student number", marks_spreadsheet.assessment_header(assessment, language)])
    workbook.active.append([row.enrolment.student.student_number, new])
    buffer = io.BytesIO()
    workbook.save(buffer)
    offering_id = offering.id
    db.session.rollback()  # no transaction left open: the live server's requests write
    return offering_id, buffer.getvalue()


@pytest.mark.parametrize("language, viewport, locale", [("ar", PHONE, "ar-IQ"), ("en", DESKTOP, "en-GB")])
def test_the_lecturer_previews_and_accepts_a_marks_file(demo, browser, live_server, tmp_path, language,
                                                        viewport, locale):
    require_checkers()
    offering_id, data = draft_gradebook_file(language)
    context = browser.new_context(base_url=live_server, viewport=viewport, locale=locale)
    context.set_default_timeout(TIMEOUT_MS)
    add_axe(context)
    page = context.new_page()
    try:
        log_in(page, LECTURER)
        if page.locator("html").get_attribute("lang") != language:
            page.get_by_test_id("language-switch").click()
            expect(page.locator("html")).to_have_attribute("lang", language)
        page.goto(f"/offerings/{offering_id}/gradebook/import")
        page.locator("input[name=file]").set_input_files(
            {"name": "marks.xlsx", "buffer": data,
             "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
        page.get_by_test_id("upload-marks").click()

        table = page.get_by_test_id("marks-import-changes")
        expect(table).to_be_visible()
        expect(page.locator("html")).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")
        assert table.locator("caption").count() == 1 and table.locator("thead th").count() == 5
        assert page.get_by_test_id("marks-to-change").inner_text() == "1"
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        assert axe_problems(page) == []
        (tmp_path / "preview.html").write_text(page.content())
        screenshot(page, f"marks-import-preview-{language}")

        page.get_by_test_id("accept-marks-import").click()
        expect(page).to_have_url(f"{live_server}/offerings/{offering_id}/gradebook")
        expect(page.locator(".flash-success")).to_be_visible()
    finally:
        context.close()
    assert html_errors([tmp_path / "preview.html"]) == []
