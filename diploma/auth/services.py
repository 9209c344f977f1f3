"""Accounts: creating them, passwords, set-password links, logging in."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from diploma import audit
from diploma.access import ADMIN, ROLES
from diploma.auth.models import User, new_session_token, utcnow
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.text import clean_text

TOKEN_SALT = "set-password"


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
        user.session_token = new_session_token()
    db.session.flush()
    audit.record(actor, "user.updated", user, {"before": before, "after": after})
    return user


def set_user_active(actor, user, active):
    """Deactivating an account also ends all of its sessions."""
    if actor is not None and actor.id == user.id and not active:
        raise RuleViolation(_l("You cannot deactivate your own account."))
    user.active = active
    if not active:
        user.session_token = new_session_token()
    db.session.flush()
    audit.record(actor, "user.activated" if active else "user.deactivated", user)
    return user


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def _password_fingerprint(user):
    """Changes whenever the password or the session token changes, so a used link dies."""
    return (user.password_hash or "")[-12:] + user.session_token[:8]


def make_password_token(actor, user):
    """A signed, time-limited, one-time token for the set-password page."""
    audit.record(actor, "user.password_link_created", user)
    return _serializer().dumps({"uid": user.id, "fp": _password_fingerprint(user)})


def user_from_password_token(token):
    """The user a valid token belongs to, or None (bad, expired, already used, inactive)."""
    try:
        payload = _serializer().loads(token, max_age=current_app.config["PASSWORD_TOKEN_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(payload, dict):
        return None
    user = db.session.get(User, payload.get("uid")) if isinstance(payload.get("uid"), int) else None
    if user is None or not user.active or payload.get("fp") != _password_fingerprint(user):
        return None
    return user


def set_password(user, password):
    """Set the user's own password; every other session of the user ends."""
    check_password_rules(password)
    user.password_hash = hash_password(password)
    user.session_token = new_session_token()
    db.session.flush()
    audit.record(user, "user.password_set", user)
    return user


def authenticate(email, password):
    """The user these credentials belong to, or None. Both outcomes are audited."""
    user = find_user_by_email(email)
    if user is not None and user.active and password_matches(user, password):
        user.last_login_at = utcnow()
        audit.record(user, "auth.login_succeeded", user)
        return user
    if user is None:
        _password_hasher().hash("timing-equaliser")  # unknown e-mail costs as much as a wrong password
    audit.record(None, "auth.login_failed", user, {"email": normalize_email(email)[:254]})
    return None


def set_user_locale(user, language):
    user.locale = language
    db.session.flush()
    return user


def user_from_login_id(login_id):
    """Flask-Login's loader: the id is ``<user id>:<session token>``."""
    user_id, _, token = (login_id or "").partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_token != token:
        return None
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
