"""The public verification pages answer a visitor who is not signed in without a cookie: no session, no CSRF
token; the language is chosen by link (``?lang=ar|en``) and the header's switch is such a link. The status
is still read at every look and every look is counted; signed-in users keep the switch that saves their
preference."""
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from diploma.certificates import verification
from diploma.i18n import in_language
from tests.certificates.test_verification import certificate, verification_events, verify_url  # noqa: F401
from tests.certificates.test_views import client_for, page_of
from tests.pages import confirm

LANGUAGE_LINK = re.compile(r'<a class="link-button language-link" href="([^"]*)" lang="(\w+)" hreflang="\w+" '
                           r'data-testid="language-switch">')


def pages(certificate):  # noqa: F811
    return {"certificate": verify_url(certificate["serial"], certificate["code"]),
            "form": "/verify",
            "not found": verify_url(certificate["serial"], certificate["other_code"]),
            "offline checker": "/verify/offline"}


def html_language(page):
    return re.search(r'<html lang="(\w+)" dir="(\w+)">', page).groups()


def language_link(page):
    """The header's language switch as a link: its address and language."""
    found = LANGUAGE_LINK.search(page)
    assert found, "the language switch is not a link"
    return found[1].replace("&amp;", "&"), found[2]


@pytest.mark.parametrize("name", ["certificate", "form", "not found", "offline checker"])
def test_a_visitor_gets_no_cookie_and_no_csrf_token(app, certificate, name):  # noqa: F811
    response = client_for(app).get(pages(certificate)[name])

    assert response.status_code in (200, 404)
    assert response.headers.getlist("Set-Cookie") == []
    page = page_of(response)
    assert "csrf_token" not in page
    assert language_link(page)[1] in ("ar", "en")


@pytest.mark.parametrize(("language", "other", "direction"), [("ar", "en", "rtl"), ("en", "ar", "ltr")])
def test_the_language_link_works_in_both_languages(app, certificate, language, other, direction):  # noqa: F811
    client = client_for(app)
    url = f"{verify_url(certificate['serial'], certificate['code'])}&lang={language}"
    page = page_of(client.get(url))
    assert html_language(page) == (language, direction)
    assert 'data-status="valid"' in page

    link, link_language = language_link(page)
    assert link_language == other
    assert parse_qs(urlsplit(link).query) == {"code": [certificate["code"]], "lang": [other]}
    response = client.get(link)
    assert response.headers.getlist("Set-Cookie") == []
    followed = page_of(response)
    assert html_language(followed) == (other, "ltr" if other == "en" else "rtl")
    assert 'data-status="valid"' in followed
    assert language_link(followed)[1] == language


def test_the_link_beats_the_browser_and_the_language_cookie(app, certificate):  # noqa: F811
    client = client_for(app, language="ar")
    page = page_of(client.get(f"{verify_url(certificate['serial'], certificate['code'])}&lang=en",
                              headers={"Accept-Language": "ar"}))
    assert html_language(page) == ("en", "ltr")


def test_the_not_found_link_does_not_echo_the_code(app, certificate):  # noqa: F811
    page = page_of(client_for(app).get(f"{pages(certificate)['not found']}&lang=en"))
    link, _ = language_link(page)
    assert link == "/verify?lang=ar" and certificate["other_code"] not in page


def test_the_form_in_a_linked_language_keeps_it_to_the_certificate(app, certificate):  # noqa: F811
    client = client_for(app)
    page = page_of(client.get("/verify?lang=en"))
    assert html_language(page) == ("en", "ltr")
    assert 'class="error' not in page and "aria-invalid" not in page  # ?lang= alone is no sent form
    assert '<input type="hidden" name="lang" value="en">' in page
    assert 'href="/verify/offline?lang=en"' in page
    response = client.get(f"/verify?lang=en&serial={certificate['serial']}&code={certificate['code']}")
    assert response.status_code == 302 and response.headers.getlist("Set-Cookie") == []
    target = urlsplit(response.headers["Location"])
    assert target.path == f"/verify/{certificate['serial']}"
    assert parse_qs(target.query) == {"code": [certificate["code"]], "lang": ["en"]}


def test_without_a_cookie_the_status_is_read_and_the_look_counted_every_time(app, certificate):  # noqa: F811
    url = verify_url(certificate["serial"], certificate["code"])
    first = client_for(app).get(url)
    assert 'data-status="valid"' in page_of(first) and first.headers.getlist("Set-Cookie") == []

    registrar = client_for(app, certificate["registrar"], "en")
    revoked = confirm(registrar, registrar.post(f"/certificates/{certificate['serial']}/revoke",
                                                data={"reason": "Obtained by fraud"}))
    assert revoked.status_code == 302

    again = client_for(app).get(url)
    assert 'data-status="revoked"' in page_of(again) and again.headers.getlist("Set-Cookie") == []
    found = verification.find_by_serial(certificate["serial"])
    assert [e.target_id for e in verification_events()] == [str(found.id)] * 2


def test_a_signed_in_user_keeps_the_switch_that_saves_the_preference(app, certificate):  # noqa: F811
    page = page_of(client_for(app, certificate["registrar"]).get(pages(certificate)["certificate"]))
    assert 'action="/language"' in page and 'name="csrf_token"' in page
    assert not LANGUAGE_LINK.search(page)


def test_other_public_pages_keep_the_form(app):
    page = page_of(client_for(app).get("/login"))
    assert 'action="/language"' in page and not LANGUAGE_LINK.search(page)


def test_in_language_sets_the_language_and_keeps_the_rest():
    assert in_language("/verify/PCS-1?code=a%26b&lang=ar", "en") == "/verify/PCS-1?code=a%26b&lang=en"
    assert in_language("/verify", "ar") == "/verify?lang=ar"


def test_an_unknown_language_in_the_link_is_ignored(app, certificate):  # noqa: F811
    url = f"{verify_url(certificate['serial'], certificate['code'])}&lang=fr"
    page = page_of(client_for(app).get(url, headers={"Accept-Language": "en"}))
    assert html_language(page) == ("en", "ltr")
