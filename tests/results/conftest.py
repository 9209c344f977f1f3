"""The browser fixtures (tests/browser/conftest.py), for test_browser.py here."""
from tests.browser.conftest import browser, browser_locale, live_server, page  # noqa: F401
