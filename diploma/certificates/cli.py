"""``flask --app wsgi certificates …``: issue the certificates of a cohort, print them in one PDF, render one.

    flask --app wsgi certificates issue --university MSL --cohort 1 [--date 2025-07-15]
    flask --app wsgi certificates print --university MSL --cohort 1 -o all.pdf [--language en] [--order name]
    flask --app wsgi certificates render PCS-MSL-2025-0001 -o one.pdf [--language en] [--transcript]

Messages are in Arabic unless ``--language en`` (the language of the PDF too). The PDF module is imported
by the commands that need it: WeasyPrint takes half a second to load, and the app registers this group at
every start.
"""
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import ngettext

from diploma.arabic import number_for_sentence
from diploma.certificates import documents, graduation, issuing, verification
from diploma.certificates.models import CERTIFICATE_DOCUMENT, TRANSCRIPT_DOCUMENT
from diploma.cli import CommandError, check_writable, write_file
from diploma.curriculum.models import Cohort
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.i18n import force_language
from diploma.partners.command_line import university_named, university_option
from diploma.signing.errors import SigningError
from diploma.transactions import unit_of_work

certificates_cli = AppGroup("certificates", help="Graduation certificates: issue, print, render.")

LANGUAGE = click.option("--language", type=click.Choice(["ar", "en"]), default="ar", show_default=True,
                        help="Language of the PDF and of the messages.")
UNIVERSITY = university_option()
COHORT = click.option("--cohort", "cohort_id", type=int, required=True, help="The cohort's number (id).")
# Checked by check_writable, whose refusals are translated (click's own checks speak English only).
OUTPUT = click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
                      help="The PDF file to write.")


def _university_and_cohort(university_code, cohort_id):
    university = university_named(university_code)
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        raise CommandError(_("No cohort has the number %(number)s.", number=cohort_id))
    return university, cohort


def _count(number, cohort, language):
    """A count in a message, in the digits the programme prints its Arabic certificates in (٦ شهادات)."""
    return number_for_sentence(number, language, cohort.programme.certificate_digits)


@certificates_cli.command("issue")
@UNIVERSITY
@COHORT
@click.option("--date", "issued_on", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The graduation date printed on the certificates (YYYY-MM-DD); by default the one the "
                   "graduation report proposes (the cohort's end date). Never in the future, nor before the "
                   "cohort's last published marks.")
@LANGUAGE
def issue_command(university_code, cohort_id, issued_on, language):
    """Issue a certificate to every eligible student of the cohort who has none yet (all or none)."""
    with force_language(language):
        university, cohort = _university_and_cohort(university_code, cohort_id)
        waiting = graduation.graduation_report(university, cohort).awaiting_certificate
        if not waiting:
            click.echo(_("No eligible student is waiting for a certificate."))
            return
        try:
            with unit_of_work():
                issued = issuing.issue_certificates(None, university, cohort,
                                                    [s.student.id for s in waiting],
                                                    issued_on=issued_on.date() if issued_on else None)
        except RuleViolation as violation:
            raise CommandError(violation.message) from violation
        click.echo(ngettext("%(count)s certificate issued:", "%(count)s certificates issued:", len(issued),
                            count=_count(len(issued), cohort, language)))
        click.echo(_("Graduation date: %(date)s", date=issued[0].issued_on.isoformat()))
        for certificate in sorted(issued, key=lambda c: c.number):
            student = certificate.snapshot["student"]
            click.echo(f"  {certificate.serial}\t{student['name_ar' if language == 'ar' else 'name_en']}")


@certificates_cli.command("print")
@UNIVERSITY
@COHORT
@OUTPUT
@LANGUAGE
@click.option("--order", type=click.Choice(issuing.BATCH_ORDERS), default="rank",
              show_default=True, help="Order of the pages: by rank in the cohort, or by name.")
def print_command(university_code, cohort_id, output, language, order):
    """Every valid certificate of the cohort in one PDF, one page each, for printing (signed once, as a
    whole, by the university)."""
    with force_language(language):
        check_writable(output)
        university, cohort = _university_and_cohort(university_code, cohort_id)
        chosen = issuing.printable_certificates(university.id, cohort.id, order=order, language=language)
        if not chosen:
            raise CommandError(_("This cohort has no valid certificate to print."))
        with click.progressbar(length=len(chosen), label=_("Rendering the certificates")) as bar:
            def progress(done, total):
                bar.update(done - bar.pos)

            try:
                data = documents.batch_pdf(university, chosen, language, progress=progress)
            except SigningError as error:
                raise CommandError(error.message) from error
        write_file(output, data)
        click.echo(ngettext("%(count)s certificate written to %(path)s.",
                            "%(count)s certificates written to %(path)s.",
                            len(chosen), count=_count(len(chosen), cohort, language), path=output))


@certificates_cli.command("render")
@click.argument("serial")
@OUTPUT
@LANGUAGE
@click.option("--transcript", is_flag=True, help="The transcript (كشف الدرجات) instead of the certificate.")
def render_command(serial, output, language, transcript):
    """One certificate (or its transcript) as a signed archival PDF (PDF/A-3b, its data and its Open Badges
    credential attached)."""
    with force_language(language):
        check_writable(output)
        certificate = verification.find_by_serial(serial.strip().upper())
        if certificate is None:
            raise CommandError(_("No certificate has the serial number %(serial)s.", serial=serial))
        if not certificate.printable:
            raise CommandError(_("The certificate %(serial)s is revoked: it is not printed.",
                                         serial=certificate.serial))
        kind = TRANSCRIPT_DOCUMENT if transcript else CERTIFICATE_DOCUMENT
        try:
            data = documents.document_bytes(certificate, kind, language)  # the kept file when there is one
        except SigningError as error:
            raise CommandError(error.message) from error
        write_file(output, data)
        click.echo(_("Written to %(path)s.", path=output))
