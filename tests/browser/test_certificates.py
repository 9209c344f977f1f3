"""Certificates in a real browser (Arabic, right to left): the registrar of Kufa, whose first cohort has no
certificates yet in the demo, opens the cohort's graduation report, ticks all the graduates, issues their
certificates, downloads the batch PDF (one page per graduate), and a certificate's verification link,
opened by anyone, shows it as valid, in Arabic."""
import re
import subprocess
from datetime import date

import pytest
from playwright.sync_api import expect

from diploma import demo_data
from diploma.certificates.models import Certificate
from diploma.curriculum.models import Cohort
from diploma.enrolment.models import Student
from diploma.extensions import db
from diploma.partners.models import University
from tests.browser.helpers import log_in, log_out, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]

SLUG = "kufa"
REGISTRAR = f"registrar.{SLUG}@example.org"


def pdf_pages(path):
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, timeout=60).stdout.decode()
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)[1])


@pytest.fixture
def kufa_first_cohort():
    """The first cohort's id, Kufa's id and code, and how many of the cohort study at Kufa. The test's
    transaction ends here, so that it never holds a lock while the live server writes."""
    cohort = db.session.scalar(db.select(Cohort).where(Cohort.name_en == demo_data.COHORTS[0]["name_en"]))
    university = db.session.scalar(db.select(University).where(University.slug == SLUG))
    students = db.session.scalar(db.select(db.func.count()).select_from(Student).where(
        Student.cohort_id == cohort.id, Student.university_id == university.id))
    assert db.session.scalar(db.select(db.func.count()).select_from(Certificate).where(
        Certificate.university_id == university.id)) == 0
    found = {"cohort_id": cohort.id, "university_id": university.id, "code": university.code,
             "students": students}
    db.session.rollback()
    return found


def test_a_registrar_issues_and_prints_the_cohorts_certificates_and_anyone_verifies_one(
        page, kufa_first_cohort, tmp_path):
    cohort_id, graduates, code = (kufa_first_cohort[key] for key in ("cohort_id", "students", "code"))
    assert graduates >= 5

    log_in(page, REGISTRAR)
    page.locator(".site-nav").get_by_role("link", name=re.compile("شهادات التخرج|Certificates")).click()
    page.get_by_test_id(f"cohort-{cohort_id}-{code}").click()
    expect(page).to_have_url(re.compile(rf"/certificates/cohorts/{cohort_id}$"))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_test_id("graduates-count")).to_have_text(str(graduates))
    expect(page.get_by_test_id("issued-count")).to_have_text("0")

    page.get_by_test_id("select-all").click()
    boxes = page.locator("input[name=student_id]")
    expect(boxes).to_have_count(graduates)
    for index in range(graduates):
        expect(boxes.nth(index)).to_be_checked()
    # The graduation date proposed: the cohort's end, moved to the day Kufa published its last marks (a second
    # round, 9 August 2025) — not today, as the web issued before (issue 24 item 1).
    expect(page.locator("#issued_on")).to_have_value("2025-08-09")
    screenshot(page, "certificates-report-ticked")
    page.get_by_test_id("issue-button").click()
    expect(page.get_by_test_id("confirm-details").locator("li")).to_have_count(graduates)
    page.get_by_test_id("confirm-button").click()

    expect(page.get_by_test_id("issued-count")).to_have_text(str(graduates))
    expect(page.locator("input[name=student_id]")).to_have_count(0)
    serials = page.get_by_test_id("serial")
    expect(serials).to_have_count(graduates)
    expect(serials.first).to_contain_text(re.compile(rf"PCS-{code}-2025-\d{{4}}"))
    screenshot(page, "certificates-report-issued")

    with page.expect_download(timeout=120_000) as download_info:
        page.get_by_test_id("batch-ar").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    saved = tmp_path / "batch.pdf"
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")
    assert pdf_pages(saved) == graduates

    db.session.rollback()  # a fresh transaction: see what the server committed
    certificate = db.session.scalar(db.select(Certificate).where(
        Certificate.university_id == kufa_first_cohort["university_id"]).order_by(Certificate.number))
    assert certificate.serial.endswith("-0001")
    assert certificate.issued_on == date(2025, 8, 9) and certificate.snapshot["issued_on"] == "2025-08-09"
    link = f"/verify/{certificate.serial}?code={certificate.verification_code}"
    name_ar = certificate.snapshot["student"]["name_ar"]
    db.session.rollback()

    log_out(page)
    page.goto(link)
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.get_by_test_id("certificate-status")).to_have_attribute("data-status", "valid")
    expect(page.get_by_test_id("name-ar")).to_have_text(name_ar)
    expect(page.get_by_test_id("university")).to_have_text("جامعة الكوفة")
    expect(page.get_by_test_id("programme")).to_have_text("دبلوم دراسات السلام والأزمات")
    expect(page.get_by_test_id("serial")).to_have_text(certificate.serial)
    expect(page.locator('meta[name="robots"]')).to_have_attribute("content", "noindex")
    screenshot(page, "certificate-verified")
