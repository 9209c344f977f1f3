"""The forms that start and cancel jobs."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField

from diploma.certificates.issuing import BATCH_ORDERS
from diploma.jobs.kinds import PRINT_FORMATS

LANGUAGE_CHOICES = [("ar", _l("Arabic")), ("en", _l("English"))]
ORDER_LABELS = {"rank": _l("By rank in the cohort"), "name": _l("By name")}
FORMAT_LABELS = {"pdf": _l("One PDF for printing (one page per graduate)"),
                 "zip": _l("A ZIP of one signed PDF per graduate, named by serial number and name")}


class PrintForm(FlaskForm):
    language = RadioField(_l("Language of the certificates"), choices=LANGUAGE_CHOICES, default="ar")
    order = RadioField(_l("Order"), choices=[(order, ORDER_LABELS[order]) for order in BATCH_ORDERS],
                       default="rank")
    format = RadioField(_l("File"), choices=[(kind, FORMAT_LABELS[kind]) for kind in PRINT_FORMATS],
                        default="pdf")


class CancelForm(FlaskForm):
    """The Cancel button (its CSRF token)."""


class StartForm(FlaskForm):
    """A button that starts a job (its CSRF token)."""
