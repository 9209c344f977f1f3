from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import FieldList, FormField
from wtforms.validators import Regexp

from diploma.forms import SubForm
from diploma.forms import text_field as _text

MAX_SIGNATORIES = 3


class SignatoryForm(SubForm):
    title_ar = _text(_l("Title in Arabic"), required=False)
    title_en = _text(_l("Title in English"), required=False)
    name_ar = _text(_l("Name in Arabic"), required=False)
    name_en = _text(_l("Name in English"), required=False)


class UniversityForm(FlaskForm):
    code = _text(_l("Code"), 3, extra_validators=[
        Regexp(r"^[A-Za-z]{3}$", message=_l("Three Latin letters, e.g. BGD."))])
    slug = _text(_l("Short name (for addresses)"), 40, extra_validators=[
        Regexp(r"^[a-z0-9-]+$", message=_l("Lower-case Latin letters, digits and hyphens only."))])
    name_ar = _text(_l("Name in Arabic"))
    name_en = _text(_l("Name in English"))
    city_ar = _text(_l("City in Arabic"), 100)
    city_en = _text(_l("City in English"), 100)
    logo = FileField(_l("Logo (PNG or JPEG, up to 2 MB)"))
    signatories = FieldList(FormField(SignatoryForm), min_entries=MAX_SIGNATORIES,
                            max_entries=MAX_SIGNATORIES)
