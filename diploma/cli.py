"""What the command-line groups share: refusals in the command's language, and links to the site."""
import os

import click
from flask import current_app, url_for
from flask_babel import gettext as _

LOCAL_SITE = "http://127.0.0.1:5000"


class CommandError(click.ClickException):
    """A refused command: its (translated) message after a translated "Error" — click's own prefix is
    English only. Raised inside the command's ``force_language``, so both are in the command's language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.heading = _("Error")

    def show(self, file=None):
        click.echo(f"{self.heading}: {self.message}", file=file, err=True)


def site_url(endpoint, **values):
    """An absolute address on the site, for a command's output: PUBLIC_BASE_URL (as in certificates' QR
    codes), else the BASE_URL environment variable, else the local development server."""
    base = current_app.config.get("PUBLIC_BASE_URL") or os.environ.get("BASE_URL") or LOCAL_SITE
    with current_app.test_request_context(base_url=base.rstrip("/")):
        return url_for(endpoint, _external=True, **values)
