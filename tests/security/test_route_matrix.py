"""Every URL rule × every persona × every method the URL map lists for it, against the rule's declaration.

* ``@public``: never 401 or 403, for anyone;
* declared roles: anonymous → 302 to /login; a role not declared → 403 (the generic page);
* a declared role asking for a record it may not see (another university's, another offering's)
  → 404, the generic not-found page, naming none of the record's people or contents;
* every integer id in a URL is scoped to its university and offering unless route_policy.GLOBAL_IDS lists
  it: besides its home URL, each such rule is asked for with the records of a third university (every
  persona but the administrator: 404, or 403 for a role not declared) and, for a record of an offering,
  with another offering's record beside the home offering (404 for everyone, the administrator too); a
  page where the administrator chooses a university (?university=) is asked for with the third university:
  anyone else gets their own university's page;
* HEAD answers as GET; OPTIONS is refused as GET is (login, 403) and otherwise names only the methods;
  a method a URL does not list answers 405 (each URL tried with GET, POST, PUT, PATCH, DELETE, by one
  persona in turn);
* no page, file or error, shows a persona of one university a marker of another university's private
  records (tests/security/personas.py plants them): people's names, titles, comments, serials, verification
  codes, student numbers, the university's name; the visitor sees no university's, but what a verification
  code or a set-password link unlocks (PDFs are not searched: their text is compressed glyphs);
* a refused request (400, 401, 403, 404, 405, or 302 to /login) changes no row of any table, and the GET,
  HEAD and OPTIONS requests of a walk none at all (but the verification page's count); every request ends
  its transaction before its answer (the commit point);
* no 500 anywhere; an undeclared route fails the walk; the declarations are exactly those reviewed in
  tests/security/route_policy.py;
* every response, whatever its status, carries the security headers (a Content-Security-Policy with
  script-src 'self' and frame-ancestors 'none', nosniff, X-Frame-Options, Referrer-Policy).

One test per persona, over the demo data set (seeded per test: the conftest empties every table after
each). In a walk, the GET, HEAD and OPTIONS requests come first, then the requests that write and are to be
refused (other records, unlisted methods), then the home POSTs, those that remove or switch off what later
requests need last (``LAST_POSTS``).
"""
import functools
import io
import re
import zipfile
from dataclasses import dataclass

import pytest
from flask import request
from flask_babel import gettext
from werkzeug.routing import RequestRedirect, Rule

from diploma.access import (
    ADMIN,
    ANY_USER,
    PUBLIC,
    REGISTRAR,
    ROLES,
    access_rule,
    get_in_scope_or_404,
    public,
    roles,
    signed_in,
)
from diploma.audit import AuditEvent
from diploma.certificates.verification import VERIFIED
from diploma.enrolment.models import Student
from diploma.extensions import db
from diploma.i18n import force_language
from diploma.teaching.models import Announcement, Material, Offering
from tests.pages import redirects_to_login
from tests.security.database_digest import DatabaseWatch, changed_tables, database_digest, database_version
from tests.security.personas import (
    FOREIGN,
    FOREIGN_QUERY,
    HOME,
    OTHER_OFFERING,
    PERSONA_KEYS,
    UNIVERSITY_QUERY_ENDPOINTS,
    UNLISTED,
    UnknownParameter,
    World,
    build_world,
    forget_flashes,
    int_parameters,
    log_in,
    variants,
)
from tests.security.route_policy import GLOBAL_IDS, ROUTE_POLICY
from tests.security.walk_figures import FIGURES

# Real commits: the walk notices writes by the database's version (database_digest), which a rolled-back
# transaction would never change.
pytestmark = pytest.mark.commits

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def last_audit_event_id():
    # On a connection of its own, closed at once: the test's session must hold no read transaction while
    # the walk's requests write (SQLite would answer them "database is locked").
    with db.engine.connect() as connection:
        return connection.scalar(db.select(db.func.max(AuditEvent.id))) or 0


def audit_actions_since(event_id):
    with db.engine.connect() as connection:
        return connection.scalars(db.select(AuditEvent.action).where(AuditEvent.id > event_id)).all()
# Asked for on every URL that does not list them (one persona per URL, in turn): 405.
PROBED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# POSTs that hide, delete, withdraw, close, deactivate or log out: after every other request, in this order.
LAST_POSTS = ("teaching.toggle_material_hidden", "teaching.delete_material", "teaching.delete_announcement",
              "enrolment.withdraw", "teaching.toggle_offering_status", "partners.toggle_user_active",
              "enrolment.toggle_student_active", "auth.logout_everywhere", "auth.logout")
