"""The job pages: a job's progress (the page, and its JSON for static/js/jobs.js), its Cancel button and
its download; and the pages that start the jobs that have no other home (printing a cohort, a backup).

Only the person who started a job, and the administrator, see it: anyone else gets 404, as if it did not
exist. GET never writes: a job whose worker died is shown failed (the worker's sweep writes it), an
expired result is shown expired (and its file removed from disk at once).
"""
from flask import abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from diploma.access import ADMIN, REGISTRAR, roles, signed_in, university_argument
from diploma.arabic import format_long_date
from diploma.certificates import services as certificates
from diploma.curriculum.models import Cohort
from diploma.extensions import db
from diploma.i18n import current_language
from diploma.jobs import bp, kinds, queue, services
from diploma.jobs.forms import CancelForm, PrintForm, StartForm
from diploma.jobs.models import Job
from diploma.partners.services import covered_university_or_404
from diploma.web import confirmation_page, confirmed, int_arg

MIMETYPES = {".pdf": "application/pdf", ".zip": "application/zip", ".tar.gz": "application/gzip"}


@bp.after_request
def keep_out_of_shared_caches(response):
    """A job's page and result are personal."""
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.app_context_processor
def _recent_jobs():
    """``recent_jobs()`` for the dashboards: the user's running and recently finished jobs."""
    return {"recent_jobs": lambda: services.recent_jobs(current_user),
            "job_label": lambda job: kinds.LABELS.get(job.kind, job.kind),
            "job_state_name": lambda job: STATE_NAMES[services.shown_state(job)]}


def job_or_404(job_id):
    job = db.session.get(Job, job_id)
    if not services.may_see(current_user, job):
        abort(404)
    return job


def start_and_show(kind, university_id, parameters, total=0):
    """Record a job, commit it, hand it to the queue and go to its page: for the views of every domain."""
    job = services.start_job(current_user, kind, university_id, parameters, total)
    db.session.commit()
    queue.enqueue(current_app, job.id)
    return redirect(url_for("jobs.job_page", job_id=job.id))


# --- a job ------------------------------------------------------------------------------------------

@bp.route("/jobs/<int:job_id>")
@signed_in
def job_page(job_id):
    job = job_or_404(job_id)
    services.expire_if_due(job)
    status = services.status(job)
    return render_template("jobs/job.html", job=job, status=status, texts=texts(status),
                           label=kinds.LABELS[job.kind],
                           report_url=_report_url(job))


def _report_url(job):
    """The graduation report an issuing job leads back to (for the administrator, at the job's university)."""
    summary = job.summary or {}
    if job.kind != kinds.ISSUE or "cohort_id" not in summary:
        return None
    scope = university_argument(summary["university_id"])
    return url_for("certificates.cohort_report", cohort_id=summary["cohort_id"], **scope)


@bp.route("/jobs/<int:job_id>/status.json")
@signed_in
def job_status(job_id):
    job = job_or_404(job_id)
    services.expire_if_due(job)
    status = services.status(job)
    return jsonify({**status, **texts(status)})


STATE_NAMES = {"queued": _l("Queued"), "running": _l("Running"), "done": _l("Done"), "failed": _l("Failed"),
               "cancelled": _l("Cancelled")}


def texts(status):
    """The words the page shows for a status, in the page's language (the script copies them)."""
    left = status["seconds_left"]
    if left is None:
        time_left = ""
    elif left < 60:
        time_left = _("Less than a minute left")
    else:
        time_left = _("About %(minutes)s minutes left", minutes=round(left / 60))
    return {"state_text": str(STATE_NAMES[status["state"]]),
            "progress_text": _("%(done)s of %(total)s (%(percent)s%%)", done=status["done"],
                               total=status["total"], percent=status["percent"]),
            "time_left_text": time_left}


@bp.route("/jobs/<int:job_id>/cancel", methods=["GET", "POST"])
@signed_in
def cancel(job_id):
    """Cancel a job, once confirmed: what it did so far is not kept."""
    job = job_or_404(job_id)
    if not confirmed():
        return confirmation_page(
            title=_("Cancel the job"), button=_("Cancel the job"), danger=True,
            sentence=_("Cancel {job} (started {date}): it stops after the item it is working on, and nothing "
                       "of it is kept.").format(job=kinds.LABELS[job.kind],
                                                date=format_long_date(job.created_at)),
            cancel_url=url_for("jobs.job_page", job_id=job.id))
    if not CancelForm().validate_on_submit():
        abort(400)
    if services.cancel_job(job):
        db.session.commit()
        flash(_("The job is being cancelled.") if job.state == "running" else _("The job was cancelled."),
              "success")
    else:
        flash(_("This job has already finished."), "error")
    return redirect(url_for("jobs.job_page", job_id=job.id))


@bp.route("/jobs/<int:job_id>/result")
@signed_in
def download(job_id):
    job = job_or_404(job_id)
    services.expire_if_due(job)
    if not services.result_available(job):
        abort(404)
    suffix = next((s for s in MIMETYPES if job.result_path.endswith(s)), "")
    return send_file(services.result_file(job), mimetype=MIMETYPES.get(suffix, "application/octet-stream"),
                     as_attachment=True, download_name=job.result_name, max_age=0)


# --- starting the jobs that have no page of their own elsewhere -------------------------------------

def _university_or_404():
    """The university the page covers (``access.covered_university_id``); 404 when unknown."""
    return covered_university_or_404(int_arg("university"))


@bp.route("/jobs/print/<int:cohort_id>", methods=["GET", "POST"])
@roles(ADMIN, REGISTRAR)
def print_certificates(cohort_id):
    """Print the cohort's valid certificates at the university, of any number, in the background."""
    cohort, university = db.session.get(Cohort, cohort_id), _university_or_404()
    if cohort is None:
        abort(404)
    form = PrintForm(formdata=request.form if request.method == "POST" else (request.args or None))
    count = len(certificates.printable_certificates(university.id, cohort.id))
    scope = university_argument(university.id)
    if request.method == "POST" and form.validate_on_submit():
        if not count:
            form.form_errors.append(_("This cohort has no valid certificates to print at this university."))
        else:
            return start_and_show(kinds.PRINT, university.id, {
                "cohort_id": cohort.id, "university_id": university.id, "language": form.language.data,
                "order": form.order.data, "format": form.format.data}, total=count)
    status = 422 if request.method == "POST" else 200
    return render_template("jobs/print.html", form=form, cohort=cohort, university=university, count=count,
                           scope=scope), status


@bp.route("/jobs/backup", methods=["POST"])
@roles(ADMIN)
def start_backup():
    """A backup of the database and the uploaded files, made by the worker, for the administrator to
    download (it holds password hashes: only they see it)."""
    if not StartForm().validate_on_submit():
        abort(400)
    return start_and_show(kinds.BACKUP, None, {"language": current_language()})
