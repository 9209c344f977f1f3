"""Forms of the certificates pages: issuing a batch, revoking, and the public verification form.

The students chosen for issuing are read by ``read_student_ids`` (one checkbox per eligible student,
named ``student_id``): the service decides whether the choice is acceptable, so the form only keeps
what looks like an id.
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import Optional

from diploma.dates import past_date_validator
from diploma.forms import REQUIRED, at_most
from diploma.text import clean_text

STUDENT_FIELD = "student_id"
MAX_CHOSEN = 5000
LANGUAGES = ("ar", "en")
# Arabic-Indic and Persian digits, as a phone keyboard may type them, to the Latin digits of serials.
_LATIN_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def read_student_ids(formdata):
    """The ids of the ticked students, in the order posted, without duplicates or malformed values."""
    ids = []
    for value in formdata.getlist(STUDENT_FIELD)[:MAX_CHOSEN]:
        if value.isascii() and value.isdigit() and len(value) < 10 and int(value) not in ids:
            ids.append(int(value))
    return ids


def serial_text(value):
    """A typed serial as printed: no stray spaces, upper case, Latin digits."""
    value = clean_text(value)
    return value.translate(_LATIN_DIGITS).upper() if value else value


def choice_arg(args, name, choices):
    """A query parameter that must be one of ``choices``; the first choice when missing or unknown."""
    value = args.get(name, "")
    return value if value in choices else choices[0]


class IssueForm(FlaskForm):
    """The button that issues the ticked students' certificates, with the graduation date they state
    (proposed by the page; left empty, the service takes the same proposal). Ids: see above."""

    issued_on = DateField(_l("Graduation date"), validators=[Optional(), past_date_validator],
                          render_kw={"dir": "ltr"})


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason for revoking"), filters=[clean_text],
                           validators=[REQUIRED, at_most(1000)], render_kw={"rows": 3})


class ReinstateForm(FlaskForm):
    """Undo a revocation: the certificate is valid again; the reason is kept in the audit trail."""

    reason = TextAreaField(_l("Reason for reinstating"), filters=[clean_text],
                           validators=[REQUIRED, at_most(1000)], render_kw={"rows": 3})


VERIFY_FIELD_LENGTH = 100  # the serial and code fields' length; the not-found page keeps this much


class VerifyForm(FlaskForm):
    """Sent with GET (nothing changes): no CSRF token, so that a verification link can be shared."""

    class Meta:
        csrf = False

    serial = StringField(_l("Serial number"), filters=[serial_text],
                         validators=[REQUIRED, at_most(VERIFY_FIELD_LENGTH)],
                         render_kw={"dir": "ltr", "autocomplete": "off", "spellcheck": "false"})
    code = StringField(_l("Verification code"), filters=[clean_text],
                       validators=[REQUIRED, at_most(VERIFY_FIELD_LENGTH)],
                       render_kw={"dir": "ltr", "autocomplete": "off", "spellcheck": "false"})


class VerifyUploadForm(FlaskForm):
    """A PDF to check. It changes nothing and is never stored, like the serial-and-code form: no CSRF
    token (the view is exempt too, so that the upload is read in memory by the view alone)."""

    class Meta:
        csrf = False

    file = FileField(_l("The certificate's PDF file"),
                     validators=[FileRequired(message=_l("Choose the PDF file of the certificate."))],
                     render_kw={"accept": "application/pdf,.pdf"})


class CorrectionForm(FlaskForm):
    """A correction: the graduate's names as they must be printed, the graduation date, and why."""

    name_ar = StringField(_l("Name in Arabic (four-part name)"), filters=[clean_text],
                          validators=[REQUIRED, at_most(200)])
    name_en = StringField(_l("Name in English"), filters=[clean_text], validators=[REQUIRED, at_most(200)],
                          render_kw={"dir": "ltr"})
    issued_on = DateField(_l("Graduation date"), validators=[REQUIRED, past_date_validator],
                          render_kw={"dir": "ltr"})
    # Its own id: the revoking form on the same page has a "reason" too.
    reason = TextAreaField(_l("Reason for the correction"), filters=[clean_text], id="correction_reason",
                           validators=[REQUIRED, at_most(1000)], render_kw={"rows": 3})
