"""Locale choice and text direction.

The order is the one users expect: their saved preference, then the language cookie, then what the
browser asks for, then Arabic. Arabic is served as ``ar_IQ`` so that dates get the Iraqi month names
(كانون الثاني، شباط ...); message catalogues fall back from ``ar_IQ`` to ``ar``.
"""
from contextlib import contextmanager

from babel import Locale
from flask import current_app, has_request_context, request
from flask_babel import force_locale as _babel_force_locale
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

LANGUAGE_COOKIE = "lang"
# The Babel locale each interface language is rendered in.
LOCALE_OF_LANGUAGE = {"ar": "ar_IQ", "en": "en"}
LANGUAGE_NAMES = {"ar": "العربية", "en": "English"}


def supported_languages():
    return current_app.config["LANGUAGES"]


def choose_language():
    """The interface language of this request: user → cookie → Accept-Language → Arabic."""
    languages = supported_languages()
    if not has_request_context():  # a service or CLI command outside any request: the default
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    try:
        saved = current_user.locale if current_user and current_user.is_authenticated else None
    except SQLAlchemyError:  # the database is down: no user to ask, and the error page still needs a language
        saved = None
    if saved in languages:
        return saved
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie in languages:
        return cookie
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_locale():
    """Flask-Babel's locale selector."""
    return LOCALE_OF_LANGUAGE[choose_language()]


def current_language():
    """'ar' or 'en': the language part of the active locale (for ``<html lang>``)."""
    return get_locale().language


def text_direction(locale=None):
    """'rtl' or 'ltr' for a locale (the current one by default)."""
    locale = locale or get_locale()
    return "rtl" if Locale.parse(locale).character_order == "right-to-left" else "ltr"


@contextmanager
def force_language(language):
    """Render something (a PDF, a CLI message) in a fixed language, whatever the request says."""
    with _babel_force_locale(LOCALE_OF_LANGUAGE[language]):
        yield
