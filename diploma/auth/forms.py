from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField
from wtforms.validators import EqualTo, Optional

from diploma.access import ROLES
from diploma.forms import REQUIRED, RequiredSelectField, at_most, email_field, name_fields, optional_int

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "registrar": _l("Registrar"),
    "lecturer": _l("Lecturer"),
    "student": _l("Student"),
}


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField(_l("Password"), validators=[REQUIRED, at_most(1024)])
    remember = BooleanField(_l("Keep me logged in on this device"))


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[REQUIRED, at_most(1024)])
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[REQUIRED,
                                        EqualTo("password", message=_l("The two passwords differ."))])


class LanguageForm(FlaskForm):
    language = HiddenField(validators=[REQUIRED])
    next = HiddenField(validators=[Optional()])


class ConfirmForm(FlaskForm):
    """An empty form: a button that posts with a CSRF token."""


class UserForm(FlaskForm):
    email = email_field()
    name_ar, name_en = name_fields()
    role = RequiredSelectField(_l("Role"), choices=[(role, ROLE_LABELS[role]) for role in ROLES], coerce=str)
    university_id = SelectField(_l("University"), coerce=optional_int,
                                validators=[Optional()])
