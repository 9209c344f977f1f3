"""The bounds of every date and year a user types, in one place: the form fields check them as the page is
sent, and the services check them again (the command line, the jobs and the demo call the services without
a form). A browser's date field takes any year from 0001 to 9999: a slip of the keyboard must not become a
certificate dated year 25 or a term in 9999.

``check_*`` raise ``RuleViolation`` (a translated message, for the service's caller); ``*_validator`` wrap
the same check for a WTForms field.
"""
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from diploma.clock import today
from diploma.errors import RuleViolation

# The programme began in 2023; no record of it (a term, a cohort, a graduation) can predate 2000.
FIRST_YEAR = 2000
# Terms and cohorts may be planned ahead, but not further than this many years from today.
YEARS_AHEAD = 10


def last_year():
    """The latest year a term or a cohort may be planned in."""
    return today().year + YEARS_AHEAD


def check_year(value, field=None):
    """A year of a cohort (its first or final academic year): from FIRST_YEAR to ``last_year()``."""
    if value is None or not FIRST_YEAR <= value <= last_year():
        raise RuleViolation(_l("Enter a year from %(first)s to %(last)s.", first=FIRST_YEAR,
                               last=last_year()), field=field)
    return value


def check_planned_date(value, field=None):
    """A date that may lie ahead (a term's start or end): within the years ``check_year`` allows."""
    first, last = date(FIRST_YEAR, 1, 1), date(last_year(), 12, 31)
    if value is None or not first <= value <= last:
        raise RuleViolation(_l("Enter a date from %(first)s to %(last)s.", first=first.isoformat(),
                               last=last.isoformat()), field=field)
    return value


def check_past_date(value, field=None):
    """A date of something that has happened (a graduation): from FIRST_YEAR to today, never ahead."""
    if value is None or value < date(FIRST_YEAR, 1, 1):
        raise RuleViolation(_l("Enter a date from %(first)s to today.",
                               first=date(FIRST_YEAR, 1, 1).isoformat()), field=field)
    if value > today():
        raise RuleViolation(_l("The date cannot be in the future."), field=field)
    return value


def _validator(check):
    def validate(form, field):
        if field.data is None:  # empty or unreadable: the field's own validators speak
            return
        try:
            check(field.data)
        except RuleViolation as violation:
            raise ValidationError(str(violation.message)) from violation
    return validate


year_validator = _validator(check_year)
planned_date_validator = _validator(check_planned_date)
past_date_validator = _validator(check_past_date)
