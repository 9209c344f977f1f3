"""Accounts: password hashing, unique e-mails, set-password links, session tokens, login auditing."""
import base64
import hashlib
import re
from datetime import timedelta

import pytest
from argon2 import PasswordHasher

from diploma.audit import AuditEvent
from diploma.auth import services
from diploma.auth.models import LoginSession, PasswordLink
from diploma.errors import RuleViolation
from diploma.extensions import db
from tests.factories import PASSWORD

NEW_PASSWORD = "a-brand-new-password"


def _events(action):
    return db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)).all()


# --- passwords ------------------------------------------------------------------------------------

def test_passwords_are_hashed_with_argon2id():
    hashed = services.hash_password("some password")

    assert hashed.startswith("$argon2id$")
    assert "some password" not in hashed


def test_set_password_stores_an_argon2id_hash_that_matches(make):
    user = make.user(password=None)

    services.set_password(user, NEW_PASSWORD)

    assert user.password_hash.startswith("$argon2id$")
    assert services.password_matches(user, NEW_PASSWORD)
    assert not services.password_matches(user, NEW_PASSWORD + "x")


def test_set_password_refuses_a_password_shorter_than_the_minimum(app, make):
    user = make.user(password=None)
    too_short = "x" * (app.config["PASSWORD_MIN_LENGTH"] - 1)

    with pytest.raises(RuleViolation) as refused:
        services.set_password(user, too_short)

    assert refused.value.field == "password"
    assert user.password_hash is None


def test_a_password_of_exactly_the_minimum_length_is_accepted(app, make):
    user = make.user(password=None)

    services.set_password(user, "x" * app.config["PASSWORD_MIN_LENGTH"])

    assert user.password_hash is not None


# --- e-mail addresses -----------------------------------------------------------------------------

def test_email_addresses_are_unique_whatever_their_case(make):
    university = make.university()
    services.create_user(None, email="Layla.Hassan@Example.org", name_ar="ليلى حسن علي محمد",
                         name_en="Layla Hassan", role="lecturer", university_id=university.id)

    with pytest.raises(RuleViolation) as refused:
        services.create_user(None, email="layla.hassan@EXAMPLE.ORG", name_ar="ليلى حسن",
                             name_en="Layla H.", role="registrar", university_id=university.id)

    assert refused.value.field == "email"


def test_email_addresses_are_stored_lower_cased_and_found_in_any_case(make):
    university = make.university()
    user = services.create_user(None, email="  Omar@Example.ORG ", name_ar="عمر", name_en="Omar",
                                role="lecturer", university_id=university.id)

    assert user.email == "omar@example.org"
    assert services.find_user_by_email("OMAR@example.org") is user


# --- set-password links ---------------------------------------------------------------------------

def test_a_fresh_set_password_token_gives_its_user(make):
    user = make.user(password=None)

    token = services.make_password_token(None, user)

    assert services.user_from_password_token(token) is user


def test_a_set_password_token_works_only_once(make):
    user = make.user(password=None)
    token = services.make_password_token(None, user)

    services.set_password(user, NEW_PASSWORD)

    assert services.user_from_password_token(token) is None


def test_an_expired_set_password_token_is_refused(app, make, monkeypatch):
    user = make.user(password=None)
    token = services.make_password_token(None, user)

    monkeypatch.setitem(app.config, "PASSWORD_TOKEN_MAX_AGE", -1)

    assert services.user_from_password_token(token) is None


def _one_character_changed(token):
    return token[:-1] + ("A" if token[-1] != "A" else "B")


@pytest.mark.parametrize("tamper", [_one_character_changed, lambda token: token[::-1],
                                    lambda token: token[:-6], lambda token: token + "x", lambda token: "",
                                    lambda token: "garbage",
                                    lambda token: "A" * 43, lambda token: token.upper()],
                         ids=["one-character", "reversed", "truncated", "longer", "empty", "garbage",
                              "guessed", "case-changed"])
def test_a_tampered_or_guessed_set_password_token_is_refused(make, tamper):
    user = make.user(password=None)
    token = services.make_password_token(None, user)

    assert services.user_from_password_token(tamper(token)) is None
    assert services.user_from_password_token(token) is user  # the real one still works


def test_a_set_password_token_reveals_nothing_about_the_account(make):
    """The link is random: decoding it (as anyone holding it could) shows no id, token or hash."""
    user = make.user(password=None)

    token = services.make_password_token(None, user)

    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)  # 256 random bits
    decoded = base64.urlsafe_b64decode(token + "=")
    for secret in (user.session_token.encode(), user.session_token[:8].encode(), user.email.encode(),
                   (user.password_hash or "").encode() or b"$argon2"):
        assert secret not in decoded and secret not in token.encode()
    # No structure either: a second link of the same account shares no prefix with the first.
    assert services.make_password_token(None, user)[:8] != token[:8]


