"""The database goes away under a running app and comes back: the app answers cleanly meanwhile and recovers
by itself, without a restart.

The app is served by a real HTTP server (werkzeug, in a thread) and reaches PostgreSQL through a TCP proxy
(``tcp_proxy.TcpProxy``) that the test switches off and on: switching it off cuts every open connection
and refuses new ones, as a restarting server does, without touching the real server (other test runs
share it). The database is one of this module's own, created on the PostgreSQL server of
TEST_DATABASE_URL, or on 127.0.0.1:5432 when the suite runs on SQLite, and dropped at the end — so this
runs on both kinds of run. With no PostgreSQL server at all it fails under CI (CI=true) and is skipped
elsewhere, with the reason.

- While the database is down, /healthz answers 503 {"status": "error", "database": "unavailable"} and a
  page that needs the database a clean, translated 500 error page (no stack trace) — both at once, not
  after a hang (``connect_timeout=2`` in the address bounds a connection attempt).
- When it is back, the next requests succeed: ``pool_pre_ping`` replaces the pooled connections that died.
"""
import os
import secrets

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.faults.live_app import (
    ERROR_AR,
    ERROR_EN,
    QUICK,
    Browser,
    assert_clean_error_page,
    assert_working,
    serving,
)
from tests.faults.tcp_proxy import TcpProxy

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
CONNECT_TIMEOUT = 2  # seconds, in the database address



def _server_url():
    """The PostgreSQL server: the suite's when it runs on PostgreSQL, else the local one."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured and make_url(configured).get_backend_name() == "postgresql":
        return make_url(configured)
    return make_url(DEFAULT_SERVER)


def _admin_dsn(url):
    url = url.set(drivername="postgresql", database="postgres", query={})
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def postgres_database():
    """A database of this module's own on the PostgreSQL server (its URL), dropped at the end."""
    server = _server_url()
    admin_dsn = _admin_dsn(server)
    try:
        with psycopg.connect(admin_dsn, connect_timeout=3):
            pass
    except psycopg.Error as error:
        message = (f"the database outage test needs a PostgreSQL server (TEST_DATABASE_URL, or "
                   f"{server.host}:{server.port or 5432} with user {server.username}): {error}")
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    name = f"diploma_outage_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name)
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def proxy(postgres_database):
    proxy = TcpProxy(postgres_database.host or "127.0.0.1", postgres_database.port or 5432).start()
    yield proxy
    proxy.stop()


@pytest.fixture(scope="module")
def served(postgres_database, proxy, upload_folder):
    """The app, with its database reached through the proxy, served on 127.0.0.1:<free port>; one user."""
    address = postgres_database.set(host="127.0.0.1", port=proxy.port,
                                    query={"connect_timeout": str(CONNECT_TIMEOUT)})
    with serving(address.render_as_string(hide_password=False), upload_folder) as served:
        yield served


@pytest.fixture
def browser(served, proxy):
    """A logged-in browser; the proxy is running again after the test, whatever happened."""
    browser = Browser(served.base_url)
    browser.login(served.email)
    yield browser
    proxy.start()


def test_the_app_works_through_the_proxy(served, browser, proxy):
    page = assert_working(browser)

    assert '<html lang="ar" dir="rtl">' in page.text
    assert proxy.open_connections >= 1  # the app's pooled connections do go through the proxy


def test_a_database_restart_between_requests_goes_unnoticed(served, browser, proxy):
    assert_working(browser)
    accepted = proxy.accepted

    proxy.stop()  # every pooled connection dies …
    proxy.start()  # … and the server is back before the next request

    assert_working(browser)  # the very first requests succeed: the pool replaced its dead connections
    assert proxy.accepted > accepted


def test_while_the_database_is_down_the_health_check_says_so_at_once(served, browser, proxy):
    assert_working(browser)

    proxy.stop()
    for _ in range(3):  # the dead pooled connections first, then refused new ones
        health = browser.request("/healthz")

        assert health.status == 503
        assert health.json() == {"status": "error", "database": "unavailable"}
        assert health.seconds < QUICK, f"answered after {health.seconds:.1f} s"


def test_while_the_database_is_down_pages_answer_a_clean_translated_error(served, browser, proxy):
    assert_working(browser)

    proxy.stop()

    for _ in range(2):
        assert_clean_error_page(browser.request("/dashboard"), ERROR_AR)  # a logged-in user's page
    assert_clean_error_page(browser.request("/login", {"email": served.email, "password": "whatever"}),
                            ERROR_AR)
    visitor = Browser(served.base_url, language="en")  # a public page that reads the database
    assert_clean_error_page(visitor.request("/verify/PCS-BGD-2025-0001?code=" + "x" * 22), ERROR_EN)


def test_when_the_database_is_back_the_app_recovers_without_a_restart(served, browser, proxy):
    assert_working(browser)
    proxy.stop()
    assert browser.request("/healthz").status == 503
    assert browser.request("/dashboard").status in (500, 503)

    proxy.start()

    assert_working(browser)  # the same session, the same app: no restart, no new login
    assert Browser(served.base_url).login(served.email).status == 302
