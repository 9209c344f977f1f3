"""``flask --app wsgi users …``: the first administrator and new set-password links, in Arabic by default."""
import re

from diploma.auth.models import User
from diploma.extensions import db

LINK = re.compile(r"^(https?://\S+)/set-password/(\S+)$", re.MULTILINE)


def test_create_admin_prints_a_working_link_on_the_public_address(app, runner, client, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://diploma.example.edu.iq/")

    result = runner.invoke(args=["users", "create-admin", "first.admin@example.edu.iq",
                                 "--name-ar", "مدير النظام", "--name-en", "System Administrator"])

    assert result.exit_code == 0, result.output
    assert "أُنشئ حساب مدير النظام first.admin@example.edu.iq" in result.output
    base, token = LINK.search(result.output).groups()
    assert base == "https://diploma.example.edu.iq"
    admin = db.session.scalar(db.select(User).where(User.email == "first.admin@example.edu.iq"))
    assert admin.role == "admin"
    assert client.get(f"/set-password/{token}").status_code == 200  # the link opens the form


def test_create_admin_refuses_an_invalid_address_in_the_chosen_language(runner):
    result = runner.invoke(args=["users", "create-admin", "not-an-address", "--name-ar", "مدير",
                                 "--name-en", "Admin", "--language", "en"])

    assert result.exit_code == 1
    assert result.output.strip() == "Error: Enter a valid e-mail address."
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_create_admin_stores_the_names_without_bidi_controls_and_refuses_empty_ones(runner):
    reversed_name = "\u202eمدير النظام\u202c"
    created = runner.invoke(args=["users", "create-admin", "admin@example.org", "--name-ar", reversed_name,
                                  "--name-en", " System\u200f Administrator "])
    refused = runner.invoke(args=["users", "create-admin", "other@example.org", "--name-ar", "\u202e",
                                  "--name-en", "Admin", "--language", "en"])

    assert created.exit_code == 0, created.output
    admin = db.session.scalar(db.select(User).where(User.email == "admin@example.org"))
    assert (admin.name_ar, admin.name_en) == ("مدير النظام", "System Administrator")
    assert refused.exit_code == 1
    assert refused.output.strip() == "Error: Enter the name in Arabic and in English."


def test_password_link_for_an_unknown_account_is_refused_in_arabic(runner):
    result = runner.invoke(args=["users", "password-link", "nobody@example.org"])

    assert result.exit_code == 1
    assert result.output.strip() == "خطأ: لا يوجد حساب بالبريد الإلكتروني nobody@example.org."


def test_password_link_prints_a_new_link_for_an_existing_account(app, runner, make):
    user = make.user(role="lecturer")

    result = runner.invoke(args=["users", "password-link", user.email, "--language", "en"])

    assert result.exit_code == 0, result.output
    assert LINK.search(result.output).group(1) == app.config["PUBLIC_BASE_URL"]
