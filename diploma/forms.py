"""Field helpers shared by the forms of every domain."""
from flask_babel import lazy_gettext as _l
from flask_wtf.i18n import translations as wtforms_translations
from wtforms import DecimalField, EmailField, Form, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, StopValidation, ValidationError

from diploma.text import DECIMAL_PLACES, NumberError, clean_text, parse_decimal

REQUIRED = DataRequired(message=_l("This field is required."))
# WTForms' own Arabic message for a too long value lacks most plural forms, and shows in English.
TOO_LONG = _l("At most %(max)d characters.")
# The first option of a select that must be answered, and the error when it is left on it.
CHOOSE = _l("— choose —")
CHOOSE_ONE = _l("Choose one of the list.")
ONLY_FROM_THE_LIST = _l("Choose only from the list.")


def at_most(limit):
    """Length(max=limit), with a message in the site's languages."""
    return Length(max=limit, message=TOO_LONG)


class SubForm(Form):
    """A form nested in a FlaskForm (a FieldList of FormField). A plain WTForms form would show WTForms'
    own messages ("Not a valid decimal value.") in English; this one shows them in the page's language."""

    class Meta:
        def get_translations(self, form):
            return wtforms_translations


def text_field(label, max_length=200, required=True, extra_validators=()):
    """A one-line text field, cleaned of control and bidi-format characters."""
    validators = [REQUIRED if required else Optional(), at_most(max_length), *extra_validators]
    return StringField(label, filters=[clean_text], validators=validators)


def email_field(label=None):
    return EmailField(label or _l("E-mail"), filters=[clean_text],
                      validators=[REQUIRED, at_most(254),
                                  Email(message=_l("Enter a valid e-mail address."))])


def name_fields():
    """The Arabic four-part name and its English form, as two fields."""
    return (text_field(_l("Name in Arabic (four-part name)")), text_field(_l("Name in English")))


class NumberField(DecimalField):
    """The field of every decimal a form asks for (marks, weights, maximum scores, band minimums), read by
    ``diploma.text.parse_decimal``: Arabic-Indic digits and the Arabic decimal separator are understood, and
    anything but a plain number with at most two decimals ('sNaN', 'Infinity', '1e999999', '-0') is this
    field's translated error — its range validators then do not run. Shown with two decimals."""

    def __init__(self, label=None, validators=None, places=DECIMAL_PLACES, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal"})
        super().__init__(label, validators, places=places, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = parse_decimal(valuelist[0])
        except NumberError as error:
            self.data = None
            raise ValueError(error.reason) from error

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


def optional_int(value):
    """SelectField coercion where the empty choice means None."""
    return int(value) if value not in (None, "", "None") else None


class ChoicesField(SelectMultipleField):
    """Several of a list (checkboxes). A value that is not in the list (a forged or stale form) is refused in
    the page's language: WTForms' own message for it is English only."""

    def pre_validate(self, form):
        if not self.data:
            return
        acceptable = {self.coerce(value) for value, *_rest in self.iter_choices()}
        if any(value not in acceptable for value in self.data):
            raise ValidationError(ONLY_FROM_THE_LIST)


class RequiredSelectField(SelectField):
    """A select that must be answered: its first option is an empty "— choose —", so that nothing is chosen
    for the user (a preselected first option — the role "administrator" of a new account — was taken by
    anyone who did not look), and leaving it empty is the field's error. Its choices are the real ones."""

    def __init__(self, label=None, validators=None, coerce=optional_int, **kwargs):
        validators = [DataRequired(message=CHOOSE_ONE), *(validators or ())]
        super().__init__(label, validators, coerce=coerce, **kwargs)

    def iter_choices(self):
        yield ("", CHOOSE, self.data in (None, ""), {})
        yield from super().iter_choices()

    def pre_validate(self, form):
        if self.data in (None, ""):
            return  # empty: the DataRequired validator says so, in its words
        super().pre_validate(form)
