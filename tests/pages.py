"""What the view tests ask of a response, and of the database around a request."""
from html.parser import HTMLParser
from urllib.parse import urlsplit

from flask_babel import gettext
from markupsafe import escape
from werkzeug.datastructures import MultiDict

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


class _ConfirmationForm(HTMLParser):
    """The form of a confirmation page (templates/_confirm.html): its action and hidden fields."""

    def __init__(self):
        super().__init__()
        self.action, self.fields, self.inside = None, [], False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and attributes.get("data-testid") == "confirm-form":
            self.action, self.inside = attributes["action"], True
        elif tag == "input" and self.inside and attributes.get("type") == "hidden":
            self.fields.append((attributes["name"], attributes.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def confirmation_form(response):
    """(action, fields) of the confirmation page ``response`` shows; AssertionError when it shows none."""
    parser = _ConfirmationForm()
    parser.feed(page_of(response))
    assert parser.action is not None, f"no confirmation page ({response.status_code})"
    return parser.action, MultiDict(parser.fields)


def confirm(client, response, **kwargs):
    """Press the Confirm button of the confirmation page ``response`` shows, as a browser would."""
    action, fields = confirmation_form(response)
    return client.post(action, data=fields, **kwargs)


def confirm_if_asked(client, response, **kwargs):
    """Confirm when ``response`` is a confirmation page; any other answer (a refusal, the form again with
    its errors) as it is."""
    parser = _ConfirmationForm()
    parser.feed(page_of(response))
    return confirm(client, response, **kwargs) if parser.action is not None else response
