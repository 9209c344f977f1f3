"""A lecturer posts a lecture and an announcement; the offering's students see and download them, and
nobody else can, in a real browser (Arabic, right to left)."""
import io
import re
from pathlib import Path

import pydyf
import pytest
from playwright.sync_api import expect

from diploma import demo_data
from diploma.auth.models import User
from diploma.curriculum.models import Course, Term
from diploma.enrolment.models import Enrolment, Student
from diploma.extensions import db
from diploma.partners.models import University
from diploma.teaching.models import Offering
from tests.browser.conftest import PHONE
from tests.browser.helpers import NO_HORIZONTAL_SCROLL, log_in, log_out, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]

LECTURER = "lecturer.mosul@example.org"
FILE_NAME = "المحاضرة الرابعة - الحوار المجتمعي.pdf"
MATERIAL_TITLE = "المحاضرة الرابعة: الحوار المجتمعي"
ANNOUNCEMENT_TITLE = "تأجيل محاضرة الأحد"
ANNOUNCEMENT_BODY = "تؤجَّل محاضرة يوم الأحد إلى **الثلاثاء** في الموعد نفسه."


def one_page_pdf(text):
    """A small valid PDF with one line of (Latin) text."""
    document = pydyf.PDF()
    font = pydyf.Dictionary({"Type": "/Font", "Subtype": "/Type1", "BaseFont": "/Helvetica"})
    document.add_object(font)
    content = pydyf.Stream()
    content.begin_text()
    content.set_font_size("F1", 18)
    content.set_text_matrix(1, 0, 0, 1, 72, 720)
    content.show_text_string(text)
    content.end_text()
    document.add_object(content)
    document.add_page(pydyf.Dictionary({
        "Type": "/Page", "Parent": document.pages.reference, "MediaBox": pydyf.Array([0, 0, 595, 842]),
        "Contents": content.reference,
        "Resources": pydyf.Dictionary({"Font": pydyf.Dictionary({"F1": font.reference})})}))
    output = io.BytesIO()
    document.write(output)
    return output.getvalue()


def current_offering(slug, code):
    term = db.session.scalar(db.select(Term).where(Term.name_en == demo_data.TERMS[-1]["name_en"]))
    return db.session.scalar(
        db.select(Offering).join(Offering.university).join(Offering.course)
        .where(University.slug == slug, Course.code == code, Offering.term_id == term.id))


def emails_of_students(offering, enrolled):
    """The e-mail addresses (sorted) of the students of the offering's university who are, or are not,
    actively enrolled in it."""
    actively_enrolled = db.select(Enrolment.student_id).where(Enrolment.offering_id == offering.id,
                                                              Enrolment.status == "active")
    condition = Student.id.in_(actively_enrolled) if enrolled else Student.id.not_in(actively_enrolled)
    return db.session.scalars(
        db.select(User.email).join(Student, Student.user_id == User.id)
        .where(Student.university_id == offering.university_id, condition).order_by(User.email)
    ).all()


@pytest.fixture
def mosul_course():
    """The current Mosul offering of PCS202, an enrolled student, a Mosul student of the first cohort
    (not enrolled) and a Basra student of the second cohort. The test's database transaction ends here,
    so that it never holds a lock while the live server writes."""
    offering = current_offering("mosul", "PCS202")
    basra = current_offering("basra", "PCS202")
    found = {"offering_id": offering.id, "enrolled": emails_of_students(offering, enrolled=True)[0],
             "outsiders": [emails_of_students(offering, enrolled=False)[0],
                           emails_of_students(basra, enrolled=True)[0]],
             "title_ar": offering.course.title_ar}
    db.session.rollback()
    return found


def expect_not_found(page, path):
    response = page.goto(path)
    assert response.status == 404, path
    expect(page.locator(".error-code")).to_have_text("404")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")


def test_a_lecturer_posts_a_lecture_that_only_the_offering_students_can_open(page, mosul_course, tmp_path):
    offering_id = mosul_course["offering_id"]
    pdf = one_page_pdf("PCS202 lecture 4: community dialogue")
    upload = tmp_path / FILE_NAME
    upload.write_bytes(pdf)

    # The lecturer opens the offering from the dashboard, uploads the PDF and posts an announcement.
    log_in(page, LECTURER)
    page.locator(f'a[data-testid="offering-card"][href="/offerings/{offering_id}"]').click()
    expect(page).to_have_url(re.compile(rf"/offerings/{offering_id}$"))
    expect(page.locator("h1")).to_have_text(mosul_course["title_ar"])

    page.locator(f'a[href="/offerings/{offering_id}/materials/new?kind=file"]').click()
    page.locator("input[name=title]").fill(MATERIAL_TITLE)
    page.locator("input[name=week]").fill("4")
    page.locator("input[name=topic]").fill("الحوار المجتمعي")
    page.locator("input[name=file]").set_input_files(upload)
    page.get_by_test_id("save-material").click()
    expect(page).to_have_url(re.compile(rf"/offerings/{offering_id}$"))
    expect(page.get_by_test_id("material-link").filter(has_text=MATERIAL_TITLE)).to_have_count(1)

    form = page.locator("form", has=page.get_by_test_id("post-announcement"))
    form.locator("input[name=title]").fill(ANNOUNCEMENT_TITLE)
    form.locator("textarea[name=body]").fill(ANNOUNCEMENT_BODY)
    page.get_by_test_id("post-announcement").click()
    expect(page).to_have_url(re.compile(rf"/offerings/{offering_id}$"))
    posted = page.get_by_test_id("announcement").filter(has_text=ANNOUNCEMENT_TITLE)
    expect(posted).to_have_count(1)
    expect(posted.locator("strong")).to_have_text("الثلاثاء")  # the Markdown is rendered
    log_out(page)

    # An enrolled student sees both on the course page and downloads the very same file.
    log_in(page, mosul_course["enrolled"])
    page.goto(f"/courses/{offering_id}")
    expect(page.get_by_test_id("course-title")).to_have_text(mosul_course["title_ar"])
    expect(page.get_by_test_id("announcement").first).to_contain_text(ANNOUNCEMENT_TITLE)  # newest first
    link = page.get_by_test_id("material-link").filter(has_text=MATERIAL_TITLE)
    expect(link).to_have_count(1)
    expect(page.locator("li", has=link)).to_contain_text(FILE_NAME)
    file_path = link.get_attribute("href")
    with page.expect_download() as download_info:
        link.click(modifiers=["Alt"])  # Chromium: Alt+click saves the link (a PDF would open inline)
    download = download_info.value
    assert download.suggested_filename == FILE_NAME
    assert Path(download.path()).read_bytes() == pdf
    screenshot(page, "course-student-ar")
    log_out(page)

    # Any other student gets the page that says nothing exists there, for the course and for its file.
    for email in mosul_course["outsiders"]:
        log_in(page, email)
        expect_not_found(page, f"/courses/{offering_id}")
        expect_not_found(page, file_path)
        log_out(page)


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"])
def test_the_course_page_fits_a_phone_in_arabic(page, mosul_course):
    log_in(page, mosul_course["enrolled"])
    page.goto(f"/courses/{mosul_course['offering_id']}")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_test_id("material-link")).to_have_count(3)
    expect(page.get_by_test_id("announcement")).to_have_count(
        len(demo_data.COURSE_MATERIALS["PCS202"]["announcements"]))
    assert page.evaluate("window.innerWidth") == PHONE["width"]
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    screenshot(page, "course-student-ar-phone")