# Served by sending the persona to the login page.
LOGOUTS = frozenset({"auth.logout", "auth.logout_everywhere"})
# A declared role that the state of the record refuses all the same (asserted exactly, with the reason).
STATE_ANSWERS = {
    # The offering's gradebook is a draft: only its lecturer enters marks, so the import page is theirs.
    ("grading.import_marks", "registrar"): 403,
    ("grading.import_marks", "admin"): 403,
    # Accepting a previewed marks import: the same rule as the import (grading.marks_spreadsheet_views).
    ("grading.accept_marks_import", "registrar"): 403,
    ("grading.accept_marks_import", "admin"): 403,
    # Only the lecturer edits the assessments of a draft gradebook.
    ("grading.edit_assessments", "admin"): 403,
    # The set-password links of an import exist only after an import in the same browser session.
    ("enrolment.import_links", "registrar"): 404,
    ("enrolment.import_links", "foreign_registrar"): 404,
    ("enrolment.import_links", "admin"): 404,
    # The links of a background import: the walk's job is a print (only an import's job has links).
    ("enrolment.import_job_links", "registrar"): 404,
    ("enrolment.import_job_links", "foreign_registrar"): 404,
    ("enrolment.import_job_links", "admin"): 404,
}
# Answers that are not refusals of access.
ACCESS_REFUSALS = {401, 403}
# Answers that refuse a request (and 302 to /login for a visitor): the database must be as before it.
REFUSALS = frozenset({400, 401, 403, 404, 405})
# Refused requests that may write all the same: (endpoint, method) -> {table: why}. None today: the walk's
# login (an empty form) is answered 200 and writes nothing; no refusal is logged in the audit trail.
WRITES_OF_REFUSED_REQUESTS = {}
# The kinds of markers of its own university a persona's walk meets (at least): the check for another
# university's markers looks where records are shown. (personas.py: users' names, student numbers, serials and
# verification codes, universities' names, materials, announcements, gradebook comments.)
ALL_MARKERS = {"user", "number", "serial", "code", "university", "material", "announcement", "comment"}
OWN_MARKERS_MET = {"registrar": ALL_MARKERS, "lecturer": ALL_MARKERS, "student": ALL_MARKERS - {"comment"},
                   **{key: {"user", "university"} for key in (
                       "classmate", "foreign_student", "foreign_lecturer", "foreign_registrar",
                       "unassigned_lecturer")}}
VALUE = re.compile(r'value="[^"]*"')
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Visit:
    """One request of a walk: a rule, a method, and which records its URL names (personas.py: HOME,
    FOREIGN, f"{OTHER_OFFERING}:<name>", FOREIGN_QUERY; UNLISTED for a method the URL does not list)."""

    rule: Rule
    method: str
    variant: str = HOME

    @property
    def key(self):
        return (self.rule.rule, self.rule.endpoint, self.method, self.variant)


def walked_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"),
                  key=lambda rule: (rule.rule, rule.endpoint))


METHOD_ORDER = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")


def listed_methods(rule):
    return sorted(rule.methods, key=lambda method: (METHOD_ORDER.index(method) if method in METHOD_ORDER
                                                    else len(METHOD_ORDER), method))


def routed_methods(app, world, rule):
    """The methods ``rule`` lists that the URL map routes to it on its URL: all of them, but OPTIONS where
    another rule of the same URL (a GET page and its POST action) comes first and answers it."""
    adapter = app.url_map.bind("localhost")
    path = world.path(rule)

    def routed(method):
        try:
            return adapter.match(path, method=method, return_rule=True)[0] is rule
        except RequestRedirect:
            return True

    return [method for method in listed_methods(rule) if routed(method)]


def listed_urls(app, world, rules):
    """(path, method) for every method the URL map lists for a rule, on the rule's URL."""
    return {(world.path(rule), method) for rule in rules for method in rule.methods}


def unlisted_visits(app, world, rules, persona_key=None):
    """GET, POST, PUT, PATCH, DELETE on the URLs that do not list them: each URL (of the home records) asked
    by one persona, in turn (all of them when ``persona_key`` is None)."""
    adapter = app.url_map.bind("localhost")
    urls = {}
    for rule in rules:
        urls.setdefault(world.path(rule), rule)
    visits = []
    for index, (path, rule) in enumerate(sorted(urls.items())):
        if persona_key is not None and PERSONA_KEYS[index % len(PERSONA_KEYS)] != persona_key:
            continue
        allowed = set(adapter.allowed_methods(path))
        visits += [Visit(rule, method, UNLISTED) for method in PROBED_METHODS if method not in allowed]
    return visits


