"""Small helpers shared by the views of every domain."""
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request
from flask_babel import gettext as _
from markupsafe import escape
from werkzeug.routing import IntegerConverter

from diploma.errors import RuleViolation
from diploma.extensions import db

PAGE_SIZE = 25  # rows a page of a long list: quick on a phone on a slow connection


class DatabaseIdConverter(IntegerConverter):
    """``<int:…>`` within the range of the database's integer columns: a larger number is no record's id
    (404), not an overflow in the database driver (500)."""

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, *args, **{"max": 2**31 - 1, **kwargs})


def writes_nothing(view):
    """Marks a view that writes nothing even on POST (verify by upload): on SQLite its transactions begin
    deferred, as a GET's, and never take the write lock (see diploma._begin_sqlite_transaction)."""
    view.writes_nothing = True
    return view


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def request_writes_nothing():
    """Whether the current request's view is marked ``writes_nothing``."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return getattr(view, "writes_nothing", False)


def request_may_write():
    """Whether the current request may write: not a GET, HEAD or OPTIONS, nor a view marked
    ``writes_nothing`` (the commit point commits only such a request; SQLite begins it as a writer)."""
    return request.method not in SAFE_METHODS and not request_writes_nothing()


def public_base_url():
    """The site's public address (PUBLIC_BASE_URL), without a trailing slash."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def absolute_url(endpoint, **values):
    """An absolute address on the site, for links that leave it (QR codes, set-password links, the
    command line's output). Always on the configured public address: the Host header of a request is
    the sender's to choose, and a link built on it could point anywhere."""
    base = urlsplit(public_base_url())
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def is_safe_next(target):
    """Only a path on this site may be a redirect target (no scheme, no host, no '//')."""
    if not target or not isinstance(target, str) or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//") \
        and "\\" not in target


def apply_rule_violation(form, violation):
    """Show a service's refusal on the form field it concerns, or on the form as a whole."""
    field = getattr(form, violation.field, None) if violation.field else None
    if field is not None:
        field.errors = [*field.errors, str(violation.message)] if isinstance(field.errors, list) \
            else [str(violation.message)]
    else:
        form.form_errors.append(str(violation.message))


def save_or_show(form, change):
    """Run ``change`` (a call to a service) for a submitted form: returns ``(True, its result)``, committed
    by the commit point (diploma.commit_point) once the view has answered. When a business rule refuses it,
    roll back, show the refusal on the form and return ``(False, None)``, so that the view shows the form
    again."""
    try:
        result = change()
    except RuleViolation as violation:
        db.session.rollback()
        apply_rule_violation(form, violation)
        return False, None
    return True, result


def change_or_flash(change):
    """Run ``change`` (a call to a service) for a button with no form to show errors on and return True
    (the commit point commits it); or roll back, flash the refusal and return False."""
    try:
        change()
    except RuleViolation as violation:
        db.session.rollback()
        flash(str(violation.message), "error")
        return False
    return True


def int_arg(name):
    """A positive integer query parameter, or None when missing or malformed."""
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


def page_number():
    number = int_arg("page")
    return number if number and number < 100000 else 1


def paginate(query, per_page=PAGE_SIZE):
    from diploma.extensions import db

    return db.paginate(query, page=page_number(), per_page=per_page, error_out=False)


def activation_message(user):
    return _("The account was activated.") if user.active else _("The account was deactivated.")


def human_size(size):
    """A file size for people: '820 KB', '3.4 MB' (in the active language)."""
    size = size or 0
    if size < 1024 * 1024:
        return _("%(size)s KB", size=max(1, round(size / 1024)))
    return _("%(size)s MB", size=round(size / (1024 * 1024), 1))


# The header a page's script sends with its "seen" POST (static/js/seen.js): answered with 204, no page.
SEEN_BEACON_HEADER = "X-Seen-Beacon"


def seen_answer(page_url):
    """The answer to a page's "seen" POST (templates/_seen.html): nothing to the page's own script, and
    back to the page after the button (without JavaScript)."""
    if request.headers.get(SEEN_BEACON_HEADER):
        return "", 204
    return redirect(page_url)


# --- confirming an irreversible action -----------------------------------------------------------

CONFIRM_FIELD = "confirm"
CONFIRMED = "yes"
# What a confirmation page never carries over from the form it confirms: the token (the page has its own).
NOT_CARRIED = frozenset({"csrf_token", CONFIRM_FIELD})


def confirmed():
    """Whether this request is the Confirm button of a confirmation page (a POST with ``confirm=yes``). An
    irreversible action acts only then; any other request of it (a GET, the page's own button, a POST made
    without the confirmation) is answered with its confirmation page, which changes nothing."""
    return request.method == "POST" and request.form.get(CONFIRM_FIELD) == CONFIRMED


def filled(sentence, **values):
    """A translated sentence with its values put in, as HTML: the values escaped, but those made with
    ``diploma.i18n.isolate`` (user text: a title, a comment), which stay isolated in their own direction."""
    return escape(sentence).format(**values)


def confirmation_page(*, title, sentence, button, cancel_url, details=(), carry=None, danger=False):
    """The one confirmation page (templates/_confirm.html) of an irreversible action: what will happen and
    to whom (``sentence``, and ``details`` to list, in the page's language), a Confirm button that posts
    back to the same address with ``confirm=yes`` and a CSRF token, carrying what the user typed in the
    form being confirmed (``carry``: the posted form), and a Cancel link back. It works without JavaScript
    and writes nothing."""
    carried = [(name, value) for name, values in (carry.lists() if carry is not None else ())
               if name not in NOT_CARRIED for value in values]
    action = request.full_path if request.query_string else request.path
    return render_template("_confirm.html", title=title, sentence=sentence, details=list(details),
                           button=button, cancel_url=cancel_url, carried=carried, action=action,
                           confirm_field=CONFIRM_FIELD, confirmed_value=CONFIRMED, danger=danger)
