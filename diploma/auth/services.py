"""Accounts: creating them, passwords, set-password links, logging in."""
import re
import secrets
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l

from diploma import audit
from diploma.access import ADMIN, ROLES
from diploma.auth.models import (
    LoginSession,
    PasswordLink,
    User,
    new_secret,
    new_session_token,
    secret_digest,
)
from diploma.clock import utcnow
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.text import clean_text


def normalize_email(email):
    return (email or "").strip().lower()


def find_user_by_email(email):
    return db.session.scalar(db.select(User).where(User.email == normalize_email(email)))


def _password_hasher():
    config = current_app.config
    return PasswordHasher(time_cost=config["ARGON2_TIME_COST"], memory_cost=config["ARGON2_MEMORY_COST"])


def hash_password(password):
    return _password_hasher().hash(password)


def check_password_rules(password):
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password or "") < minimum:
        raise RuleViolation(_l("The password must be at least %(count)s characters long.", count=minimum),
                            field="password")


def password_matches(user, password):
    if not user.password_hash:
        return False
    try:
        return _password_hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _check_role_and_university(role, university_id):
    if role not in ROLES:
        raise RuleViolation(_l("Unknown role."), field="role")
    if role != ADMIN and university_id is None:
        raise RuleViolation(_l("Choose the university this account belongs to."), field="university_id")


def _check_email_free(email, user=None):
    existing = find_user_by_email(email)
    if existing is not None and existing is not user:
        raise RuleViolation(_l("An account with this e-mail address already exists."), field="email")


def _check_email_valid(email):
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        raise RuleViolation(_l("Enter a valid e-mail address."), field="email") from None


def _clean_names(name_ar, name_en):
    """Both names as stored (no control or bidi characters: a name cannot be made to display reversed);
    refused when either is empty. The forms check this too; the command line and the import rely on it."""
    name_ar, name_en = clean_text(name_ar), clean_text(name_en)
    if not name_ar or not name_en:
        raise RuleViolation(_l("Enter the name in Arabic and in English."), field="name_ar" if not name_ar
                            else "name_en")
    return name_ar, name_en


STAFF_ROLES = tuple(role for role in ROLES if role != "student")  # students come with their profile


def create_staff_account(actor, *, email, name_ar, name_en, role, university_id=None):
    """A staff account (administrator, registrar, lecturer) and the secret of its first set-password link.
    Students are created with their profile (enrolment.services.create_student)."""
    if role not in STAFF_ROLES:
        raise RuleViolation(_l("Unknown role."), field="role")
    user = create_user(actor, email=email, name_ar=name_ar, name_en=name_en, role=role,
                       university_id=university_id)
    return user, make_password_token(actor, user)


def create_user(actor, *, email, name_ar, name_en, role, university_id=None, locale=None):
    """A new account without a password: the person sets it through a set-password link."""
    email = normalize_email(email)
    _check_email_valid(email)
    name_ar, name_en = _clean_names(name_ar, name_en)
    university_id = None if role == ADMIN else university_id
    _check_role_and_university(role, university_id)
    _check_email_free(email)
    user = User(email=email, name_ar=name_ar, name_en=name_en, role=role,
                university_id=university_id, locale=locale)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.created", user, {"email": email, "role": role, "university_id": university_id})
    return user


def update_user(actor, user, *, email, name_ar, name_en, role=None, university_id=None):
    email = normalize_email(email)
    _check_email_valid(email)
    name_ar, name_en = _clean_names(name_ar, name_en)
    role = role or user.role
    university_id = None if role == ADMIN else (university_id if university_id is not None
                                                 else user.university_id)
    _check_role_and_university(role, university_id)
    _check_email_free(email, user)
    before = {"email": user.email, "name_ar": user.name_ar, "name_en": user.name_en, "role": user.role,
              "university_id": user.university_id}
    user.email, user.name_ar, user.name_en = email, name_ar, name_en
    user.role, user.university_id = role, university_id
    after = {"email": email, "name_ar": user.name_ar, "name_en": user.name_en, "role": role,
             "university_id": university_id}
    if role != before["role"] or university_id != before["university_id"]:
        _end_every_session(user)
    db.session.flush()
    audit.record(actor, "user.updated", user, {"before": before, "after": after})
    return user


def set_user_active(actor, user, active):
    """Deactivating an account also ends all of its sessions."""
    if actor is not None and actor.id == user.id and not active:
        raise RuleViolation(_l("You cannot deactivate your own account."))
    user.active = active
    if not active:
        _end_every_session(user)
    db.session.flush()
    audit.record(actor, "user.activated" if active else "user.deactivated", user)
    return user


PASSWORD_LINK_SECRET = re.compile(r"[A-Za-z0-9_-]{43}")


def make_password_token(actor, user):
    """A one-time set-password link's secret: random, so that it reveals nothing (no user id, no state of
    the account) to whoever reads it; valid for PASSWORD_TOKEN_MAX_AGE seconds."""
    secret, digest = new_secret()
    db.session.add(PasswordLink(user_id=user.id, secret_digest=digest, created_at=utcnow()))
    db.session.flush()
    audit.record(actor, "user.password_link_created", user)
    return secret


def _open_password_link(secret):
    if not isinstance(secret, str) or not PASSWORD_LINK_SECRET.fullmatch(secret):
        return None
    link = db.session.scalar(db.select(PasswordLink)
                             .where(PasswordLink.secret_digest == secret_digest(secret)))
    if link is None or link.used_at is not None:
        return None
    # Measured from the link's creation with today's setting, so that shortening the setting shortens
    # the links already given out too.
    if utcnow() >= link.created_at + timedelta(seconds=current_app.config["PASSWORD_TOKEN_MAX_AGE"]):
        return None
    return link


