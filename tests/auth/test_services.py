"""Accounts: password hashing, unique e-mails, set-password links, session tokens, login auditing."""
import pytest
from itsdangerous import URLSafeTimedSerializer

from diploma.audit import AuditEvent
from diploma.auth import services
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


def _tamper_with_signature(token):
    payload, _, signature = token.rpartition(".")
    return f"{payload}.{signature[::-1]}"


def _swap_payload(token, other_token):
    """The payload (with timestamp) of one token under the signature of another."""
    return other_token.rpartition(".")[0] + "." + token.rpartition(".")[2]


def _signed_with_another_key(token):
    return URLSafeTimedSerializer("not-the-secret-key", salt=services.TOKEN_SALT).dumps(
        URLSafeTimedSerializer("ignored", salt=services.TOKEN_SALT).loads_unsafe(token)[1])


@pytest.mark.parametrize("tamper", [_tamper_with_signature, _signed_with_another_key,
                                    lambda token: token[:-6], lambda token: "", lambda token: "garbage"],
                         ids=["reversed-signature", "other-key", "truncated", "empty", "garbage"])
def test_a_tampered_set_password_token_is_refused(make, tamper):
    user = make.user(password=None)
    token = services.make_password_token(None, user)

    assert services.user_from_password_token(tamper(token)) is None


def test_a_token_cannot_be_moved_to_another_account(make):
    victim = make.user(role="admin", password=None)
    attacker = make.user(password=None)
    victim_token = services.make_password_token(None, victim)
    attacker_token = services.make_password_token(None, attacker)

    assert services.user_from_password_token(_swap_payload(attacker_token, victim_token)) is None


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

def test_setting_a_password_rotates_the_session_token(make):
    user = make.user()
    old_login_id = user.get_id()

    services.set_password(user, NEW_PASSWORD)

    assert user.get_id() != old_login_id
    assert services.user_from_login_id(old_login_id) is None
    assert services.user_from_login_id(user.get_id()) is user


def test_deactivating_an_account_rotates_the_session_token(make):
    admin = make.user(role="admin")
    user = make.user()
    old_token = user.session_token

    services.set_user_active(admin, user, False)

    assert user.session_token != old_token
    assert services.user_from_login_id(f"{user.id}:{old_token}") is None
    assert services.user_from_login_id(user.get_id()) is None  # inactive: no session at all


def test_an_administrator_cannot_deactivate_their_own_account(make):
    admin = make.user(role="admin")

    with pytest.raises(RuleViolation):
        services.set_user_active(admin, admin, False)

    assert admin.active


@pytest.mark.parametrize("login_id", ["", "abc:def", ":token", "99999:token", None])
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
