"""The app served for real (a werkzeug server in a thread, not in testing mode) on a database of a fault
test's own, and a small HTTP client for it that keeps cookies, follows no redirect and times each request."""
import contextlib
import http.cookiejar
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from flask_migrate import upgrade
from werkzeug.serving import make_server

from diploma import create_app
from diploma.config import TestConfig
from diploma.extensions import db
from tests import factories

QUICK = 5.0  # seconds: what "at once, not a hang" means here
ERROR_AR = ('<html lang="ar" dir="rtl">', "حدث خطأ ما",
            "حدث خطأ غير متوقع ولم يُحفظ أي شيء. يرجى المحاولة مرة أخرى بعد قليل.")
ERROR_EN = ('<html lang="en" dir="ltr">', "Something went wrong",
            "An unexpected error occurred. Nothing was saved; please try again in a moment.")
LEAKS = ("Traceback", "OperationalError", "psycopg", "sqlalchemy", "Connection refused", "127.0.0.1:")


@dataclass
class Served:
    app: object
    base_url: str
    email: str


@dataclass
class Answer:
    status: int
    headers: object
    text: str
    seconds: float

    def json(self):
        return json.loads(self.text)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """An HTTP client with its own cookies, that does not follow redirects and times every request."""

    def __init__(self, base_url, language=None):
        self.base_url = base_url
        self.headers = {"Accept-Language": language} if language else {}
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirects())

    def request(self, path, form=None, timeout=30):
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.base_url + path, data=data, headers=self.headers)
        start = time.perf_counter()
        try:
            with self.opener.open(request, timeout=timeout) as response:
                status, headers, body = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            with error:
                status, headers, body = error.code, error.headers, error.read()
        return Answer(status, headers, body.decode("utf-8"), time.perf_counter() - start)

    def login(self, email):
        answer = self.request("/login", {"email": email, "password": factories.PASSWORD})
        assert answer.status == 302, answer.text[:500]
        return answer


def assert_working(browser):
    health = browser.request("/healthz")
    assert (health.status, health.json()) == (200, {"status": "ok", "database": "ok"})
    page = browser.request("/dashboard")
    assert page.status == 200, page.text[:500]
    return page


def assert_clean_error_page(answer, texts):
    assert answer.status in (500, 503), (answer.status, answer.text[:500])
    assert answer.seconds < QUICK, f"answered after {answer.seconds:.1f} s"
    assert answer.headers.get_content_type() == "text/html"
    for text in texts:
        assert text in answer.text
    for leak in LEAKS:
        assert leak not in answer.text




@contextlib.contextmanager
def serving(database_uri, upload_folder):
    """The app on ``database_uri`` (migrated here, with one registrar), served on 127.0.0.1:<free port>.
    Production-like: not in testing mode, so errors go through the error handlers as in production."""

    class FaultConfig(TestConfig):
        TESTING = False
        SQLALCHEMY_DATABASE_URI = database_uri
        UPLOAD_FOLDER = upload_folder

    assert FaultConfig.SQLALCHEMY_ENGINE_OPTIONS["pool_pre_ping"]  # what the recovery relies on
    app = create_app(FaultConfig)
    with app.app_context():
        upgrade()
        email = factories.user(role="registrar").email
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="fault-test-server", daemon=True)
    thread.start()
    try:
        yield Served(app, f"http://127.0.0.1:{server.server_port}", email)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()
