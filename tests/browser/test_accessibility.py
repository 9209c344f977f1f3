"""Accessible to everyone who uses it (WCAG 2.2 AA, issue 18). For each role — admin, registrar, lecturer,
student, and someone not signed in — a crawl from the dashboard (or the public pages) follows the links it
finds, a few records of each route, in Arabic at phone width and in English at desktop width; on every page
axe-core must find no serious or critical violation, and the served HTML of every page must pass the Nu
Html Checker with no error. The checkers are installed by `make checkers` (see tests/browser/checkers.py).

The whole crawl takes more than three minutes alone on the 2-core machine (4 min 28 s measured, issue 26):
`make test` checks one page per template (in each language: the first page found that a template renders,
whoever's crawl finds it), and the whole crawl runs in `make test-nightly` (``FULL_CRAWL=1``).
"""
import os
import re
from collections import Counter, deque
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import template_rendered
from playwright.sync_api import expect
from werkzeug.exceptions import HTTPException

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
# The whole crawl (make test-nightly), or one page per template (make test).
FULL_CRAWL = os.environ.get("FULL_CRAWL") == "1"
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


class Templates:
    """Which templates each page rendered (Flask's ``template_rendered`` signal: one per
    ``render_template``, the page's own template, not what it extends or includes), and which have been
    checked, in each language, by any role's crawl of this run: the quick crawl checks a template once."""
    checked = set()  # (language, template name)

    def __init__(self, app, role):
        self.app, self.role, self.rendered = app, role, []
        self.of_endpoint = {}  # this role's endpoint → the templates its pages rendered
        self.found = set()  # (language, template name) of this role's pages

    def __enter__(self):
        template_rendered.connect(self._record, self.app)
        return self

    def __exit__(self, *exc):
        template_rendered.disconnect(self._record, self.app)

    def _record(self, sender, template, context, **extra):
        self.rendered.append(template.name)

    def endpoint(self, path):
        try:
            return self.app.url_map.bind("localhost").match(urlsplit(path).path)[0]
        except HTTPException:
            return None

    def known(self, language, path):
        """True when this role's pages of the path's endpoint rendered only templates already checked."""
        templates = self.of_endpoint.get(self.endpoint(path))
        return bool(templates) and all((language, name) in self.checked for name in templates)

    def new_ones(self, language, path):
        """The templates the page just visited rendered that no page checked yet (and now counted)."""
        names = set(self.rendered)
        self.rendered.clear()
        self.of_endpoint.setdefault(self.endpoint(path), set()).update(names)
        self.found |= {(language, name) for name in names}
        new = {(language, name) for name in names} - Templates.checked
        Templates.checked.update(new)
        return new


def crawl(page, starts, language, pages_dir, templates=None):
    """Visit the pages reachable from ``starts``; returns (axe problems, saved HTML files by URL). With
    ``templates`` (the quick crawl), a page is checked only when it is a start page or renders a template
    not checked yet, and a route is not visited again once its pages rendered only checked templates."""
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
        if templates and path not in starts and templates.known(language, path):
            continue
        seen.add(path)
        per_route[route] += 1
        if templates:
            templates.rendered.clear()
        response = page.goto(path)
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        if response.status >= 400 and not path.startswith("/verify/XXX"):
            problems.append(f"{path}: HTTP {response.status}")
        assert page.locator("html").get_attribute("lang") == language, path
        # The start pages are always checked: each role's own menu and layout around them.
        if templates and not templates.new_ones(language, path) and path not in starts:
            follow_links(page, origin, queue)
            continue
        problems += axe_problems(page)
        name = re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-") or "root"
        saved_file = pages_dir / f"{language}-{len(seen):03d}-{name[:80]}.html"
        saved_file.write_bytes(response.body())
        saved[saved_file.name] = path
        origin = follow_links(page, origin, queue)
    return problems, saved


def follow_links(page, origin, queue):
    """Queue the page's links to the app; returns the app's host and port."""
    origin = origin or urlsplit(page.url).netloc
    for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
        link = urlsplit(href)
        if link.netloc == origin and link.scheme in ("http", "https"):
            queue.append(link.path + (f"?{link.query}" if link.query else ""))
    return origin


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
        app, browser, live_server, accounts, role, tmp_path):
    require_checkers()
    email = accounts["student"] if role == "student" else ROLES[role]
    # The registrar's queue early, so that the submitted gradebook (publish and return forms) is among the
    # few gradebooks visited.
    starts = {"anonymous": accounts["public"], "registrar": ["/dashboard", "/grades/queue"]}.get(
        role, ["/dashboard"])
    problems, saved = [], {}
    with Templates(app, role) as templates:
        for language in ("ar", "en"):
            context, page = open_in(browser, live_server, language, role, email)
            try:
                found, files = crawl(page, starts, language, tmp_path, None if FULL_CRAWL else templates)
            finally:
                context.close()
            problems += found
            saved.update(files)
    least = 6 if role == "anonymous" else 10
    if FULL_CRAWL:
        assert len(saved) >= least, f"the crawl found too few pages: {sorted(saved)}"
    else:  # the templates of the role's pages, in the two languages (checked by this crawl or an earlier one)
        assert len(templates.found) >= least, f"the crawl found too few templates: {sorted(templates.found)}"

    errors = html_errors(sorted(tmp_path.glob("*.html")))
    errors = [f"{saved.get(line.split(':')[0], '?')} {line}" for line in errors]
    if problems or errors:
        pytest.fail(f"{len(problems)} axe-core problems, {len(errors)} Nu Html Checker errors:\n"
                    + "\n".join(problems + errors), pytrace=False)