def walk_plan(app, world, persona_key=None, rules=None, every_unlisted=False):
    """The visits of a walk: every listed method of every rule with the home records; its variants (but
    OPTIONS, which runs no view; the third university's records not for the administrator, who sees every
    university); the unlisted methods of this persona's share of the URLs (of every URL with
    ``every_unlisted``). In order: the safe methods first, then those that write and are to be refused, then
    the home ones, ``LAST_POSTS`` last."""
    rules = walked_rules(app) if rules is None else rules
    home = [Visit(rule, method) for rule in rules for method in routed_methods(app, world, rule)]
    others = [Visit(rule, method, variant) for rule in rules for variant in variants(rule)
              for method in listed_methods(rule)
              if method != "OPTIONS" and not (variant in (FOREIGN, FOREIGN_QUERY) and persona_key == "admin")]
    others += unlisted_visits(app, world, rules, None if every_unlisted else persona_key)
    writes = [visit for visit in home if visit.method not in SAFE_METHODS]
    writes.sort(key=lambda visit: LAST_POSTS.index(visit.rule.endpoint) if visit.rule.endpoint in LAST_POSTS
                else -1)
    return ([visit for visit in home + others if visit.method in SAFE_METHODS]
            + [visit for visit in others if visit.method not in SAFE_METHODS] + writes)


def declaration(app, endpoint):
    with app.app_context():
        return access_rule(endpoint)


def expectation(app, world, rule, persona, variant=HOME, method=None):
    """What the declaration (and the record's university and offering) say ``persona`` gets:
    'undeclared', 'public', 'login', 'forbidden', 'not_found', 'allowed', 'options' (OPTIONS, served:
    the methods only), 'not_allowed' (405), or an exact status."""
    if variant == UNLISTED:
        return "not_allowed"
    declared = declaration(app, rule.endpoint)
    if declared is None:
        return "undeclared"
    if declared == PUBLIC:
        return "public"
    if persona.anonymous:
        return "login"
    if persona.role not in declared:
        return "forbidden"
    if method == "OPTIONS":  # answered before the view: the same for every id, existing or not
        return "options"
    if variant not in (HOME, FOREIGN_QUERY) or not world.in_scope(persona, rule):
        return "not_found"
    return STATE_ANSWERS.get((rule.endpoint, persona.key), "allowed")


def normalized(page):
    """An error page without what legitimately differs from one request to the next (the CSRF tokens,
    the page to return to after switching the language)."""
    return VALUE.sub('value=""', page).replace(' aria-current="page"', "")


def _arabic(message):
    with force_language("ar"):
        return gettext(message)


def response_text(response):
    """The text of a page, JSON, CSV or spreadsheet (the XML of the workbook); None for a PDF, an image…"""
    mimetype = response.mimetype or ""
    if mimetype.startswith("text/") or mimetype.endswith("json"):
        return response.get_data(as_text=True)
    if mimetype == XLSX:
        with zipfile.ZipFile(io.BytesIO(response.get_data())) as workbook:
            return "\n".join(workbook.read(name).decode() for name in workbook.namelist()
                             if name.endswith(".xml"))
    return None


