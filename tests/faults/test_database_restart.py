"""The PostgreSQL server itself is stopped and started again under a running app.

``test_database_outage.py`` cuts the app's connections with a TCP proxy, because the shared server on
127.0.0.1:5432 must not be restarted (other test runs use it). Here the module runs a PostgreSQL server of
its own — ``initdb`` in a temporary folder, a free port on 127.0.0.1, the binaries of Debian's
``postgresql`` package, run as the ``postgres`` user when the tests run as root — and really stops it
(``pg_ctl stop -m fast``, which terminates every connection as a restart does) and starts it again, with
the app served meanwhile. Without those binaries it fails under CI (CI=true) and is skipped elsewhere,
with the reason.
"""
import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile

import pytest
from sqlalchemy.engine import URL

from tests.faults.live_app import (
    ERROR_AR,
    ERROR_EN,
    QUICK,
    Browser,
    assert_clean_error_page,
    assert_working,
    serving,
)

CONNECT_TIMEOUT = 2  # seconds, in the database address


def _binaries():
    """The folder of the newest installed PostgreSQL server's programs (initdb, pg_ctl)."""
    folders = glob.glob("/usr/lib/postgresql/*/bin")
    found = [folder for folder in folders if os.path.exists(os.path.join(folder, "initdb"))]
    return max(found, key=lambda folder: int(folder.split("/")[-2]), default=None)


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateServer:
    """A throw-away PostgreSQL server in ``folder``, listening on 127.0.0.1:``port`` only."""

    def __init__(self, binaries, folder):
        self.binaries, self.folder = binaries, folder
        self.data = os.path.join(folder, "data")
        self.port = _free_port()
        # The server refuses to run as root: then it runs as the postgres user, who owns the folder.
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, program, *arguments):
        command = [*self.as_postgres, os.path.join(self.binaries, program), *arguments]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, f"{program} failed: {result.stdout}\n{result.stderr}"

    def create(self):
        if self.as_postgres:
            account = pwd.getpwnam("postgres")
            os.chown(self.folder, account.pw_uid, account.pw_gid)
        self._run("initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale",
                  "--no-sync")

    def start(self):
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", self.data, "-l", os.path.join(self.folder, "server.log"), "-o", options,
                  "-w", "-t", "60", "start")

    def stop(self):
        self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t", "60", "stop")

    @property
    def url(self):
        return URL.create("postgresql+psycopg", username="postgres", host="127.0.0.1", port=self.port,
                          database="postgres", query={"connect_timeout": str(CONNECT_TIMEOUT)})


@pytest.fixture(scope="module")
def server():
    binaries = _binaries()
    if binaries is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        message = "this test needs the PostgreSQL server's programs (Debian package postgresql) and runuser"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    folder = tempfile.mkdtemp(prefix="diploma-pg-")
    server = PrivateServer(binaries, folder)
    try:
        server.create()
        server.start()
        yield server
    finally:
        with contextlib.suppress(AssertionError, subprocess.SubprocessError):
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def served(server, upload_folder):
    with serving(server.url.render_as_string(hide_password=False), upload_folder) as served:
        yield served


@pytest.fixture
def browser(served, server):
    """A logged-in browser; the server is running again after the test, whatever happened."""
    browser = Browser(served.base_url)
    browser.login(served.email)
    yield browser
    with contextlib.suppress(AssertionError):
        server.start()  # fails (harmlessly) when it is already running


def test_while_the_server_is_stopped_requests_fail_cleanly_and_at_once(served, server, browser):
    assert_working(browser)

    server.stop()

    health = browser.request("/healthz")
    assert (health.status, health.json()) == (503, {"status": "error", "database": "unavailable"})
    assert health.seconds < QUICK, f"answered after {health.seconds:.1f} s"
    assert_clean_error_page(browser.request("/dashboard"), ERROR_AR)
    visitor = Browser(served.base_url, language="en")
    answer = visitor.request("/login", {"email": served.email, "password": "whatever"})
    assert_clean_error_page(answer, ERROR_EN)


def test_after_the_server_restarts_the_app_recovers_without_a_restart_of_its_own(served, server, browser):
    assert_working(browser)
    server.stop()
    assert browser.request("/dashboard").status in (500, 503)

    server.start()

    assert_working(browser)  # the same app and the same session: no restart, no new login
    assert Browser(served.base_url).login(served.email).status == 302


def test_a_restart_between_two_requests_goes_unnoticed(served, server, browser):
    assert_working(browser)

    server.stop()  # every pooled connection is terminated by the server …
    server.start()  # … which is back before the next request

    assert_working(browser)  # the first request after it succeeds: the pool replaced its dead connections
