"""A background job in a real browser (Arabic, right to left), with a real worker process: Mosul's
registrar opens the demo cohort's graduation report, starts a print of its certificates as a ZIP, watches
the job page's progress reach the end (the page updates itself), downloads the ZIP, finds the job again on
the dashboard after logging out and in, and the ZIP holds one PDF per graduate with its Arabic name."""
import re
import subprocess
import zipfile

import pytest
from playwright.sync_api import expect

from diploma import demo_data
from diploma.certificates.models import Certificate
from diploma.curriculum.models import Cohort
from diploma.extensions import db
from diploma.partners.models import University
from tests.browser.helpers import log_in, log_out, screenshot
from tests.jobs.conftest import job_settings, queue_settings, real_queue, start_worker  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]

REGISTRAR = "registrar.mosul@example.org"


@pytest.fixture
def mosul_first_cohort():
    cohort = db.session.scalar(db.select(Cohort).where(Cohort.name_en == demo_data.COHORTS[0]["name_en"]))
    university = db.session.scalar(db.select(University).where(University.slug == "mosul"))
    serials = sorted(db.session.scalars(db.select(Certificate.serial).where(
        Certificate.university_id == university.id, Certificate.cohort_id == cohort.id)))
    found = {"cohort_id": cohort.id, "code": university.code, "serials": serials}
    db.session.rollback()  # no lock held while the live server and the worker work
    return found


def test_a_registrar_prints_the_cohort_in_the_background_and_downloads_the_zip(
        page, start_worker, mosul_first_cohort, tmp_path):  # noqa: F811
    cohort_id, code, serials = (mosul_first_cohort[key] for key in ("cohort_id", "code", "serials"))
    assert len(serials) >= 5
    start_worker()

    log_in(page, REGISTRAR)
    page.locator(".site-nav").get_by_role("link", name=re.compile("شهادات التخرج|Certificates")).click()
    page.get_by_test_id(f"cohort-{cohort_id}-{code}").click()
    page.get_by_test_id("print-in-background").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.get_by_label(re.compile("ملف ZIP")).check()
    page.get_by_test_id("print-start").click()

    expect(page).to_have_url(re.compile(r"/jobs/\d+$"))
    job_url = page.url
    expect(page.get_by_test_id("job-progress")).to_be_visible()  # queued or running: the bar and its count
    expect(page.get_by_test_id("job-progress-text")).to_contain_text(f"من {len(serials)}")
    # The script follows the job to its end and shows the result without a click.
    expect(page.get_by_test_id("job-done")).to_have_text(
        re.compile(rf"{len(serials)} من {len(serials)}"), timeout=120_000)
    expect(page.get_by_test_id("job-state")).to_have_text("اكتملت")
    screenshot(page, "job-done")
    with page.expect_download() as download_info:
        page.get_by_test_id("job-download").click()
    download = download_info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    assert path.name == f"certificates-{code}-2023-ar.zip" or path.suffix == ".zip"
    listing = subprocess.run(["unzip", "-l", str(path)], capture_output=True, text=True, check=True).stdout
    names = sorted(info.filename for info in zipfile.ZipFile(path).infolist())
    assert [name.split(" - ")[0] for name in names] == serials
    assert all(name in listing for name in names)

    log_out(page)  # the job outlives the session: the dashboard lists it after logging in again
    log_in(page, REGISTRAR)
    page.get_by_test_id("recent-jobs").get_by_role("link").first.click()
    expect(page).to_have_url(job_url)
    expect(page.get_by_test_id("job-download")).to_be_visible()


FAILED_ITEMS = [{"item": "PCS-MSL-2025-0003", "reason": "it could not be rendered"}]


def _job_in_state(owner, state, **values):
    from diploma.certificates.jobs import PRINT
    from diploma.clock import utcnow
    from diploma.jobs import services

    job = services.start_job(owner, PRINT, owner.university_id, {"language": "ar"}, total=500)
    job.state, job.done = state, values.pop("done", 0)
    job.started_at = job.heartbeat_at = utcnow()
    for name, value in values.items():
        setattr(job, name, value)
    db.session.commit()
    return job.id


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}])
def test_the_job_pages_pass_axe_and_the_nu_html_checker_in_both_languages(browser, live_server, viewport,
                                                                          mosul_first_cohort, tmp_path):
    from diploma.auth.models import User
    from tests.browser.checkers import add_axe, axe_problems, html_errors, require_checkers

    require_checkers()
    owner = db.session.scalar(db.select(User).where(User.email == REGISTRAR))
    paths = [f"/jobs/{_job_in_state(owner, 'queued')}",
             f"/jobs/{_job_in_state(owner, 'running', done=312, cancel_requested=False)}",
             f"/jobs/{_job_in_state(owner, 'running', done=100, cancel_requested=True)}",
             f"/jobs/{_job_in_state(owner, 'failed', error='x', failed_items=FAILED_ITEMS)}",
             f"/jobs/{_job_in_state(owner, 'cancelled')}",
             f"/jobs/print/{mosul_first_cohort['cohort_id']}", "/dashboard"]
    db.session.rollback()
    problems = []
    for language in ("ar", "en"):
        context = browser.new_context(base_url=live_server, viewport=viewport,
                                      locale="ar-IQ" if language == "ar" else "en-GB")
        add_axe(context)
        page = context.new_page()
        log_in(page, REGISTRAR)
        if page.locator("html").get_attribute("lang") != language:  # the user's saved choice wins
            page.get_by_test_id("language-switch").click()
            expect(page.locator("html")).to_have_attribute("lang", language)
        for number, path in enumerate(paths):
            response = page.goto(path)
            assert response.status == 200, path
            expect(page.locator("html")).to_have_attribute("lang", language)
            problems += axe_problems(page)
            (tmp_path / f"{language}-{number}.html").write_bytes(response.body())
        if language == "ar":
            page.goto(paths[1])
            expect(page.get_by_test_id("job-progress")).to_have_attribute("value", "312")
            expect(page.get_by_test_id("job-progress-text")).to_contain_text("312 من 500")
        context.close()
    errors = html_errors(sorted(tmp_path.glob("*.html")))
    assert not problems and not errors, "\n".join(problems + errors)