class Walker:
    """Requests every visit of a plan as one persona and lists what contradicts the declarations."""

    def __init__(self, app, world, persona, record=False):
        self.app, self.world, self.persona, self.record = app, world, persona, record
        self.client = log_in(app, persona)
        self.table, self.problems = {}, []
        self.watch = DatabaseWatch()
        self.own_markers = set()  # the kinds of markers of the persona's own university the walk met
        with self.client.get("/no-such-page-of-the-walk") as response:
            self.generic = {404: normalized(response.get_data(as_text=True))}
        self.private = [text for text in world.private_strings
                        if text and text not in (persona.name_ar, persona.name_en)]

    def problem(self, visit, url, message):
        self.problems.append(f"{self.persona.key} {visit.method} {url} ({visit.rule.endpoint}, "
                             f"{visit.variant}): {message}")

    def walk(self, plan):
        start = self.watch.current()
        last_event = last_audit_event_id()
        reads_checked = False
        for visit in plan:
            if visit.method not in SAFE_METHODS and not reads_checked:
                reads_checked = True
                self.compare_reads(start, last_event)
            self.visit(visit)
        if not reads_checked:
            self.compare_reads(start, last_event)
        return self

    def compare_reads(self, start, last_event):
        """GET, HEAD and OPTIONS requests write nothing, but for the two reviewed exceptions: the verification
        page counts the checks of a valid certificate (an audit event ``certificate.verified``), and a
        certificate's PDF downloaded before the worker kept it is kept by that download (a ``kept_document``
        row: signed once, the same bytes at every later download)."""
        counted_only = all(action == VERIFIED for action in audit_actions_since(last_event))
        allowed = ("audit_event", "kept_document") if counted_only else ("kept_document",)
        self.compare(start, self.watch.current(), "its GET, HEAD and OPTIONS requests", allowed=allowed)

    def compare(self, before, after, what, allowed=()):
        changed = [name for name in changed_tables(before, after) if name not in allowed]
        if changed:
            self.problems.append(f"{self.persona.key}: {what} changed the tables {changed}")

    def visit(self, visit):
        rule, method, variant = visit.rule, visit.method, visit.variant
        forget_flashes(self.client)
        writes = method not in SAFE_METHODS
        data = self.world.neutral_body(rule) if writes else None
        expected = expectation(self.app, self.world, rule, self.persona, variant, method)
        url = self.world.url(rule, variant)
        before = self.watch.current() if writes else None
        with self.client.open(url, method=method, data=data) as response:
            status = response.status_code
            self.table[visit.key] = (expected, status)
            self.check(visit, url, expected, response)
            refused = status in REFUSALS or (redirects_to_login(response) and expected != "allowed")
        # The commit point (diploma.commit_point) ends every request's transaction before its answer: the
        # tests keep one app context (and so one database session) for all requests, so what a request left
        # open would be committed by the next one.
        if db.session().in_transaction():
            self.problem(visit, url, "left its transaction open (the commit point ends every request's)")
            db.session.rollback()
        if self.record:
            FIGURES["requests"][(method, variant.partition(":")[0])] += 1
            FIGURES["statuses"][status] += 1
            if variant == HOME:
                FIGURES["rule_methods"].add((rule.rule, rule.endpoint, method))
        if writes and refused:
            allowed = WRITES_OF_REFUSED_REQUESTS.get((rule.endpoint, method), {})
            self.compare(before, self.watch.current(),
                         f"{method} {url} ({rule.endpoint}, {variant}), refused with {status},", allowed)
            if self.record:
                FIGURES["refused_writes_compared"] += 1

    def check(self, visit, url, expected, response):
        status = response.status_code
        if status >= 500:
            self.problem(visit, url, f"answered {status}")
        for weakness in header_weaknesses(response):
            self.problem(visit, url, weakness)
        self.check_markers(visit, url, response)
        if expected == "undeclared":
            self.problem(visit, url, "declares no access rule (@public, @signed_in or @roles(...))")
        elif expected == "public":
            if status in ACCESS_REFUSALS:
                self.problem(visit, url, f"public, yet answered {status}")
        elif expected == "login":
            if not redirects_to_login(response):
                self.problem(visit, url, f"anonymous: expected 302 to /login, got {status}")
        elif expected == "forbidden":
            self.expect_generic(visit, url, response, 403)
        elif expected == "not_found":
            self.expect_generic(visit, url, response, 404)
        elif expected == "not_allowed":
            self.expect_generic(visit, url, response, 405)
        elif expected == "options":
            allow = {method.strip() for method in response.headers.get("Allow", "").split(",")}
            if status != 200 or response.get_data() or not visit.rule.methods <= allow:
                self.problem(visit, url, f"OPTIONS: expected 200 with no body and Allow listing "
                                         f"{sorted(visit.rule.methods)}, got {status}, Allow {sorted(allow)}")
        elif expected == "allowed":
            if status in ACCESS_REFUSALS | {404, 405} or (redirects_to_login(response)
                                                          and visit.rule.endpoint not in LOGOUTS):
                self.problem(visit, url, f"declared for {self.persona.role}, yet answered {status}")
        elif status != expected:
            self.problem(visit, url, f"expected {expected} (state of the record), got {status}")
        elif status in (403, 404):
            self.expect_generic(visit, url, response, status)

    def check_markers(self, visit, url, response):
        """No marker of another university's private records in what the persona is shown (but what the
        URL itself names, and what a verification code or a set-password link discloses)."""
        text = response_text(response) if visit.method != "HEAD" else None
        if text is None or self.world.markers is None:
            return
        if self.record:
            FIGURES["pages_scanned"] += 1
        found = self.world.markers_on(text)
        own = self.world.university_codes.get(self.persona.university_id)
        self.own_markers |= {kind for code, kind in found.values() if code == own}
        shown = set(self.world.markers_on(url))
        if visit.variant == HOME:
            shown |= self.world.disclosures.get(visit.rule.endpoint, set())
        leaked = self.world.foreign_markers(self.persona, found, shown)
        if leaked:
            self.problem(visit, url, f"answered {response.status_code} showing records of "
                                     f"{sorted(set(leaked.values()))}: {list(leaked)[:6]}")

    def expect_generic(self, visit, url, response, code):
        """The status, and the generic error page: the same for every refusal of this persona, naming
        nothing of the record (a HEAD: the status only)."""
        if response.status_code != code:
            self.problem(visit, url, f"expected {code}, got {response.status_code}")
            return
        if visit.method == "HEAD":
            return
        page = response.get_data(as_text=True)
        reference = self.generic.setdefault(code, normalized(page))
        if normalized(page) != reference:
            self.problem(visit, url, f"the {code} page is not the generic error page")
        if f'<p class="error-code">{code}</p>' not in page or 'lang="ar"' not in page:
            self.problem(visit, url, f"the {code} page is not the translated error page")
        leaked = [text for text in self.private if text in normalized(page)]  # not in the URL asked for
        if leaked:
            self.problem(visit, url, f"the {code} page names {leaked}")


