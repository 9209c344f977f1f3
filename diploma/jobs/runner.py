"""Running one job in a worker: claim its row (so that no two workers ever run it), keep its heartbeat
and progress written from a thread of its own, run the work, and end it — done, failed or cancelled.

The work of a job is one database transaction in the worker's session; the job's end (state ``done``,
result, summary) is written in that same transaction, by a conditional UPDATE. So a worker killed at any
moment leaves either everything (the job done) or nothing (the job still ``running`` until its death is
noticed, then ``failed``). Progress and the heartbeat go through another connection, committed as they
happen, so that the page sees them while the work's transaction is still open.
"""
import logging
import os
import threading
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import OperationalError

from diploma.clock import utcnow
from diploma.extensions import db
from diploma.i18n import force_language
from diploma.jobs import services
from diploma.jobs.models import CANCELLED, DONE, FAILED, QUEUED, RUNNING, Job
from diploma.jobs.registry import job_kind, periodic_steps
from diploma.transactions import unit_of_work

log = logging.getLogger(__name__)


class JobCancelled(Exception):
    """The person asked the job to stop: what it did is rolled back."""


class JobFailed(Exception):
    """The job cannot be done: ``message`` (translated) and the ``items`` that failed."""

    def __init__(self, message, items=()):
        super().__init__(str(message))
        self.message = str(message)
        self.items = [{"item": str(item), "reason": str(reason)} for item, reason in items]


@dataclass
class Outcome:
    """What a job's work gives back: a summary for its page, a result file (written by the work at
    ``services.partial_file``) and its download name, and things to do once the transaction is committed."""

    summary: dict = field(default_factory=dict)
    result_suffix: str | None = None
    result_name: str | None = None
    after_commit: list = field(default_factory=list)


class Progress:
    """Handed to the work: ``at(done, total)`` / ``step()`` as items are done, each also a point where a
    cancelled job stops. A thread writes the count and the heartbeat every JOB_HEARTBEAT_SECONDS, on its
    own connection, and reads the cancel flag."""

    def __init__(self, job_id, total=0):
        self.job_id, self.done, self.total = job_id, 0, total
        self.cancelled = False
        self._engine = db.engine
        self._interval = current_app.config["JOB_HEARTBEAT_SECONDS"]
        self._folder = services.result_folder()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat_until_stopped, name=f"job-{job_id}-heartbeat",
                                        daemon=True)

    # --- called by the work
    def at(self, done, total=None):
        self.done = done
        if total is not None:
            self.total = total
        self.check()

    def step(self, count=1):
        self.at(self.done + count)

    def set_total(self, total):
        self.total = total

    def check(self):
        if self.cancelled:
            raise JobCancelled()

    # --- the heartbeat
    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join()

    def _beat_until_stopped(self):
        with self._engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                # The work's own transaction may hold SQLite's write lock: skip this beat rather than wait.
                connection.exec_driver_sql("PRAGMA busy_timeout=200")
                connection.commit()
            try:
                while True:
                    self._beat(connection)
                    if self._stop.wait(self._interval):
                        return
            finally:
                if sqlite:
                    connection.rollback()
                    connection.exec_driver_sql("PRAGMA busy_timeout=10000")
                    connection.commit()

    def _beat(self, connection):
        now = utcnow()
        try:
            with connection.begin():
                if connection.scalar(db.select(Job.cancel_requested).where(Job.id == self.job_id)):
                    self.cancelled = True
            with connection.begin():
                connection.execute(db.update(Job).where(Job.id == self.job_id, Job.state == RUNNING)
                                   .values(heartbeat_at=now, done=self.done, total=self.total))
        except OperationalError:
            connection.rollback()
            # SQLite, while the job's own transaction holds the one write lock (an import, an issue): the
            # beat goes to a file beside the results instead, which the page reads (services.status).
            services.write_progress_file(self._folder, self.job_id, now, self.done, self.total)


class _NoLongerOurs(Exception):
    """The job's row is no longer this worker's running job (its death was recorded meanwhile)."""


def claim(job_id):
    """Take a queued job for this worker: a conditional UPDATE, so that of two workers given the same
    job only one changes the row (the other's UPDATE finds it no longer queued)."""
    now = utcnow()
    claimed = db.session.execute(
        db.update(Job).where(Job.id == job_id, Job.state == QUEUED)
        .values(state=RUNNING, started_at=now, heartbeat_at=now, worker=services.worker_identity(),
                done=0)).rowcount
    return claimed == 1


def _take_the_write_lock(job_id):
    """SQLite (in write-ahead-log mode, see cli.py) refuses at once, without waiting, a transaction that
    read and then writes after another connection committed (the heartbeat does, every second): a job that
    writes takes the write lock with its first statement, as a POST request does; one that only reads ends
    its read transaction before it writes its end."""
    if db.session.connection().dialect.name == "sqlite":
        db.session.execute(db.update(Job).where(Job.id == job_id).values(worker=Job.worker))


