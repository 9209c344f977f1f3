"""CSRF: with the protection on (as in production), every state-changing rule of the URL map refuses a
request without a token — 400, the translated error page — and writes nothing (no row of any table
added, changed or removed; no audit event; no file stored).

The rules come from ``app.url_map``: a new POST (PUT, PATCH, DELETE) route is covered without touching
this file. Each is requested by a persona its declaration allows (the walk's expectation "allowed"), and
the public ones also anonymously, with a body that would change something were the token there.
"""
import re
from pathlib import Path

import pytest
from flask import current_app
from flask_babel import gettext

from diploma.access import ADMIN, PUBLIC, access_rule, roles
from diploma.audit import AuditEvent
from diploma.extensions import db
from diploma.i18n import force_language
from tests.security.personas import build_world, forget_flashes, log_in
from tests.security.test_route_matrix import LAST_POSTS, expectation

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Who asks, in this order of preference: the first the walk expects to be served.
ASKERS = ("lecturer", "registrar", "student", "admin")
CSRF_MESSAGE = "The form had expired or was not sent from this site. Please reload the page and try again."
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# Reviewed: POST routes with nothing to protect, answered without a token. Each must still write nothing.
NOTHING_TO_PROTECT = {
    # Anyone's check of an uploaded PDF: it changes nothing and keeps nothing, and the verdict goes to the
    # one who sent the file. A token check would parse the body before the view keeps the file in memory.
    "certificates.verify_upload",
}


def state_changing_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules() if rule.methods & STATE_CHANGING),
                  key=lambda rule: (rule.rule, rule.endpoint))


def askers(app, world, rule):
    """The personas that request ``rule``: anonymous and a student for a public rule, else the first
    persona the declaration serves."""
    if access_rule(rule.endpoint) == PUBLIC:
        return [world.personas["anonymous"], world.personas["student"]]
    for key in ASKERS:  # allowed, or allowed by role and refused by the record's state (STATE_ANSWERS)
        answer = expectation(app, world, rule, world.personas[key])
        if answer == "allowed" or isinstance(answer, int):
            return [world.personas[key]]
    raise AssertionError(f"{rule.rule}: no persona is allowed to use it")


def would_write(world, rule, persona):
    """A body that the view would act on, were the CSRF token there."""
    bodies = {
        "auth.login": {"email": persona.email or world.personas["student"].email,
                       "password": persona.password},
        "auth.switch_language": {"language": "en", "next": "/"},
        "auth.set_password": {"password": "a-brand-new-passphrase", "confirm": "a-brand-new-passphrase"},
        "teaching.post_announcement": {"title": "إعلان", "body": "نص الإعلان"},
        "certificates.revoke": {"reason": "خطأ في الاسم"},
        "grading.return_to_lecturer": {"comment": "راجع الدرجات"},
        "certificates.issue": {"student_id": str(world.records["bystander_graduate_id"])},
        "certificates.reinstate": {"reason": "أُلغيت خطأً"},
    }
    # confirm=yes: the Confirm button of an irreversible action's confirmation page (diploma.web.confirmed);
    # the other forms ignore it (the set-password form's own "confirm" field takes its place there).
    return {"confirm": "yes", **world.neutral_body(rule), **bodies.get(rule.endpoint, {})}


def snapshot():
    """Every row of every table, and the files under the upload folder."""
    db.session.expire_all()
    rows = {}
    for table in db.metadata.sorted_tables:
        query = db.select(table).order_by(*table.primary_key.columns)
        rows[table.name] = [tuple(row) for row in db.session.execute(query)]
    db.session.rollback()  # end the read transaction before the next request
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    files = sorted(str(path.relative_to(folder)) for path in folder.rglob("*")) if folder.exists() else []
    return rows, files


def audit_count():
    return db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def _translated(message):
    with force_language("ar"):
        return gettext(message)


def _plan(app, world):
    """(rule, method, persona) in the order asked; logging out and switching things off come last."""
    rules = state_changing_rules(app)
    rules.sort(key=lambda rule: LAST_POSTS.index(rule.endpoint) if rule.endpoint in LAST_POSTS else -1)
    return [(rule, method, persona) for rule in rules for persona in askers(app, world, rule)
            for method in sorted(rule.methods & STATE_CHANGING)]


def _replay(app, world, plan, csrf):
    """Send every request of ``plan`` with the protection on or off; returns {(persona, method, rule):
    (status, page, audit events added, tables changed, files changed)}."""
    clients = {persona.key: log_in(app, persona) for _rule, _method, persona in plan}
    outcomes = {}
    app.config["WTF_CSRF_ENABLED"] = csrf
    try:
        for rule, method, persona in plan:
            client = clients[persona.key]
            forget_flashes(client)
            (rows, files), events = snapshot(), audit_count()
            body = would_write(world, rule, persona)
            with client.open(world.url(rule), method=method, data=body) as answer:
                status, page = answer.status_code, answer.get_data(as_text=True)
            added = audit_count() - events
            rows_after, files_after = snapshot()
            outcomes[(persona.key, method, rule.rule)] = (
                status, page, added, [name for name in rows if rows[name] != rows_after[name]],
                files != files_after)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    return outcomes, clients