# Sent with every response, whatever its status (pages, files, redirects, errors).
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
                    "Referrer-Policy": "same-origin"}


def header_weaknesses(response):
    """What is missing or weak in the response's security headers (nothing, as it should be)."""
    weaknesses = [f"no {name}: {value}" for name, value in SECURITY_HEADERS.items()
                  if response.headers.get(name) != value]
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    if directives.get("script-src") != ["'self'"] or directives.get("frame-ancestors") != ["'none'"]:
        weaknesses.append(f"a weak Content-Security-Policy: {policy!r}")
    return weaknesses


@pytest.mark.parametrize("persona_key", PERSONA_KEYS)
def test_every_route_answers_the_persona_as_its_declaration_says(app, demo, persona_key):
    world = build_world(markers=True)
    plan = walk_plan(app, world, persona_key)
    walker = Walker(app, world, world.personas[persona_key], record=True).walk(plan)
    FIGURES["personas"].add(persona_key)
    FIGURES["digests_taken"] += walker.watch.digests_taken
    FIGURES["rules"].update((rule.rule, rule.endpoint) for rule in walked_rules(app))

    assert set(walker.table) == {visit.key for visit in plan}
    assert {(world.path(visit.rule), visit.method) for visit in plan if visit.variant == HOME} == listed_urls(
        app, world, walked_rules(app))
    assert not walker.problems, "\n".join(walker.problems)
    # The markers are where the pages show records: the walk met its own university's of these kinds.
    assert walker.own_markers >= OWN_MARKERS_MET.get(persona_key, set()), sorted(walker.own_markers)
    if persona_key not in ("anonymous", "admin"):  # every persona but these meets a refusal of a role
        assert any(expected == "forbidden" for expected, _status in walker.table.values())


def test_the_generic_pages_are_arabic_and_translated(app, demo):
    world = build_world()
    client = log_in(app, world.personas["student"])
    forbidden = client.get("/admin/users").get_data(as_text=True)
    missing = client.get(f"/courses/{world.records['fresh_offering_id'] + 100000}").get_data(as_text=True)

    assert _arabic("You do not have permission to open this page.") in forbidden
    assert _arabic("The page you asked for does not exist or is not available to you.") in missing
    assert 'lang="ar"' in forbidden and 'lang="ar"' in missing


def test_the_table_of_expectations_covers_every_rule_for_every_persona(app, demo):
    world = build_world()
    rules = walked_rules(app)
    plans = {key: walk_plan(app, world, key) for key in PERSONA_KEYS}
    table = {(*visit.key, key): expectation(app, world, visit.rule, world.personas[key], visit.variant,
                                            visit.method)
             for key, plan in plans.items() for visit in plan}
    urls = {(rule.rule, variant): world.url(rule, variant) for rule in rules
            for variant in (HOME, *variants(rule))}  # every parameter filled (UnknownParameter else)

    assert {rule.rule for rule in rules} == {rule.rule for rule in app.url_map.iter_rules()} - {
        "/static/<path:filename>"}
    assert all("<" not in url for url in urls.values())
    assert "undeclared" not in table.values()
    # Each kind of answer is met somewhere: the walk checks all of them.
    assert set(table.values()) >= {"public", "login", "forbidden", "not_found", "allowed", "options",
                                   "not_allowed", 403, 404}
    # Every method every rule lists, for every persona; every unlisted method of every URL, by someone.
    for plan in plans.values():
        assert {(world.path(visit.rule), visit.method) for visit in plan if visit.variant == HOME} == (
            listed_urls(app, world, rules))
    assert {visit.key for plan in plans.values() for visit in plan if visit.variant == UNLISTED} == {
        visit.key for visit in unlisted_visits(app, world, rules)}
    # Every rule naming a scoped record is asked for with other records; those that name only ids every
    # university shares (GLOBAL_IDS) are not.
    for rule in rules:
        scoped_ids = {name for name in int_parameters(rule) if (rule.endpoint, name) not in GLOBAL_IDS}
        if scoped_ids:
            assert FOREIGN in variants(rule), rule
            assert world.url(rule, FOREIGN) != world.url(rule)
    # The pages where the administrator picks a university are asked for with the third one by the others.
    assert {rule.endpoint for rule in rules} >= UNIVERSITY_QUERY_ENDPOINTS
    assert {rule.endpoint for rule in rules if FOREIGN_QUERY in variants(rule)} == UNIVERSITY_QUERY_ENDPOINTS
    # Every scoped rule is refused (404) to the other university's staff of the declared roles, and to
    # everyone but the administrator (404, or 403 for a role not declared) with the third's records.
    for rule in rules:
        declared = access_rule(rule.endpoint)
        if not world.scoped(rule) or declared == PUBLIC:
            continue
        method = min(rule.methods & {"GET", "POST"})
        for key in PERSONA_KEYS:
            persona = world.personas[key]
            foreign_staff = key in ("foreign_registrar", "foreign_lecturer", "foreign_student")
            if foreign_staff and persona.role in declared:
                assert table[(rule.rule, rule.endpoint, method, HOME, key)] == "not_found"
            if key != "admin":
                expected = ("login" if persona.anonymous else "not_found" if persona.role in declared
                            else "forbidden")
                assert table[(rule.rule, rule.endpoint, method, FOREIGN, key)] == expected


