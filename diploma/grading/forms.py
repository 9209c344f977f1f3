"""Forms of the gradebook. The table of marks itself is read by ``read_mark_cells`` (one input per
cell, named ``mark-<enrolment>-<assessment>-<attempt>`` beside ``version-<same key>``)."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, FieldList, FormField, TextAreaField
from wtforms.validators import NumberRange, Optional

from diploma.forms import REQUIRED, NumberField, SubForm, at_most, text_field
from diploma.text import clean_multiline

CELL_NAME = re.compile(r"^mark-(\d{1,9})-(\d{1,9})-([12])$")
MAX_CELLS = 20000


def read_mark_cells(formdata):
    """The typed cells of a posted gradebook: [{enrolment_id, assessment_id, attempt, text, version}]."""
    entries = []
    for name in list(formdata.keys())[:MAX_CELLS]:
        match = CELL_NAME.match(name)
        if not match:
            continue
        key = name.removeprefix("mark-")
        entries.append({
            "enrolment_id": int(match[1]), "assessment_id": int(match[2]), "attempt": int(match[3]),
            "text": formdata.get(name, "")[:40], "version": _version(formdata.get(f"version-{key}", "")),
        })
    return entries


def _version(text):
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


class MarksForm(FlaskForm):
    """The gradebook's save button (CSRF) and, after publication, the reason for a change."""

    reason = TextAreaField(_l("Reason for the change"), validators=[Optional(), at_most(500)],
                           filters=[clean_multiline], render_kw={"rows": 2})


class ImportMarksForm(FlaskForm):
    """A CSV or XLSX file of marks (see diploma.grading.marks_spreadsheet) and, after publication, the
    reason."""

    file = FileField(_l("File (Excel workbook or CSV)"),
                     validators=[FileRequired(message=_l("Choose a file."))],
                     render_kw={"accept": ".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument."
                                          "spreadsheetml.sheet"})
    reason = TextAreaField(_l("Reason for the change"), validators=[Optional(), at_most(500)],
                           filters=[clean_multiline], render_kw={"rows": 2})


class ReturnForm(FlaskForm):
    comment = TextAreaField(_l("Comment for the lecturer"), validators=[REQUIRED, at_most(2000)],
                            filters=[clean_multiline], render_kw={"rows": 3})


class AssessmentRow(SubForm):
    name_ar = text_field(_l("Name in Arabic"), 120, required=False)
    name_en = text_field(_l("Name in English"), 120, required=False)
    weight = NumberField(_l("Weight"), validators=[Optional(), NumberRange(min=0, max=100)])
    max_score = NumberField(_l("Maximum score"), default=100,
                            validators=[Optional(), NumberRange(min=1, max=1000)])
    is_final = BooleanField(_l("Final exam"))


class AssessmentsForm(FlaskForm):
    assessments = FieldList(FormField(AssessmentRow), min_entries=5, max_entries=5)