def test_every_state_changing_rule_refuses_a_request_without_token_and_writes_nothing(app, demo):
    world = build_world()
    rules = state_changing_rules(app)
    assert {rule.endpoint for rule in rules} >= {"auth.login", "auth.logout", "auth.switch_language",
                                                 "auth.set_password", "grading.post_marks",
                                                 "partners.toggle_user_active", "enrolment.confirm_import"}
    plan = _plan(app, world)
    expected_text = _translated(CSRF_MESSAGE)

    outcomes, clients = _replay(app, world, plan, csrf=True)

    assert {(method, rule) for _key, method, rule in outcomes} == {
        (method, rule.rule) for rule in rules for method in rule.methods & STATE_CHANGING}
    problems = []
    unprotected = {rule.rule for rule in rules if rule.endpoint in NOTHING_TO_PROTECT}
    for (key, method, rule), (status, page, events, tables, files) in outcomes.items():
        label = f"{key} {method} {rule}"
        if rule in unprotected:
            if status >= 500:
                problems.append(f"{label}: answered {status}")
        elif status != 400:
            problems.append(f"{label}: answered {status}, not 400")
        elif not (expected_text in page and 'lang="ar"' in page and '<p class="error-code">400</p>' in page):
            problems.append(f"{label}: the 400 page is not the translated CSRF error page")
        if events:
            problems.append(f"{label}: added {events} audit events")
        if tables or files:
            problems.append(f"{label}: wrote to {tables or 'the upload folder'}")
    assert not problems, "\n".join(problems)
    # The refused login logged nobody in; the refused logout logged nobody out.
    for key, client in clients.items():
        with client.get("/dashboard") as answer:
            assert answer.status_code == (302 if key == "anonymous" else 200), key


def test_without_the_protection_the_same_requests_do_write(app, demo):
    """The control: the requests above are not refused for what they carry. With the protection off
    (the test configuration), the buttons act and the filled forms save."""
    world = build_world()

    outcomes, _clients = _replay(app, world, _plan(app, world), csrf=False)

    wrote = {rule for (_key, _method, rule), (_status, _page, events, tables, _files) in outcomes.items()
             if events or tables}
    assert wrote >= {"/login", "/language", "/set-password/<token>", "/admin/users/<int:user_id>/active",
                     "/certificates/<serial>/revoke", "/offerings/<int:offering_id>/announcements",
                     "/offerings/<int:offering_id>/status", "/students/<int:student_id>/active",
                     "/offerings/<int:offering_id>/materials/<int:material_id>/delete",
                     "/offerings/<int:offering_id>/students"}
    assert len(wrote) >= 20, sorted(wrote)  # the empty forms of new records are refused by validation


def test_with_the_token_the_same_request_goes_through(app, demo, csrf_on):
    """The control: the refusals above come from the missing token, not from the request."""
    world = build_world()
    client = log_in(app, world.personas["anonymous"])
    token = CSRF_FIELD.search(client.get("/login").get_data(as_text=True))[1]
    persona = world.personas["registrar"]
    refused = client.post("/login", data={"email": persona.email, "password": persona.password})
    accepted = client.post("/login", data={"email": persona.email, "password": persona.password,
                                           "csrf_token": token})

    assert refused.status_code == 400
    assert accepted.status_code == 302
    assert client.get("/dashboard").status_code == 200


# --- a new state-changing route is covered by itself ---------------------------------------------------

@pytest.fixture
def app_with_a_new_post_route(another_app):
    other = another_app

    @other.route("/admin/reindex", methods=["POST"])
    @roles(ADMIN)
    def reindex():
        return "reindexed"

    return other


def test_a_new_post_route_is_enumerated_and_refused_without_token(app, app_with_a_new_post_route, demo):
    other = app_with_a_new_post_route
    world = build_world()
    db.session.rollback()  # SQLite: end this session's read transaction; the other app's login writes
    new = [rule for rule in state_changing_rules(other) if rule.rule not in
           {known.rule for known in state_changing_rules(app)}]
    assert [rule.rule for rule in new] == ["/admin/reindex"]
    with other.app_context():
        assert [persona.key for persona in askers(other, world, new[0])] == ["admin"]

    client = log_in(other, world.personas["admin"])
    other.config["WTF_CSRF_ENABLED"] = True
    answer = client.post("/admin/reindex")

    assert answer.status_code == 400
    assert "reindexed" not in answer.get_data(as_text=True)
