"""Fixtures: a database built by the migrations (SQLite, or PostgreSQL when TEST_DATABASE_URL names a
server); an app, a client, factories and a login helper.

Each test runs inside one transaction rolled back at the end (the code's own commits release savepoints:
tests/database.py), unless it is marked ``commits`` or uses a live server, a worker or a connection of its
own: those commit for real and the tables are emptied after them. A test that reads back through another
connection (``db.engine.connect()``, a subprocess, a thread) must be marked ``commits``. ``demo`` gives
the demo data set, copied from a template seeded once per run. ``engine_independent`` tests (no SQL,
checked) run on SQLite only; ``make test`` runs all the others on PostgreSQL too.

TEST_DATABASE_URL is the address of a PostgreSQL *server* (for example
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``): the suite creates its own database there
and drops it at the end, so that runs sharing the server never meet.
"""
import os
import secrets
import tempfile
from pathlib import Path

import psycopg
import pytest
from flask import g, request_started
from flask_migrate import upgrade
from hypothesis import settings as hypothesis_settings
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.engine import make_url

from diploma import create_app
from diploma.config import TestConfig
from diploma.extensions import db, limiter
from tests import factories
from tests.database import DEMO, DIRTY, EMPTY, TestDatabase, rolled_back

# Hypothesis profiles (the property tests of tests/security/test_hostile_input.py), chosen by the environment
# variable HYPOTHESIS_PROFILE. "suite", the default: derandomized (the same code draws the same examples;
# Hypothesis also draws constants found in the project's modules, so they change as the code does), no
# example database, and 100 examples, the base the tests scale their own counts from. "nightly": twenty times
# as many, drawn at random on every run (a failure prints the @reproduce_failure blob that replays it).
hypothesis_settings.register_profile("suite", derandomize=True, database=None, max_examples=100)
hypothesis_settings.register_profile("nightly", derandomize=False, database=None, max_examples=2000,
                                     print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))

ONLY_ON_POSTGRESQL = ("PostgreSQL only (set TEST_DATABASE_URL): SQLite serialises writers, so this race "
                      "cannot happen there and the test could not fail")


# The fixtures that put rows in the database or read them back: a test using one may not be marked
# ``engine_independent`` (it would escape the PostgreSQL run), except a browser test, whose pages the route
# matrix walks on both engines.
DATABASE_FIXTURES = {"make", "demo", "client", "auth", "login_as", "runner", "another_app", "new_app",
                     "fresh_database", "empty_sqlite_app"}


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects
def pytest_collection_modifyitems(config, items):
    """Browser tests are ``engine_independent``: Chromium sees the same pages on either engine, and the
    route matrix walks every page through the ORM on both.
    ``@pytest.mark.postgres_only`` (or ``postgres_only(reason=...)``): skipped, and reported so with its
    reason, unless TEST_DATABASE_URL names a PostgreSQL server. ``engine_independent``: refused on a test
    that uses the database's fixtures (see DATABASE_FIXTURES), so that none escapes the PostgreSQL run."""
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.engine_independent)
    misplaced = [item.nodeid for item in items if _wrongly_engine_independent(item)]
    if misplaced:
        raise pytest.UsageError("marked engine_independent but using the database's fixtures (they must run "
                                "on both engines):\n  " + "\n  ".join(misplaced))
    if os.environ.get("TEST_DATABASE_URL"):
        return
    for item in items:
        marker = item.get_closest_marker("postgres_only")
        if marker is not None:
            item.add_marker(pytest.mark.skip(reason=marker.kwargs.get("reason", ONLY_ON_POSTGRESQL)))


def _wrongly_engine_independent(item):
    if item.get_closest_marker("engine_independent") is None or item.get_closest_marker("browser"):
        return False
    return not DATABASE_FIXTURES.isdisjoint(getattr(item, "fixturenames", ()))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """An ``engine_independent`` test (not a browser test) that sends SQL fails: it must run on both."""
    statements = _STATEMENTS["count"]
    result = yield
    independent = item.get_closest_marker("engine_independent") is not None
    if independent and item.get_closest_marker("browser") is None and _STATEMENTS["count"] != statements:
        pytest.fail("marked engine_independent but sent SQL to the database: it must run on both engines "
                    "(remove the marker)", pytrace=False)
    return result


