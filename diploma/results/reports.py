"""The report for the donor (التقرير الإحصائي للجهة المانحة): the results' tables as an XLSX workbook (one
sheet per table, headings in the report's language) and as an A4 PDF with the charts. Both show the tables
as the public may see them (``tables.protected``: no count under 5 that splits students), for the web and the
command line alike."""
import io
import re
from datetime import date

from flask import render_template
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from weasyprint import CSS, HTML

from diploma.arabic import format_long_date, number_for_sentence
from diploma.certificates import pdf_engine
from diploma.curriculum.services import the_programme
from diploma.i18n import direction_of_language, force_language
from diploma.results import services
from diploma.results.display import cell_texts, chart_rows, format_figure
from diploma.results.tables import FEWER_THAN_5, PERCENT, TEXT, protected

PDF_STYLESHEET = pdf_engine.PROJECT_ROOT / "templates" / "results" / "pdf" / "report.css"
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def report_figures(scope, language):
    """The figures of the scope in ``language``, every table protected."""
    figures = services.programme_figures(scope, language)
    figures.tables = [protected(table) for table in figures.tables]
    return figures


# --- XLSX ----------------------------------------------------------------------------------------------

def _sheet_title(title, used):
    base = SHEET_TITLE_FORBIDDEN.sub(" ", title)[:28].strip() or "Sheet"
    candidate, number = base, 2
    while candidate in used:
        candidate, number = f"{base[:25]} {number}", number + 1
    used.add(candidate)
    return candidate


def _cell_value(value, column, figures):
    """Numbers stay numbers (a percentage as its number: the heading says '%'); a hidden count, words."""
    if value is FEWER_THAN_5:
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
            if table.note or any(any(v is FEWER_THAN_5 for v in row.cells) for row in table.rows):
                sheet.append([])
                sheet.append([table.note or _privacy_note()])
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()


def _privacy_note():
    return _("A count under 5 that splits students is shown as “fewer than 5”, so that no figure names a "
             "person.")


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
            "made_on": number_for_sentence(format_long_date(date.today()), language, digits)}


def pdf_bytes(figures, scope_labels):
    """The A4 report, rendered with the certificates' WeasyPrint set-up (the bundled Amiri, embedded)."""
    with force_language(figures.language):
        html = render_template("results/pdf/report.html", **report_context(figures, scope_labels),
                               privacy_note=_privacy_note())
    stylesheet = PDF_STYLESHEET.read_text("utf-8")
    fetcher = pdf_engine.LocalFileFetcher([pdf_engine.FONTS])
    toolkit = pdf_engine._toolkit()  # the process's font configuration, and Pango's lock
    with toolkit.lock:
        css = CSS(string=stylesheet, base_url=pdf_engine.BASE_URL, url_fetcher=fetcher,
                  font_config=toolkit.font_config)
        document = HTML(string=html, base_url=pdf_engine.BASE_URL, url_fetcher=fetcher).render(
            font_config=toolkit.font_config, stylesheets=[css])
        return document.write_pdf()
