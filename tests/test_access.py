"""Access control: every route declares who may use it, anonymous users are sent to the login page,
roles see only their pages, and a registrar sees only their own university's students."""
import re

import pytest
from werkzeug.exceptions import NotFound

from diploma.access import (
    PUBLIC,
    access_rule,
    covered_university_id,
    may_use,
    picks_university,
    university_argument,
)
from diploma.audit import AuditEvent
from diploma.auth.models import User
from diploma.enrolment.services import student_of
from diploma.extensions import db
from diploma.partners.services import covered_university_or_404
from tests.factories import PASSWORD
from tests.pages import redirects_to_login

URL_ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>")
NON_ADMIN_ROLES = ("registrar", "lecturer", "student")
# Under /admin/, the only page not reserved to the administrator: a university's logo, which every
# signed-in user's pages (and certificates) show.
ADMIN_PREFIX_EXCEPTIONS = {"partners.university_logo"}


def undeclared_endpoints(app):
    """The endpoints of ``app`` that declare no access rule."""
    with app.app_context():
        return sorted({rule.endpoint for rule in app.url_map.iter_rules()
                       if access_rule(rule.endpoint) is None})


def url_of(rule, values):
    """The path of a rule with its ``<...>`` parts (``<int:id>``, ``<serial>``) filled from ``values`` (a dict
    or a callable)."""
    path = URL_ARGUMENT.sub(lambda match: str(values(match.group(1)) if callable(values)
                                              else values[match.group(1)]), rule.rule)
    assert "<" not in path, f"{rule.rule}: a parameter these tests do not fill"
    return path


def rules_under(app, prefix):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith(prefix)]


def client_for(app, user):
    """A new test client logged in as ``user`` (a User, or its e-mail address)."""
    email = getattr(user, "email", user)
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, f"login of {email} failed"
    return client


# --- (a) every route declares its access -----------------------------------------------------------

def test_every_endpoint_declares_who_may_use_it(app):
    assert undeclared_endpoints(app) == []


@pytest.fixture
def app_with_undeclared_route(another_app):
    other = another_app

    @other.route("/undeclared")
    def undeclared():
        return "should never be served"

    return other


def test_a_new_undeclared_route_is_reported_by_the_walk(app_with_undeclared_route):
    assert undeclared_endpoints(app_with_undeclared_route) == ["undeclared"]


def test_a_new_undeclared_route_is_refused_to_everyone(app_with_undeclared_route, make):
    other = app_with_undeclared_route
    admin_email = make.user(role="admin").email
    db.session.rollback()  # SQLite: end this session's read transaction; the other app's login writes

    anonymous = other.test_client().get("/undeclared")
    assert anonymous.status_code == 403
    signed_in = client_for(other, admin_email).get("/undeclared")
    assert signed_in.status_code == 403
    assert "should never be served" not in signed_in.get_data(as_text=True)


# --- (b) anonymous users are sent to the login page -----------------------------------------------

def _declared_rules(app):
    return [rule for rule in app.url_map.iter_rules() if access_rule(rule.endpoint) != PUBLIC]


def test_anonymous_get_on_every_non_public_page_redirects_to_login(app, client):
    rules = [rule for rule in _declared_rules(app) if "GET" in rule.methods]
    assert rules
    for rule in rules:
        response = client.get(url_of(rule, lambda name: 1))
        assert redirects_to_login(response), f"GET {rule.rule} answered {response.status_code}"


def test_anonymous_post_on_every_post_only_route_redirects_to_login(app, client):
    rules = [rule for rule in _declared_rules(app) if "GET" not in rule.methods and "POST" in rule.methods]
    assert {rule.endpoint for rule in rules} >= {"auth.logout", "partners.toggle_user_active",
                                                 "enrolment.toggle_student_active"}
    for rule in rules:
        response = client.post(url_of(rule, lambda name: 1))
        assert redirects_to_login(response), f"POST {rule.rule} answered {response.status_code}"


def test_the_login_redirect_remembers_the_page_asked_for(client):
    response = client.get("/admin/users")
    assert "next=%2Fadmin%2Fusers" in response.headers["Location"]


