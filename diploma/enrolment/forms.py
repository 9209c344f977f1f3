from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, RadioField
from wtforms.validators import Regexp

from diploma.access import covered_university_id, picks_university
from diploma.forms import REQUIRED, RequiredSelectField, email_field, name_fields, text_field
from diploma.partners.services import university_choices


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


def offer_university_choice(form, language):
    """The form's university field, with every university, for the administrator only
    (``access.picks_university``); anyone else's students belong to their own university."""
    if picks_university():
        form.university_id.choices = university_choices(language)
    else:
        del form.university_id
    return form


def chosen_university_id(form):
    """The university a submitted form covers: the administrator's choice, or the user's own."""
    return covered_university_id(form.university_id.data if "university_id" in form else None)
