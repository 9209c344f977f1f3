"""``flask --app wsgi enrolment import FILE --university CODE``: the bulk enrolment import, without the
preview: the file is checked, then applied and committed, or refused as a whole with every problem."""
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from diploma.auth import services as accounts
from diploma.cli import check_writable, site_url, write_file
from diploma.enrolment import importing
from diploma.extensions import db
from diploma.i18n import force_language
from diploma.partners.command_line import university_named, university_option
from diploma.transactions import unit_of_work

enrolment_cli = AppGroup("enrolment", help="Students and enrolments.")


def _set_password_links(students):
    """(student, link) pairs with fresh tokens; PUBLIC_BASE_URL (or BASE_URL) sets the links' site."""
    return [(student, site_url("auth.set_password", token=accounts.make_password_token(None, student.user)))
            for student in students]


def _report_problems(problems):
    click.echo(_("The file was not imported; nothing was saved. Correct these problems and run the "
                 "command again:"), err=True)
    for problem in problems:
        click.echo(f"  {problem}", err=True)


def _report_outcome(outcome, language):
    click.echo(_("The file was imported at %(university)s.", university=outcome.university.name(language)))
    click.echo(_("New students (accounts created): %(count)s", count=len(outcome.new_students)))
    click.echo(_("Students already registered: %(count)s", count=len(outcome.existing_students)))
    click.echo(_("Enrolments added: %(count)s", count=len(outcome.enrolments)))
    for summary in outcome.per_offering:
        offering = summary.offering
        click.echo("  " + _("%(code)s %(course)s, %(term)s: %(added)s added, %(enrolled)s of %(capacity)s "
                            "seats taken", code=offering.course.code, course=offering.title(language),
                            term=offering.term.name(language), added=summary.added,
                            enrolled=summary.enrolled_after, capacity=offering.capacity))


def _run(path, university_code, language, links_file):
    university = university_named(university_code)
    plan = importing.prepare_import(university, path.read_bytes())
    if not plan.ok:
        db.session.rollback()
        _report_problems(plan.problems)
        return False
    try:
        with unit_of_work(), click.progressbar(length=plan.steps, label=_("Importing")) as bar:
            outcome = importing.apply_import(None, plan, on_step=lambda: bar.update(1))
            links = _set_password_links(outcome.new_students)
    except importing.ImportRejected as rejected:
        _report_problems(rejected.problems)
        return False
    _report_outcome(outcome, language)
    if links and links_file:
        write_file(links_file, importing.links_xlsx(links))
        click.echo(_("The set-password links of the new accounts were written to %(path)s.", path=links_file))
    elif links:
        click.echo(_("Set-password links of the new accounts (each works once):"))
        for student, link in links:
            click.echo(f"  {student.student_number}\t{student.user.email}\t{link}")
    return True


@enrolment_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@university_option()
@click.option("--language", type=click.Choice(["ar", "en"]), default="ar", show_default=True,
              help="Language of the report.")
@click.option("--links", "links_file", type=click.Path(path_type=Path),
              help="Write the new accounts' set-password links to this XLSX file instead of printing them.")
def import_command(file, university_code, language, links_file):
    """Import students and their enrolments from an XLSX or CSV file (all rows or none)."""
    with force_language(language):
        if links_file:
            check_writable(links_file)
        imported = _run(file, university_code, language, links_file)
    if not imported:
        raise SystemExit(1)