_STATEMENTS = {"count": 0}


def _count_statement(*args):
    _STATEMENTS["count"] += 1


def _postgres_admin_dsn(url):
    return url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url():
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'test.sqlite'}"
        return
    server_url = make_url(server)
    name = f"diploma_test_{os.getpid()}_{secrets.token_hex(4)}"
    admin_dsn = _postgres_admin_dsn(server_url)
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield server_url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def upload_folder():
    with tempfile.TemporaryDirectory() as folder:
        yield folder


@pytest.fixture
def another_app(database_url, upload_folder):
    """A second app on the suite's database, for a test that adds routes of its own to it."""

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        UPLOAD_FOLDER = upload_folder

    other = create_app(Config)
    yield other
    with other.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def app(database_url, upload_folder):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        UPLOAD_FOLDER = upload_folder

    application = create_app(Config)
    with application.app_context():
        upgrade()  # the schema comes from the migrations, as in production
    request_started.connect(_forget_request_globals, application)
    yield application
    with application.app_context():
        db.engine.dispose()


def _forget_request_globals(sender, **extra):
    """The tests keep one app context pushed (see ``app_context``) and Flask reuses it for the test
    client's requests, so the user Flask-Login caches on ``g`` and the locale Flask-Babel caches would
    carry over from one request to the next, even to another client's. Each request starts afresh."""
    for name in list(g):
        g.pop(name)


@pytest.fixture(scope="session")
def test_database(app, database_url, upload_folder):
    """What the suite's database holds between tests (tests/database.py): empty, or the demo copied from
    its template."""
    database = TestDatabase(database_url, upload_folder)
    with app.app_context():
        database.watch_commits(db.engine)
        sqlalchemy_event.listen(db.engine, "before_cursor_execute", _count_statement)
    yield database
    database.drop_template()


def _wanted_state(request):
    return DEMO if "demo" in request.fixturenames else EMPTY


# Fixtures whose test needs real commits: another process, thread or connection reads the database.
COMMITTING_FIXTURES = {"live_server", "start_worker", "another_app", "new_app", "fresh_database",
                       "empty_sqlite_app", "sqlite_file_app"}
# Folders whose every test commits for real: the faults (servers, workers, outages in other processes).
COMMITTING_FOLDERS = ("tests/faults/",)
# Markers that imply it (browser: the live server's threads; postgres_only: the races between sessions).
COMMITTING_MARKERS = {"browser", "postgres_only"}


def needs_real_commits(item):
    return (item.get_closest_marker("commits") is not None
            or any(item.get_closest_marker(name) is not None for name in COMMITTING_MARKERS)
            or not COMMITTING_FIXTURES.isdisjoint(getattr(item, "fixturenames", ()))
            or item.nodeid.startswith(COMMITTING_FOLDERS))


@pytest.fixture(autouse=True)
def app_context(app, test_database, request):
    """Each test runs in an app context, on an empty database (or the demo's copy, when it asks for
    ``demo``). By default inside one transaction rolled back at the end (tests/database.py: the code's
    commits release savepoints), which leaves the database as it was; a test marked ``commits`` (or using
    a live server, a worker, another connection) commits for real and the tables are emptied after it."""
    with app.app_context():
        test_database.make_ready(_wanted_state(request))
        if needs_real_commits(request.node):
            try:
                yield app
            finally:
                db.session.remove()
                test_database.state = DIRTY
        else:
            with rolled_back(test_database):
                yield app
    limiter.reset()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make():
    """Factories: ``make.user(role="registrar", university=...)`` and friends (see tests/factories.py)."""
    return factories


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email, password=factories.PASSWORD, **extra):
        return self._client.post("/login", data={"email": email, "password": password, **extra})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def login_as(client, auth):
    """Log the test client in as a user made by the factories; returns the user."""

    def _login(user):
        response = auth.login(user.email)
        assert response.status_code == 302, "login failed"
        return user

    return _login


@pytest.fixture
def demo(app, test_database):
    """The whole demo data set, committed: a copy of the demo template made once per run (the database is
    put in this state by ``app_context`` before the test starts)."""
    if test_database.state != DEMO:  # asked for late (request.getfixturevalue)
        test_database.make_ready(DEMO)
    return app
