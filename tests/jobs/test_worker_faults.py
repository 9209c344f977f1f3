"""A worker killed in the middle of a job (SIGKILL: no clean-up of its own), a cancelled job, two workers
given the same job, and results that expire. Real worker processes only for what only they show (killed,
cancelled while working, two at once, their priority); the rest through the worker's code in this process.
"""
import os
import re
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from diploma.clock import utcnow
from diploma.enrolment.models import Student
from diploma.extensions import db
from diploma.jobs import queue, services
from diploma.jobs.backup_job import BACKUP
from diploma.jobs.models import CANCELLED, DONE, FAILED, QUEUED, RUNNING, Job
from diploma.jobs.runner import claim, housekeeping
from diploma.transactions import unit_of_work
from tests.enrolment.conftest import kufa  # noqa: F401  (the fixture)
from tests.enrolment.import_files import csv_bytes, student_row
from tests.jobs.conftest import _outputs, finished, wait_for, wait_for_status
from tests.pages import database_state


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
    # … the page sees it as soon as its heartbeat is older than JOB_STALE_SECONDS
    wait_for_status(client, job_id, lambda status: status["state"] == FAILED, timeout=5)
    monkeypatch.setitem(app.config, "JOB_STALE_SECONDS", 60)
    start_worker()  # and the next worker to start records it
    job = wait_for(job_id, lambda job: job.state == FAILED, timeout=30)
    assert job.error == str(services.WORKER_GONE)
    assert _students() == before


def _a_dead_process():
    """The id of a process of this machine that has ended."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.mark.commits
def test_the_next_worker_fails_a_dead_workers_print_and_removes_its_temporary_files(
        app, client, login_as, worker_in_process, cohort_with_certificates):
    """What a worker killed mid-print leaves (its row running, its ZIP half written): the next worker to
    start (its housekeeping) fails the job and removes the files. The kill itself: the import test above."""
    group = cohort_with_certificates(2)
    login_as(group.registrar)
    worker_in_process.hold()
    job_id = _print_job(client, group)
    with unit_of_work():  # as the dead worker left it
        db.session.execute(db.update(Job).where(Job.id == job_id).values(
            state=RUNNING, started_at=utcnow(), heartbeat_at=utcnow(),
            worker=f"{socket.gethostname()}:{_a_dead_process()}"))
    services.partial_file(job_id, ".zip").write_bytes(b"PK half a ZIP")
    assert _files(app, job_id) == [f".partial-{job_id}.zip"]

    assert housekeeping() == [job_id]

    job = finished(job_id)
    assert (job.state, job.error, job.result_path) == (FAILED, str(services.WORKER_GONE), None)
    assert _files(app, job_id) == []
    assert worker_in_process.run_waiting() == 1  # its message, delivered again, finds it failed
    assert finished(job_id).state == FAILED


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


@pytest.mark.commits
def test_a_queued_job_is_cancelled_at_once_and_never_runs(app, client, login_as, worker_in_process,
                                                          cohort_with_certificates):
    group = cohort_with_certificates(2)
    login_as(group.registrar)
    worker_in_process.hold()
    job_id = _print_job(client, group, "pdf")  # waiting in the queue

    client.post(f"/jobs/{job_id}/cancel", data={"confirm": "yes"})
    assert finished(job_id).state == CANCELLED
    assert worker_in_process.run_waiting() == 1  # the worker takes its message …

    job = finished(job_id)  # … and finds nothing to run: never claimed
    assert (job.state, job.started_at, job.worker, job.result_path) == (CANCELLED, None, None, None)
    assert _files(app, job_id) == []


def test_two_workers_given_the_same_job_run_it_once(app, client, login_as, start_worker, real_queue,
                                                    cohort_with_certificates):
    group = cohort_with_certificates(3)
    login_as(group.registrar)
    job_id = _print_job(client, group, "pdf")
    for _ in range(3):  # the same job handed out three more times
        queue.enqueue(app, job_id)
    workers = [start_worker(), start_worker()]

    job = wait_for(job_id)
    _wait_until_executed(workers, "run_job: ", 4)  # every delivery taken by one of the workers

    assert job.state == DONE, job.error
    claims = sum(worker.output().count(f"job {job_id} (print_certificates) claimed") for worker in workers)
    assert claims == 1


def _wait_until_executed(workers, task, count, timeout=60):
    """Until the workers' logs say ``count`` deliveries of ``task`` were executed (Huey logs each)."""
    deadline = time.monotonic() + timeout
    while sum(len(re.findall(rf"{task}\S+ executed in", worker.output())) for worker in workers) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"fewer than {count} deliveries executed after {timeout} s\n{_outputs()}")
        time.sleep(0.1)


