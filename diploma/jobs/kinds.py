"""The work of each kind of job. Each calls the same services as the pages and the command line (no
second copy of a rule) and reports its progress; the runner (runner.py) claims, commits and ends it.

``WORK[kind](job, progress)`` returns a runner.Outcome or raises runner.JobFailed / JobCancelled.
``LABELS[kind]`` names the kind on pages.
"""
import re
import zipfile
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError, OperationalError

from diploma import backup, clock
from diploma.certificates import documents
from diploma.certificates import issuing as certificates
from diploma.curriculum.models import Cohort
from diploma.enrolment import importing
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.grading import marks_spreadsheet
from diploma.jobs import services
from diploma.jobs.runner import JobFailed, Outcome
from diploma.partners.models import University
from diploma.signing.errors import SigningError
from diploma.teaching.models import Offering

PRINT, ISSUE = "print_certificates", "issue_certificates"
IMPORT_STUDENTS, BACKUP = "import_students", "backup"
IMPORT_MARKS = "import_marks"
PRINT_FORMATS = ("pdf", "zip")
LABELS = {
    PRINT: _l("Printing certificates"),
    ISSUE: _l("Issuing certificates"),
    IMPORT_STUDENTS: _l("Importing students and enrolments"),
    IMPORT_MARKS: _l("Importing marks"),
    BACKUP: _l("Backup"),
}
_UNSAFE_IN_FILE_NAMES = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def _university_and_cohort(job):
    university = db.session.get(University, job.parameters["university_id"])
    cohort = db.session.get(Cohort, job.parameters.get("cohort_id"))
    if university is None or cohort is None:
        raise JobFailed(_("The cohort or the university no longer exists."))
    return university, cohort


# --- printing ---------------------------------------------------------------------------------------

def certificate_file_name(certificate, language):
    """'PCS-MSL-2025-0001 - زينب علي حسين.pdf': the serial, then the graduate's name in the batch's
    language."""
    student = certificate.snapshot["student"]
    name = student["name_ar" if language == "ar" else "name_en"]
    name = " ".join(_UNSAFE_IN_FILE_NAMES.sub(" ", name).split())[:120]
    return f"{certificate.serial} - {name}.pdf"


def print_certificates(job, progress):
    """Every valid certificate of the cohort at the university: one PDF for printing (signed once as a
    whole), or a ZIP of one signed PDF per graduate named by serial and name."""
    university, cohort = _university_and_cohort(job)
    language, order = job.parameters["language"], job.parameters["order"]
    chosen = certificates.printable_certificates(university.id, cohort.id, order=order, language=language)
    if not chosen:
        raise JobFailed(_("This cohort has no valid certificates to print at this university."))
    progress.set_total(len(chosen))
    stem = f"certificates-{university.code}-{cohort.start_year}-{language}"
    try:
        if job.parameters["format"] == "zip":
            _write_zip(chosen, language, services.partial_file(job.id, ".zip"), progress)
            return Outcome({"count": len(chosen)}, ".zip", f"{stem}.zip")
        data = documents.batch_pdf(university, chosen, language, progress=progress.at)
    except SigningError as error:
        raise JobFailed(error.message) from error
    services.partial_file(job.id, ".pdf").write_bytes(data)
    return Outcome({"count": len(chosen)}, ".pdf", f"{stem}.pdf")


def _write_zip(chosen, language, path, progress):
    """One signed PDF per graduate. Python's zipfile marks a non-ASCII name as UTF-8 (flag bit 11), which
    Windows' and macOS's unzip read: the Arabic names arrive as written."""
    failed = []
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for done, certificate in enumerate(chosen, start=1):
            try:
                data = documents.certificate_pdf(certificate, language)
            except SigningError:
                raise
            except Exception as error:  # one graduate's PDF: reported with its serial, the rest go on
                failed.append((certificate.serial, error))
            else:
                archive.writestr(certificate_file_name(certificate, language), data)
            progress.at(done)
    if failed:
        raise JobFailed(_("Some certificates could not be rendered; nothing was kept."),
                        [(serial, _("it could not be rendered")) for serial, _error in failed])


# --- issuing ----------------------------------------------------------------------------------------

def issue_certificates(job, progress):
    """The ticked students' certificates, in one transaction: all of them or none."""
    university, cohort = _university_and_cohort(job)
    student_ids = job.parameters["student_ids"]
    progress.set_total(len(student_ids))
    issued_on = job.parameters.get("issued_on")
    issued_on = date.fromisoformat(issued_on) if issued_on else None
    try:
        issued = certificates.issue_certificates(job.user, university, cohort, student_ids,
                                                 issued_on=issued_on)
    except RuleViolation as violation:
        raise JobFailed(violation.message) from violation
    except (IntegrityError, OperationalError) as error:
        raise JobFailed(_("Nothing was issued: certificates of this university were being issued at the same "
                          "moment. Check the report and try again.")) from error
    progress.at(len(issued))
    return Outcome({"count": len(issued), "first": issued[0].serial, "last": issued[-1].serial,
                    "cohort_id": cohort.id, "university_id": university.id})


# --- the enrolment import ---------------------------------------------------------------------------

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


# --- the marks import -------------------------------------------------------------------------------

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


# --- backups ----------------------------------------------------------------------------------------

def create_backup(job, progress):
    """The administrator's backup: the database and the uploaded files in one archive (diploma.backup)."""
    progress.set_total(1)
    path = services.partial_file(job.id, ".tar.gz")
    path.unlink(missing_ok=True)
    try:
        summary = backup.create_backup(path)
    except backup.BackupError as error:
        raise JobFailed(error.message) from error
    progress.at(1)
    return Outcome({"files": summary.file_count, "kind": summary.kind}, ".tar.gz",
                   f"diploma-{clock.today().isoformat()}.tar.gz")


# The kinds that write to the database (in one transaction, committed with the job's end).
WRITES = {ISSUE, IMPORT_STUDENTS, IMPORT_MARKS}
WORK = {PRINT: print_certificates, ISSUE: issue_certificates, IMPORT_STUDENTS: import_students,
        IMPORT_MARKS: import_marks, BACKUP: create_backup}
