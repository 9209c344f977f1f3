"""The interface language (user → cookie → Accept-Language → Arabic), the switch, Arabic dates and digits."""
from datetime import date
from decimal import Decimal

import pytest
from flask_babel import gettext, refresh

from diploma.arabic import format_long_date, to_arabic_digits
from diploma.auth.models import User
from diploma.extensions import db
from diploma.i18n import LANGUAGE_COOKIE
from tests.factories import PASSWORD

ARABIC_PAGE = '<html lang="ar" dir="rtl">'
ENGLISH_PAGE = '<html lang="en" dir="ltr">'


def log_in(client, user):
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, "login failed"


def page(client, path="/login", **kwargs):
    response = client.get(path, **kwargs)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def saved_locale(user):
    db.session.expire_all()
    return db.session.get(User, user.id).locale


# --- choice of language ---------------------------------------------------------------------------

def test_pages_are_arabic_and_right_to_left_by_default(client):
    text = page(client)

    assert ARABIC_PAGE in text
    assert "تسجيل الدخول" in text


def test_the_browser_language_is_followed(client):
    text = page(client, headers={"Accept-Language": "en-GB,en;q=0.9"})

    assert ENGLISH_PAGE in text
    assert "Log in" in text


def test_an_unsupported_browser_language_falls_back_to_arabic(client):
    assert ARABIC_PAGE in page(client, headers={"Accept-Language": "fr-FR,de;q=0.8"})


def test_arabic_is_chosen_when_the_browser_prefers_it(client):
    assert ARABIC_PAGE in page(client, headers={"Accept-Language": "ar-IQ,ar;q=0.9,en;q=0.5"})


def test_the_language_cookie_beats_the_browser_language(client):
    client.set_cookie(LANGUAGE_COOKIE, "en")

    assert ENGLISH_PAGE in page(client, headers={"Accept-Language": "ar"})


def test_an_unsupported_language_cookie_is_ignored(client):
    client.set_cookie(LANGUAGE_COOKIE, "fr")

    assert ENGLISH_PAGE in page(client, headers={"Accept-Language": "en"})


@pytest.mark.parametrize(("saved", "cookie", "expected"), [
    ("ar", "en", ARABIC_PAGE),
    ("en", "ar", ENGLISH_PAGE),
])
def test_a_users_saved_language_beats_the_cookie(client, make, saved, cookie, expected):
    user = make.user(locale=saved)
    log_in(client, user)
    client.set_cookie(LANGUAGE_COOKIE, cookie)

    assert expected in page(client, "/dashboard", headers={"Accept-Language": cookie})


def test_a_user_without_a_saved_language_follows_the_cookie(client, make):
    user = make.user(locale=None)
    log_in(client, user)
    client.set_cookie(LANGUAGE_COOKIE, "en")

    assert ENGLISH_PAGE in page(client, "/dashboard")


def test_outside_a_request_messages_are_in_the_default_language():
    """Services and CLI commands run without a request; their messages must not crash looking for one."""
    refresh()

    assert gettext("Log in") == "تسجيل الدخول"


# --- the language switch --------------------------------------------------------------------------

def _language_cookie(response):
    return [header for header in response.headers.getlist("Set-Cookie")
            if header.startswith(f"{LANGUAGE_COOKIE}=")]


def test_switching_language_sets_the_cookie(client):
    response = client.post("/language", data={"language": "en", "next": "/login"})

    assert response.status_code == 302
    assert response.location == "/login"
    [cookie] = _language_cookie(response)
    assert cookie.startswith("lang=en;")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert ENGLISH_PAGE in page(client)


def test_switching_language_when_logged_in_saves_it_on_the_account(client, make):
    user = make.user(locale="ar")
    log_in(client, user)

    response = client.post("/language", data={"language": "en", "next": "/dashboard"})

    assert response.status_code == 302
    assert _language_cookie(response)
    assert saved_locale(user) == "en"
    client.delete_cookie(LANGUAGE_COOKIE)  # the account alone now carries the choice
    assert ENGLISH_PAGE in page(client, "/dashboard", headers={"Accept-Language": "ar"})


def test_switching_language_when_anonymous_changes_no_account(client, make):
    user = make.user(locale="ar")

    client.post("/language", data={"language": "en"})

    assert saved_locale(user) == "ar"


@pytest.mark.parametrize("language", ["fr", "", "ar_IQ", "EN"])
def test_an_unsupported_language_is_refused(client, language):
    response = client.post("/language", data={"language": language})

    assert response.status_code == 400
    assert not _language_cookie(response)


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/", "/\\evil.example",
                                    "javascript:alert(1)"])
def test_the_language_switch_redirects_only_to_local_pages(client, target):
    response = client.post("/language", data={"language": "en", "next": target})

    assert response.status_code == 302
    assert response.location == "/"  # the start page, not the address given


def test_the_language_switch_keeps_the_query_string_of_a_local_page(client):
    response = client.post("/language", data={"language": "ar", "next": "/students/?page=2&q=x"})

    assert response.location == "/students/?page=2&q=x"


# --- Arabic dates and digits ----------------------------------------------------------------------

def _long_date(app, value, language):
    with app.test_request_context(headers={"Accept-Language": language}):
        refresh()  # the test's app context may already hold a locale from an earlier call
        return format_long_date(value)


@pytest.mark.parametrize(("value", "month"), [
    (date(2024, 1, 5), "كانون الثاني"),
    (date(2024, 2, 1), "شباط"),
    (date(2024, 3, 1), "آذار"),
    (date(2024, 4, 1), "نيسان"),
    (date(2024, 6, 1), "حزيران"),
    (date(2024, 10, 1), "تشرين الأول"),
    (date(2024, 11, 1), "تشرين الثاني"),
    (date(2024, 12, 1), "كانون الأول"),
])
def test_arabic_dates_use_the_iraqi_month_names(app, value, month):
    assert month in _long_date(app, value, "ar")


def test_arabic_dates_do_not_use_the_egyptian_month_names(app):
    text = _long_date(app, date(2024, 1, 5), "ar")

    assert "يناير" not in text
    assert "2024" in text


def test_english_dates_use_the_english_month_names(app):
    assert _long_date(app, date(2024, 1, 5), "en") == "January 5, 2024"


def test_the_long_date_filter_follows_the_page_language(app):
    template = app.jinja_env.from_string("{{ day|long_date }}")

    assert "شباط" in _render(app, template, "ar")
    assert "February" in _render(app, template, "en")


def _render(app, template, language):
    with app.test_request_context(headers={"Accept-Language": language}):
        refresh()
        return template.render(day=date(2024, 2, 1))


@pytest.mark.parametrize(("value", "expected"), [
    ("88.50", "٨٨٫٥٠"),
    ("0", "٠"),
    ("0123456789", "٠١٢٣٤٥٦٧٨٩"),
    (2024, "٢٠٢٤"),
    (Decimal("75.25"), "٧٥٫٢٥"),
    (Decimal(100), "١٠٠"),
    ("PCS-BGD-2024-0001", "PCS-BGD-٢٠٢٤-٠٠٠١"),
    ("٨٨", "٨٨"),
])
def test_to_arabic_digits(value, expected):
    assert to_arabic_digits(value) == expected
