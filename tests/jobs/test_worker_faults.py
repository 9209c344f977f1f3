"""A worker killed in the middle of a job (SIGKILL: no clean-up of its own), a cancelled job, two workers
given the same job, and results that expire."""
import os
import re
import time
from datetime import timedelta
from pathlib import Path

from diploma.clock import utcnow
from diploma.enrolment.models import Student
from diploma.extensions import db
from diploma.jobs import kinds, queue, services
from diploma.jobs.models import CANCELLED, DONE, FAILED, QUEUED, RUNNING, Job
from tests.enrolment.conftest import kufa  # noqa: F401  (the fixture)
from tests.enrolment.import_files import csv_bytes, student_row
from tests.jobs.conftest import wait_for, wait_for_status


def _print_job(client, group, file_format="zip"):
    response = client.post(f"/jobs/print/{group.cohort.id}",
                           data={"language": "ar", "order": "rank", "format": file_format})
    assert response.status_code == 302
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _files(app, job_id):
    folder = Path(app.config["JOB_RESULT_FOLDER"])
    return sorted(p.name for p in folder.iterdir() if re.match(rf"(\.partial-)*{job_id}[.-]", p.name)
                  and not p.name.endswith(".progress")) if folder.exists() else []


def _students():
    return db.session.scalar(db.select(db.func.count()).select_from(Student))


def test_a_worker_killed_mid_import_leaves_nothing_and_the_job_is_found_failed(app, client, login_as,
                                                                               kufa, start_worker,  # noqa: F811
                                                                               monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_INLINE_MAX_ITEMS", 0)
    login_as(kufa["registrar"])
    rows = [student_row(f"KUF-{n:04d}", course="", term="") for n in range(1000)]
    client.post("/offerings/import", data={"file": (__import__("io").BytesIO(csv_bytes(rows)), "s.csv")},
                content_type="multipart/form-data")
    with client.session_transaction() as session:
        token = session["enrolment_import"]["token"]
    before = _students()
    worker = start_worker()
    response = client.post("/offerings/import/confirm", data={"token": token})
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])

    wait_for_status(client, job_id, lambda status: status["state"] == RUNNING and status["done"] >= 20,
                    timeout=30)
    worker.kill()

    assert _students() == before  # nothing of the import's transaction was committed
    job = wait_for(job_id, lambda job: True)
    assert job.state == RUNNING  # the dead worker could not say so …
    monkeypatch.setitem(app.config, "JOB_STALE_SECONDS", 0)
    time.sleep(0.05)
    assert client.get(f"/jobs/{job_id}/status.json").json["state"] == FAILED  # … the page sees it at once
    monkeypatch.setitem(app.config, "JOB_STALE_SECONDS", 60)
    start_worker()  # and the next worker to start records it
    job = wait_for(job_id, lambda job: job.state == FAILED, timeout=30)
    assert job.error == str(services.WORKER_GONE)
    assert _students() == before


def test_a_worker_killed_mid_print_leaves_no_temporary_file(app, client, login_as, start_worker,
                                                            cohort_with_certificates):
    group = cohort_with_certificates(24)
    login_as(group.registrar)
    worker = start_worker()
    job_id = _print_job(client, group)

    wait_for_status(client, job_id, lambda status: status["state"] == RUNNING and status["done"] >= 2)
    assert _files(app, job_id) == [f".partial-{job_id}.zip"]  # the ZIP being written
    worker.kill()
    start_worker()

    job = wait_for(job_id, lambda job: job.state == FAILED, timeout=30)
    assert job.result_path is None
    assert _files(app, job_id) == []


def test_a_running_job_is_cancelled_between_items(app, client, login_as, start_worker,
                                                  cohort_with_certificates):
    group = cohort_with_certificates(24)
    login_as(group.registrar)
    start_worker()
    job_id = _print_job(client, group)
    wait_for_status(client, job_id, lambda status: status["state"] == RUNNING and status["done"] >= 2)

    response = client.post(f"/jobs/{job_id}/cancel", data={"confirm": "yes"})

    assert response.status_code == 302
    job = wait_for(job_id, timeout=30)
    assert job.state == CANCELLED and job.done < 24
    assert _files(app, job_id) == []
    assert 'data-testid="job-cancelled"' in client.get(f"/jobs/{job_id}").get_data(as_text=True)


