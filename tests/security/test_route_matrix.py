"""Every URL rule × every persona × each of its methods, against the rule's declaration.

* ``@public``: never 401 or 403, for anyone;
* declared roles: anonymous → 302 to /login; a role not declared → 403 (the generic page);
* a declared role asking for a record it may not see (another university's, another offering's)
  → 404, the generic not-found page, naming none of the record's people or contents;
* no 500 anywhere; an undeclared route fails the walk;
* every response, whatever its status, carries the security headers (a Content-Security-Policy with
  script-src 'self' and frame-ancestors 'none', nosniff, X-Frame-Options, Referrer-Policy).

One test per persona, over the demo data set (seeded per test: the conftest empties every table after
each). In a walk, the GETs come first, then the POSTs, those that remove or switch off what later
requests need last (``LAST_POSTS``).
"""
import re

import pytest
from flask_babel import gettext

from diploma.access import PUBLIC, access_rule, roles
from diploma.extensions import db
from diploma.i18n import force_language
from tests.pages import redirects_to_login
from tests.security.personas import PERSONA_KEYS, build_world, forget_flashes, log_in

WALKED_METHODS = ("GET", "POST")
# POSTs that hide, delete, withdraw, close, deactivate or log out: after every other request, in this order.
LAST_POSTS = ("teaching.toggle_material_hidden", "teaching.delete_material", "teaching.delete_announcement",
              "enrolment.withdraw", "teaching.toggle_offering_status", "partners.toggle_user_active",
              "enrolment.toggle_student_active", "auth.logout")
# A declared role that the state of the record refuses all the same (asserted exactly, with the reason).
STATE_ANSWERS = {
    # The offering's gradebook is a draft: only its lecturer enters marks, so the import page is theirs.
    ("grading.import_marks", "registrar"): 403,
    ("grading.import_marks", "admin"): 403,
    # Only the lecturer edits the assessments of a draft gradebook.
    ("grading.edit_assessments", "admin"): 403,
    # The set-password links of an import exist only after an import in the same browser session.
    ("enrolment.import_links", "registrar"): 404,
    ("enrolment.import_links", "foreign_registrar"): 404,
    ("enrolment.import_links", "admin"): 404,
}
# Answers that are not refusals of access.
ACCESS_REFUSALS = {401, 403}
VALUE = re.compile(r'value="[^"]*"')


def walked_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"),
                  key=lambda rule: (rule.rule, rule.endpoint))


def walk_plan(app, rules=None):
    """(rule, method) pairs in the order of the walk."""
    rules = walked_rules(app) if rules is None else rules
    gets = [(rule, "GET") for rule in rules if "GET" in rule.methods]
    posts = [(rule, "POST") for rule in rules if "POST" in rule.methods]
    posts.sort(key=lambda pair: LAST_POSTS.index(pair[0].endpoint) if pair[0].endpoint in LAST_POSTS else -1)
    return gets + posts


def declaration(app, endpoint):
    with app.app_context():
        return access_rule(endpoint)


def expectation(app, world, rule, persona):
    """What the declaration (and the record's university and offering) say ``persona`` gets:
    'undeclared', 'public', 'login', 'forbidden', 'not_found', 'allowed', or an exact status."""
    declared = declaration(app, rule.endpoint)
    if declared is None:
        return "undeclared"
    if declared == PUBLIC:
        return "public"
    if persona.anonymous:
        return "login"
    if persona.role not in declared:
        return "forbidden"
    if not world.in_scope(persona, rule):
        return "not_found"
    return STATE_ANSWERS.get((rule.endpoint, persona.key), "allowed")


def normalized(page):
    """An error page without what legitimately differs from one request to the next (the CSRF tokens,
    the page to return to after switching the language)."""
    return VALUE.sub('value=""', page).replace(' aria-current="page"', "")


def _arabic(message):
    with force_language("ar"):
        return gettext(message)


