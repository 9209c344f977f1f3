"""The grading's background job (registered at app creation, diploma.jobs.registry): a large marks
file, once previewed and accepted."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.grading import marks_spreadsheet
from diploma.jobs.registry import JobKind, register_job_kind
from diploma.jobs.runner import JobFailed, Outcome
from diploma.teaching.models import Offering

IMPORT_MARKS = "import_marks"


def import_marks(job, progress):
    """A previewed and accepted marks file: checked again against the gradebook as it is now, then saved
    in one transaction by the same service as the page's (marks_spreadsheet.accept_import); the kept file
    is deleted once the marks are committed."""
    offering = db.session.get(Offering, job.parameters["offering_id"])
    token = job.parameters["token"]
    kept = marks_spreadsheet.kept_import(token)
    if offering is None or kept is None:
        raise JobFailed(_("This import is no longer waiting to be accepted. Upload the file again."))
    progress.set_total(len(kept.versions))
    try:
        outcome = marks_spreadsheet.accept_import(job.user, offering, kept, on_progress=progress.at)
    except marks_spreadsheet.MarksRejected as rejected:
        raise JobFailed(_("Nothing was saved: the file was refused. Correct these problems and upload it "
                          "again."), [(problem, "") for problem in rejected.problems]) from rejected
    except RuleViolation as violation:
        raise JobFailed(violation.message) from violation
    summary = {"saved": outcome.saved, "unchanged": outcome.unchanged, "offering_id": offering.id}
    return Outcome(summary, after_commit=[lambda: marks_spreadsheet.forget_kept(token)])


def register_job_kinds(app):
    register_job_kind(app, JobKind(IMPORT_MARKS, _l("Importing marks"), import_marks, writes=True,
                                   summary_template="grading/_import_job_summary.html"))
