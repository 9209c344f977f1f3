"""Bulk import of students and their enrolments from an XLSX workbook or a CSV file.

All or nothing: the whole file is read and checked first (``prepare_import``), every problem reported
with its row (as the spreadsheet numbers it, the header being row 1 when it is the first row) and
column; only a file without problems is applied (``apply_import``), through the enrolment services, in
the caller's transaction. Nothing here commits or looks at the request.
"""
from diploma.enrolment.importing.apply import ImportOutcome, apply_import, new_accounts  # noqa: F401
from diploma.enrolment.importing.checks import ImportPlan, check_sheet, prepare_import  # noqa: F401
from diploma.enrolment.importing.sheet import (  # noqa: F401
    ARABIC_HEADERS,
    COLUMN_LABELS,
    COLUMNS,
    LINK_HEADERS,
    MAX_ROWS,
    XLSX_MIMETYPE,
    ImportRejected,
    header_key,
    links_xlsx,
    problem_at,
    read_sheet,
    template_csv,
    template_xlsx,
)
from diploma.spreadsheets.kept import PENDING_KIND, delete_pending, load_pending, store_pending  # noqa: F401
