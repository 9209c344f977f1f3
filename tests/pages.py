"""What the view tests ask of a response, and of the database around a request."""
from urllib.parse import urlsplit

from flask_babel import gettext
from markupsafe import escape

from diploma.extensions import db
from diploma.i18n import force_language


def database_state():
    """Every row of every table, to compare before and after a request."""
    db.session.expire_all()
    return {table.name: sorted(repr(tuple(row)) for row in db.session.execute(table.select()))
            for table in db.metadata.sorted_tables}


def redirects_to_login(response):
    return response.status_code == 302 and urlsplit(response.headers.get("Location", "")).path == "/login"


def shown(message, language="ar", **values):
    """A message as a page in ``language`` shows it: translated, formatted, then HTML-escaped."""
    with force_language(language):
        return str(escape(gettext(message, **values)))


def page_of(response):
    return response.get_data(as_text=True)
