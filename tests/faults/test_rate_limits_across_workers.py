"""The login limit per account holds across worker processes when the counters are kept in Redis.

gunicorn serves the app (``wsgi:app``, the production configuration) with 3 sync worker processes on
127.0.0.1:<free port>, with LOGIN_LIMIT_PER_ACCOUNT="3 per minute", the counters in Redis
(redis://127.0.0.1:6379/5) under a key prefix of this run's own (RATELIMIT_KEY_PREFIX), and a throw-away
SQLite database (migrated, one account). Attempts with a wrong password for that account, each on new
connections and several at once, are answered by different workers (the access log names the worker's
pid): 3 are let through (the form with "wrong password"), every other one gets 429, the translated
"too many attempts" page. Another account can still log in.

The contrast: with ``memory://`` counters each worker counts alone, so more than 3 attempts get through
(up to 3 per worker).

The keys of this run's prefix are deleted from Redis at the end, and gunicorn is stopped. Without a Redis
server the test fails under CI (CI=true) and is skipped elsewhere, with the reason.
"""
import collections
import concurrent.futures
import http.client
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from flask_migrate import upgrade

from diploma import create_app
from diploma.config import TestConfig
from diploma.extensions import db
from tests import factories

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/5"
WORKERS = 3
LIMIT = 3
ATTEMPTS = 12
AT_ONCE = 4
START_TIMEOUT = 60
TOO_MANY_AR = ("محاولات كثيرة جداً", "محاولات كثيرة جداً. يرجى الانتظار دقيقة ثم المحاولة مرة أخرى.")
WRONG_PASSWORD_AR = "البريد الإلكتروني أو كلمة المرور غير صحيحة"
CSRF_FIELD = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")
ACCESS_LINE = re.compile(r"^<(\d+)> (\S+) (\S+) (\d{3})$")


# --- gunicorn -------------------------------------------------------------------------------------

@dataclass
class Gunicorn:
    """gunicorn on 127.0.0.1:<a free port chosen by the kernel>, its logs in a folder."""

    folder: Path
    env: dict
    workers: int = WORKERS
    process: subprocess.Popen = None
    port: int = None

    @property
    def access_log(self):
        return self.folder / "access.log"

    @property
    def error_log(self):
        return self.folder / "error.log"

    def start(self):
        command = [sys.executable, "-m", "gunicorn", "--workers", str(self.workers), "--worker-class", "sync",
                   "--bind", "127.0.0.1:0", "--access-logfile", str(self.access_log),
                   "--access-logformat", "%(p)s %(m)s %(U)s %(s)s", "--error-logfile", str(self.error_log),
                   "wsgi:app"]
        self.process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=self.env, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT
        while self.port is None:
            self._check_alive(deadline)
            found = LISTENING.search(self._read(self.error_log))
            self.port = int(found.group(1)) if found else None
        # Every worker answers before the test starts, so that the attempts spread over all of them.
        while len(self.pids_that_answered()) < self.workers:
            self._check_alive(deadline)
            with concurrent.futures.ThreadPoolExecutor(2 * self.workers) as pool:
                list(pool.map(lambda _: self.request("GET", "/healthz"), range(2 * self.workers)))
        return self

    def _check_alive(self, deadline):
        if self.process.poll() is not None:
            pytest.fail(f"gunicorn ended ({self.process.returncode}):\n{self._read(self.error_log)}")
        if time.monotonic() > deadline:
            pytest.fail(f"gunicorn was not ready within {START_TIMEOUT} s:\n{self._read(self.error_log)}")
        time.sleep(0.1)

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # graceful: the arbiter stops its workers
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    @staticmethod
    def _read(path):
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def access(self):
        """The access log as (worker pid, method, path, status) tuples."""
        lines = (ACCESS_LINE.match(line) for line in self._read(self.access_log).splitlines())
        return [(int(m.group(1)), m.group(2), m.group(3), int(m.group(4))) for m in lines if m]

    def posts_to_login(self):
        return [entry for entry in self.access() if entry[1:3] == ("POST", "/login")]

    def pids_that_answered(self, method=None, path=None):
        return {pid for pid, m, p, _ in self.access() if method in (None, m) and path in (None, p)}

    def request(self, method, path, form=None, cookie=None):
        """One request on a connection of its own (so that any worker may take it)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Connection": "close"}
        if cookie:
            headers["Cookie"] = cookie
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.headers, response.read().decode("utf-8")
        finally:
            connection.close()


def attempt_login(server, email, password):
    """What a browser does: fetch the form (its CSRF token and session cookie), then send it."""
    status, headers, page = server.request("GET", "/login")
    assert status == 200, page[:300]
    token = CSRF_FIELD.search(page).group(1)
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    status, headers, page = server.request("POST", "/login", {"csrf_token": token, "email": email,
                                                              "password": password}, cookie=cookie)
    return status, page


def attempts_at_once(server, email, count=ATTEMPTS):
    """``count`` wrong-password attempts for one account, AT_ONCE at a time; their statuses."""
    with concurrent.futures.ThreadPoolExecutor(AT_ONCE) as pool:
        return list(pool.map(lambda _: attempt_login(server, email, "not-the-password"), range(count)))


# --- fixtures -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def redis_client():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as error:
        client.close()
        message = f"this test needs a Redis server at {REDIS_URL}: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    yield client
    client.close()


@pytest.fixture
def key_prefix(redis_client):
    """A key prefix of this test's own; its keys are deleted afterwards."""
    prefix = f"diploma-test-{os.getpid()}-{secrets.token_hex(4)}"
    yield prefix
    keys = list(redis_client.scan_iter(match=f"*{prefix}*", count=1000))
    if keys:
        redis_client.delete(*keys)
    assert not list(redis_client.scan_iter(match=f"*{prefix}*"))


