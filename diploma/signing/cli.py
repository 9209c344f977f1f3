"""``flask --app wsgi keys …``: the programme's root certificate and the universities' signing keys.

    flask --app wsgi keys init                       the root certificate authority (once)
    flask --app wsgi keys issue --university MSL     the university's first key
    flask --app wsgi keys rotate --university MSL    a new key; the old one is retired and stays published
    flask --app wsgi keys list
    flask --app wsgi keys rewrap                     re-wrap keys weaker than SIGNING_KDF_ITERATIONS
    flask --app wsgi keys compromise --university MSL --since 2026-12-01T00:00
                                                     disown a leaked key (its current one, or --key KID)
                                                     and re-sign what it signed with a new key (a command
                                                     of the certificates: diploma.certificates.compromise_cli)
    flask --app wsgi keys ed25519                    the Ed25519 twin (Open Badges proof) of older keys

The private keys are encrypted with SIGNING_PASSPHRASE (or instance/signing_passphrase), whose strength is
checked by ``keys init``.
"""
import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from diploma.cli import CommandError
from diploma.i18n import force_language
from diploma.partners.command_line import university_named, university_option
from diploma.partners.services import all_universities
from diploma.signing import keystore
from diploma.signing.errors import SigningError
from diploma.transactions import unit_of_work

keys_cli = AppGroup("keys", help="Signing keys: the programme's root certificate and the universities' keys.")

LANGUAGE = click.option("--language", type=click.Choice(["ar", "en"]), default="ar", show_default=True,
                        help="Language of the messages.")
UNIVERSITY = university_option()


def _university(code):
    return university_named(code)


def run_keys_work(work):
    """``work()`` in one unit of work; a SigningError becomes the command's translated error."""
    try:
        with unit_of_work():
            return work()
    except SigningError as error:
        raise CommandError(error.message) from error


@keys_cli.command("init")
@LANGUAGE
def init_command(language):
    """Create the programme's root certificate authority."""
    with force_language(language):
        record = run_keys_work(keystore.create_root)
        click.echo(_("The programme's root certificate is created (fingerprint %(fingerprint)s).",
                     fingerprint=record.fingerprint))


def _issue(university_code, language, rotate):
    with force_language(language):
        university = _university(university_code)
        existing = keystore.current_key(university)
        if existing is not None and not rotate:
            raise CommandError(_("%(code)s already has a signing key: use keys rotate to replace it.",
                                 code=university.code))
        if existing is None and rotate:
            raise CommandError(_("%(code)s has no signing key to rotate: use keys issue.",
                                 code=university.code))
        record = run_keys_work(lambda: _new_key(university))
        click.echo(_("New signing key of %(code)s: fingerprint %(fingerprint)s, valid until %(until)s.",
                     code=university.code, fingerprint=record.fingerprint, until=record.not_after.date()))


def _new_key(university):
    """A new key for the university, and its status list signed with it in the same unit of work (a list
    signed by a retired key would still be served until the worker's renewal)."""
    from diploma.signing import status_lists

    record = keystore.issue_key(university)
    status_lists.renew(university)
    return record


@keys_cli.command("issue")
@UNIVERSITY
@LANGUAGE
def issue_command(university_code, language):
    """A university's first signing key, certified by the root."""
    _issue(university_code, language, rotate=False)


@keys_cli.command("rotate")
@UNIVERSITY
@LANGUAGE
def rotate_command(university_code, language):
    """A new key for the university; the old one is retired (what it signed still verifies)."""
    _issue(university_code, language, rotate=True)


@keys_cli.command("list")
@LANGUAGE
def list_command(language):
    """Every key: the root, then each university's, current and retired."""
    with force_language(language):
        root = keystore.root_key()
        if root is None:
            click.echo(_("No root certificate yet (flask --app wsgi keys init)."))
            return
        click.echo(f"ROOT\t{root.fingerprint}\t{root.not_before.date()} – {root.not_after.date()}")
        for record in keystore.keys_of():
            state = _("current") if record.current else _("retired %(date)s", date=record.retired_at.date())
            if record.compromised:
                disowned = record.compromised_at.strftime("%Y-%m-%d %H:%M")
                state += " — " + _("disowned from %(date)s", date=disowned)
            click.echo(f"{record.university.code}\t{record.fingerprint}\t{record.kid}\t"
                       f"{record.not_before.date()} – {record.not_after.date()}\t{state}")


@keys_cli.command("rewrap")
@LANGUAGE
def rewrap_command(language):
    """Re-wrap the keys stored with fewer PBKDF2 iterations than SIGNING_KDF_ITERATIONS (same passphrase)."""
    with force_language(language):
        rewrapped = run_keys_work(keystore.rewrap_keys)
        click.echo(_("%(count)s signing key(s) re-wrapped with %(iterations)s iterations.",
                     count=len(rewrapped), iterations=keystore.kdf_iterations()))


@keys_cli.command("ed25519")
@LANGUAGE
def ed25519_command(language):
    """Give each current university key made before them its Ed25519 twin (the Open Badges proof)."""
    with force_language(language):
        completed = run_keys_work(keystore.add_missing_ed25519_keys)
        click.echo(_("%(count)s signing key(s) given an Ed25519 key for the Open Badges proof.",
                     count=len(completed)))


def ensure_demo_keys():
    """The root and one key per university when missing (the demo; nothing to type). Returns how many
    keys were made."""
    made = 0
    if keystore.root_key() is None:
        keystore.create_root()
        made += 1
    for university in all_universities():
        if keystore.current_key(university) is None:
            keystore.issue_key(university)
            made += 1
    return made + len(keystore.add_missing_ed25519_keys())