def test_a_set_password_token_is_stored_only_as_its_digest(make):
    user = make.user(password=None)

    token = services.make_password_token(None, user)

    [link] = db.session.scalars(db.select(PasswordLink).where(PasswordLink.user_id == user.id)).all()
    assert link.secret_digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str([getattr(link, column.key) for column in PasswordLink.__table__.columns])


def test_two_links_of_one_account_both_die_when_a_password_is_set(make):
    user = make.user(password=None)
    first, second = services.make_password_token(None, user), services.make_password_token(None, user)
    assert services.user_from_password_token(first) is user

    services.set_password(user, NEW_PASSWORD)

    assert services.user_from_password_token(first) is None
    assert services.user_from_password_token(second) is None


def test_a_token_cannot_be_moved_to_another_account(make):
    victim = make.user(role="admin", password=None)
    attacker = make.user(password=None)
    victim_token = services.make_password_token(None, victim)
    attacker_token = services.make_password_token(None, attacker)

    assert services.user_from_password_token(attacker_token) is attacker
    assert services.user_from_password_token(victim_token) is victim
    services.set_password(attacker, NEW_PASSWORD)  # the attacker's own link is used up…
    assert services.user_from_password_token(victim_token) is victim  # …and the victim's is untouched


def test_a_set_password_token_of_an_inactive_account_is_refused(make):
    user = make.user(password=None)
    token = services.make_password_token(None, user)

    user.active = False
    db.session.flush()

    assert services.user_from_password_token(token) is None


def test_making_a_set_password_token_is_audited(make):
    admin = make.user(role="admin")
    user = make.user(password=None)

    services.make_password_token(admin, user)

    [event] = _events("user.password_link_created")
    assert (event.actor_id, event.target_type, event.target_id) == (admin.id, "User", str(user.id))


# --- sessions -------------------------------------------------------------------------------------

def test_setting_a_password_ends_every_login_session(make):
    user = make.user()
    old_login_id = services.start_login_session(user).get_id()
    assert services.user_from_login_id(old_login_id) is user

    services.set_password(user, NEW_PASSWORD)

    assert services.user_from_login_id(old_login_id) is None
    new_login_id = services.start_login_session(user).get_id()
    assert services.user_from_login_id(new_login_id) is user


def test_a_login_id_names_one_login_session(make):
    user = make.user()
    phone = services.start_login_session(user).get_id()
    laptop = services.start_login_session(user).get_id()
    assert phone != laptop

    services.end_login_session(services.user_from_login_id(phone))

    assert services.user_from_login_id(phone) is None
    assert services.user_from_login_id(laptop) is user


def test_ending_all_login_sessions_ends_every_device(make):
    user = make.user()
    phone = services.start_login_session(user).get_id()
    laptop = services.start_login_session(user).get_id()

    services.end_all_login_sessions(user)

    assert services.user_from_login_id(phone) is None
    assert services.user_from_login_id(laptop) is None
    assert [event.action for event in _events("auth.logged_out_everywhere")] == ["auth.logged_out_everywhere"]


@pytest.mark.parametrize("remember, setting", [(False, "PERMANENT_SESSION_LIFETIME"),
                                               (True, "REMEMBER_COOKIE_DURATION")])
def test_a_login_session_ends_by_itself_after_its_lifetime(app, make, monkeypatch, remember, setting):
    user = make.user()
    login_id = services.start_login_session(user, remember=remember).get_id()
    assert services.user_from_login_id(login_id) is user

    monkeypatch.setitem(app.config, setting, timedelta(seconds=-1))

    assert services.user_from_login_id(login_id) is None


def test_ended_login_sessions_are_deleted_at_the_next_login(make):
    user = make.user()
    services.end_login_session(services.start_login_session(user))

    services.start_login_session(user)

    sessions = db.session.scalars(db.select(LoginSession).where(LoginSession.user_id == user.id)).all()
    assert [session.ended_at for session in sessions] == [None]


def test_a_login_session_is_stored_only_as_its_digest(make):
    user = make.user()

    secret = services.start_login_session(user).login_secret

    [session] = db.session.scalars(db.select(LoginSession).where(LoginSession.user_id == user.id)).all()
    assert session.secret_digest == hashlib.sha256(secret.encode()).hexdigest()


