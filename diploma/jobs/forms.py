"""The forms of the jobs' own pages."""
from flask_wtf import FlaskForm


class CancelForm(FlaskForm):
    """The Cancel button (its CSRF token)."""


class StartForm(FlaskForm):
    """A button that starts a job (its CSRF token)."""
