"""Logging in and out, set-password links, redirects after login, login throttling."""
import re
from urllib.parse import urlsplit

import pytest

from diploma.auth import services
from diploma.extensions import db
from tests.factories import PASSWORD
from tests.pages import confirm, page_of

NEW_PASSWORD = "a-brand-new-password"
WRONG_CREDENTIALS_AR = "البريد الإلكتروني أو كلمة المرور غير صحيحة."
WRONG_CREDENTIALS_EN = "The e-mail address or the password is wrong."
ARABIC_PAGE = '<html lang="ar" dir="rtl">'


def new_client(app):
    return app.test_client()


@pytest.fixture
def client(app):
    return new_client(app)


def log_in(client, email, password=PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password}, **extra)


def is_logged_in(client):
    with client.session_transaction() as session:
        return "_user_id" in session


# --- logging in -----------------------------------------------------------------------------------

def test_the_login_page_is_shown_to_anonymous_visitors(client):
    response = client.get("/login")

    assert response.status_code == 200
    assert "تسجيل الدخول" in response.get_data(as_text=True)


def test_the_start_page_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response.location == "/login"


def _admin(make):
    return make.user(role="admin"), ["إدارة البرنامج", 'href="/admin/universities"', 'href="/admin/users"']


def _registrar(make):
    university = make.university(name_ar="جامعة الكوفة")
    user = make.user(role="registrar", university=university)
    return user, ["شعبة التسجيل — جامعة الكوفة", 'href="/students/new"']


def _lecturer(make):
    user = make.user(role="lecturer", name_ar="سارة عبد الله محمد علي")
    return user, ["مرحباً، سارة عبد الله محمد علي",
                  "المقررات التي تدرّسها", "لم تُسند إليك أي شعبة مقرر بعد."]


def _student(make):
    student = make.student(student_number="KUF-2024-017", name_ar="زينب كاظم جواد حسين")
    return student.user, ["مرحباً، زينب كاظم جواد حسين", "الرقم الجامعي", "KUF-2024-017"]


@pytest.mark.parametrize("build", [_admin, _registrar, _lecturer, _student],
                         ids=["admin", "registrar", "lecturer", "student"])
def test_each_role_lands_on_its_own_dashboard(client, make, build):
    user, expected = build(make)

    response = log_in(client, user.email)

    assert response.status_code == 302
    assert response.location == "/dashboard"
    page = client.get("/dashboard")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for snippet in expected:
        assert snippet in text


def test_dashboards_do_not_show_another_roles_content(client, make):
    user = make.user(role="lecturer")
    log_in(client, user.email)

    text = client.get("/dashboard").get_data(as_text=True)

    assert "إدارة البرنامج" not in text
    assert 'href="/admin/users"' not in text


def test_the_email_address_is_case_insensitive_at_login(client, make):
    user = make.user(email="huda@example.org")

    response = log_in(client, "  HUDA@Example.ORG ")

    assert response.status_code == 302
    assert is_logged_in(client)
    assert user.last_login_at is not None


def test_a_logged_in_user_opening_the_login_page_goes_to_the_dashboard(client, make):
    log_in(client, make.user().email)

    response = client.get("/login")

    assert response.status_code == 302
    assert response.location == "/dashboard"


@pytest.mark.parametrize(("headers", "message"), [
    ({}, WRONG_CREDENTIALS_AR),
    ({"Accept-Language": "en"}, WRONG_CREDENTIALS_EN),
], ids=["arabic", "english"])
def test_a_wrong_password_shows_a_translated_error_and_does_not_log_in(client, make, headers, message):
    user = make.user()

    response = log_in(client, user.email, "not-the-password", headers=headers)

    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert not is_logged_in(client)
    assert client.get("/dashboard").status_code == 302


def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(client):
    response = log_in(client, "nobody@example.org")

    assert response.status_code == 200
    assert WRONG_CREDENTIALS_AR in response.get_data(as_text=True)
    assert not is_logged_in(client)


def test_a_deactivated_user_cannot_log_in(client, make):
    user = make.user(active=False)

    response = log_in(client, user.email)

    assert response.status_code == 200
    assert WRONG_CREDENTIALS_AR in response.get_data(as_text=True)
    assert not is_logged_in(client)
    assert client.get("/dashboard").status_code == 302


def test_a_deactivated_user_loses_the_session_they_had(client, make):
    admin = make.user(role="admin")
    user = make.user()
    log_in(client, user.email)
    assert client.get("/dashboard").status_code == 200

    services.set_user_active(admin, user, False)
    db.session.commit()

    response = client.get("/dashboard")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/login"


