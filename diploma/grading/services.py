"""The grading services, as the rest of the app calls them. Each rule lives in one module:

- ``table``: the gradebook as a table (lines, course marks, bands), the class's distribution;
- ``workflow``: who may do what (``gradebook_actions``), submit → publish, return, second round;
- ``marks``: entering marks with optimistic locking, the assessments, a mark's history;
- ``results``: published results (a student's, with the average; any selection's, for the figures).
"""
from diploma.grading.marks import (  # noqa: F401
    CellResult,
    cell_key,
    checked_reason,
    mark_history,
    save_assessments,
    save_marks,
)
from diploma.grading.results import Result, published_results, published_results_of  # noqa: F401
from diploma.grading.table import (  # noqa: F401
    DEFAULT_ASSESSMENTS,
    MarksTable,
    StudentMarks,
    distribution,
    gradebook_of,
    grading_rules_of,
    load_sheet,
)
from diploma.grading.workflow import (  # noqa: F401
    GradebookActions,
    can_edit_assessments,
    editable_attempts,
    gradebook_actions,
    open_second_round,
    publish_gradebook,
    return_gradebook,
    submit_gradebook,
    submitted_gradebooks,
)
