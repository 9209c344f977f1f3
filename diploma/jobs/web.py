"""What the pages of every domain use to hand work to the worker: start a job and show its page, decide
between doing the work in the request and deferring it (the one owner of JOBS_INLINE_MAX_ITEMS), and a
job that only its owner and the administrator may see."""
from flask import abort, current_app, redirect, url_for
from flask_login import current_user

from diploma.commit_point import after_commit
from diploma.extensions import db
from diploma.jobs import queue, services
from diploma.jobs.models import Job


def job_or_404(job_id):
    job = db.session.get(Job, job_id)
    if not services.may_see(current_user, job):
        abort(404)
    return job


def start_and_show(kind, university_id, parameters, total=0):
    """Record a job and go to its page; the job is handed to the queue once the request's commit point has
    committed it (a worker, even this process's in the queue's immediate mode, then finds it). What the
    request did so far is discarded first: the worker does the work again, checking it afresh."""
    db.session.rollback()
    job_id = services.start_job(current_user, kind, university_id, parameters, total).id
    app = current_app._get_current_object()
    after_commit(lambda: queue.enqueue(app, job_id))
    return redirect(url_for("jobs.job_page", job_id=job_id))


def runs_in_the_request(items):
    """Whether ``items`` pieces of work are few enough for the request (JOBS_INLINE_MAX_ITEMS)."""
    return items <= current_app.config["JOBS_INLINE_MAX_ITEMS"]


def run_now_or_defer(items, kind, university_id, parameters, total=None):
    """Work of ``items`` pieces: None when the request does it now (at most JOBS_INLINE_MAX_ITEMS), else
    the job of ``kind`` started and the response that shows its page (``total``: its progress's count,
    ``items`` by default). The caller returns that response, or does the work itself::

        deferred = run_now_or_defer(len(ids), ISSUE, university.id, {...})
        if deferred:
            return deferred
        ...  # the work, in the request
    """
    if runs_in_the_request(items):
        return None
    return start_and_show(kind, university_id, parameters, items if total is None else total)
