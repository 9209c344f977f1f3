"""The report for the donor (التقرير الإحصائي للجهة المانحة): the results' tables as an XLSX workbook (one
sheet per table, headings in the report's language) and as an A4 PDF with the charts. Both show the tables
as they may be published (``published.published_figures``, through the one suppression rule), for the web and
the command line alike."""
import io
import re

from flask import render_template
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from weasyprint import CSS, HTML

from diploma.arabic import format_long_date, number_for_sentence
from diploma.certificates import pdf_engine
from diploma.clock import today
from diploma.curriculum.services import the_programme
from diploma.i18n import direction_of_language, force_language
from diploma.results.display import cell_texts, chart_rows, format_figure, privacy_note
from diploma.results.published import published_figures
from diploma.results.suppression import HIDDEN
from diploma.results.tables import PERCENT, TEXT

PDF_STYLESHEET = pdf_engine.PROJECT_ROOT / "templates" / "results" / "pdf" / "report.css"
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def report_figures(scope, language):
    """The figures of the scope in ``language`` as they may be published (``published_figures``)."""
    return published_figures(scope, language)


# --- XLSX ----------------------------------------------------------------------------------------------

def _sheet_title(title, used):
    base = SHEET_TITLE_FORBIDDEN.sub(" ", title)[:28].strip() or "Sheet"
    candidate, number = base, 2
    while candidate in used:
        candidate, number = f"{base[:25]} {number}", number + 1
    used.add(candidate)
    return candidate


def _cell_value(value, column, figures):
    """Numbers stay numbers (a percentage as its number: the heading says '%'); a withheld figure, words."""
    if value is HIDDEN:
        return format_figure(value, column.kind, figures.language, figures.digits)
    return value


def _heading(column):
    return f"{column.label} (%)" if column.kind == PERCENT else column.label


def workbook_bytes(figures):
    with force_language(figures.language):
        workbook = Workbook()
        workbook.remove(workbook.active)
        used = set()
        for table in figures.tables:
            sheet = workbook.create_sheet(_sheet_title(table.title, used))
            sheet.sheet_view.rightToLeft = figures.language == "ar"
            sheet.append([table.title])
            sheet.append([_heading(column) for column in table.columns])
            for row in table.rows:
                values = zip(row.cells, table.columns[1:], strict=True)
                sheet.append([row.label, *(_cell_value(value, column, figures) for value, column in values)])
            for row_cells in sheet.iter_rows(min_row=1):
                for cell in row_cells:
                    if isinstance(cell.value, str):
                        cell.data_type = "s"  # a label is text, never a formula
            sheet["A1"].font = Font(bold=True, size=13)
            for cell in sheet[2]:
                cell.font = Font(bold=True)
            sheet.freeze_panes = "B3"
            sheet.column_dimensions["A"].width = 40
            if not table.rows:
                sheet.append([_("No figures yet.")])
            notes = [table.note] if table.note else []
            if any(any(v is HIDDEN for v in row.cells) for row in table.rows):
                notes.append(privacy_note(figures.language, figures.digits))
            if notes:
                sheet.append([])
                for note in notes:
                    sheet.append([note])
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()


# --- PDF -----------------------------------------------------------------------------------------------

def report_context(figures, scope_labels):
    """What the report's template shows: plain values only."""
    programme = the_programme()
    language, digits = figures.language, figures.digits
    tables = [{"table": table, "cells": cell_texts(table, language, digits),
               "chart": chart_rows(table, language, digits),
               "numeric": [column.kind != TEXT for column in table.columns[1:]]} for table in figures.tables]
    return {"language": language, "direction": direction_of_language(language),
            "programme_name": programme.name(language) if programme else "",
            "tables": tables, "scope_labels": scope_labels,
            "made_on": number_for_sentence(format_long_date(today()), language, digits)}


def pdf_bytes(figures, scope_labels):
    """The A4 report, rendered with the certificates' WeasyPrint set-up (the bundled Amiri, embedded)."""
    with force_language(figures.language):
        html = render_template("results/pdf/report.html", **report_context(figures, scope_labels),
                               privacy_note=privacy_note(figures.language, figures.digits))
    stylesheet = PDF_STYLESHEET.read_text("utf-8")
    fetcher = pdf_engine.LocalFileFetcher([pdf_engine.FONTS])
    toolkit = pdf_engine._toolkit()  # the process's font configuration, and Pango's lock
    with toolkit.lock:
        css = CSS(string=stylesheet, base_url=pdf_engine.BASE_URL, url_fetcher=fetcher,
                  font_config=toolkit.font_config)
        document = HTML(string=html, base_url=pdf_engine.BASE_URL, url_fetcher=fetcher).render(
            font_config=toolkit.font_config, stylesheets=[css])
        return document.write_pdf()
