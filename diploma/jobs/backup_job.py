"""The administrator's backup as a job of the jobs package's own (diploma.backup is infrastructure, not
a domain): the database and the uploaded files in one archive, to download."""
from flask_babel import lazy_gettext as _l

from diploma import backup, clock
from diploma.jobs import services
from diploma.jobs.registry import JobKind, register_job_kind
from diploma.jobs.runner import JobFailed, Outcome

BACKUP = "backup"


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


def register_job_kinds(app):
    register_job_kind(app, JobKind(BACKUP, _l("Backup"), create_backup))
