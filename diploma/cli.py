"""What the command-line groups share: refusals in the command's language, and links to the site (a
command that writes does it in ``diploma.transactions.unit_of_work``)."""
import os
from pathlib import Path

import click
from flask_babel import gettext as _

from diploma.web import absolute_url


class CommandError(click.ClickException):
    """A refused command: its (translated) message after a translated "Error" — click's own prefix is
    English only. Raised inside the command's ``force_language``, so both are in the command's language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.heading = _("Error")

    def show(self, file=None):
        click.echo(f"{self.heading}: {self.message}", file=file, err=True)


def site_url(endpoint, **values):
    """An absolute address on the site, for a command's output: on PUBLIC_BASE_URL, as in the pages."""
    return absolute_url(endpoint, **values)


def check_writable(path):
    """Refuse, before any work is done, an output file that could not be written (no such folder, no
    permission, a folder of that name): a long render or an import must not end in a lost result."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise CommandError(_("%(path)s is a folder: give the name of a file to write.", path=path))
    if not folder.is_dir():
        raise CommandError(_("The folder %(folder)s does not exist.", folder=folder))
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise CommandError(_("%(path)s cannot be written (permission denied).", path=path))


def write_file(path, data):
    """Write ``data`` to ``path``, or a translated refusal instead of a traceback."""
    try:
        Path(path).write_bytes(data)
    except OSError as error:
        raise CommandError(_("%(path)s could not be written: %(reason)s", path=path,
                             reason=error.strerror or error)) from error