# --- (c) roles --------------------------------------------------------------------------------------

@pytest.fixture
def records(make):
    """One record of each kind the /admin/ and /students/ pages take an id of."""
    university = make.university()
    make.programme()
    cohort = make.cohort()
    return {
        "university": university,
        "cohort": cohort,
        "course": make.course(),
        "term": make.term(),
        "lecturer": make.user(role="lecturer", university=university),
        "student": make.student(university=university, cohort=cohort),
    }


def _ids(records, endpoint):
    by_endpoint = {"curriculum.edit_cohort": records["cohort"].id,
                   "curriculum.edit_course": records["course"].id,
                   "curriculum.edit_term": records["term"].id}
    by_argument = {"university_id": records["university"].id, "user_id": records["lecturer"].id,
                   "student_id": records["student"].id}

    def value(name):
        if name == "record_id":
            assert endpoint in by_endpoint, f"{endpoint}: tell this test which record its id names"
            return by_endpoint[endpoint]
        assert name in by_argument, f"{endpoint}: tell this test which record <{name}> names"
        return by_argument[name]

    return value


@pytest.fixture
def clients(app, records, make):
    university = records["university"]
    people = {
        "admin": make.user(role="admin"),
        "registrar": make.user(role="registrar", university=university),
        "lecturer": make.user(role="lecturer", university=university),
        "student": make.student(university=university, cohort=records["cohort"]).user,
    }
    return {role: client_for(app, person) for role, person in people.items()}


def test_every_admin_page_but_the_logo_is_reserved_to_the_administrator(app):
    not_admin_only = {rule.endpoint for rule in rules_under(app, "/admin/")
                      if access_rule(rule.endpoint) != frozenset({"admin"})}
    assert not_admin_only == ADMIN_PREFIX_EXCEPTIONS


def test_other_roles_are_refused_every_admin_route(app, records, clients):
    rules = [rule for rule in rules_under(app, "/admin/") if rule.endpoint not in ADMIN_PREFIX_EXCEPTIONS]
    assert len(rules) > 10
    for rule in rules:
        url = url_of(rule, _ids(records, rule.endpoint))
        for role in NON_ADMIN_ROLES:
            for method in sorted(rule.methods & {"GET", "POST"}):
                response = clients[role].open(url, method=method)
                assert response.status_code == 403, f"{role} {method} {url}: {response.status_code}"


def test_the_administrator_opens_every_admin_page(app, records, clients):
    rules = [rule for rule in rules_under(app, "/admin/")
             if "GET" in rule.methods and rule.endpoint not in ADMIN_PREFIX_EXCEPTIONS]
    for rule in rules:
        url = url_of(rule, _ids(records, rule.endpoint))
        response = clients["admin"].get(url)
        assert response.status_code == 200, f"admin GET {url}: {response.status_code}"


def test_lecturers_and_students_are_refused_every_students_route(app, records, clients):
    rules = rules_under(app, "/students/")
    assert len(rules) >= 5
    for rule in rules:
        url = url_of(rule, _ids(records, rule.endpoint))
        for role in ("lecturer", "student"):
            for method in sorted(rule.methods & {"GET", "POST"}):
                response = clients[role].open(url, method=method)
                assert response.status_code == 403, f"{role} {method} {url}: {response.status_code}"


def test_registrar_and_administrator_open_the_students_pages(app, records, clients):
    rules = [rule for rule in rules_under(app, "/students/") if "GET" in rule.methods]
    for rule in rules:
        url = url_of(rule, _ids(records, rule.endpoint))
        for role in ("admin", "registrar"):
            response = clients[role].get(url)
            assert response.status_code == 200, f"{role} GET {url}: {response.status_code}"


# --- (d) university scoping ------------------------------------------------------------------------

@pytest.fixture
def two_universities(make):
    home, other = make.university(), make.university()
    cohort = make.cohort()
    return {
        "home": home,
        "other": other,
        "registrar": make.user(role="registrar", university=home),
        "own_student": make.student(university=home, cohort=cohort, name_ar="سلمى كاظم جواد العبيدي",
                                    name_en="Salma Kadhim Jawad Al-Obaidi"),
        "foreign_student": make.student(university=other, cohort=cohort, name_ar="حيدر عباس ناصر الموسوي",
                                        name_en="Haider Abbas Nasser Al-Musawi"),
    }