def test_a_claim_is_taken_once(app, make):
    user = make.user(role="registrar")
    job = services.start_job(user, BACKUP, None, {})
    db.session.commit()

    with unit_of_work():
        claims = [claim(job.id), claim(job.id)]

    assert claims == [True, False]
    assert db.session.get(Job, job.id).state == RUNNING


def _expired_print(client, group):
    """A printed batch whose result's time is up (its file still on disk)."""
    job = finished(_print_job(client, group, "pdf"))
    assert job.state == DONE and job.result_expires_at - job.finished_at == timedelta(hours=24)
    assert services.result_file(job).is_file()
    with unit_of_work():
        db.session.execute(db.update(Job).where(Job.id == job.id)
                           .values(result_expires_at=utcnow() - timedelta(seconds=1)))
    return finished(job.id)


@pytest.mark.commits
def test_the_job_pages_get_writes_nothing_and_deletes_no_file(app, client, login_as, worker_in_process,
                                                              cohort_with_certificates):
    """GET of a job's page, its status, its result and its Cancel confirmation: an expired result is shown
    expired (404 to download) but its file and its row stay as they were, for the worker to clear."""
    group = cohort_with_certificates(2)
    login_as(group.registrar)
    job = _expired_print(client, group)
    path, before = services.result_file(job), database_state()
    folder = sorted(Path(app.config["JOB_RESULT_FOLDER"]).iterdir())

    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    status = client.get(f"/jobs/{job.id}/status.json").json
    download = client.get(f"/jobs/{job.id}/result")
    confirmation = client.get(f"/jobs/{job.id}/cancel")
    dashboard = client.get("/dashboard")

    assert 'data-testid="job-expired"' in page and 'data-testid="job-download"' not in page
    assert (status["state"], status["result"]) == (DONE, False)
    assert (download.status_code, confirmation.status_code, dashboard.status_code) == (404, 200, 200)
    assert database_state() == before
    assert path.is_file() and sorted(Path(app.config["JOB_RESULT_FOLDER"]).iterdir()) == folder


@pytest.mark.commits
def test_the_worker_removes_expired_results_after_each_job(app, client, login_as, worker_in_process,
                                                           cohort_with_certificates):
    group = cohort_with_certificates(2)
    login_as(group.registrar)
    expired = _expired_print(client, group)
    path = services.result_file(expired)

    fresh = finished(_print_job(client, group, "pdf"))  # the worker's next job, then its housekeeping

    assert not path.exists()
    assert finished(expired.id).result_path is None
    assert 'data-testid="job-expired"' in client.get(f"/jobs/{expired.id}").get_data(as_text=True)
    assert services.result_file(fresh).is_file() and services.result_available(fresh)


@pytest.mark.commits
def test_the_sweep_command_removes_expired_results(app, client, login_as, runner, worker_in_process,
                                                   cohort_with_certificates):
    group = cohort_with_certificates(2)
    login_as(group.registrar)
    job = _expired_print(client, group)
    path = services.result_file(job)

    result = runner.invoke(args=["jobs", "sweep"])

    assert result.exit_code == 0, result.output
    assert not path.exists()
    assert finished(job.id).result_path is None


@pytest.mark.commits
def test_the_queues_periodic_task_removes_expired_results(app, client, login_as, worker_in_process,
                                                          cohort_with_certificates):
    group = cohort_with_certificates(2)
    login_as(group.registrar)
    job = _expired_print(client, group)
    path = services.result_file(job)
    huey = worker_in_process.huey
    due = huey.read_periodic(None)  # what the worker's scheduler runs, once a minute
    assert [task.name for task in due] == ["sweep_jobs"]

    db.session.commit()
    for task in due:
        huey.execute(task)

    assert not path.exists()
    assert finished(job.id).result_path is None


def test_the_result_lifetime_is_a_setting(app, make, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_RESULT_HOURS", 2)
    now = utcnow()
    assert services.result_expiry(now) - now == timedelta(hours=2)
    from diploma.config import Config

    assert Config.JOB_RESULT_HOURS == 24


def test_a_queued_job_is_shown_queued(app, client, login_as, make):
    user = login_as(make.user(role="admin"))
    job = services.start_job(user, BACKUP, None, {}, total=1)
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
