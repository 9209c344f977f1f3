"""``flask --app wsgi keys compromise``: a leaked key disowned from a date, and what it signed re-signed
(``diploma.certificates.compromise``). A command of the ``keys`` group, defined here because re-signing
is the certificates' work: signing knows no certificate.

    flask --app wsgi keys compromise --university MSL --since 2026-12-01T00:00
    flask --app wsgi keys compromise --key KID --since 2026-12-01T00:00
"""
from datetime import UTC, datetime

import click
from flask_babel import gettext as _

from diploma.certificates.compromise import disown_key
from diploma.cli import CommandError
from diploma.i18n import force_language
from diploma.partners.command_line import university_named, university_option
from diploma.signing import keystore
from diploma.signing.cli import LANGUAGE, keys_cli, run_keys_work


def _key_to_disown(university_code, kid):
    if kid is not None:
        record = keystore.key_by_kid(kid)
        if record is None:
            raise CommandError(_("No university key has the kid %(kid)s (see keys list).", kid=kid))
        if university_code is not None and record.university.code != university_named(university_code).code:
            raise CommandError(_("The key %(kid)s is not a key of %(code)s.", kid=kid, code=university_code))
        return record
    if university_code is None:
        raise CommandError(_("Name the key to disown: --university CODE (its current key) or --key KID."))
    university = university_named(university_code)
    record = keystore.current_key(university)
    if record is None:
        raise CommandError(_("%(code)s has no signing key to disown.", code=university.code))
    return record


def _moment(text):
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise CommandError(_("%(value)s is not a date and time: write it as 2026-12-01T00:00 (UTC).",
                             value=text)) from error
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo is not None else moment


@keys_cli.command("compromise")
@university_option(required=False)
@click.option("--key", "kid", help="The key's kid (JWK thumbprint, or its first 8 characters or more).")
@click.option("--since", required=True,
              help="From when the key is no longer trusted (UTC), e.g. 2026-12-01T00:00.")
@LANGUAGE
def compromise_command(university_code, kid, since, language):
    """Disown a leaked key from a date: its tokens signed from then on are refused everywhere; a new key is
    issued if it was current, and every certificate it signed is re-signed with it (same serials)."""
    with force_language(language):
        record = _key_to_disown(university_code, kid)
        moment = _moment(since)
        certificates = run_keys_work(lambda: disown_key(None, record, moment))
        click.echo(_("The key %(fingerprint)s of %(code)s is disowned from %(date)s UTC; %(count)s "
                     "certificate(s) re-signed with the key %(current)s.",
                     fingerprint=record.fingerprint, code=record.university.code,
                     date=moment.strftime("%Y-%m-%d %H:%M"), count=len(certificates),
                     current=keystore.current_key(record.university).fingerprint))
