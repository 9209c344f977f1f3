"""The queue for the job tests, two ways.

``worker_in_process``: Huey's immediate mode. A job a page starts runs at once, inside that request, in
this process, by the worker's own code (queue.py's task, then runner.py) on the test's database; its
``hold()`` keeps the jobs started next waiting in the queue until ``run_waiting()``, which does what a
worker does with each message. The job logic is tested this way: no process to start, nothing to wait for.

``start_worker``: a real queue and a real worker process, for what only a worker shows (it starts and
beats, it is killed mid-job, it is cancelled while it works, two of them are given one job, it yields the
CPU). On SQLite, Huey's SQLite storage in a file beside the test database; with TEST_DATABASE_URL
(PostgreSQL), Redis on 127.0.0.1:6379 under a queue name of this run only, so that parallel runs never take
each other's jobs. The worker is ``flask --app wsgi jobs worker`` started as a subprocess on the suite's
database.

Both commit for real (the worker's session and its heartbeat thread use connections of their own): their
tests are marked ``commits``."""
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from huey import signals

from diploma.extensions import db
from diploma.jobs import queue
from diploma.jobs.models import FINISHED, Job
from tests.certificates.builders import graduating_cohort
from tests.certificates.conftest import provide_keys
from tests.security import database_digest

PROJECT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def queue_settings(app, database_url, upload_folder):
    with tempfile.TemporaryDirectory() as folder:
        settings = {"JOBS_QUEUE_NAME": f"diploma-test-{os.getpid()}-{secrets.token_hex(4)}",
                    "JOB_HEARTBEAT_SECONDS": 0.2}
        if database_url.startswith("postgresql"):
            settings.update(JOBS_BACKEND="redis", REDIS_URL=REDIS_URL)
        else:
            settings.update(JOBS_BACKEND="sqlite", JOBS_SQLITE_PATH=str(Path(folder) / "queue.sqlite"))
        yield settings


@pytest.fixture
def job_settings(queue_settings, tmp_path):
    """The queue's settings, with a result folder of this test's own (job ids start again at 1)."""
    return {**queue_settings, "JOB_RESULT_FOLDER": str(tmp_path / "job-results")}


@pytest.fixture
def real_queue(app, job_settings, monkeypatch):
    """The app enqueues on the real queue (emptied first) for this test."""
    for name, value in job_settings.items():
        monkeypatch.setitem(app.config, name, value)
    monkeypatch.delitem(app.extensions, queue.EXTENSION_KEY, raising=False)
    huey = queue.huey_of(app)
    huey.flush()
    yield huey
    huey.flush()
    app.extensions.pop(queue.EXTENSION_KEY, None)


class InProcessWorker:
    """The app's queue in immediate mode (see the module's docstring)."""

    def __init__(self, huey):
        self.huey = huey
        self.errors = []
        huey.signal(signals.SIGNAL_ERROR)(lambda signal, task, exc=None: self.errors.append(exc))

    def hold(self):
        """The jobs started from now on wait in the queue (until ``run_waiting``)."""
        self.huey.immediate = False

    def run_waiting(self):
        """What a worker does with the messages waiting in the queue, in the order they were sent; then
        jobs run at once again. Returns how many messages it took. The test's own transaction is
        committed first, as a worker process sees only what was committed."""
        db.session.commit()
        taken = 0
        while (task := self.huey.dequeue()) is not None:
            self.huey.execute(task)
            taken += 1
        self.huey.immediate = True
        return taken