def test_logging_out_ends_the_session(client, make):
    log_in(client, make.user().email)
    assert client.get("/dashboard").status_code == 200

    response = client.post("/logout")

    assert response.status_code == 302
    assert response.location == "/login"
    assert not is_logged_in(client)
    assert "تم تسجيل خروجك." in client.get("/login").get_data(as_text=True)
    assert urlsplit(client.get("/dashboard").location).path == "/login"


def _copy_cookies(source, target, names):
    for name in names:
        cookie = source.get_cookie(name)
        assert cookie is not None, f"no {name} cookie to copy"
        target.set_cookie(name, cookie.value)


@pytest.mark.parametrize("copied", [("session",), ("remember_token",)],
                         ids=["session-cookie", "remember-cookie"])
def test_a_cookie_copied_before_logout_no_longer_works_after_it(app, client, make, copied):
    client.post("/login", data={"email": make.user().email, "password": PASSWORD, "remember": "y"})
    thief = new_client(app)
    _copy_cookies(client, thief, copied)
    assert thief.get("/dashboard").status_code == 200  # the copy works while the session lasts

    client.post("/logout")

    response = thief.get("/dashboard")
    assert response.status_code == 302 and urlsplit(response.location).path == "/login"


def test_logging_out_on_one_device_keeps_the_others(app, make):
    user = make.user()
    phone, laptop = new_client(app), new_client(app)
    log_in(phone, user.email)
    log_in(laptop, user.email)

    phone.post("/logout")

    assert laptop.get("/dashboard").status_code == 200


def test_logging_out_of_all_devices_ends_every_session(app, make):
    user = make.user()
    phone, laptop = new_client(app), new_client(app)
    log_in(phone, user.email)
    log_in(laptop, user.email)
    remembered = new_client(app)
    remembered.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})

    response = confirm(laptop, laptop.get("/logout/everywhere"))

    assert response.status_code == 302 and response.location == "/login"
    assert "تم تسجيل خروجك من جميع الأجهزة." in laptop.get("/login").get_data(as_text=True)
    for device in (phone, laptop):
        assert urlsplit(device.get("/dashboard").location).path == "/login"
    only_the_cookie = new_client(app)
    _copy_cookies(remembered, only_the_cookie, ["remember_token"])
    assert urlsplit(only_the_cookie.get("/dashboard").location).path == "/login"


def test_the_account_menu_offers_logging_out_of_all_devices(client, make):
    log_in(client, make.user().email)

    page = client.get("/dashboard").get_data(as_text=True)

    assert 'action="/logout/everywhere"' in page
    assert "تسجيل الخروج من جميع الأجهزة" in page


def test_logging_out_of_all_devices_asks_first_and_a_get_logs_nobody_out(client, make):
    user = make.user()
    log_in(client, user.email)

    page = client.get("/logout/everywhere")  # the confirmation page: nothing ends yet
    assert page.status_code == 200 and 'data-testid="confirm-form"' in page_of(page)
    assert user.email in page_of(page)
    assert is_logged_in(client)
    unconfirmed = client.post("/logout/everywhere")  # the header's button: the same page, nothing ends
    assert unconfirmed.status_code == 200 and 'data-testid="confirm-form"' in page_of(unconfirmed)
    assert is_logged_in(client)


def test_logout_is_not_a_get(client, make):
    log_in(client, make.user().email)

    assert client.get("/logout").status_code == 405
    assert is_logged_in(client)


# --- redirect after login -------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["https://evil.example", "//evil.example", "/\\evil.example",
                                    "https:/evil.example", "javascript:alert(1)", "evil.example"])
def test_login_never_redirects_to_another_site(client, make, target):
    user = make.user()

    response = log_in(client, user.email, query_string={"next": target})

    assert response.status_code == 302
    assert response.location == "/dashboard"


def test_login_honours_a_local_next_page(client, make):
    user = make.user(role="registrar")

    response = log_in(client, user.email, query_string={"next": "/students/"})

    assert response.status_code == 302
    assert response.location == "/students/"
    assert client.get("/students/").status_code == 200


def test_a_protected_page_sends_anonymous_visitors_to_login_and_back(client, make):
    user = make.user(role="registrar")

    first = client.get("/students/")
    assert first.status_code == 302
    login_url = urlsplit(first.location)
    assert login_url.path == "/login"

    response = log_in(client, user.email, query_string=login_url.query)
    assert response.location == "/students/"


# --- set-password links ---------------------------------------------------------------------------

