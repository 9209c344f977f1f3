"""``flask --app wsgi users ...``: the first administrator of a new installation, and new links."""
import os

import click
from flask.cli import AppGroup

from diploma.auth import services
from diploma.errors import RuleViolation
from diploma.extensions import db

users_cli = AppGroup("users", help="Accounts.")


def _link(token):
    base = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    return f"{base}/set-password/{token}"


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--name-ar", required=True, help="Arabic name.")
@click.option("--name-en", required=True, help="English name.")
def create_admin(email, name_ar, name_en):
    """Create an administrator and print their set-password link (BASE_URL sets the site address)."""
    try:
        user = services.create_user(None, email=email, name_ar=name_ar, name_en=name_en, role="admin")
        token = services.make_password_token(None, user)
    except RuleViolation as violation:
        db.session.rollback()
        raise click.ClickException(str(violation.message)) from violation
    db.session.commit()
    click.echo(f"Administrator {user.email} created. Set-password link (valid once):")
    click.echo(_link(token))


@users_cli.command("password-link")
@click.argument("email")
def password_link(email):
    """Print a new set-password link for an existing account."""
    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account with the e-mail address {email}.")
    token = services.make_password_token(None, user)
    db.session.commit()
    click.echo(_link(token))