class Walker:
    """Requests every (rule, method) as one persona and lists what contradicts the declarations."""

    def __init__(self, app, world, persona):
        self.app, self.world, self.persona = app, world, persona
        self.client = log_in(app, persona)
        self.table, self.problems = {}, []
        with self.client.get("/no-such-page-of-the-walk") as response:
            self.generic = {404: normalized(response.get_data(as_text=True))}
        self.private = [text for text in world.private_strings
                        if text and text not in (persona.name_ar, persona.name_en)]

    def problem(self, rule, method, message):
        self.problems.append(f"{self.persona.key} {method} {rule.rule} ({rule.endpoint}): {message}")

    def walk(self, plan):
        for rule, method in plan:
            forget_flashes(self.client)
            data = self.world.neutral_body(rule) if method == "POST" else None
            expected = expectation(self.app, self.world, rule, self.persona)
            with self.client.open(self.world.url(rule), method=method, data=data) as response:
                self.table[(rule.rule, method)] = (expected, response.status_code)
                self.check(rule, method, expected, response)
        return self

    def check(self, rule, method, expected, response):
        status = response.status_code
        if status >= 500:
            self.problem(rule, method, f"answered {status}")
        for weakness in header_weaknesses(response):
            self.problem(rule, method, weakness)
        if expected == "undeclared":
            self.problem(rule, method, "declares no access rule (@public, @signed_in or @roles(...))")
        elif expected == "public":
            if status in ACCESS_REFUSALS:
                self.problem(rule, method, f"public, yet answered {status}")
        elif expected == "login":
            if not redirects_to_login(response):
                self.problem(rule, method, f"anonymous: expected 302 to /login, got {status}")
        elif expected == "forbidden":
            self.expect_generic(rule, method, response, 403)
        elif expected == "not_found":
            self.expect_generic(rule, method, response, 404)
        elif expected == "allowed":
            if status in ACCESS_REFUSALS | {404, 405} or (redirects_to_login(response)
                                                          and rule.endpoint != "auth.logout"):
                self.problem(rule, method, f"declared for {self.persona.role}, yet answered {status}")
        elif status != expected:
            self.problem(rule, method, f"expected {expected} (state of the record), got {status}")
        elif status in (403, 404):
            self.expect_generic(rule, method, response, status)

    def expect_generic(self, rule, method, response, code):
        """The status, and the generic error page: the same for every refusal of this persona, naming
        nothing of the record."""
        if response.status_code != code:
            self.problem(rule, method, f"expected {code}, got {response.status_code}")
            return
        page = response.get_data(as_text=True)
        reference = self.generic.setdefault(code, normalized(page))
        if normalized(page) != reference:
            self.problem(rule, method, f"the {code} page is not the generic error page")
        if f'<p class="error-code">{code}</p>' not in page or 'lang="ar"' not in page:
            self.problem(rule, method, f"the {code} page is not the translated error page")
        leaked = [text for text in self.private if text in normalized(page)]  # not in the URL asked for
        if leaked:
            self.problem(rule, method, f"the {code} page names {leaked}")


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
    world = build_world()
    plan = walk_plan(app)
    walker = Walker(app, world, world.personas[persona_key]).walk(plan)

    assert set(walker.table) == {(rule.rule, method) for rule in walked_rules(app)
                                 for method in WALKED_METHODS if method in rule.methods}
    assert not walker.problems, "\n".join(walker.problems)
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
    table = {(rule.rule, method, key): expectation(app, world, rule, world.personas[key])
             for rule in rules for method in WALKED_METHODS if method in rule.methods for key in PERSONA_KEYS}
    urls = {rule.rule: world.url(rule) for rule in rules}  # every parameter filled (UnknownParameter else)

    assert {rule.rule for rule in rules} == {rule.rule for rule in app.url_map.iter_rules()} - {
        "/static/<path:filename>"}
    assert all("<" not in url for url in urls.values())
    assert len(table) == len(PERSONA_KEYS) * len(walk_plan(app))
    assert "undeclared" not in table.values()
    # Each kind of answer is met somewhere: the walk checks all of them.
    assert set(table.values()) >= {"public", "login", "forbidden", "not_found", "allowed", 403, 404}
    # Every scoped rule is refused (404) to the other university's staff of the declared roles.
    for rule in rules:
        if world.scoped(rule) and access_rule(rule.endpoint) != PUBLIC:
            declared = access_rule(rule.endpoint)
            for key in ("foreign_registrar", "foreign_lecturer", "foreign_student"):
                persona = world.personas[key]
                if persona.role in declared:
                    assert table[(rule.rule, min(rule.methods & {"GET", "POST"}), key)] == "not_found"


# --- an undeclared route fails the walk --------------------------------------------------------------

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


def test_the_walk_fails_on_a_route_that_declares_nothing(app, app_with_new_routes, demo):
    other = app_with_new_routes
    world = build_world()
    db.session.rollback()  # SQLite: end this session's read transaction; the other app's logins write
    new_rules = [rule for rule in other.url_map.iter_rules() if rule.endpoint.endswith("_report")]

    # The walk picks new routes up by itself.
    assert {rule.rule for rule in walked_rules(other)} - {rule.rule for rule in walked_rules(app)} == {
        "/undeclared-report", "/declared-report"}
    for key in ("anonymous", "registrar", "admin"):
        walker = Walker(other, world, world.personas[key]).walk(walk_plan(other, new_rules))
        undeclared = [problem for problem in walker.problems if "declares no access rule" in problem]
        assert len(undeclared) == 2, walker.problems  # its GET and its POST
        assert all("/undeclared-report" in problem for problem in undeclared)
        assert not [problem for problem in walker.problems if "/declared-report" in problem], walker.problems
        assert walker.table[("/undeclared-report", "GET")][1] == 403  # refused to everyone meanwhile
