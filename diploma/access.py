"""Who may use which route, declared in one place per view and enforced for every request.

Deny by default: a view must be decorated with ``@public`` or ``@roles(...)``; an undeclared view
answers 403 to everyone (and the access test suite fails on it). University scoping lives here too:
a user of one university asking for another university's record gets 404, as if it did not exist.
"""
from functools import wraps

from flask import abort, current_app, request
from flask_login import current_user

from diploma.extensions import db, login_manager

ADMIN, REGISTRAR, LECTURER, STUDENT = "admin", "registrar", "lecturer", "student"
ROLES = (ADMIN, REGISTRAR, LECTURER, STUDENT)
ANY_USER = frozenset(ROLES)
PUBLIC = "public"
# Endpoints Flask registers itself, which cannot carry a declaration.
BUILT_IN_PUBLIC_ENDPOINTS = frozenset({"static"})


def public(view):
    """Anyone, logged in or not, may use this view."""
    view.access = PUBLIC
    return view


def roles(*allowed):
    """Only logged-in users with one of these roles may use this view."""
    unknown = set(allowed) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")

    def declare(view):
        view.access = frozenset(allowed)
        return view

    return declare


def signed_in(view):
    """Any logged-in user."""
    view.access = ANY_USER
    return view


def access_rule(endpoint):
    """The declaration of an endpoint: PUBLIC, a set of roles, or None when undeclared."""
    if endpoint in BUILT_IN_PUBLIC_ENDPOINTS:
        return PUBLIC
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access", None)


def enforce_access():
    """``before_request`` hook: apply the view's declaration."""
    if request.endpoint is None:  # no route matched: Flask answers 404 / 405 itself
        return None
    rule = access_rule(request.endpoint)
    if rule is None:
        current_app.logger.error("route %s declares no access rule; refused", request.endpoint)
        abort(403)
    if rule != PUBLIC and not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not may_use(current_user, request.endpoint):
        abort(403)
    return None


def may_use(user, endpoint):
    """Whether the user passes the declaration of an endpoint: what ``enforce_access`` checks on every
    request, and what a page asks before offering a link or a button to that endpoint."""
    rule = access_rule(endpoint)
    return rule == PUBLIC or (rule is not None and holds_role(user, rule))


def holds_role(user, allowed):
    """Whether the user is signed in with one of the ``allowed`` roles (a ``@roles(*allowed)`` declaration):
    ``may_use`` asks it of a route, a service of a set of roles its views declare too."""
    return user is not None and user.is_authenticated and user.role in allowed


def sees_university(university_id):
    """Whether the current user may see records of this university (admins see all)."""
    if current_user.role == ADMIN:
        return True
    return university_id is not None and university_id == current_user.university_id


def picks_university():
    """Whether the current user chooses which university a page covers: the administrator does (every
    university is theirs); everyone else always sees their own."""
    return current_user.role == ADMIN


def covered_university_id(requested_id, required=False):
    """Which university a page covers: the one the administrator asked for (``requested_id``: a query
    argument, a form field, a saved choice; None for every university), or the user's own, whatever they
    asked for.
    ``required``: the page is about one university, so 404 when the administrator names none."""
    university_id = requested_id if picks_university() else current_user.university_id
    if required and university_id is None:
        abort(404)
    return university_id


def university_argument(university_id):
    """The query arguments that keep the administrator on the university a page covers from link to link
    (``?university=<id>``); none for anyone else, who always has their own."""
    return {"university": university_id} if picks_university() else {}


def get_in_scope_or_404(model, ident, university_of=lambda record: record.university_id):
    """Load a record by id; 404 if it does not exist or belongs to a university the user may not see."""
    record = db.session.get(model, ident)
    if record is None or not sees_university(university_of(record)):
        abort(404)
    return record


def require_same_university(view):
    """For views taking ``university_id``: 404 when it is not the user's own (admins pass)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not sees_university(kwargs.get("university_id")):
            abort(404)
        return view(*args, **kwargs)

    return wrapper