def test_a_queued_job_is_cancelled_at_once_and_never_runs(app, client, login_as, start_worker,
                                                          cohort_with_certificates):
    group = cohort_with_certificates(2)
    login_as(group.registrar)
    job_id = _print_job(client, group, "pdf")  # no worker yet: it waits

    client.post(f"/jobs/{job_id}/cancel", data={"confirm": "yes"})
    assert wait_for(job_id, lambda job: True).state == CANCELLED
    worker = start_worker()
    time.sleep(3)

    assert wait_for(job_id, lambda job: True).state == CANCELLED
    assert f"job {job_id} " not in worker.output()


def test_two_workers_given_the_same_job_run_it_once(app, client, login_as, start_worker, real_queue,
                                                    cohort_with_certificates):
    group = cohort_with_certificates(3)
    login_as(group.registrar)
    job_id = _print_job(client, group, "pdf")
    for _ in range(3):  # the same job handed out three more times
        queue.enqueue(app, job_id)
    workers = [start_worker(), start_worker()]

    job = wait_for(job_id)
    time.sleep(2)  # the other deliveries are taken by the workers meanwhile

    assert job.state == DONE, job.error
    claims = sum(worker.output().count(f"job {job_id} (print_certificates) claimed") for worker in workers)
    assert claims == 1


def test_a_claim_is_taken_once(app, make):
    from diploma.jobs.runner import claim

    user = make.user(role="registrar")
    job = services.start_job(user, kinds.BACKUP, None, {})
    db.session.commit()

    assert [claim(job.id), claim(job.id)] == [True, False]
    assert db.session.get(Job, job.id).state == RUNNING


def test_an_expired_result_is_removed_on_read_and_by_the_sweep(app, client, login_as, start_worker, runner,
                                                               cohort_with_certificates):
    group = cohort_with_certificates(2)
    login_as(group.registrar)
    start_worker()
    job = wait_for(_print_job(client, group, "pdf"))
    assert job.state == DONE and job.result_expires_at - job.finished_at == timedelta(hours=24)
    path = services.result_file(job)
    assert path.is_file()

    job.result_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)

    assert 'data-testid="job-expired"' in page and 'data-testid="job-download"' not in page
    assert not path.exists()  # removed from disk on read
    assert client.get(f"/jobs/{job.id}/result").status_code == 404
    result = runner.invoke(args=["jobs", "sweep"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(Job, job.id).result_path is None


def test_the_result_lifetime_is_a_setting(app, make, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_RESULT_HOURS", 2)
    now = utcnow()
    assert services.result_expiry(now) - now == timedelta(hours=2)
    from diploma.config import Config

    assert Config.JOB_RESULT_HOURS == 24


def test_a_queued_job_is_shown_queued(app, client, login_as, make):
    user = login_as(make.user(role="admin"))
    job = services.start_job(user, kinds.BACKUP, None, {}, total=1)
    db.session.commit()

    status = client.get(f"/jobs/{job.id}/status.json").json

    assert (status["state"], status["done"], status["total"], status["finished"]) == (QUEUED, 0, 1, False)


def test_the_worker_yields_the_cpu_to_the_site(app, start_worker):
    """The worker runs at a lower priority (JOBS_NICE, 10 by default), which the PDF processes it starts
    inherit: the web server's requests get the cores first while a long print renders."""
    own = os.getpriority(os.PRIO_PROCESS, 0)
    worker = start_worker()
    deadline = time.monotonic() + 60
    while "consumer started" not in worker.output().lower() and time.monotonic() < deadline:
        time.sleep(0.2)

    assert app.config["JOBS_NICE"] == 10
    assert os.getpriority(os.PRIO_PROCESS, worker.process.pid) == min(own + 10, 19)
