"""How a command line names a university: by its code (``KRB``) or its slug (``karbala``), in any case."""
import click
from flask_babel import gettext as _

from diploma.cli import CommandError
from diploma.partners.services import find_university_by_code_or_slug, university_names_for_commands

UNIVERSITY_HELP = "The university's code or slug (e.g. MSL or mosul)."


def university_option(required=True):
    return click.option("--university", "university_code", required=required, help=UNIVERSITY_HELP)


def university_named(value):
    """The university a command names, or a translated refusal listing the accepted values."""
    university = find_university_by_code_or_slug(value)
    if university is None:
        raise CommandError(_("No university has the code or name %(value)s. Use one of: %(valid)s.",
                             value=value, valid=university_names_for_commands()))
    return university