def test_the_digest_sees_every_change_of_a_row(app, make):
    user = make.user(role="registrar", university=make.university())
    watch = DatabaseWatch()
    before, version = watch.current(), database_version()
    assert database_digest() == before
    if db.engine.dialect.name == "sqlite":
        # Nothing committed, nothing digested again. Not asserted on PostgreSQL: its transaction ids are the
        # whole server's, and another database's commit (another test run sharing the server) moves them too,
        # which costs the watch one more digest, never a missed change.
        assert watch.current() is before and watch.digests_taken == 1
    user.name_en += "!"
    db.session.commit()
    changed = watch.current()
    user.name_en = user.name_en[:-1]
    db.session.commit()

    assert changed_tables(before, changed) == ["user"]
    assert database_digest() == before  # the same rows again: the same digest
    assert version is not None and database_version() != version  # SQLite (rollback journal), PostgreSQL
    assert watch.digests_taken >= 2


# --- the reviewed policy ----------------------------------------------------------------------------

def _who(policy):
    """Who a declaration or a reviewed policy lets in: a set of roles, 'anonymous' for the public."""
    if policy == PUBLIC:
        return {"anonymous", *ROLES}
    if policy == "signed_in":
        return set(ROLES)
    return set(policy)


def _shown(declared):
    if declared == PUBLIC:
        return "public"
    if declared == ANY_USER:
        return "signed_in"
    return tuple(role for role in ROLES if role in declared)


def policy_differences(app):
    """Where the app's declarations and route_policy.ROUTE_POLICY differ, one line each."""
    with app.app_context():
        declared = {rule.endpoint: access_rule(rule.endpoint) for rule in app.url_map.iter_rules()}
    lines = []
    for endpoint in sorted(set(declared) | set(ROUTE_POLICY)):
        if endpoint not in ROUTE_POLICY:
            shown = "nothing" if declared[endpoint] is None else repr(_shown(declared[endpoint]))
            lines.append(f"{endpoint}: a route the reviewed policy does not know (it declares {shown}): "
                         f"add it to tests/security/route_policy.py once reviewed")
        elif endpoint not in declared:
            lines.append(f"{endpoint}: in tests/security/route_policy.py, but no route has it")
        elif declared[endpoint] is None:
            lines.append(f"{endpoint}: declares no access rule; reviewed: {ROUTE_POLICY[endpoint]!r}")
        elif _who(declared[endpoint]) != _who(ROUTE_POLICY[endpoint]):
            wider = sorted(_who(declared[endpoint]) - _who(ROUTE_POLICY[endpoint]))
            narrower = sorted(_who(ROUTE_POLICY[endpoint]) - _who(declared[endpoint]))
            lines.append(f"{endpoint}: declares {_shown(declared[endpoint])!r}, reviewed "
                         f"{ROUTE_POLICY[endpoint]!r}" + (f"; WIDENED to {wider}" if wider else "")
                         + (f"; narrowed, without {narrower}" if narrower else ""))
    return lines


def test_the_declarations_are_exactly_the_reviewed_policy(app):
    differences = policy_differences(app)
    assert not differences, "the routes' declarations differ from the reviewed policy:\n" + "\n".join(
        differences)