def user_from_password_token(token):
    """The user a valid link belongs to, or None (unknown, expired, already used, inactive account)."""
    link = _open_password_link(token)
    if link is None:
        return None
    user = db.session.get(User, link.user_id)
    return user if user is not None and user.active else None


def _end_every_session(user):
    """Every login session of the user ends (the session token changes, so even a cookie this server
    never recorded stops working), and every set-password link still open dies."""
    now = utcnow()
    user.session_token = new_session_token()
    db.session.execute(db.update(LoginSession).where(LoginSession.user_id == user.id,
                                                     LoginSession.ended_at.is_(None)).values(ended_at=now))
    db.session.execute(db.update(PasswordLink).where(PasswordLink.user_id == user.id,
                                                     PasswordLink.used_at.is_(None)).values(used_at=now))


def set_password(user, password):
    """Set the user's own password; every other session of the user ends."""
    check_password_rules(password)
    user.password_hash = hash_password(password)
    _end_every_session(user)
    db.session.flush()
    audit.record(user, "user.password_set", user)
    return user


@cache
def _stand_in_hash(time_cost, memory_cost):
    """A hash that no password matches, checked when the account has no usable hash, so that every
    login attempt costs one verification whatever the account's state."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost).hash(secrets.token_urlsafe(16))


def _hash_to_check(user):
    if user is not None and user.password_hash:
        return user.password_hash
    config = current_app.config
    return _stand_in_hash(config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"])


def authenticate(email, password):
    """The user these credentials belong to, or None. Both outcomes are audited. The work is the same for
    an unknown, an inactive, a not-yet-activated and an active account (one argon2 verification), so the
    answer's timing does not tell which."""
    user = find_user_by_email(email)
    try:
        matches = _password_hasher().verify(_hash_to_check(user), password or "")
    except (VerificationError, InvalidHashError):
        matches = False
    if matches and user is not None and user.active and user.password_hash:
        user.last_login_at = utcnow()
        audit.record(user, "auth.login_succeeded", user)
        return user
    audit.record(None, "auth.login_failed", user, {"email": normalize_email(email)[:254]})
    return None


def set_user_locale(user, language):
    user.locale = language
    db.session.flush()
    return user


def _login_session_lifetime(remember):
    config = current_app.config
    return config["REMEMBER_COOKIE_DURATION"] if remember else config["PERMANENT_SESSION_LIFETIME"]


def start_login_session(user, remember=False):
    """A new login session of the user on this device; the user's ``get_id()`` now names it. Sessions of
    the user that ended or ran out are deleted on the way (they can never be used again)."""
    now = utcnow()
    _forget_old_login_sessions(user, now)
    secret, digest = new_secret()
    db.session.add(LoginSession(user_id=user.id, secret_digest=digest, remember=bool(remember),
                                created_at=now))
    db.session.flush()
    user.login_secret = secret
    return user


def _forget_old_login_sessions(user, now):
    oldest_alive = now - max(_login_session_lifetime(True), _login_session_lifetime(False))
    db.session.execute(db.delete(LoginSession).where(
        LoginSession.user_id == user.id,
        db.or_(LoginSession.ended_at.is_not(None), LoginSession.created_at < oldest_alive)))


def end_login_session(user):
    """Logging out: the login session the user is using ends on the server (its cookies stop working)."""
    db.session.execute(db.update(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.secret_digest == secret_digest(user.login_secret or ""),
        LoginSession.ended_at.is_(None)).values(ended_at=utcnow()))
    audit.record(user, "auth.logged_out", user)


def end_all_login_sessions(user):
    """"Log out of all devices": every session of the user ends, this one too."""
    _end_every_session(user)
    db.session.flush()
    audit.record(user, "auth.logged_out_everywhere", user)


def _parse_login_id(login_id):
    user_id, token, secret = ((login_id or "") + "::").split(":")[:3]
    if not user_id.isdigit() or len(user_id) > 12 or not token or not secret:
        return None
    return int(user_id), token, secret


@cache
def _user_of_login_session():
    """The statement of every signed-in request, built once: SQLAlchemy then reuses its cache key and
    compiled SQL instead of building them again for each page."""
    return (db.select(User, LoginSession.remember, LoginSession.created_at)
            .join(LoginSession, LoginSession.user_id == User.id)
            .where(User.id == db.bindparam("user_id"), LoginSession.secret_digest == db.bindparam("digest"),
                   LoginSession.ended_at.is_(None)))


def user_from_login_id(login_id):
    """Flask-Login's loader: the id is ``<user id>:<session token>:<login session secret>``. The user, in
    one query, when the account is active, the token current and the login session alive."""
    parsed = _parse_login_id(login_id)
    if parsed is None:
        return None
    user_id, token, secret = parsed
    row = db.session.execute(_user_of_login_session(),
                             {"user_id": user_id, "digest": secret_digest(secret)}).first()
    if row is None:
        return None
    user, remember, created_at = row
    if not user.active or not secrets.compare_digest(user.session_token, token):
        return None
    if utcnow() >= created_at + _login_session_lifetime(remember):
        return None
    user.login_secret = secret
    return user


def users_query(role=None, search="", university_id=None):
    """Accounts by role and English name, optionally filtered by role, university and a name/e-mail search."""
    query = db.select(User).order_by(User.role, User.name_en)
    if role:
        query = query.where(User.role == role)
    if university_id is not None:
        query = query.where(User.university_id == university_id)
    search = clean_text(search or "")  # as names are stored (and no NUL, which PostgreSQL refuses)
    if search:
        query = query.where(db.or_(db.func.lower(User.email).contains(search.lower(), autoescape=True),
                                   db.func.lower(User.name_en).contains(search.lower(), autoescape=True),
                                   User.name_ar.contains(search, autoescape=True)))
    return query