def run_job(job_id):
    """Run one job, if it is still queued. Returns its final state (or None when another worker has it).
    Then the housekeeping: results past their time are removed (never by the pages' GETs)."""
    with unit_of_work():
        if not claim(job_id):
            return None
        job = db.session.get(Job, job_id)
        kind_name, total, language = job.kind, job.total, job.parameters.get("language") or "ar"
    log.info("job %s (%s) claimed by %s", job_id, kind_name, services.worker_identity())
    progress = Progress(job_id, total)
    progress.start()
    try:
        with force_language(language):
            return _run(job_id, kind_name, progress)
    finally:
        progress.stop()
        services.remove_temporary_files(job_id)
        housekeeping()


def housekeeping():
    """The jobs of dead workers failed, the results past their time removed: at the worker's start, after
    each job and every minute (queue.py); a failure here is logged, it never fails the job just run."""
    try:
        with unit_of_work():
            abandoned = services.fail_abandoned_jobs()
            services.expire_results()
    except Exception:
        log.exception("the jobs' housekeeping failed")
        return []
    if abandoned:
        log.info("jobs of a stopped worker marked failed: %s", abandoned)
    return abandoned


ROUNDS = 100  # the most times one run calls a step that says there is more to do


def run_periodic_steps(rounds=ROUNDS):
    """Each domain's periodic step (registry.register_periodic_step), each call in a unit of work of its
    own, called again while it answers True (more to do), at most ``rounds`` times: every minute by the
    worker (queue.py), or at once by ``flask --app wsgi jobs periodic``. A step that fails is logged and
    rolled back; the others still run. Returns the names of the steps done."""
    done = []
    for step in periodic_steps().values():
        if _run_step(step, rounds):
            done.append(step.name)
    return done


def _run_step(step, rounds):
    for _round in range(rounds):
        try:
            with unit_of_work():
                more = step.action()
        except Exception:
            log.exception("the periodic step %s failed", step.name)
            return False
        if not more:
            return True
    return True


def _run(job_id, kind_name, progress):
    """The work and the job's end: for a job that writes, in one transaction; for one that only reads,
    its read transaction ended before its end is written."""
    try:
        kind = job_kind(kind_name)  # an unknown kind fails the job, logged below
        with unit_of_work():
            if kind.writes:
                _take_the_write_lock(job_id)
            outcome = kind.work(db.session.get(Job, job_id), progress)
            progress.check()
            progress.stop()
            if kind.writes:
                _finish(job_id, progress, outcome)
        if not kind.writes:
            with unit_of_work():
                _finish(job_id, progress, outcome)
    except _NoLongerOurs:
        return _end(job_id, FAILED, str(services.WORKER_GONE), progress=progress)
    except JobCancelled:
        return _end(job_id, CANCELLED, progress=progress)
    except JobFailed as failure:
        return _end(job_id, FAILED, failure.message, failure.items, progress=progress)
    except Exception:
        log.exception("job %s failed", job_id)
        return _end(job_id, FAILED, _("An unexpected error stopped the job. Nothing of it was saved."),
                    progress=progress)
    for action in outcome.after_commit:
        try:
            action()
        except Exception:  # the job stands, committed: the log says what was left behind
            log.exception("an action after job %s's commit failed", job_id)
    return DONE


def _finish(job_id, progress, outcome):
    """The job's end, in the work's own transaction: only if it is still this worker's running job (else
    _NoLongerOurs, which rolls the work back)."""
    now = utcnow()
    values = {"state": DONE, "finished_at": now, "heartbeat_at": now, "done": progress.total or progress.done,
              "total": progress.total, "summary": outcome.summary}
    if outcome.result_suffix:
        name = services.new_result_name(job_id, outcome.result_suffix)
        os.replace(services.partial_file(job_id, outcome.result_suffix), services.result_folder() / name)
        values.update(result_path=name, result_name=outcome.result_name,
                      result_expires_at=services.result_expiry(now))
    changed = db.session.execute(
        db.update(Job).where(Job.id == job_id, Job.state == RUNNING, Job.worker == services.worker_identity())
        .values(**values)).rowcount
    if changed != 1:
        if outcome.result_suffix:
            (services.result_folder() / values["result_path"]).unlink(missing_ok=True)
        raise _NoLongerOurs()


def _end(job_id, state, error=None, items=None, progress=None):
    """A job that did not finish: nothing of its work is kept, its files neither."""
    services.remove_results_of(job_id)
    with unit_of_work():
        db.session.execute(
            db.update(Job).where(Job.id == job_id, Job.state == RUNNING)
            .values(state=state, finished_at=utcnow(), error=error, failed_items=items or None,
                    done=progress.done if progress else 0))
    return state