def _audit_count():
    return db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/students/{id}"),
    ("POST", "/students/{id}"),
    ("POST", "/students/{id}/password-link"),
    ("POST", "/students/{id}/active"),
])
def test_a_registrar_gets_404_for_another_universitys_student(app, two_universities, method, path):
    foreign = two_universities["foreign_student"]
    foreign_id, user_id = foreign.id, foreign.user_id
    client = client_for(app, two_universities["registrar"])
    events_before = _audit_count()

    data = {"email": "changed@example.org", "name_ar": "اسم جديد رباعي هنا", "name_en": "Changed Name",
            "student_number": "CHANGED-1", "gender": "m", "cohort_id": str(foreign.cohort_id)}
    response = client.open(path.format(id=foreign_id), method=method, data=data if method == "POST" else None)

    assert response.status_code == 404
    assert "password-link" not in response.get_data(as_text=True)
    db.session.expire_all()
    user = db.session.get(User, user_id)
    assert user.active is True
    assert user.email != "changed@example.org"
    assert student_of(user).student_number != "CHANGED-1"
    assert _audit_count() == events_before


def test_a_registrar_lists_only_their_own_universitys_students(app, two_universities):
    client = client_for(app, two_universities["registrar"])
    other_id = two_universities["other"].id

    for query in ("", f"?university={other_id}", f"?university={other_id}&q=Haider"):
        page = client.get(f"/students/{query}").get_data(as_text=True)
        assert "حيدر عباس ناصر الموسوي" not in page, query
        assert two_universities["foreign_student"].student_number not in page, query
    page = client.get(f"/students/?university={other_id}").get_data(as_text=True)
    assert "سلمى كاظم جواد العبيدي" in page


# --- (e) which university a page covers ------------------------------------------------------------

@pytest.fixture
def signed_in_as(app):
    """Run the access helpers as this user, inside a request."""
    from contextlib import contextmanager

    from flask_login import login_user

    @contextmanager
    def as_user(user):
        with app.test_request_context():
            login_user(user)
            yield

    return as_user


def test_the_administrator_covers_the_university_asked_for_or_all(two_universities, make, signed_in_as):
    other = two_universities["other"].id
    with signed_in_as(make.user(role="admin")):
        assert picks_university()
        assert covered_university_id(other) == other
        assert covered_university_id(None) is None
        assert university_argument(other) == {"university": other}


def test_a_registrar_covers_their_own_university_whatever_they_ask(two_universities, signed_in_as):
    home, other = two_universities["home"].id, two_universities["other"].id
    with signed_in_as(two_universities["registrar"]):
        assert not picks_university()
        assert covered_university_id(other) == home
        assert covered_university_id(None, required=True) == home
        assert university_argument(home) == {}


def test_a_page_about_one_university_is_404_when_the_administrator_names_none(make, signed_in_as):
    with signed_in_as(make.user(role="admin")), pytest.raises(NotFound):
        covered_university_id(None, required=True)


def test_a_flag_asks_the_same_declaration_the_route_enforces(app, make):
    registrar = make.user(role="registrar", university=make.university())
    lecturer = make.user(role="lecturer", university=make.university())
    assert may_use(registrar, "results.report_xlsx") and not may_use(lecturer, "results.report_xlsx")
    assert may_use(None, "auth.login")
    assert client_for(app, lecturer).get("/results/report.xlsx").status_code == 403


def test_the_covered_university_is_loaded_or_404(two_universities, make, signed_in_as):
    home, other = two_universities["home"], two_universities["other"]
    with signed_in_as(two_universities["registrar"]):
        assert covered_university_or_404(other.id) == home
    with signed_in_as(make.user(role="admin")):
        assert covered_university_or_404(other.id) == other
        with pytest.raises(NotFound):
            covered_university_or_404(999999)
