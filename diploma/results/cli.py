"""``flask --app wsgi reports …``: the donor's report from the command line.

    flask --app wsgi reports programme --language ar -o report.pdf
    flask --app wsgi reports programme --language en -o report.xlsx --university MSL --cohort 1 --year 2023

The file's extension chooses the format (.pdf or .xlsx). Messages are in the report's language. The report is
the programme-wide one (the administrator's), with the same figures, protected the same way, as the results
page's downloads.
"""
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from diploma.cli import CommandError, check_writable, write_file
from diploma.curriculum.models import Cohort
from diploma.extensions import db
from diploma.i18n import force_language
from diploma.partners.command_line import university_named, university_option
from diploma.results import reports, services
from diploma.results.scope import Scope

reports_cli = AppGroup("reports", help="Reports: the programme in numbers, for the donor (PDF or XLSX).")
FORMATS = (".pdf", ".xlsx")


def _scope(university_code, cohort_id, year):
    university_id = None
    if university_code:
        university_id = university_named(university_code).id
    if cohort_id is not None and db.session.get(Cohort, cohort_id) is None:
        raise CommandError(_("No cohort has the number %(number)s.", number=cohort_id))
    if year is not None and year not in services.academic_years():
        raise CommandError(_("No term begins in the academic year %(year)s.", year=f"{year}–{year + 1}"))
    return Scope(university_id=university_id, cohort_id=cohort_id, year=year)


def _labels(scope, language):
    from diploma.partners.models import University

    def name(model, ident):
        record = db.session.get(model, ident) if ident is not None else None
        return record.name(language) if record is not None else _("All")

    year = f"{scope.year}–{scope.year + 1}" if scope.year is not None else _("All")
    return [(_("Cohort"), name(Cohort, scope.cohort_id)),
            (_("University"), name(University, scope.university_id)), (_("Academic year"), year)]


@reports_cli.command("programme")
@click.option("--language", type=click.Choice(["ar", "en"]), default="ar", show_default=True,
              help="Language of the report and of the messages.")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="The file to write: .pdf (A4, with the charts) or .xlsx (one sheet per table).")
@university_option(required=False)
@click.option("--cohort", "cohort_id", type=int, help="Only this cohort (its number).")
@click.option("--year", type=int, help="Only this academic year (the year it begins: 2023 for 2023–2024).")
def programme_command(language, output, university_code, cohort_id, year):
    """The programme in numbers, for the donor: the results' tables (counts under 5 hidden)."""
    with force_language(language):
        suffix = output.suffix.lower()
        if suffix not in FORMATS:
            raise CommandError(_("Give a file name ending in .pdf or .xlsx."))
        check_writable(output)
        if services.the_programme() is None:
            raise CommandError(_("There is no programme yet: nothing to report."))
        scope = _scope(university_code, cohort_id, year)
        figures = reports.report_figures(scope, language)
        data = reports.pdf_bytes(figures, _labels(scope, language)) if suffix == ".pdf" \
            else reports.workbook_bytes(figures)
        write_file(output, data)
        click.echo(_("Written to %(path)s.", path=output))