def _password_link_path(page):
    match = re.search(r'data-testid="password-link">([^<]+)<', page)
    assert match, "no set-password link on the page"
    return urlsplit(match.group(1).strip()).path


def test_the_set_password_flow_end_to_end(app, client, make):
    admin = make.user(role="admin")
    university = make.university()
    log_in(client, admin.email)

    created = client.post("/admin/users/new", data={
        "email": "Rana.Ali@Example.org", "name_ar": "رنا علي حسين جاسم", "name_en": "Rana Ali",
        "role": "lecturer", "university_id": str(university.id)})
    assert created.status_code == 200
    link = _password_link_path(created.get_data(as_text=True))
    assert link.startswith("/set-password/")

    newcomer = new_client(app)
    form = newcomer.get(link)
    assert form.status_code == 200
    assert "اختر كلمة المرور" in form.get_data(as_text=True)
    assert "rana.ali@example.org" in form.get_data(as_text=True)

    minimum = app.config["PASSWORD_MIN_LENGTH"]
    too_short = newcomer.post(link, data={"password": "short", "confirm": "short"})
    assert too_short.status_code == 200
    assert f"يجب ألا يقل طول كلمة المرور عن {minimum} أحرف." in too_short.get_data(as_text=True)

    saved = newcomer.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert saved.status_code == 302
    assert saved.location == "/login"
    assert "تم تعيين كلمة المرور. يمكنك تسجيل الدخول الآن." in newcomer.get("/login").get_data(as_text=True)

    assert log_in(newcomer, "rana.ali@example.org", NEW_PASSWORD).status_code == 302
    assert "مرحباً، رنا علي حسين جاسم" in newcomer.get("/dashboard").get_data(as_text=True)

    used = new_client(app).get(link)
    assert used.status_code == 404
    assert "هذا الرابط غير صالح" in used.get_data(as_text=True)


def test_the_two_passwords_must_match(client, make):
    user = make.user(password=None)
    token = services.make_password_token(None, user)
    db.session.commit()

    response = client.post(f"/set-password/{token}", data={"password": NEW_PASSWORD, "confirm": "different"})

    assert response.status_code == 200
    assert "كلمتا المرور غير متطابقتين." in response.get_data(as_text=True)
    assert services.user_from_password_token(token) is user  # nothing was set: the link still works


def test_a_malformed_set_password_link_gives_the_invalid_link_page(client):
    response = client.get("/set-password/not-a-token")

    assert response.status_code == 404
    assert "هذا الرابط غير صالح" in response.get_data(as_text=True)


def test_setting_a_password_ends_the_users_other_sessions(app, client, make):
    user = make.user()
    other_device = new_client(app)
    log_in(client, user.email)
    log_in(other_device, user.email)
    assert other_device.get("/dashboard").status_code == 200
    token = services.make_password_token(None, user)
    db.session.commit()

    response = client.post(f"/set-password/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302

    ended = other_device.get("/dashboard")
    assert ended.status_code == 302
    assert urlsplit(ended.location).path == "/login"
    assert log_in(other_device, user.email, PASSWORD).status_code == 200  # the old password is gone
    assert log_in(other_device, user.email, NEW_PASSWORD).status_code == 302


# --- throttling -----------------------------------------------------------------------------------

def _assert_too_many_attempts_page(response):
    assert response.status_code == 429
    text = response.get_data(as_text=True)
    assert ARABIC_PAGE in text
    assert "محاولات كثيرة جداً" in text
    assert "محاولات كثيرة جداً. يرجى الانتظار دقيقة ثم المحاولة مرة أخرى." in text
    assert "Traceback" not in text


def test_login_attempts_are_limited_per_account(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "3 per minute")
    user = make.user(email="target@example.org")

    for _ in range(3):
        assert log_in(client, user.email, "guess").status_code == 200
    blocked = log_in(client, "TARGET@example.org", PASSWORD)  # even the right password, in any case

    _assert_too_many_attempts_page(blocked)
    assert not is_logged_in(client)
    assert log_in(client, make.user().email).status_code == 302  # other accounts are not affected


def test_login_attempts_are_limited_per_address(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ADDRESS", "3 per minute")
    user = make.user()

    for number in range(3):
        assert log_in(client, f"guess{number}@example.org", "guess").status_code == 200
    blocked = log_in(client, user.email)

    _assert_too_many_attempts_page(blocked)
    assert not is_logged_in(client)
    elsewhere = new_client(app)
    assert log_in(elsewhere, user.email, environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 302


def test_viewing_the_login_page_is_not_throttled(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ADDRESS", "3 per minute")

    assert [client.get("/login").status_code for _ in range(5)] == [200] * 5
