"""``flask --app wsgi certificates check``: the verdicts of the verification page, on the command line.

    flask --app wsgi certificates check FILE.pdf [--language en]
    flask --app wsgi certificates check --token TOKEN          (the token, or the whole URL of the QR code)

A PDF gets the verdict of verify by upload (``diploma.certificates.inspect``): its signature, its attached
credential against the register, its status. A token (what the QR code carries after ``#``) gets the verdict
of the offline checker (``diploma.signing.token.verify_token``), then, as this command runs beside the
register, the certificate's status in it (revoked, replaced) and whether the register states the same names.
The exit code is 0 only when the certificate is valid; 1 otherwise.
"""
from pathlib import Path

import click
from flask_babel import gettext as _

from diploma.certificates import inspect
from diploma.certificates.cli import LANGUAGE, certificates_cli
from diploma.cli import CommandError
from diploma.extensions import db
from diploma.i18n import force_language
from diploma.signing.models import SigningKey
from diploma.signing.token import VALID, verify_token

NOT_VALID = 1


def _read(path):
    limit = inspect.max_upload_bytes()
    try:
        with path.open("rb") as file:
            return file.read(limit + 1)
    except OSError as error:
        raise CommandError(_("The file %(path)s cannot be read.", path=path)) from error


def _show_certificate(certificate, language):
    snapshot = certificate.snapshot
    click.echo(f"  {_('Serial number')}: {certificate.serial}")
    click.echo(f"  {_('Name')}: {snapshot['student']['name_ar']} / {snapshot['student']['name_en']}")
    click.echo(f"  {_('University')}: {snapshot['university']['name_' + language]}")
    click.echo(f"  {_('Date of issue')}: {snapshot['issued_on']}")


def _check_file(path, language):
    verdict = inspect.inspect_pdf(_read(path))
    click.echo(verdict.message)
    if verdict.signing_key is not None:
        click.echo(f"  {_('Key fingerprint (SHA-256)')}: {verdict.signing_key.fingerprint}")
    if verdict.certificate is not None and verdict.outcome in (inspect.VALID, inspect.REVOKED,
                                                               inspect.REPLACED):
        _show_certificate(verdict.certificate, language)
    return verdict.valid


def _token_of(text):
    """The token alone, also when the whole URL of the QR code is given (the token is its fragment)."""
    text = (text or "").strip()
    return text.split("#", 1)[1] if "#" in text else text


def _register_verdict(token_verdict):
    """What the register says of a token whose signature checked: the same verdicts as a PDF's."""
    claims = token_verdict.claims
    key = db.session.scalar(db.select(SigningKey)
                            .where(SigningKey.fingerprint == token_verdict.key_fingerprint))

    def states_the_names(certificate):
        student = certificate.snapshot["student"]
        return (student["name_ar"], student["name_en"]) == (claims.get("a"), claims.get("e"))

    return inspect.register_verdict(key, claims.get("s", ""), states_the_names)


def _check_token(text, language):
    token_verdict = verify_token(_token_of(text))
    click.echo(token_verdict.message)
    if token_verdict.warning:
        click.echo(token_verdict.warning)
    if token_verdict.outcome != VALID:
        return False
    verdict = _register_verdict(token_verdict)
    click.echo(verdict.message)
    if verdict.certificate is not None:
        _show_certificate(verdict.certificate, language)
    return verdict.valid


@certificates_cli.command("check")
@click.argument("file", type=click.Path(path_type=Path), required=False)
@click.option("--token", help="The token of a certificate's QR code (or the QR code's whole URL).")
@LANGUAGE
def check_command(file, token, language):
    """Check a certificate's PDF, or the token of its QR code: exit code 0 when it is valid."""
    with force_language(language):
        if (file is None) == (token is None):
            raise CommandError(_("Give either a PDF file or --token, not both."))
        valid = _check_token(token, language) if token is not None else _check_file(file, language)
        db.session.rollback()  # read only
        if not valid:
            raise SystemExit(NOT_VALID)
