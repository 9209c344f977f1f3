"""Issue 24, item 10, in Chromium: "New materials: 3" on a student's dashboard clears once the student has
seen the course — the course page's script posts "seen" once the page is shown (and hides its button) —
and a phone without JavaScript clears it with the visible button instead. The GET of the page writes
nothing (tests/dashboard/test_waiting.py)."""
import re

import pytest
from playwright.sync_api import expect

from diploma.extensions import db
from tests import factories
from tests import teaching as build
from tests.browser.helpers import log_in
from tests.grading.conftest import make_classroom

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def course():
    """A course with three new materials and the e-mail of one of its students (committed)."""
    room = make_classroom(1)
    for _ in range(3):
        build.material(room.offering)
    found = {"offering_id": room.offering.id, "email": room.students[0].user.email}
    db.session.rollback()
    return found


@pytest.mark.parametrize("javascript", [True, False])
def test_new_materials_clear_once_the_student_has_seen_the_course(browser, live_server, course, javascript):
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="ar-IQ",
                                  java_script_enabled=javascript)
    try:
        page = context.new_page()
        log_in(page, course["email"], factories.PASSWORD)
        badge = page.get_by_test_id("course-card").locator(".badge")
        expect(badge).to_have_text(re.compile("٣|3"))

        page.get_by_test_id("course-card").click()
        expect(page).to_have_url(re.compile(rf"/courses/{course['offering_id']}$"))
        form = page.get_by_test_id("seen-form")
        if javascript:
            expect(form).to_be_hidden()  # posted by the page's script once shown
        else:
            page.get_by_test_id("mark-seen").click()
            expect(page).to_have_url(re.compile(rf"/courses/{course['offering_id']}$"))

        page.goto("/dashboard")
        expect(page.get_by_test_id("course-card")).to_have_count(1)
        expect(page.get_by_test_id("course-card").locator(".badge")).to_have_count(0)
    finally:
        context.close()