@pytest.fixture
def worker_in_process(app, tmp_path, monkeypatch):
    settings = {"JOBS_BACKEND": "memory", "JOBS_QUEUE_NAME": f"diploma-test-{secrets.token_hex(4)}",
                "JOB_HEARTBEAT_SECONDS": 0.2, "JOB_RESULT_FOLDER": str(tmp_path / "job-results")}
    for name, value in settings.items():
        monkeypatch.setitem(app.config, name, value)
    monkeypatch.delitem(app.extensions, queue.EXTENSION_KEY, raising=False)
    monkeypatch.setattr(queue, "_worker_app", app)
    huey = queue.huey_of(app)
    huey.immediate = True
    worker = InProcessWorker(huey)
    yield worker
    app.extensions.pop(queue.EXTENSION_KEY, None)
    assert not worker.errors, f"the queue's task raised: {worker.errors!r}"


def finished(job_id):
    """The job as the database now holds it, which must be finished (it ran in this process)."""
    db.session.rollback()
    job = db.session.get(Job, job_id)
    db.session.refresh(job)
    assert job.state in FINISHED, f"job {job_id} is {job.state}"
    return job


RUNNING_WORKERS = []  # of the current test: their output is shown when a wait fails


def _outputs():
    return "\n".join(worker.output()[-4000:] for worker in RUNNING_WORKERS)


class Worker:
    def __init__(self, env, log):
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker", "--workers", "2"],
            cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def output(self):
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")

    def kill(self):
        """SIGKILL to the worker and everything it started (its PDF pool): as if the machine lost it."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def start_worker(real_queue, job_settings, database_url, upload_folder):
    """``start_worker()`` starts a worker process (stopped at the end of the test); several may run."""
    workers = []
    env = {**os.environ, "DATABASE_URL": database_url, "UPLOAD_FOLDER": upload_folder,
           "SECRET_KEY": "test-secret-key", "SIGNING_PASSPHRASE": "test-signing-passphrase",
           "PUBLIC_BASE_URL": "http://localhost", "JOB_STALE_SECONDS": "60",
           **{name: str(value) for name, value in job_settings.items()}}
    env.pop("TEST_DATABASE_URL", None)
    logs = tempfile.TemporaryDirectory()

    def start():
        log = open(Path(logs.name) / f"worker-{len(workers)}.log", "w+")  # noqa: SIM115 (closed below)
        worker = Worker(env, log)
        workers.append(worker)
        RUNNING_WORKERS.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
        worker.log.close()
    RUNNING_WORKERS.clear()
    logs.cleanup()
    _back_to_the_rollback_journal()


def _back_to_the_rollback_journal():
    """The worker puts a SQLite file in write-ahead-log mode (``jobs worker``), which the file keeps: the
    session's database goes back to the rollback journal that the rest of the suite runs on (the route
    walk's change counter is read from its header)."""
    if db.engine.dialect.name != "sqlite":
        return
    db.session.rollback()
    db.session.remove()
    db.engine.dispose()
    connection = db.engine.raw_connection()  # outside a transaction, which SQLAlchemy would begin
    try:
        connection.driver_connection.execute("PRAGMA journal_mode=DELETE")
    finally:
        connection.close()
    database_digest._JOURNAL_MODES.clear()


def wait_for(job_id, condition=lambda job: job.state in FINISHED, timeout=120):
    """The job, reread until ``condition`` holds (AssertionError after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()
        job = db.session.get(Job, job_id)
        db.session.refresh(job)
        if condition(job):
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job.state} ({job.done}/{job.total}) after "
                                 f"{timeout} s\n{_outputs()}")
        time.sleep(0.1)


@pytest.fixture
def cohort_with_certificates():
    """A cohort of graduates with their certificates issued and their university's signing key made."""

    def build(size=3, **options):
        group = graduating_cohort(size, **options)
        group.issue()
        provide_keys(group.university)
        return group

    return build


def wait_for_status(client, job_id, condition, timeout=120):
    """The job's status as its page's script reads it (status.json), polled until ``condition`` holds."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()  # the tests' app context (and session) is the requests' too: no stale reads
        status = client.get(f"/jobs/{job_id}/status.json").json
        db.session.rollback()
        if condition(status):
            return status
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id}: {status} after {timeout} s\n{_outputs()}")
        time.sleep(0.1)