def test_the_reviewed_lists_are_well_formed(app):
    assert all(policy in ("public", "signed_in") or (isinstance(policy, tuple) and policy
                                                     and set(policy) <= set(ROLES))
               for policy in ROUTE_POLICY.values())
    # Every global id is an integer argument of a route of that endpoint, with its reason.
    for (endpoint, name), reason in GLOBAL_IDS.items():
        assert reason, (endpoint, name)
        assert any(rule.endpoint == endpoint and name in int_parameters(rule)
                   for rule in app.url_map.iter_rules()), (
            f"GLOBAL_IDS lists ({endpoint!r}, {name!r}), which no route has: remove it")


def test_a_widened_declaration_or_a_new_route_fails_the_policy(app, another_app):
    other = another_app
    publish = other.view_functions["grading.publish"]
    # A copy of the view (the function itself is the main app's too), declared for lecturers as well.
    other.view_functions["grading.publish"] = roles(ADMIN, REGISTRAR, "lecturer")(
        functools.wraps(publish)(lambda **kwargs: publish(**kwargs)))
    logo = other.view_functions["partners.university_logo"]
    other.view_functions["partners.university_logo"] = public(
        functools.wraps(logo)(lambda **kwargs: logo(**kwargs)))

    @other.route("/reports/summary")
    @signed_in
    def summary_report():
        return "a summary"

    differences = [line for line in policy_differences(other) if line not in policy_differences(app)]
    assert len(differences) == 3, differences
    assert "grading.publish: declares ('admin', 'registrar', 'lecturer'), reviewed ('admin', 'registrar'); " \
           "WIDENED to ['lecturer']" in differences
    assert "partners.university_logo: declares 'public', reviewed 'signed_in'; WIDENED to ['anonymous']" \
           in differences
    assert any(line.startswith("summary_report: a route the reviewed policy does not know")
               for line in differences)


# --- new routes are covered by themselves -------------------------------------------------------------

@pytest.fixture
def app_with_new_routes(another_app):
    other = another_app

    @other.route("/undeclared-report", methods=["GET", "POST"])
    def undeclared_report():
        return "should never be served"

    @other.route("/declared-report")
    @roles("registrar")
    def declared_report():
        return "the registrar's report"

    return other


def _new_rules(app, suffix):
    return [rule for rule in walked_rules(app) if rule.endpoint.endswith(suffix)]


def test_the_walk_fails_on_a_route_that_declares_nothing(app, app_with_new_routes, demo):
    other = app_with_new_routes
    world = build_world()
    db.session.rollback()  # SQLite: end this session's read transaction; the other app's logins write
    new_rules = _new_rules(other, "_report")

    # The walk picks new routes up by itself.
    assert {rule.rule for rule in walked_rules(other)} - {rule.rule for rule in walked_rules(app)} == {
        "/undeclared-report", "/declared-report"}
    for key in ("anonymous", "registrar", "admin"):
        plan = [visit for visit in walk_plan(other, world, key, new_rules) if visit.variant != UNLISTED]
        walker = Walker(other, world, world.personas[key]).walk(plan)
        undeclared = [problem for problem in walker.problems if "declares no access rule" in problem]
        assert len(undeclared) == 4, walker.problems  # its GET, HEAD, OPTIONS and POST
        assert all("/undeclared-report" in problem for problem in undeclared)
        assert not [problem for problem in walker.problems if "/declared-report" in problem], walker.problems
        assert walker.table[("/undeclared-report", "undeclared_report", "GET", HOME)][1] == 403


@pytest.fixture
def app_with_leaks(another_app):
    """Routes that each let a declared persona reach what they should not (or answer 500): each is caught by
    the walk without being named in any of its tables."""
    other = another_app

    @other.route("/students/<int:student_id>/card")
    @roles(ADMIN, REGISTRAR)
    def student_card_leak(student_id):
        student = db.get_or_404(Student, student_id)  # the leak: any university's student
        return f"<p>{student.user.name_en} {student.student_number}</p>"

    @other.route("/offerings/<int:offering_id>/materials/<int:material_id>/peek")
    @roles(ADMIN, REGISTRAR)
    def material_peek_leak(offering_id, material_id):
        get_in_scope_or_404(Offering, offering_id)
        material = db.get_or_404(Material, material_id)  # the leak: not checked to be the offering's
        return f"<p>{material.title}</p>"

    @other.route("/noticeboard")
    @signed_in
    def noticeboard_leak():
        titles = db.session.scalars(db.select(Announcement.title).order_by(Announcement.id)).all()
        return "<ul>" + "".join(f"<li>{title}</li>" for title in titles) + "</ul>"  # every university's

    @other.route("/offerings/<int:offering_id>/capacity", methods=["POST"])
    @roles(ADMIN, REGISTRAR)
    def capacity_leak(offering_id):
        offering = db.get_or_404(Offering, offering_id)
        offering.capacity += 1  # the leak: written before the scope is checked
        db.session.commit()
        get_in_scope_or_404(Offering, offering_id)
        return "<p>one place more</p>"

    @other.route("/offerings/<int:offering_id>/archive", methods=["GET", "PUT"])
    @roles(ADMIN, REGISTRAR)
    def archive_leak(offering_id):
        offering = get_in_scope_or_404(Offering, offering_id)
        if request.method == "PUT":
            raise RuntimeError("nobody ever tried PUT")
        return f"<p>the archive of {offering.id}</p>"

    @other.route("/cohorts/<int:cohort_id>/summary")
    @roles(ADMIN, REGISTRAR)
    def cohort_summary_leak(cohort_id):
        return "<p>a cohort</p>"

    return other


