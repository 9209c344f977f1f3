"""``flask --app wsgi backup …``: back up the database and the uploaded files into one archive, restore one.

    flask --app wsgi backup create /var/backups/diploma/diploma-2025-07-15.tar.gz
    flask --app wsgi backup restore /var/backups/diploma/diploma-2025-07-15.tar.gz [--force]

Restore into an empty database (after ``flask --app wsgi db upgrade`` or not) with the application stopped.
Messages are in Arabic unless ``--language en``. The work itself is in diploma/backup.py (the archive) and
diploma/backup_database.py (the database's copy).
"""
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from diploma import backup
from diploma.cli import CommandError
from diploma.i18n import force_language

backup_cli = AppGroup("backup", help="Back up the database and the uploaded files; restore a backup.")

LANGUAGE = click.option("--language", type=click.Choice(["ar", "en"]), default="ar", show_default=True,
                        help="Language of the messages.")
ARCHIVE = click.argument("file", type=click.Path(dir_okay=False, path_type=Path))


@backup_cli.command("create")
@ARCHIVE
@LANGUAGE
def create_command(file, language):
    """Write FILE (.tar.gz): the database, the uploaded files and a manifest with their checksums."""
    with force_language(language):
        try:
            summary = backup.create_backup(file)
        except backup.BackupError as error:
            raise CommandError(error.message) from error
        click.echo(_("Backup written to %(path)s: the %(kind)s database (revision %(revision)s) and "
                     "%(count)s uploaded files.", path=summary.path, kind=backup.KIND_NAMES[summary.kind],
                     revision=summary.revision or "—", count=summary.file_count))


@backup_cli.command("restore")
@ARCHIVE
@click.option("--force", is_flag=True,
              help="Replace the contents of a database (and upload folder) that is not empty.")
@LANGUAGE
def restore_command(file, force, language):
    """Restore FILE into the configured database and upload folder, after checking every checksum."""
    with force_language(language):
        try:
            summary = backup.restore_backup(file, force=force)
        except backup.BackupError as error:
            raise CommandError(error.message) from error
        click.echo(_("Restored %(path)s (made %(created)s): the %(kind)s database and %(count)s uploaded "
                     "files.", path=summary.path, created=summary.manifest["created_at"],
                     kind=backup.KIND_NAMES[summary.kind], count=summary.file_count))
        head = backup.head_revision()
        if summary.revision != head:
            click.echo(_("The backup's database is at revision %(revision)s and this version of the "
                         "application expects %(head)s: run \"flask --app wsgi db upgrade\".",
                         revision=summary.revision or "—", head=head))
