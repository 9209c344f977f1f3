"""Locale choice and text direction.

The order is the one users expect: their saved preference, then the language a link names (``?lang=en``),
then the language cookie, then what the browser asks for, then Arabic.

The public verification pages (``language_by_link``) set no cookie for a visitor who is not signed in: the
header's language switch is a link to the same page with ``?lang=`` instead of a form with a CSRF token,
so nothing is kept in a session (the page stays a plain read, cheap to answer, and shares nothing).

Arabic is served as ``ar_IQ`` so that dates get the Iraqi month names (كانون الثاني، شباط ...); message
catalogues fall back from ``ar_IQ`` to ``ar``.
"""
import unicodedata
from contextlib import contextmanager
from functools import lru_cache, wraps
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from babel import Locale
from flask import current_app, g, has_request_context, request
from flask_babel import force_locale as _babel_force_locale
from flask_babel import get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup, escape
from sqlalchemy.exc import SQLAlchemyError

LANGUAGE_COOKIE = "lang"
LANGUAGE_PARAMETER = "lang"  # the query parameter of a link in a given language
# The Babel locale each interface language is rendered in.
LOCALE_OF_LANGUAGE = {"ar": "ar_IQ", "en": "en"}
LANGUAGE_NAMES = {"ar": "العربية", "en": "English"}


class NamedInBothLanguages:
    """For a record with ``name_ar`` and ``name_en`` (a model, a frozen band): its name in ``language``."""

    def name(self, language):
        return self.name_ar if language == "ar" else self.name_en


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
    linked = linked_language()
    if linked:
        return linked
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie in languages:
        return cookie
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def linked_language():
    """The language the request's link names (``?lang=ar|en``), or None."""
    language = request.args.get(LANGUAGE_PARAMETER) if has_request_context() else None
    return language if language in supported_languages() else None


def language_by_link(view):
    """Mark a public page whose language switch is a link for visitors not signed in (no session cookie,
    no CSRF token). Signed-in users keep the switch that saves their preference."""
    @wraps(view)
    def marked(*args, **kwargs):
        g.language_by_link = True
        return view(*args, **kwargs)
    return marked


def switches_language_by_link():
    """True when this page's header switches the language with a link: a page marked ``language_by_link``,
    seen by a visitor not signed in."""
    return bool(g.get("language_by_link")) and not current_user.is_authenticated


def in_language(url, language):
    """``url`` (a path with its query) in ``language``: its ``lang`` parameter set, the rest kept."""
    parts = urlsplit(url)
    query = [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True)
             if name != LANGUAGE_PARAMETER]
    return urlunsplit(parts._replace(query=urlencode([*query, (LANGUAGE_PARAMETER, language)])))


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


def template_translations():
    """A context processor: the page's ``_()`` and ``gettext()`` bound to the translations of the locale
    active when the page is rendered (a PDF inside ``force_language`` gets its language). Flask-Babel's own
    callables find the request's locale and catalogue again for every string, a few dozen times a page;
    these look them up once per render. Same output: the translated text, marked safe when autoescaping,
    always formatted with its ``%(name)s`` variables (Jinja's "newstyle" gettext)."""
    lookup = get_translations().ugettext

    @pass_eval_context
    def gettext(eval_context, string, **variables):
        text = lookup(string)
        return (Markup(text) if eval_context.autoescape else text) % variables

    return {"gettext": gettext}


@contextmanager
def force_language(language):
    """Render something (a PDF, a CLI message) in a fixed language, whatever the request says."""
    with _babel_force_locale(LOCALE_OF_LANGUAGE[language]):
        yield


# --- text that users write, in its own direction -----------------------------------------------------
# The interface language says nothing about the language of an announcement, a file name or a person's
# name: an Arabic announcement is read right to left in the English interface too. The language is told
# by the text's letters — the majority of its strong letters, so that an Arabic sentence that begins
# with a course code (``PCS201 …``) or an English one quoting an Arabic name still reads its own way.
_RIGHT_TO_LEFT = {"R", "AL"}


def text_language(text):
    """'ar' when most of the letters of ``text`` are written right to left (Arabic script), 'en' when most
    are written left to right, None when it has no letters (a number, a date, a serial's digits)."""
    text = str(text or "")
    return _remembered_language(text) if len(text) <= REMEMBERED_TEXT_LENGTH else _language_of_letters(text)


# Names, titles and short notes come back on every page that shows them, and the answer depends on the
# text alone: it is remembered per process for the texts up to this length (at most about 8 MB of them).
REMEMBERED_TEXT_LENGTH = 2000


@lru_cache(maxsize=1024)
def _remembered_language(text):
    return _language_of_letters(text)


def _language_of_letters(text):
    right = left = 0
    first = None
    for ch in text:
        bidi = unicodedata.bidirectional(ch) if ch.isalpha() else None
        if bidi in _RIGHT_TO_LEFT:
            right += 1
        elif bidi == "L":
            left += 1
        else:
            continue
        first = first or ("ar" if bidi in _RIGHT_TO_LEFT else "en")
    if right == left:
        return first
    return "ar" if right > left else "en"


def direction_of_language(language):
    return "rtl" if language == "ar" else "ltr"


def _attributes(text):
    language = text_language(text)
    if language is None:
        return {}
    attributes = {"dir": direction_of_language(language)}
    if language != current_language():
        attributes["lang"] = language
    return attributes


def text_attributes(text):
    """The attributes of a block holding user text: ``dir`` from its letters, and ``lang`` when it is not
    in the interface language (`` dir="rtl" lang="ar"`` in the English interface); ``dir="auto"``
    when it has no letters."""
    attributes = _attributes(text) or {"dir": "auto"}
    return Markup("".join(f' {name}="{value}"' for name, value in attributes.items()))


def isolate(text):
    """An inline run of user text (a name, a file name, an e-mail address) isolated in ``<bdi>``, so that
    it neither takes nor gives order to the sentence around it, with its own ``dir`` and ``lang``."""
    attributes = "".join(f' {name}="{value}"' for name, value in _attributes(text).items())
    return Markup(f"<bdi{attributes}>{escape(text if text is not None else '')}</bdi>")


def year_range(start, end):
    """'2023–2025' as one run that never breaks across lines, in the sentence's direction: in Arabic the
    first year on the right, read first (as on the Arabic certificate); in English on the left."""
    return Markup(f'<bdi class="year-range" dir="{text_direction()}">{escape(start)}–{escape(end)}</bdi>')


def name_list(items, method=None):
    """People's or places' names joined the way the interface language joins them ('A, B, and C';
    'أ وب وج'), each isolated in its own direction. With ``method`` ('display_name'), the names are
    ``item.display_name(language)`` in the interface language."""
    from babel.lists import format_list

    if method:
        items = [getattr(item, method)(current_language()) for item in items]
    isolated = [str(isolate(name)) for name in items]
    return Markup(format_list(isolated, locale=get_locale())) if isolated else Markup("")