def _walk_new(other, world, key, endpoint):
    db.session.rollback()  # SQLite: end this session's read transaction; the other app's requests write
    plan = walk_plan(other, world, key, _new_rules(other, endpoint), every_unlisted=True)
    return Walker(other, world, world.personas[key]).walk(plan)


def _about(walker, endpoint, variant, message):
    return [problem for problem in walker.problems
            if f"({endpoint}, {variant})" in problem and message in problem]


def test_new_routes_that_leak_fail_the_walk_by_themselves(app, app_with_leaks, demo):
    world = build_world(markers=True)

    def walk(key, endpoint):
        return _walk_new(app_with_leaks, world, key, endpoint)

    # Another university's record (any integer id is scoped): served with the third university's student,
    # and the page shows that student's markers; served to Mosul's registrar with Baghdad's student.
    registrar = walk("registrar", "student_card_leak")
    assert _about(registrar, "student_card_leak", FOREIGN, "expected 404, got 200"), registrar.problems
    assert _about(registrar, "student_card_leak", FOREIGN, "showing records of ['BSR']: ['BSR-")
    assert _about(walk("foreign_registrar", "student_card_leak"), "student_card_leak", HOME,
                  "expected 404, got 200")
    assert not walk("student", "student_card_leak").problems  # a role not declared: refused, whichever id

    # Another offering's record beside the offering: served.
    peek = walk("registrar", "material_peek_leak")
    assert _about(peek, "material_peek_leak", f"{OTHER_OFFERING}:material_id", "expected 404, got 200")
    assert not _about(peek, "material_peek_leak", FOREIGN, ""), peek.problems  # its university is checked

    # A page of every university's announcements: a leak for everyone of a university.
    for key in ("student", "foreign_lecturer"):
        leaks = _about(walk(key, "noticeboard_leak"), "noticeboard_leak", HOME, "200 showing records")
        own = "MSL" if key.startswith("foreign") else "BGD"
        others = sorted({"ANB", "BGD", "BSR", "KRB", "KUF", "MSL", "TIK"} - {own})
        assert leaks and f"showing records of {others}" in leaks[0], leaks
    for key in ("anonymous", "admin"):  # sent to log in; the administrator sees every university
        assert not walk(key, "noticeboard_leak").problems

    # A refused request that wrote (before checking the scope).
    capacity = walk("registrar", "capacity_leak")
    assert _about(capacity, "capacity_leak", FOREIGN, "refused with 404, changed the tables ['offering']"), \
        capacity.problems

    # Every method a rule lists is walked (PUT too); those it does not list answer 405.
    archive = walk("registrar", "archive_leak")
    assert _about(archive, "archive_leak", HOME, "answered 500") == [
        f"registrar PUT /offerings/{world.records['offering_id']}/archive (archive_leak, home): answered 500"]
    unlisted = {key[2]: status for key, (_expected, status) in archive.table.items() if key[3] == UNLISTED}
    assert unlisted == {"POST": 405, "PATCH": 405, "DELETE": 405}


def test_a_new_id_every_university_shares_must_be_reviewed(app_with_leaks):
    world = World(home_id=1, other_id=2, personas={}, records={"cohort_id": 1}, offering_lecturers={},
                  offering_students={}, user_ids={})  # no other university's cohort: there is none
    rule = _new_rules(app_with_leaks, "cohort_summary_leak")[0]

    assert variants(rule) == [FOREIGN]  # an integer id: scoped, until GLOBAL_IDS lists it
    with pytest.raises(UnknownParameter, match=r"add \('cohort_summary_leak', 'cohort_id'\) to GLOBAL_IDS"):
        world.url(rule, FOREIGN)
