"""The rules of background jobs: who may see a job, starting and cancelling one, the results' files and
their expiry, and finding the jobs whose worker died. Flush, never commit (the view or the worker does)."""
import json
import os
import secrets
import socket
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from diploma.access import ADMIN
from diploma.clock import utcnow
from diploma.extensions import db
from diploma.jobs.models import CANCELLED, DONE, FAILED, FINISHED, QUEUED, RUNNING, Job
from diploma.jobs.registry import job_kind

RECENT = 10
WORKER_GONE = _l("The worker running this job stopped before it finished. Nothing of it was saved; "
                 "start it again.")


# --- who sees what ----------------------------------------------------------------------------------

def may_see(user, job):
    """Only the person who started a job, and the administrator, see it and its result."""
    return job is not None and (job.user_id == user.id or user.role == ADMIN)


def recent_jobs(user, limit=RECENT):
    """The user's own jobs, running first, then the most recently started."""
    return db.session.scalars(
        db.select(Job).where(Job.user_id == user.id)
        .order_by(db.case((Job.state.in_((QUEUED, RUNNING)), 0), else_=1), Job.id.desc())
        .limit(limit)).all()


# --- starting and cancelling ------------------------------------------------------------------------

def start_job(actor, kind, university_id, parameters, total=0):
    """A queued job row (flushed). The view commits, then enqueues it (``queue.enqueue``): a worker never
    sees a job id whose row is not yet committed. A kind that no domain registered is refused at once
    (registry.UnknownJobKind)."""
    job_kind(kind)
    job = Job(kind=kind, user_id=actor.id, university_id=university_id, parameters=parameters,
              state=QUEUED, total=total, created_at=utcnow())
    db.session.add(job)
    db.session.flush()
    return job


def cancel_job(job):
    """A queued job is cancelled at once; a running one is asked to stop (its worker checks between items
    and rolls back what it did). A finished job stays as it is. Returns whether anything changed."""
    if job.state == QUEUED:
        changed = db.session.execute(
            db.update(Job).where(Job.id == job.id, Job.state == QUEUED)
            .values(state=CANCELLED, finished_at=utcnow())).rowcount
        if changed:
            db.session.refresh(job)
            return True
    if job.state == RUNNING and not job.cancel_requested:
        job.cancel_requested = True
        db.session.flush()
        return True
    return False


# --- what the page shows ----------------------------------------------------------------------------

def stale_after():
    return timedelta(seconds=current_app.config["JOB_STALE_SECONDS"])


def write_progress_file(folder, job_id, moment, done, total):
    """The heartbeat and count of a running job when the database cannot take them (SQLite while the job's
    transaction holds the write lock): a small JSON file, replaced atomically, removed with the job's other
    temporary files."""
    path = folder / f".partial-{job_id}.progress"
    partial = folder / f".partial-{job_id}.progress-new"
    partial.write_text(json.dumps({"at": moment.isoformat(), "done": done, "total": total}))
    os.replace(partial, path)


