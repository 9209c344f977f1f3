"""Browser fixtures: the session app served by a real HTTP server in a thread, and Chromium driven by
Playwright (the Debian package's binary; Playwright's own browser download is never used).

The server shares the test database: whatever a test wants the browser to see must be committed first
(the ``demo`` fixture commits). Each test gets a fresh browser context, so no cookie leaks between tests.
"""
import threading

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
SHOTS = "/tmp/shots"
TIMEOUT_MS = 15_000


def buffered(app):
    """The app with each response read whole, and closed, before it is sent. Werkzeug's development server
    skips closing a response when the browser drops the connection while it is being sent (Chromium
    cancels font and image downloads as it leaves a page); a file response then stays open until the
    garbage collector warns about it, at a random later test. Gunicorn, in production, always closes it."""

    def serve(environ, start_response):
        response = app(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            if hasattr(response, "close"):
                response.close()

    return serve


@pytest.fixture
def live_server(app):
    """The base URL of the app served on a free port of 127.0.0.1; stopped after the test."""
    server = make_server("127.0.0.1", 0, buffered(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def viewport():
    """Desktop size unless a test parametrizes ``viewport`` (for example with PHONE)."""
    return DESKTOP


@pytest.fixture
def browser_locale():
    """What the browser asks for in Accept-Language: an Iraqi Arabic browser by default."""
    return "ar-IQ"


@pytest.fixture
def page(browser, live_server, viewport, browser_locale):
    context = browser.new_context(base_url=live_server, viewport=viewport, locale=browser_locale)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()
