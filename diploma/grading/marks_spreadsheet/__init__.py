"""The gradebook as a spreadsheet, by concern: the file format (export, template, reading a file of marks:
``file_format``), the import workflow (all or nothing, in one step or as a preview then an accept:
``workflow``) and the previewed file kept until it is accepted (``storage``). The names below are the
package's interface, used by the pages and the jobs."""
from diploma.grading.marks_spreadsheet.file_format import (
    ABSENT,
    HEADERS,
    LANGUAGES,
    MAX_ROWS,
    NO_MARKS,
    MarksFile,
    MarksRejected,
    Problem,
    assessment_header,
    export_csv,
    export_table,
    export_xlsx,
    read_marks,
    second_round_header,
    template_columns,
    template_rows,
    template_xlsx,
)
from diploma.grading.marks_spreadsheet.storage import KeptImport, forget_kept, keep_preview, kept_import
from diploma.grading.marks_spreadsheet.workflow import (
    SAVE_CHUNK,
    ImportOutcome,
    MarkChange,
    MarksPreview,
    accept_import,
    import_marks,
    preview_import,
    recheck_import,
)

__all__ = ["ABSENT", "HEADERS", "LANGUAGES", "MAX_ROWS", "NO_MARKS", "SAVE_CHUNK", "ImportOutcome",
           "KeptImport", "MarkChange", "MarksFile", "MarksPreview", "MarksRejected", "Problem",
           "accept_import", "assessment_header", "export_csv", "export_table", "export_xlsx",
           "forget_kept", "import_marks", "keep_preview", "kept_import", "preview_import", "read_marks",
           "recheck_import", "second_round_header", "template_columns", "template_rows", "template_xlsx"]