def live_progress(job):
    """A running job's latest heartbeat, done and total: from its row, or its progress file when newer."""
    beat, done, total = job.heartbeat_at or job.started_at, job.done, job.total
    if job.state == RUNNING:
        try:
            data = json.loads((result_folder(create=False) / f".partial-{job.id}.progress").read_text())
            moment = datetime.fromisoformat(data["at"])
            if beat is None or moment > beat:
                beat, done, total = moment, int(data["done"]), int(data["total"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
    return beat, done, total


def worker_is_gone(job, now=None):
    """A running job whose worker stopped writing its heartbeat (killed, machine down)."""
    if job.state != RUNNING:
        return False
    beat = live_progress(job)[0]
    return beat is None or (now or utcnow()) - beat > stale_after()


def shown_state(job, now=None):
    """The state to show: a running job whose worker is gone is failed (the worker's sweep writes it)."""
    return FAILED if worker_is_gone(job, now) else job.state


def shown_error(job, now=None):
    return str(WORKER_GONE) if worker_is_gone(job, now) else job.error


def seconds_left(job, now=None, done=None):
    """An estimate from the pace so far; None before the first item is done."""
    done = job.done if done is None else done
    if job.state != RUNNING or not job.started_at or not done or not job.total:
        return None
    elapsed = ((now or utcnow()) - job.started_at).total_seconds()
    return max(0, round(elapsed / done * (job.total - done)))


def result_available(job, now=None):
    return (job.state == DONE and job.result_path is not None and job.result_expires_at is not None
            and (now or utcnow()) < job.result_expires_at and result_file(job).is_file())


# --- result files -----------------------------------------------------------------------------------

def result_folder(create=True):
    folder = Path(current_app.config["JOB_RESULT_FOLDER"])
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def result_file(job):
    return result_folder() / job.result_path


def partial_file(job_id, suffix):
    """Where a job writes its result while it works (``suffix``: '.pdf', '.zip' …): removed if it fails,
    renamed when it is done."""
    return result_folder() / f".partial-{job_id}{suffix}"


def new_result_name(job_id, suffix):
    """A name nobody can guess (the file is served only through its job's page anyway)."""
    return f"{job_id}-{secrets.token_hex(12)}{suffix}"


def remove_temporary_files(job_id):
    folder = result_folder()
    # The job's own, and those its tools write beside it (the backup's ".partial-" + name).
    for pattern in (f".partial-{job_id}.*", f".partial-.partial-{job_id}.*"):
        for path in folder.glob(pattern):
            path.unlink(missing_ok=True)


def remove_results_of(job_id):
    """Every file of a job that did not finish (a result renamed just before its commit failed)."""
    for path in result_folder().glob(f"{job_id}-*"):
        path.unlink(missing_ok=True)
    remove_temporary_files(job_id)


def remove_result(job):
    if job.result_path:
        (result_folder() / job.result_path).unlink(missing_ok=True)


def result_expiry(now=None):
    return (now or utcnow()) + timedelta(hours=current_app.config["JOB_RESULT_HOURS"])


# --- the worker's housekeeping ----------------------------------------------------------------------

def worker_identity():
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_is_gone(identity):
    """For a job claimed on this machine: whether the process that claimed it has ended."""
    host, _, pid = (identity or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def fail_abandoned_jobs(now=None):
    """Running jobs whose worker died: on this machine, a process that no longer exists; anywhere, a
    heartbeat older than JOB_STALE_SECONDS. Marked failed (their work was never committed: it is one
    transaction, committed with the job's end) and their temporary files removed. Returns their ids."""
    now = now or utcnow()
    abandoned = [job for job in db.session.scalars(db.select(Job).where(Job.state == RUNNING))
                 if worker_is_gone(job, now) or _process_is_gone(job.worker)]
    for job in abandoned:
        changed = db.session.execute(
            db.update(Job).where(Job.id == job.id, Job.state == RUNNING, Job.worker == job.worker)
            .values(state=FAILED, finished_at=now, error=str(WORKER_GONE))).rowcount
        if changed:
            remove_temporary_files(job.id)
    return [job.id for job in abandoned]


def expire_results(now=None):
    """Results past their expiry: removed from disk, and the row forgets the file."""
    now = now or utcnow()
    expired = db.session.scalars(db.select(Job).where(Job.result_path.is_not(None),
                                                      Job.result_expires_at <= now)).all()
    for job in expired:
        remove_result(job)
        job.result_path = None
    db.session.flush()
    return len(expired)


def status(job, now=None):
    """What the job page and its JSON show."""
    now = now or utcnow()
    _beat, done, total = live_progress(job)
    return {"id": job.id, "state": shown_state(job, now), "done": done, "total": total,
            "percent": int(done * 100 / total) if total else 0, "seconds_left": seconds_left(job, now, done),
            "cancel_requested": job.cancel_requested, "finished": shown_state(job, now) in FINISHED,
            "error": shown_error(job, now), "result": result_available(job, now)}
