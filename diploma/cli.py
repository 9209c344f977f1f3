"""What the command-line groups share: refusals in the command's language, and links to the site."""
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
