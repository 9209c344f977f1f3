"""The enrolment's background job (registered at app creation, diploma.jobs.registry): a large import of
students and enrolments, once previewed and confirmed."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from diploma.enrolment import importing
from diploma.extensions import db
from diploma.jobs.registry import JobKind, register_job_kind
from diploma.jobs.runner import JobFailed, Outcome
from diploma.partners.models import University

IMPORT_STUDENTS = "import_students"


def import_students(job, progress):
    """A previewed and accepted import: checked again (things may have changed since the preview), then
    applied in one transaction; the kept file is deleted once the import is committed."""
    university = db.session.get(University, job.parameters["university_id"])
    token = job.parameters["token"]
    data = importing.load_pending(token)
    if university is None or data is None:
        raise JobFailed(_("This import is no longer waiting for confirmation. Upload the file again."))
    plan = importing.prepare_import(university, data)
    progress.set_total(plan.steps)
    try:
        outcome = importing.apply_import(job.user, plan, on_step=progress.step)
    except importing.ImportRejected as rejected:
        raise JobFailed(rejected.message, [(problem, "") for problem in rejected.problems]) from rejected
    summary = {"new_students": len(outcome.new_students), "existing_students": len(outcome.existing_students),
               "enrolments": len(outcome.enrolments), "new_user_ids": outcome.new_user_ids}
    return Outcome(summary, after_commit=[lambda: importing.delete_pending(token)])


def register_job_kinds(app):
    register_job_kind(app, JobKind(IMPORT_STUDENTS, _l("Importing students and enrolments"), import_students,
                                   writes=True, summary_template="enrolment/_import_job_summary.html"))
