"""The certificates' background jobs (registered at app creation, diploma.jobs.registry): printing a
cohort's valid certificates (one PDF, or a ZIP of one signed PDF per graduate) and issuing many
certificates at once. Each calls the same services as the pages and the command line."""
import re
import zipfile
from datetime import date

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError, OperationalError

from diploma.access import ADMIN
from diploma.certificates import documents
from diploma.certificates import issuing as certificates
from diploma.certificates.models import CERTIFICATE_DOCUMENT
from diploma.curriculum.models import Cohort
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.jobs import services
from diploma.jobs.registry import JobKind, register_job_kind
from diploma.jobs.runner import JobFailed, Outcome
from diploma.partners.models import University
from diploma.signing.errors import SigningError

PRINT, ISSUE = "print_certificates", "issue_certificates"
PRINT_FORMATS = ("pdf", "zip")
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
                data = documents.document_bytes(certificate, CERTIFICATE_DOCUMENT, language)
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


def back_to_the_report(job, user):
    """The graduation report an issuing job leads back to (for the administrator, at the job's university)."""
    summary = job.summary or {}
    if "cohort_id" not in summary:
        return None
    scope = {"university": summary["university_id"]} if user.role == ADMIN else {}
    return url_for("certificates.cohort_report", cohort_id=summary["cohort_id"], **scope)


def register_job_kinds(app):
    from diploma.certificates import keeping

    keeping.register_periodic_steps(app)
    register_job_kind(app, JobKind(PRINT, _l("Printing certificates"), print_certificates))
    register_job_kind(app, JobKind(ISSUE, _l("Issuing certificates"), issue_certificates, writes=True,
                                   summary_template="certificates/_issue_job_summary.html",
                                   back_link=back_to_the_report))
