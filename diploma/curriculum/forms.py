from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
)
from wtforms.validators import InputRequired, NumberRange, Optional

from diploma.dates import planned_date_validator, year_validator
from diploma.forms import REQUIRED, NumberField, SubForm
from diploma.forms import text_field as _text

ROUNDING_LABELS = (("none", _l("Keep two decimals")), ("whole", _l("Round half up to a whole mark")))
SECOND_ROUND_LABELS = (
    ("no_cap", _l("No cap: the second-round mark counts as it is")),
    ("cap_at_pass", _l("Cap at the pass mark")),
    ("deduction", _l("Deduct a fixed number of marks")),
)
DIGIT_LABELS = (("arabic_indic", _l("Arabic-Indic digits (٠١٢٣)")), ("western", _l("Western digits (0123)")))
SCALE_ROWS = 8


def _mark(label, required=True):
    # InputRequired, not DataRequired: a mark of 0 (a deduction of none, a band from 0) is a real value.
    validators = [InputRequired(message=_l("This field is required.")) if required else Optional(),
                  NumberRange(min=0, max=100, message=_l("Between 0 and 100."))]
    return NumberField(label, validators=validators)


class BandForm(SubForm):
    min_mark = _mark(_l("From mark"), required=False)
    name_ar = _text(_l("Band in Arabic"), 60, required=False)
    name_en = _text(_l("Band in English"), 60, required=False)


class ProgrammeForm(FlaskForm):
    name_ar = _text(_l("Name in Arabic"))
    name_en = _text(_l("Name in English"))
    required_credits = IntegerField(_l("Credits required to graduate"),
                                    validators=[REQUIRED, NumberRange(min=1, max=500)])
    pass_mark = _mark(_l("Pass mark"))
    course_mark_rounding = SelectField(_l("Course marks"), choices=ROUNDING_LABELS)
    second_round_rule = SelectField(_l("Second-round rule"), choices=SECOND_ROUND_LABELS)
    second_round_deduction = _mark(_l("Deduction in the second round"))
    certificate_digits = SelectField(_l("Digits on Arabic certificates"), choices=DIGIT_LABELS)
    bands = FieldList(FormField(BandForm), min_entries=SCALE_ROWS, max_entries=SCALE_ROWS)


class CohortForm(FlaskForm):
    name_ar = _text(_l("Name in Arabic"), 120)
    name_en = _text(_l("Name in English"), 120)
    start_year = IntegerField(_l("First academic year"), validators=[REQUIRED, year_validator])
    end_year = IntegerField(_l("Final academic year"), validators=[REQUIRED, year_validator])


class CourseForm(FlaskForm):
    code = _text(_l("Code"), 20)
    title_ar = _text(_l("Title in Arabic"))
    title_en = _text(_l("Title in English"))
    credits = IntegerField(_l("Credits"), validators=[REQUIRED, NumberRange(min=1, max=30)])
    semester = IntegerField(_l("Semester"), validators=[REQUIRED, NumberRange(min=1, max=8)])
    required = BooleanField(_l("Required course"))


class TermForm(FlaskForm):
    name_ar = _text(_l("Name in Arabic"), 120)
    name_en = _text(_l("Name in English"), 120)
    starts_on = DateField(_l("Starts on"), validators=[REQUIRED, planned_date_validator])
    ends_on = DateField(_l("Ends on"), validators=[REQUIRED, planned_date_validator])
