"""The results pages (administrator: programme-wide; registrar: their university; lecturer: their own
offerings), the donor's report (XLSX, PDF) and the public page "the programme in numbers"."""
from io import BytesIO

from flask import render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user

from diploma.access import ADMIN, LECTURER, REGISTRAR, may_use, picks_university, public, roles
from diploma.clock import today
from diploma.i18n import current_language, force_language
from diploma.results import bp, reports, services
from diploma.results.display import cell_texts, chart_rows, format_figure, privacy_note
from diploma.results.forms import read_filters
from diploma.results.published import published_figures, published_public_figures
from diploma.results.scope import scope_for
from diploma.results.tables import TEXT

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LANGUAGES = ("ar", "en")


def _shown(figures, tables=None):
    """Each table with its cells as text and its chart's bars, for the templates."""
    language, digits = figures.language, figures.digits
    return [{"table": table, "cells": cell_texts(table, language, digits),
             "chart": chart_rows(table, language, digits),
             "numeric": [column.kind != TEXT for column in table.columns[1:]]}
            for table in (tables if tables is not None else figures.tables)]


def _filtered_scope(language=None):
    """The scope the current user may see with the filters of the request, and the filters (with errors)."""
    language = language or current_language()
    filters = read_filters(request.args, services.filter_choices(current_user), language)
    scope = scope_for(current_user, university_id=filters.value("university"),
                      cohort_id=filters.value("cohort"), year=filters.value("year"))
    return scope, filters


def _scope_labels(filters):
    labels = []
    names = {"cohort": _("Cohort"), "university": _("University"), "year": _("Academic year")}
    for name, heading in names.items():
        chosen = filters.value(name)
        label = dict(filters.choices[name]).get(chosen) if chosen is not None else None
        if label is None and name == "university" and not picks_university():
            label = current_user.university_id and _own_university_name()
        labels.append((heading, label or _("All")))
    return labels


def _own_university_name():
    from diploma.partners.services import university_of

    university = university_of(current_user)
    return university.name(current_language()) if university else None


@bp.route("/results")
@roles(ADMIN, REGISTRAR, LECTURER)
def index():
    scope, filters = _filtered_scope()
    figures = published_figures(scope, current_language())
    return render_template("results/index.html", figures=figures, shown=_shown(figures), filters=filters,
                           privacy_note=privacy_note(figures.language, figures.digits),
                           scope=scope, can_report=may_use(current_user, "results.report_xlsx"),
                           filter_query=_filter_query(filters))


def _filter_query(filters):
    return {name: value for name, value in filters.chosen.items() if value is not None}


def _report_language():
    language = request.args.get("language")
    return language if language in LANGUAGES else current_language()


def _report_name(extension):
    return f"programme-in-numbers-{today().isoformat()}.{extension}"


def _report(make, mimetype, extension):
    """The report of the filtered scope, in the language asked for, as a file: ``make(figures, language,
    filters)`` gives its bytes."""
    language = _report_language()
    scope, filters = _filtered_scope(language)
    figures = reports.report_figures(scope, language)
    return _download(make(figures, language, filters), mimetype, _report_name(extension))


def _pdf_bytes(figures, language, filters):
    with force_language(language):
        labels = _scope_labels(filters)
    return reports.pdf_bytes(figures, labels)


@bp.route("/results/report.xlsx")
@roles(ADMIN, REGISTRAR)
def report_xlsx():
    return _report(lambda figures, _language, _filters: reports.workbook_bytes(figures), XLSX_MIMETYPE,
                   "xlsx")


@bp.route("/results/report.pdf")
@roles(ADMIN, REGISTRAR)
def report_pdf():
    return _report(_pdf_bytes, "application/pdf", "pdf")


def _download(data, mimetype, name):
    response = send_file(BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/in-numbers")
@public
def in_numbers():
    """The programme in numbers (البرنامج بالأرقام), for anyone: headline figures, small counts hidden."""
    figures = published_public_figures(current_language())
    if figures is None:
        return render_template("results/public.html", figures=None, shown=[], headline=[])
    headline, tables = figures.tables[0], figures.tables[1:]
    return render_template("results/public.html", figures=figures, shown=_shown(figures, tables),
                           headline=_headline_items(figures, headline),
                           privacy_note=privacy_note(figures.language, figures.digits))


def _headline_items(figures, headline):
    """(value as text, label) of each headline figure: the people counts from the protected "headline"
    table, then the programme's facts (universities, cohorts, courses taught), which count nobody."""
    language, digits = figures.language, figures.digits
    people = [(format_figure(value, column.kind, language, digits), column.label)
              for value, column in zip(headline.rows[0].cells, headline.columns[1:], strict=True)]
    facts = figures.facts
    return [
        people[0],
        (format_figure(facts["universities"], "count", language, digits), _("universities taking part")),
        (format_figure(facts["cohorts"], "count", language, digits), _("cohorts")),
        (format_figure(facts["courses_taught"], "count", language, digits), _("courses taught")),
        *people[1:],
    ]