@pytest.fixture
def site(tmp_path, upload_folder):
    """A throw-away SQLite database, migrated, with two accounts; the environment to serve it."""
    database_url = f"sqlite:///{tmp_path / 'site.sqlite'}"

    class SiteConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        UPLOAD_FOLDER = upload_folder

    app = create_app(SiteConfig)
    with app.app_context():
        upgrade()
        target, other = factories.user(role="registrar"), factories.user(role="lecturer")
        emails = (target.email, other.email)
        db.session.remove()
        db.engine.dispose()
    env = {**os.environ, "SECRET_KEY": secrets.token_urlsafe(32), "DATABASE_URL": database_url,
           "DIPLOMA_INSTANCE_PATH": str(tmp_path / "instance"), "UPLOAD_FOLDER": str(tmp_path / "uploads"),
           "LOGIN_LIMIT_PER_ACCOUNT": f"{LIMIT} per minute", "LOGIN_LIMIT_PER_ADDRESS": "1000 per minute",
           "PYTHONPATH": str(PROJECT_ROOT)}
    env.pop("FLASK_DEBUG", None)
    return env, emails


def serve(tmp_path, env, name):
    folder = tmp_path / name
    folder.mkdir()
    return Gunicorn(folder, env).start()


# --- tests ----------------------------------------------------------------------------------------

def test_the_login_limit_per_account_holds_across_worker_processes(tmp_path, site, key_prefix, redis_client):
    env, (email, other_email) = site
    server = serve(tmp_path, {**env, "RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": key_prefix},
                   "redis")
    try:
        answers = attempts_at_once(server, email)
        after = attempt_login(server, email, factories.PASSWORD)  # even the right password now waits
        other = attempt_login(server, other_email, factories.PASSWORD)
    finally:
        server.stop()
    posts = server.posts_to_login()  # read once gunicorn has stopped: a worker logs after it answers

    statuses = collections.Counter(status for status, _ in answers)
    assert statuses == {200: LIMIT, 429: ATTEMPTS - LIMIT}
    assert len({pid for pid, *_ in posts}) >= 2, f"one worker answered every attempt: {posts}"
    for status, page in answers:
        if status == 200:
            assert WRONG_PASSWORD_AR in page
        else:
            assert '<html lang="ar" dir="rtl">' in page
            for text in TOO_MANY_AR:
                assert text in page
    assert after[0] == 429
    assert other[0] == 302  # the limit is the account's, not the address's
    assert list(redis_client.scan_iter(match=f"*{key_prefix}*"))  # the counters were in Redis


def test_with_counters_in_each_worker_s_memory_more_attempts_get_through(tmp_path, site):
    env, (email, _) = site
    server = serve(tmp_path, {**env, "RATELIMIT_STORAGE_URI": "memory://"}, "memory")
    try:
        answers = attempts_at_once(server, email)
    finally:
        server.stop()
    posts = server.posts_to_login()

    assert {status for status, _ in answers} <= {200, 429}  # (SQLite once said "database is locked": 500)
    let_through = collections.Counter(pid for pid, _, _, status in posts if status == 200)
    answered_by = {pid for pid, *_ in posts}
    assert len(answered_by) >= 2, f"one worker answered every attempt: {posts}"
    assert all(count <= LIMIT for count in let_through.values())  # each worker does enforce it, alone
    assert sum(status == 200 for status, _ in answers) > LIMIT
    assert sum(let_through.values()) == sum(status == 200 for status, _ in answers)
