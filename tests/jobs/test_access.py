"""Who sees a job: the person who started it and the administrator; anyone else gets 404 (another
registrar of the same university as much as one of another university); nobody logged out gets in."""
import re

import pytest

from diploma.certificates.jobs import PRINT
from diploma.extensions import db
from diploma.jobs import services
from diploma.jobs.models import CANCELLED, DONE, QUEUED, Job
from tests.pages import confirm


@pytest.fixture
def people(make):
    home, other = make.university(code="KUF"), make.university(code="MSL")
    return {"owner": make.user(role="registrar", university=home),
            "colleague": make.user(role="registrar", university=home),
            "foreign": make.user(role="registrar", university=other),
            "student": make.user(role="student", university=home),
            "lecturer": make.user(role="lecturer", university=home),
            "admin": make.user(role="admin"), "home": home}


@pytest.fixture
def job(people):
    record = services.start_job(people["owner"], PRINT, people["home"].id,
                                {"cohort_id": 1, "university_id": people["home"].id, "language": "ar",
                                 "order": "rank", "format": "pdf"}, total=5)
    db.session.commit()
    return record


@pytest.fixture
def finished_job(app, job, tmp_path, monkeypatch):
    """The job done, its result file written and still available: what the result's access is about."""
    monkeypatch.setitem(app.config, "JOB_RESULT_FOLDER", str(tmp_path / "job-results"))
    job.state, job.done = DONE, job.total
    job.result_path = services.new_result_name(job.id, ".pdf")
    job.result_name = "certificates.pdf"
    job.result_expires_at = services.result_expiry()
    services.result_file(job).write_bytes(b"%PDF-1.7 the printed batch")
    db.session.commit()
    assert services.result_available(job)
    return job


def _client(app, user):
    client = app.test_client()
    if user is not None:
        assert client.post("/login", data={"email": user.email, "password": "correct-horse-battery"}) \
            .status_code == 302
    return client


READS = ("/jobs/{id}", "/jobs/{id}/status.json", "/jobs/{id}/result")


@pytest.mark.parametrize("who", ["colleague", "foreign", "student", "lecturer"])
def test_nobody_else_sees_a_job_or_cancels_it(app, people, job, who):
    client = _client(app, people[who])

    for path in READS:
        assert client.get(path.format(id=job.id)).status_code == 404, path
    assert client.get(f"/jobs/{job.id}/cancel").status_code == 404  # not even its confirmation page
    assert client.post(f"/jobs/{job.id}/cancel", data={"confirm": "yes"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Job, job.id).state == QUEUED


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_the_owner_and_the_administrator_see_the_job(app, people, job, who):
    client = _client(app, people[who])

    assert client.get(f"/jobs/{job.id}").status_code == 200
    assert client.get(f"/jobs/{job.id}/status.json").json["state"] == QUEUED
    assert client.get(f"/jobs/{job.id}/result").status_code == 404  # nothing to download yet


def test_the_owner_cancels_a_queued_job(app, people, job):
    client = _client(app, people["owner"])

    page = client.get(f"/jobs/{job.id}/cancel")  # the confirmation page: nothing cancelled yet
    assert page.status_code == 200 and 'data-testid="confirm-form"' in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Job, job.id).state == QUEUED
    assert confirm(client, page).status_code == 302

    db.session.expire_all()
    assert db.session.get(Job, job.id).state == CANCELLED


def test_a_logged_out_visitor_is_sent_to_log_in(app, job):
    client = _client(app, None)

    for path in READS:
        response = client.get(path.format(id=job.id))
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_unknown_job_is_not_found(app, people):
    assert _client(app, people["admin"]).get("/jobs/999999").status_code == 404


def test_only_staff_print_and_only_the_administrator_backs_up(app, people, make):
    cohort = make.cohort()
    for who in ("student", "lecturer"):
        client = _client(app, people[who])
        assert client.get(f"/jobs/print/{cohort.id}").status_code == 403
        assert client.post("/jobs/backup").status_code == 403
    registrar = _client(app, people["owner"])
    assert registrar.get(f"/jobs/print/{cohort.id}").status_code == 200
    assert registrar.post("/jobs/backup").status_code == 403
    assert registrar.get("/jobs/print/999999").status_code == 404


def test_the_job_page_and_the_dashboard_speak_both_languages(app, people, job):
    client = _client(app, people["owner"])

    arabic = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in arabic and "في الانتظار" in arabic and "<progress" in arabic
    assert "0 من 5" in arabic
    assert "مهامي" in client.get("/dashboard").get_data(as_text=True)
    client.post("/language", data={"language": "en"})
    english = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert 'lang="en" dir="ltr"' in english and "Queued" in english and "0 of 5 (0%)" in english
    assert "My jobs" in client.get("/dashboard").get_data(as_text=True)


def test_printing_a_cohort_without_certificates_is_refused_with_a_reason(app, people, make):
    cohort = make.cohort()
    client = _client(app, people["owner"])

    response = client.post(f"/jobs/print/{cohort.id}", data={"language": "ar", "order": "rank",
                                                              "format": "zip"})

    assert response.status_code == 422
    assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 0


def test_a_bad_choice_is_refused_and_starts_nothing(app, people, make):
    cohort = make.cohort()
    client = _client(app, people["owner"])

    response = client.post(f"/jobs/print/{cohort.id}", data={"language": "fr", "order": "rank",
                                                              "format": "exe"})

    assert response.status_code == 422
    assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 0


def test_a_batch_larger_than_the_web_limit_goes_to_the_background_print_page(app, client, login_as,
                                                                             monkeypatch):
    from tests.certificates.builders import graduating_cohort

    group = graduating_cohort(3)
    group.issue()
    monkeypatch.setitem(app.config, "CERTIFICATE_BATCH_WEB_LIMIT", 2)
    login_as(group.registrar)

    response = client.get(f"/certificates/cohorts/{group.cohort.id}/batch.pdf?language=en&order=name")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/jobs/print/{group.cohort.id}?language=en&order=name")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="print-form"' in page
    assert re.search(r'<input checked[^>]*name="language"[^>]*value="en"', page)
    assert re.search(r'<input checked[^>]*name="order"[^>]*value="name"', page)
    assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 0  # GET starts nothing


@pytest.mark.parametrize("who", ["colleague", "foreign", "student", "lecturer"])
def test_nobody_else_downloads_the_result_of_a_finished_job(app, people, finished_job, who):
    assert _client(app, people[who]).get(f"/jobs/{finished_job.id}/result").status_code == 404


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_the_owner_and_the_administrator_download_the_result(app, people, finished_job, who):
    response = _client(app, people[who]).get(f"/jobs/{finished_job.id}/result")
    try:
        assert response.status_code == 200 and response.data == b"%PDF-1.7 the printed batch"
    finally:
        response.close()  # send_file's open file
