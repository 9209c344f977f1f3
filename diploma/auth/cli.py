"""``flask --app wsgi users ...``: the first administrator of a new installation, and new links.

    flask --app wsgi users create-admin admin@example.edu.iq --name-ar "…" --name-en "…"
    flask --app wsgi users password-link someone@example.edu.iq

The set-password links use PUBLIC_BASE_URL (or BASE_URL) as the site's address. Messages are in Arabic
unless ``--language en``.
"""
import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from diploma.auth import services
from diploma.cli import CommandError, site_url
from diploma.errors import RuleViolation
from diploma.i18n import force_language
from diploma.transactions import unit_of_work

users_cli = AppGroup("users", help="Accounts.")

LANGUAGE = click.option("--language", type=click.Choice(["ar", "en"]), default="ar", show_default=True,
                        help="Language of the messages.")


def _link(token):
    return site_url("auth.set_password", token=token)


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--name-ar", required=True, help="Arabic name.")
@click.option("--name-en", required=True, help="English name.")
@LANGUAGE
def create_admin(email, name_ar, name_en, language):
    """Create an administrator and print their set-password link."""
    with force_language(language):
        try:
            with unit_of_work():
                user = services.create_user(None, email=email, name_ar=name_ar, name_en=name_en, role="admin")
                token = services.make_password_token(None, user)
        except RuleViolation as violation:
            raise CommandError(violation.message) from violation
        click.echo(_("Administrator %(email)s created. Set-password link (it works once):", email=user.email))
        click.echo(_link(token))


@users_cli.command("password-link")
@click.argument("email")
@LANGUAGE
def password_link(email, language):
    """Print a new set-password link for an existing account."""
    with force_language(language):
        user = services.find_user_by_email(email)
        if user is None:
            raise CommandError(_("No account has the e-mail address %(email)s.", email=email))
        with unit_of_work():
            token = services.make_password_token(None, user)
        click.echo(_link(token))
