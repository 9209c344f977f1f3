"""Cross-cutting behaviour: the factory, health check, security headers, cookies, CSRF, error pages, SQLite
transactions."""
import re
import sqlite3
import threading
import time

import pytest
from flask import request
from sqlalchemy import text

from diploma import create_app
from diploma.access import public
from diploma.config import Config, TestConfig
from diploma.extensions import db
from tests.factories import PASSWORD

ARABIC_PAGE = '<html lang="ar" dir="rtl">'
ENGLISH_PAGE = '<html lang="en" dir="ltr">'
CSRF_MESSAGE_AR = ("انتهت صلاحية النموذج أو لم يُرسل من هذا الموقع. "
                   "يرجى إعادة تحميل الصفحة والمحاولة مرة أخرى.")


class StandaloneConfig(TestConfig):
    """For apps built by the tests themselves: an in-memory database they never touch."""

    SQLALCHEMY_DATABASE_URI = "sqlite://"


def _cookie_headers(response, name):
    return [header for header in response.headers.getlist("Set-Cookie") if header.startswith(f"{name}=")]


def _csp_directives(response):
    policy = response.headers["Content-Security-Policy"]
    return {directive.split()[0]: directive.split()[1:]
            for directive in (part.strip() for part in policy.split(";")) if directive}


# --- the factory ----------------------------------------------------------------------------------

def test_the_test_configuration_makes_a_testing_app():
    app = create_app(StandaloneConfig)

    assert app.testing
    assert not app.debug
    assert app.config["SECRET_KEY"] == "test-secret-key"
    assert not app.config["WTF_CSRF_ENABLED"]


def test_the_production_configuration_is_not_testing():
    class Production(Config):
        SECRET_KEY = "a-production-secret"
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        DEBUG = False

    app = create_app(Production)

    assert not app.testing
    assert app.config["BABEL_DEFAULT_LOCALE"] == "ar"
    assert app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert {"auth", "partners", "curriculum", "enrolment", "dashboard", "system"} <= set(app.blueprints)


def test_an_app_without_a_secret_key_refuses_to_start():
    class NoSecret(Config):
        SECRET_KEY = None
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        DEBUG = False
        TESTING = False

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(NoSecret)


def test_a_debug_app_without_a_secret_key_gets_a_throw_away_one():
    class Debug(Config):
        SECRET_KEY = None
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        DEBUG = True

    app = create_app(Debug)

    assert app.debug
    assert app.config["SECRET_KEY"]


# --- health check ---------------------------------------------------------------------------------

def test_the_health_check_reports_the_database(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_the_health_check_needs_no_login(client):
    response = client.get("/healthz", follow_redirects=False)

    assert response.status_code == 200
    assert response.mimetype == "application/json"


# --- security headers and cookies -----------------------------------------------------------------

def test_pages_carry_the_security_headers(client):
    response = client.get("/login")

    directives = _csp_directives(response)
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_error_pages_carry_the_security_headers_too(client):
    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert _csp_directives(response)["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_strict_transport_security_is_sent_over_https_only(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers

    secure = client.get("/login", base_url="https://localhost")

    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_the_session_cookie_is_http_only_and_same_site_lax(client, make):
    user = make.user()

    response = client.post("/login", data={"email": user.email, "password": PASSWORD})

    assert response.status_code == 302
    [cookie] = _cookie_headers(response, "session")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_the_remember_me_cookie_is_http_only_and_same_site_lax(client, make):
    user = make.user()

    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})

    [cookie] = _cookie_headers(response, "remember_token")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


# --- error pages ----------------------------------------------------------------------------------

def test_an_unknown_address_gives_the_translated_not_found_page(client):
    response = client.get("/no-such-page")

    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert ARABIC_PAGE in text
    assert "الصفحة غير موجودة" in text
    assert "الصفحة المطلوبة غير موجودة أو غير متاحة لك." in text
    assert "Traceback" not in text


def test_the_not_found_page_in_english(client):
    response = client.get("/no-such-page", headers={"Accept-Language": "en"})

    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert ENGLISH_PAGE in text
    assert "Page not found" in text


def test_a_wrong_method_gives_the_translated_405_page(client):
    response = client.delete("/login")

    assert response.status_code == 405
    assert "هذا الإجراء غير متاح هنا." in response.get_data(as_text=True)


def test_a_post_without_a_csrf_token_is_refused_with_a_translated_page(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    user = make.user()

    response = client.post("/login", data={"email": user.email, "password": PASSWORD})

    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert ARABIC_PAGE in text
    assert "طلب غير صالح" in text
    assert CSRF_MESSAGE_AR in text
    assert "Traceback" not in text
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_a_post_with_the_forms_csrf_token_is_accepted(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    user = make.user()
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)

    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})

    assert response.status_code == 302


