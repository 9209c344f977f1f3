from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, RadioField
from wtforms.validators import Regexp

from diploma.forms import REQUIRED, RequiredSelectField, email_field, name_fields, text_field


class StudentForm(FlaskForm):
    email = email_field()
    name_ar, name_en = name_fields()
    student_number = text_field(_l("Student number"), 30, extra_validators=[
        Regexp(r"^[A-Za-z0-9/_-]+$", message=_l("Latin letters, digits, '-', '_' and '/' only."))])
    gender = RadioField(_l("Gender"), choices=[("f", _l("Female")), ("m", _l("Male"))], validators=[REQUIRED])
    cohort_id = RequiredSelectField(_l("Cohort"))
    # Shown to the administrator only; a registrar's students belong to the registrar's university.
    university_id = RequiredSelectField(_l("University"))


class ImportForm(FlaskForm):
    """A CSV or XLSX file of students and enrolments (see diploma.enrolment.importing)."""

    file = FileField(_l("File (Excel workbook or CSV)"),
                     validators=[FileRequired(message=_l("Choose a file."))],
                     render_kw={"accept": ".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument."
                                          "spreadsheetml.sheet"})
    # Shown to the administrator only; a registrar imports into their own university.
    university_id = RequiredSelectField(_l("University"))


class ImportConfirmForm(FlaskForm):
    token = HiddenField(validators=[REQUIRED])