def test_deactivating_an_account_rotates_the_session_token(make):
    admin = make.user(role="admin")
    user = make.user()
    old_token = user.session_token
    login_id = services.start_login_session(user).get_id()

    services.set_user_active(admin, user, False)

    assert user.session_token != old_token
    assert services.user_from_login_id(login_id) is None
    assert services.user_from_login_id(f"{user.id}:{user.session_token}:{user.login_secret}") is None


def test_an_administrator_cannot_deactivate_their_own_account(make):
    admin = make.user(role="admin")

    with pytest.raises(RuleViolation):
        services.set_user_active(admin, admin, False)

    assert admin.active


@pytest.mark.parametrize("login_id", ["", "abc:def", ":token", "99999:token", "1:token", "1:token:",
                                      "1::secret", "99999:token:secret", "1" * 40 + ":a:b", None])
def test_malformed_or_unknown_login_ids_give_no_user(login_id):
    assert services.user_from_login_id(login_id) is None


# --- authentication -------------------------------------------------------------------------------

def test_authenticate_with_the_right_password_records_a_successful_login(make):
    user = make.user(email="nadia@example.org")

    assert services.authenticate("Nadia@Example.org", PASSWORD) is user

    [event] = _events("auth.login_succeeded")
    assert (event.actor_id, event.target_type, event.target_id) == (user.id, "User", str(user.id))
    assert user.last_login_at is not None
    assert _events("auth.login_failed") == []


def test_authenticate_with_a_wrong_password_records_a_failed_login(make):
    user = make.user(email="karim@example.org")

    assert services.authenticate("karim@example.org", "not the password") is None

    [event] = _events("auth.login_failed")
    assert event.actor_id is None
    assert (event.target_type, event.target_id) == ("User", str(user.id))
    assert event.data == {"email": "karim@example.org"}
    assert user.last_login_at is None
    assert _events("auth.login_succeeded") == []


def test_authenticate_with_an_unknown_email_records_a_failed_login():
    assert services.authenticate("Nobody@Example.org", PASSWORD) is None

    [event] = _events("auth.login_failed")
    assert (event.actor_id, event.target_type, event.target_id) == (None, None, None)
    assert event.data == {"email": "nobody@example.org"}


def test_an_inactive_account_cannot_authenticate_even_with_the_right_password(make):
    user = make.user(active=False)

    assert services.authenticate(user.email, PASSWORD) is None
    assert len(_events("auth.login_failed")) == 1


def test_an_account_without_a_password_cannot_authenticate(make):
    user = make.user(password=None)

    assert services.authenticate(user.email, "") is None
    assert services.authenticate(user.email, PASSWORD) is None


# --- the same work for every account -------------------------------------------------------------

class _HashingSpy:
    """Counts the argon2 operations a login attempt makes (the costly part of its time)."""

    def __init__(self, monkeypatch):
        self.calls = []
        for name in ("hash", "verify"):
            original = getattr(PasswordHasher, name)
            monkeypatch.setattr(PasswordHasher, name, self._counting(name, original))

    def _counting(self, name, original):
        def counted(hasher, *args, **kwargs):
            self.calls.append((name, hasher.time_cost, hasher.memory_cost))
            return original(hasher, *args, **kwargs)
        return counted


def _accounts_in_every_state(make):
    admin = make.user(role="admin")
    deactivated = make.user(email="gone@example.org")
    services.set_user_active(admin, deactivated, False)
    make.user(email="new@example.org", password=None)
    make.user(email="active@example.org")
    return {"unknown": ("nobody@example.org", PASSWORD), "deactivated": ("gone@example.org", PASSWORD),
            "not activated": ("new@example.org", PASSWORD), "wrong password": ("active@example.org", "wrong"),
            "right password": ("active@example.org", PASSWORD)}


def test_every_login_attempt_costs_one_password_verification_whatever_the_account(make, monkeypatch):
    attempts = _accounts_in_every_state(make)
    services.authenticate("warm-up@example.org", "x")  # the stand-in hash is made once per process
    spy = _HashingSpy(monkeypatch)

    work = {}
    for state, (email, password) in attempts.items():
        spy.calls.clear()
        services.authenticate(email, password)
        work[state] = list(spy.calls)

    expected = [("verify", *work["right password"][0][1:])]
    assert work["right password"][0][0] == "verify"
    assert work == dict.fromkeys(attempts, expected), work


def test_only_the_right_password_of_an_active_account_logs_in(make):
    attempts = _accounts_in_every_state(make)

    outcomes = {state: services.authenticate(email, password) is not None
                for state, (email, password) in attempts.items()}

    assert outcomes == {"unknown": False, "deactivated": False, "not activated": False,
                        "wrong password": False, "right password": True}
