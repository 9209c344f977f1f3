"""Absolute links come from the configured public address, never from the request's Host header; requests
for an unknown host are refused; cookies are Secure whenever the request came over HTTPS."""
import re
from datetime import date

import pytest
from flask import request

from diploma import create_app
from diploma.access import public
from diploma.certificates import issuing
from diploma.config import TestConfig, trusted_hosts_for
from diploma.extensions import db
from tests.certificates.builders import graduating_cohort
from tests.factories import PASSWORD

ARABIC_PAGE = '<html lang="ar" dir="rtl">'
LINK = re.compile(r"(https?://[^/\s<]+)/set-password/[A-Za-z0-9_-]+")


class StandaloneConfig(TestConfig):
    SQLALCHEMY_DATABASE_URI = "sqlite://"


# --- unknown hosts --------------------------------------------------------------------------------

@pytest.mark.parametrize("host", ["evil.example", "evil.example:5000", "localhost.evil.example",
                                  "diploma.example.edu.iq.evil.example", "127.0.0.1@evil.example"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_request_for_an_unknown_host_is_refused_with_a_translated_page(client, method, host):
    response = client.open("/login", method=method, headers={"Host": host},
                           data={"email": "x@example.org", "password": "x"})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert ARABIC_PAGE in page and "طلب غير صالح" in page
    assert "evil" not in page


@pytest.mark.parametrize("host", ["localhost", "localhost:5000", "127.0.0.1:8000"])
def test_the_configured_hosts_are_served_on_any_port(client, host):
    assert client.get("/login", headers={"Host": host}).status_code == 200


def test_a_forged_forwarded_host_is_refused_behind_a_trusted_proxy():
    class Config(StandaloneConfig):
        TRUSTED_PROXIES = 1

    client = create_app(Config).test_client()

    assert client.get("/login", headers={"X-Forwarded-Host": "evil.example"}).status_code == 400
    assert client.get("/login", headers={"X-Forwarded-Host": "localhost"}).status_code == 200


@pytest.mark.parametrize("public_base_url, configured, expected", [
    ("https://diploma.example.edu.iq", None, ["diploma.example.edu.iq"]),
    ("https://diploma.example.edu.iq/app", None, ["diploma.example.edu.iq"]),
    ("http://127.0.0.1:5000", None, ["127.0.0.1", "localhost", "::1"]),
    ("https://diploma.example.edu.iq", ["diploma.example.edu.iq", "10.0.0.5"],
     ["diploma.example.edu.iq", "10.0.0.5"]),
])
def test_the_trusted_hosts_follow_the_public_address_unless_configured(public_base_url, configured, expected):
    assert trusted_hosts_for(public_base_url, configured) == expected


# --- absolute links -------------------------------------------------------------------------------

@pytest.fixture
def public_address(app, monkeypatch):
    """A public address unlike the test client's host, so that a link built from the request shows."""
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://diploma.example.edu.iq")
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", [*app.config["TRUSTED_HOSTS"], "mirror.example.org"])
    return "https://diploma.example.edu.iq"


def test_a_set_password_link_is_on_the_public_address_whatever_the_host(client, make, public_address):
    mirror = {"base_url": "http://mirror.example.org"}
    client.post("/login", data={"email": make.user(role="admin").email, "password": PASSWORD}, **mirror)
    lecturer = make.user(role="lecturer")

    response = client.post(f"/admin/users/{lecturer.id}/password-link", **mirror)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert LINK.search(page).group(1) == public_address
    assert "mirror.example.org" not in page


def test_a_certificate_freezes_the_public_address_whatever_the_host(app, public_address):
    cohort = graduating_cohort(1, code="MSL")

    with app.test_request_context("/", base_url="http://mirror.example.org"):
        [certificate] = cohort.issue(issued_on=date(2025, 7, 15))
        assert request.host == "mirror.example.org"

    url = certificate.snapshot["verification_url"]
    assert url.startswith(f"{public_address}/verify/{certificate.serial}?code=")
    assert issuing.verification_url(certificate.serial, certificate.verification_code) == url


def test_links_keep_the_path_of_a_public_address_below_the_root(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://example.edu.iq/diploma/")

    assert issuing.verification_url("PCS-MSL-2025-0001", "abc") == \
        "https://example.edu.iq/diploma/verify/PCS-MSL-2025-0001?code=abc"


# --- Secure cookies -------------------------------------------------------------------------------

def _set_cookies(response):
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def _login(client, make, **options):
    user = make.user()
    return client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"}, **options)


def test_cookies_set_over_https_are_secure(client, make):
    cookies = _set_cookies(_login(client, make, base_url="https://localhost"))

    assert {"session", "remember_token"} <= set(cookies)
    assert all("; Secure" in header for header in cookies.values()), cookies


def test_cookies_set_over_plain_http_in_development_are_not_secure(client, make):
    cookies = _set_cookies(_login(client, make))

    assert cookies and not any("Secure" in header for header in cookies.values()), cookies


def _scheme_app(trusted_proxies):
    class Config(StandaloneConfig):
        TRUSTED_PROXIES = trusted_proxies

    app = create_app(Config)

    @app.route("/cookie")
    @public
    def cookie():
        response = app.make_response("ok")
        response.set_cookie("probe", "1")
        return response

    return app


@pytest.mark.parametrize("trusted_proxies, secure", [(1, True), (0, False)])
def test_a_trusted_proxys_https_makes_cookies_secure(trusted_proxies, secure):
    client = _scheme_app(trusted_proxies).test_client()

    response = client.get("/cookie", headers={"X-Forwarded-Proto": "https"})

    assert ("; Secure" in _set_cookies(response)["probe"]) is secure


def test_nothing_is_written_by_a_refused_host(client, make):
    user = make.user()
    before = db.session.execute(db.text("SELECT count(*) FROM login_session")).scalar()

    client.post("/login", headers={"Host": "evil.example"}, data={"email": user.email, "password": PASSWORD})

    assert db.session.execute(db.text("SELECT count(*) FROM login_session")).scalar() == before
