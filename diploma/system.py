"""Cross-cutting pieces: health check, security headers, error pages."""
from flask import Blueprint, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from diploma.access import public
from diploma.extensions import db
from diploma.i18n import current_language, text_direction

bp = Blueprint("system", __name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

ERROR_MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please go back and try again.")),
    403: (_l("Not allowed"), _l("You do not have permission to open this page.")),
    404: (_l("Page not found"), _l("The page you asked for does not exist or is not available to you.")),
    405: (_l("Not allowed"), _l("This action is not available here.")),
    409: (_l("Changed at the same moment"),
          _l("Nothing was saved: someone else changed the same records at the same moment. Please go back, "
             "check the page and try again.")),
    413: (_l("File too large"), _l("The file you sent is larger than this site accepts.")),
    429: (_l("Too many attempts"), _l("Too many attempts. Please wait a minute and try again.")),
    500: (_l("Something went wrong"),
          _l("An unexpected error occurred. Nothing was saved; please try again in a moment.")),
}


@bp.route("/healthz")
@public
def healthz():
    """For load balancers: 200 when the database answers, 503 when it does not."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except SQLAlchemyError:
        db.session.rollback()
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return jsonify(status="ok" if status == 200 else "error", database=database), status


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


class SecureCookiesOverHttps:
    """WSGI middleware: a cookie set in answer to a request that came over HTTPS (directly, or through a
    trusted proxy's X-Forwarded-Proto, which ProxyFix has applied by then) is marked Secure, so that the
    browser never sends it over plain HTTP. Every cookie: the session, "keep me logged in", the language."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("wsgi.url_scheme") != "https":
            return self.wsgi_app(environ, start_response)

        def start_secure_response(status, headers, exc_info=None):
            return start_response(status, [_secure_header(name, value) for name, value in headers], exc_info)

        return self.wsgi_app(environ, start_secure_response)


def _secure_header(name, value):
    if name.lower() != "set-cookie" or any(part.strip().lower() == "secure" for part in value.split(";")):
        return name, value
    return name, f"{value}; Secure"


def _messages_for(code):
    """The page's title and message: the code's own, else the generic ones of its class (4xx, 5xx)."""
    return ERROR_MESSAGES.get(code) or ERROR_MESSAGES[400 if 400 <= code < 500 else 500]


def render_error(code, detail=None):
    title, message = _messages_for(code)
    try:
        return render_template("errors/error.html", code=code, title=title, message=detail or message), code
    except Exception:  # e.g. the database is down while the page asks for the user
        db.session.rollback()
        title, message = escape(title), escape(detail or message)
        return (f'<!doctype html><html lang="{current_language()}" dir="{text_direction()}">'
                f"<title>{title}</title><h1>{title}</h1><p>{message}</p></html>", code)


def register_error_handlers(app):
    def handle_http_error(error):
        if error.code == 416:  # a range past the end of a file (a player seeking): Werkzeug's own answer
            return error
        body, code = render_error(error.code or 500)
        # The error's own headers stay: Allow on a 405, Retry-After on a 429 …
        headers = [(name, value) for name, value in error.get_headers()
                   if name.lower() not in ("content-type", "content-length")]
        return body, code, headers

    def handle_csrf_error(error):
        return render_error(400, _l("The form had expired or was not sent from this site. "
                                    "Please reload the page and try again."))

    def handle_unexpected_error(error):
        db.session.rollback()
        app.logger.exception("unhandled error")
        return render_error(500)

    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_unexpected_error)
    app.register_error_handler(Exception, handle_unexpected_error)
