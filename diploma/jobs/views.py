"""The job pages: a job's progress (the page, and its JSON for static/js/jobs.js), its Cancel button and
its download; and the button that starts the administrator's backup. The pages of the domains start their
own jobs (jobs/web.py); the kinds they registered (registry.py) name them and their summaries here.

Only the person who started a job, and the administrator, see it: anyone else gets 404, as if it did not
exist. GET never writes: a job whose worker died is shown failed (the worker's housekeeping writes it), an
expired result is shown expired (the worker removes its file).
"""
from flask import abort, flash, jsonify, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from diploma.access import ADMIN, roles, signed_in
from diploma.arabic import format_long_date
from diploma.i18n import current_language
from diploma.jobs import bp, services
from diploma.jobs.backup_job import BACKUP
from diploma.jobs.forms import CancelForm, StartForm
from diploma.jobs.registry import job_kind
from diploma.jobs.web import job_or_404, start_and_show
from diploma.web import confirmation_page, confirmed

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
            "job_label": label_of,
            "job_state_name": lambda job: STATE_NAMES[services.shown_state(job)]}


def label_of(job):
    return job_kind(job.kind).label


# --- a job ------------------------------------------------------------------------------------------

@bp.route("/jobs/<int:job_id>")
@signed_in
def job_page(job_id):
    job = job_or_404(job_id)
    status, kind = services.status(job), job_kind(job.kind)
    return render_template("jobs/job.html", job=job, status=status, texts=texts(status), label=kind.label,
                           summary_template=kind.summary_template,
                           back_link=kind.back_link(job, current_user) if kind.back_link else None)


@bp.route("/jobs/<int:job_id>/status.json")
@signed_in
def job_status(job_id):
    job = job_or_404(job_id)
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
                       "of it is kept.").format(job=label_of(job),
                                                date=format_long_date(job.created_at)),
            cancel_url=url_for("jobs.job_page", job_id=job.id))
    if not CancelForm().validate_on_submit():
        abort(400)
    if services.cancel_job(job):
        flash(_("The job is being cancelled.") if job.state == "running" else _("The job was cancelled."),
              "success")
    else:
        flash(_("This job has already finished."), "error")
    return redirect(url_for("jobs.job_page", job_id=job.id))


@bp.route("/jobs/<int:job_id>/result")
@signed_in
def download(job_id):
    job = job_or_404(job_id)
    if not services.result_available(job):
        abort(404)
    suffix = next((s for s in MIMETYPES if job.result_path.endswith(s)), "")
    return send_file(services.result_file(job), mimetype=MIMETYPES.get(suffix, "application/octet-stream"),
                     as_attachment=True, download_name=job.result_name, max_age=0)


# --- the administrator's backup ---------------------------------------------------------------------

@bp.route("/jobs/backup", methods=["POST"])
@roles(ADMIN)
def start_backup():
    """A backup of the database and the uploaded files, made by the worker, for the administrator to
    download (it holds password hashes: only they see it)."""
    if not StartForm().validate_on_submit():
        abort(400)
    return start_and_show(BACKUP, None, {"language": current_language()})
