"""Accessible to everyone who uses it (WCAG 2.2 AA, issue 18). For each role — admin, registrar, lecturer,
student, and someone not signed in — a crawl from the dashboard (or the public pages) follows the links it
finds, a few records of each route, in Arabic at phone width and in English at desktop width; on every page
axe-core must find no serious or critical violation, and the served HTML of every page must pass the Nu
Html Checker with no error. The checkers are installed by `make checkers` (see tests/browser/checkers.py).
"""
import re
from collections import Counter, deque
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from diploma.certificates.models import Certificate
from diploma.demo import demo_verification_url
from diploma.extensions import db
from diploma.partners.models import University
from tests.browser.checkers import add_axe, axe_problems, html_errors, require_checkers
from tests.browser.conftest import DESKTOP, PHONE, TIMEOUT_MS
from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]

# Where a crawl stops: so many pages of one route (its path with the numbers taken out, and its query's
# names), so many pages in all.
PER_ROUTE = {"ar": 2, "en": 1}
MAX_PAGES = 70
# Links not followed: files (a name with an extension: PDF, spreadsheets, JSON, credentials…, uploads,
# logos), static files, the health check.
NOT_PAGES = re.compile(r"(\.[A-Za-z0-9]+$)|^/static/|/file$|/logo$|^/healthz$")
NUMBER = re.compile(r"\d+")


def in_another_language(query, language):
    """A page asked for in a language of its own (``?lang=en``): crawled in that language's run."""
    asked = parse_qs(query).get("lang")
    return bool(asked) and asked[0] != language

ROLES = {  # who, and where the crawl starts (besides the dashboard)
    "admin": "admin@example.org",
    "registrar": "registrar.mosul@example.org",  # a submitted gradebook to approve, issued certificates
    "lecturer": "lecturer.basra@example.org",  # a draft gradebook: mark inputs and history links
    "student": None,  # a graduate of Basra with a certificate (found in the database)
    "anonymous": None,
}


@pytest.fixture
def accounts():
    """The student's e-mail and the public pages to start from; the test's transaction ends here."""
    basra = db.session.scalar(db.select(University).where(University.slug == "basra"))
    certificate = db.session.scalar(db.select(Certificate).where(
        Certificate.university_id == basra.id, Certificate.status == "valid").order_by(Certificate.id))
    verification = urlsplit(demo_verification_url())
    found = {"student": certificate.student.user.email,
             "public": ["/login", "/verify", f"{verification.path}?{verification.query}",
                        "/verify/XXX-0000-0000?code=WRONGCODE"]}
    db.session.rollback()
    return found


def route_of(url):
    parts = urlsplit(url)
    names = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair})
    return NUMBER.sub("N", parts.path) + ("?" + "&".join(names) if names else "")


def crawl(page, starts, language, pages_dir):
    """Visit the pages reachable from ``starts``; returns (axe problems, saved HTML files by URL)."""
    origin = urlsplit(page.url).netloc if page.url.startswith("http") else None
    queue, seen, per_route = deque(starts), set(), Counter()
    problems, saved = [], {}
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        route = route_of(path)
        if path in seen or per_route[route] >= PER_ROUTE[language] or NOT_PAGES.search(parts.path):
            continue
        if in_another_language(parts.query, language):  # the offline checker's link to its other version
            continue
        seen.add(path)
        per_route[route] += 1
        response = page.goto(path)
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        if response.status >= 400 and not path.startswith("/verify/XXX"):
            problems.append(f"{path}: HTTP {response.status}")
        assert page.locator("html").get_attribute("lang") == language, path
        problems += axe_problems(page)
        name = re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-") or "root"
        saved_file = pages_dir / f"{language}-{len(seen):03d}-{name[:80]}.html"
        saved_file.write_bytes(response.body())
        saved[saved_file.name] = path
        origin = origin or urlsplit(page.url).netloc
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            link = urlsplit(href)
            if link.netloc == origin and link.scheme in ("http", "https"):
                queue.append(link.path + (f"?{link.query}" if link.query else ""))
    return problems, saved


def open_in(browser, live_server, language, role, email):
    viewport = PHONE if language == "ar" else DESKTOP
    context = browser.new_context(base_url=live_server, viewport=viewport,
                                  locale="ar-IQ" if language == "ar" else "en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    add_axe(context)
    page = context.new_page()
    if email:
        log_in(page, email)
    else:
        page.goto("/login")
    if page.locator("html").get_attribute("lang") != language:
        page.get_by_test_id("language-switch").click()
        expect(page.locator("html")).to_have_attribute("lang", language)
    return context, page


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_of_every_role_passes_axe_core_and_the_nu_html_checker(
        browser, live_server, accounts, role, tmp_path):
    require_checkers()
    email = accounts["student"] if role == "student" else ROLES[role]
    # The registrar's queue early, so that the submitted gradebook (publish and return forms) is among the
    # few gradebooks visited.
    starts = {"anonymous": accounts["public"], "registrar": ["/dashboard", "/grades/queue"]}.get(
        role, ["/dashboard"])
    problems, saved = [], {}
    for language in ("ar", "en"):
        context, page = open_in(browser, live_server, language, role, email)
        try:
            found, files = crawl(page, starts, language, tmp_path)
        finally:
            context.close()
        problems += found
        saved.update(files)
    assert len(saved) >= (6 if role == "anonymous" else 10), f"the crawl found too few pages: {sorted(saved)}"

    errors = html_errors(sorted(tmp_path.glob("*.html")))
    errors = [f"{saved.get(line.split(':')[0], '?')} {line}" for line in errors]
    if problems or errors:
        pytest.fail(f"{len(problems)} axe-core problems, {len(errors)} Nu Html Checker errors:\n"
                    + "\n".join(problems + errors), pytrace=False)
