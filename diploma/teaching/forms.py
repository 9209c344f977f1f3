from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import IntegerField, TextAreaField, URLField
from wtforms.validators import URL, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from diploma.forms import REQUIRED, ChoicesField, RequiredSelectField, at_most, text_field
from diploma.text import clean_multiline


class OfferingForm(FlaskForm):
    course_id = RequiredSelectField(_l("Course"))
    term_id = RequiredSelectField(_l("Term"))
    capacity = IntegerField(_l("Capacity (students)"), validators=[REQUIRED, NumberRange(min=1, max=1000)])
    lecturer_ids = ChoicesField(_l("Lecturers"), coerce=int, validators=[REQUIRED],
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())


def _body_field(label, required):
    return TextAreaField(label, validators=[REQUIRED if required else Optional(), at_most(20000)],
                         filters=[clean_multiline], render_kw={"rows": 8})


class MaterialForm(FlaskForm):
    title = text_field(_l("Title"))
    week = IntegerField(_l("Week (optional)"), validators=[Optional(), NumberRange(min=1, max=60)])
    topic = text_field(_l("Topic (optional)"), required=False)
    url = URLField(_l("Web address"), validators=[Optional(), at_most(2000),
                                                  URL(message=_l("Enter a valid web address."))])
    body = _body_field(_l("Text (Markdown)"), required=False)
    file = FileField(_l("File"))


class AnnouncementForm(FlaskForm):
    title = text_field(_l("Title"))
    body = _body_field(_l("Announcement"), required=True)