@pytest.fixture
def failing_app():
    """A separate app, exceptions not propagated (as in production), with a route that fails."""

    class Config(StandaloneConfig):
        PROPAGATE_EXCEPTIONS = False

    app = create_app(Config)

    @app.route("/boom")
    @public
    def boom():
        raise ZeroDivisionError("secret internals: division by zero")

    return app


@pytest.mark.parametrize(("headers", "page", "title", "message"), [
    ({}, ARABIC_PAGE, "حدث خطأ ما", "حدث خطأ غير متوقع ولم يُحفظ أي شيء. يرجى المحاولة مرة أخرى بعد قليل."),
    ({"Accept-Language": "en"}, ENGLISH_PAGE, "Something went wrong",
     "An unexpected error occurred. Nothing was saved; please try again in a moment."),
], ids=["arabic", "english"])
def test_an_unexpected_error_gives_a_translated_500_page_without_the_stack_trace(
        failing_app, caplog, headers, page, title, message):
    response = failing_app.test_client().get("/boom", headers=headers)

    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert page in text
    assert title in text
    assert message in text
    for leak in ("Traceback", "ZeroDivisionError", "secret internals", "boom()"):
        assert leak not in text
    assert "unhandled error" in caplog.text  # the details go to the log instead


# --- SQLite transactions --------------------------------------------------------------------------

@pytest.fixture
def sqlite_file_app(tmp_path):
    """An app on a SQLite file with one small table, and the file's path (for other connections)."""
    path = tmp_path / "locks.sqlite"

    class Config(StandaloneConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"

    app = create_app(Config)
    with app.app_context():
        db.session.execute(text("CREATE TABLE note (body TEXT)"))
        db.session.commit()
    yield app, path
    with app.app_context():
        db.engine.dispose()


def _write_and_commit(path, outcome):
    """Another worker's write, on a connection of its own: it takes the write lock and commits."""
    connection = sqlite3.connect(path, timeout=5, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO note VALUES ('other worker')")
        connection.execute("COMMIT")
        outcome.append("committed")
    except sqlite3.Error as error:
        outcome.append(repr(error))
    finally:
        connection.close()


def test_sqlite_a_writing_request_waits_for_another_writer_instead_of_failing(sqlite_file_app):
    """Found by tests/faults/test_rate_limits_across_workers.py: concurrent logins (a read, then the audit
    event written) failed with "database is locked" — a read transaction cannot upgrade to a write one
    while another writer commits. A POST now takes the write lock when its transaction begins."""
    app, path = sqlite_file_app
    outcome = []
    with app.test_request_context("/login", method="POST"):
        assert db.session.execute(text("SELECT count(*) FROM note")).scalar() == 0  # the transaction begins
        other = threading.Thread(target=_write_and_commit, args=(path, outcome))
        other.start()
        time.sleep(0.3)  # the other worker is committing meanwhile (or waits for this request's lock)
        db.session.execute(text("INSERT INTO note VALUES ('request')"))
        db.session.commit()
        other.join(timeout=10)

    assert outcome == ["committed"]
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM note")).scalar() == 2


def test_sqlite_reading_requests_do_not_wait_for_the_write_lock(sqlite_file_app):
    app, path = sqlite_file_app
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another worker holds the write lock
    try:
        with app.test_request_context("/dashboard", method="GET"):
            started = time.perf_counter()
            assert db.session.execute(text("SELECT count(*) FROM note")).scalar() == 0
            assert time.perf_counter() - started < 1
    finally:
        writer.execute("ROLLBACK")
        writer.close()


# --- Behind a proxy --------------------------------------------------------------------------------

def _address_app(trusted_proxies):
    class Config(StandaloneConfig):
        TRUSTED_PROXIES = trusted_proxies

    app = create_app(Config)

    @app.route("/address")
    @public
    def address():
        return f"{request.remote_addr} {request.scheme}"

    return app


FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}


def test_without_trusted_proxies_forwarded_headers_are_ignored():
    """Any client can send X-Forwarded-For: trusted blindly, it would escape the per-address limits."""
    response = _address_app(0).test_client().get("/address", headers=FORWARDED,
                                                  environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert response.get_data(as_text=True) == "10.0.0.5 http"


def test_behind_one_trusted_proxy_the_visitor_address_is_the_forwarded_one():
    """The per-address limits (Flask-Limiter's get_remote_address) and the audit log read remote_addr."""
    response = _address_app(1).test_client().get("/address", headers=FORWARDED,
                                                  environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert response.get_data(as_text=True) == "203.0.113.7 https"


def test_a_wrong_method_says_which_methods_are_allowed(client):
    response = client.get("/logout")

    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"POST"}


def test_an_error_without_a_page_of_its_own_keeps_its_code(another_app):
    from flask import abort

    @another_app.route("/gone")
    @public
    def gone():
        abort(410)

    response = another_app.test_client().get("/gone")

    assert response.status_code == 410
    assert ARABIC_PAGE in response.get_data(as_text=True)
