"""The administrator's pages: universities (with signatories and logos) and staff accounts."""
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from diploma.audit import AuditEvent, events_for
from diploma.auth.models import User
from diploma.extensions import db
from diploma.partners.models import University
from tests.factories import PASSWORD
from tests.pages import shown


def png_bytes(size=(40, 30), colour=(20, 90, 160)):
    buffer = BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def logo_files(upload_folder):
    folder = Path(upload_folder) / "logos"
    return set(folder.iterdir()) if folder.is_dir() else set()


@pytest.fixture
def admin(make, login_as):
    return login_as(make.user(role="admin"))


def university_form(**overrides):
    data = {
        "code": "NJF", "slug": "najaf", "name_ar": "جامعة النجف", "name_en": "University of Najaf",
        "city_ar": "النجف", "city_en": "Najaf",
        "signatories-0-title_ar": "رئيس الجامعة", "signatories-0-title_en": "President of the University",
        "signatories-0-name_ar": "أ.د. حسن علي الحكيم",
        "signatories-0-name_en": "Prof. Dr. Hassan Ali Al-Hakeem",
        "signatories-1-title_ar": "عميد الكلية", "signatories-1-title_en": "Dean of the College",
        "signatories-1-name_ar": "أ.د. زهراء كامل الياسري",
        "signatories-1-name_en": "Prof. Dr. Zahraa Kamil Al-Yasiri",
    }
    return {**data, **overrides}


def find_university(code):
    db.session.expire_all()
    return db.session.scalar(db.select(University).where(University.code == code))


# --- universities ------------------------------------------------------------------------------------

def test_admin_creates_a_university_with_two_signatories(admin, client):
    response = client.post("/admin/universities/new", data=university_form())

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/universities"
    university = find_university("NJF")
    assert (university.slug, university.name_ar, university.name_en) == ("najaf", "جامعة النجف",
                                                                         "University of Najaf")
    assert [(s.position, s.title_en, s.name_ar) for s in university.signatories] == [
        (1, "President of the University", "أ.د. حسن علي الحكيم"),
        (2, "Dean of the College", "أ.د. زهراء كامل الياسري"),
    ]
    assert [event.action for event in events_for(university)] == ["university.created"]
    assert "جامعة النجف" in client.get("/admin/universities").get_data(as_text=True)


def test_admin_edits_a_university_and_its_signatories(admin, client, make):
    university = make.university(code="KRK", slug="kirkuk", name_ar="جامعة كركوك", name_en="Kirkuk")
    university_id = university.id

    form = client.get(f"/admin/universities/{university_id}").get_data(as_text=True)
    assert 'value="kirkuk"' in form
    response = client.post(f"/admin/universities/{university_id}", data=university_form(
        code="KRK", slug="kirkuk", name_en="University of Kirkuk", city_en="Kirkuk",
        **{"signatories-0-name_en": "Prof. Dr. Omar Salih", "signatories-0-name_ar": "أ.د. عمر صالح"}))

    assert response.status_code == 302
    university = find_university("KRK")
    assert (university.name_en, university.city_en) == ("University of Kirkuk", "Kirkuk")
    assert [s.name_en for s in university.signatories] == ["Prof. Dr. Omar Salih",
                                                           "Prof. Dr. Zahraa Kamil Al-Yasiri"]
    updated = [e for e in events_for(university) if e.action == "university.updated"]
    assert len(updated) == 1
    assert updated[0].data["before"]["name_en"] == "Kirkuk"
    assert updated[0].data["after"]["name_en"] == "University of Kirkuk"


@pytest.mark.parametrize(("field", "value"), [("code", "bgd"), ("slug", "baghdad")])
def test_a_code_or_slug_already_used_is_refused_on_its_field(admin, client, make, field, value):
    make.university(code="BGD", slug="baghdad")
    data = university_form(**{field: value})

    response = client.post("/admin/universities/new", data=data)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'id="{field}-errors"' in page
    assert shown("Another university already uses this value.") in page
    assert find_university("NJF") is None
    assert db.session.scalar(db.select(db.func.count()).select_from(University)) == 1


def test_a_half_filled_signatory_is_refused(admin, client):
    response = client.post("/admin/universities/new", data=university_form(**{"signatories-1-name_en": ""}))

    assert response.status_code == 200
    message = shown("Give each signatory a title and a name in both languages.")
    assert message in response.get_data(as_text=True)
    assert find_university("NJF") is None


def test_a_png_logo_is_stored_and_served_to_signed_in_users(admin, client, make, app):
    image = png_bytes()
    response = client.post("/admin/universities/new", content_type="multipart/form-data",
                           data=university_form(logo=(BytesIO(image), "شعار الجامعة.png")))
    assert response.status_code == 302
    university = find_university("NJF")
    assert university.logo_filename.endswith(".png")
    assert "شعار" not in university.logo_filename  # stored under a random name
    assert [e.action for e in events_for(university)] == ["university.created", "university.logo_changed"]

    lecturer = make.user(role="lecturer", university=university)
    other_client = app.test_client()
    login = other_client.post("/login", data={"email": lecturer.email, "password": PASSWORD})
    assert login.status_code == 302
    with other_client.get(f"/admin/universities/{university.id}/logo") as served:
        assert served.status_code == 200
        assert served.mimetype == "image/png"
        assert served.data == image


def test_a_university_without_logo_has_no_logo_page(admin, client, make):
    university = make.university()
    assert client.get(f"/admin/universities/{university.id}/logo").status_code == 404


def test_a_text_file_named_png_is_refused_and_nothing_is_stored(admin, client, make, upload_folder):
    university = make.university(code="DHI", slug="dhi-qar", name_en="Unchanged name")
    university_id, files_before = university.id, logo_files(upload_folder)
    data = university_form(code=university.code, slug=university.slug, name_en="Changed name",
                           logo=(BytesIO(b"this is plain text, not an image\n" * 20), "logo.png"))

    response = client.post(f"/admin/universities/{university_id}", data=data,
                           content_type="multipart/form-data")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="logo-errors"' in page
    assert shown("The logo must be a PNG or JPEG image.") in page
    db.session.expire_all()
    university = db.session.get(University, university_id)
    assert university.logo_filename is None
    assert university.name_en == "Unchanged name"
    assert logo_files(upload_folder) == files_before
    assert not any(e.action == "university.logo_changed" for e in events_for(university))


def test_a_logo_over_2_mb_is_refused(admin, client, make, upload_folder):
    noise = Image.effect_noise((1024, 1024), 120).convert("RGB")
    buffer = BytesIO()
    noise.save(buffer, format="PNG", compress_level=0)
    assert buffer.tell() > 2 * 1024 * 1024
    university = make.university(code="WST", slug="wasit")
    university_id, files_before = university.id, logo_files(upload_folder)

    # Encoded here, in memory: the test client would spool a body this large to a temporary file that
    # it never closes (a ResourceWarning, which this suite turns into an error).
    boundary, body = encode_multipart(university_form(
        code=university.code, slug=university.slug,
        logo=FileStorage(BytesIO(buffer.getvalue()), filename="big.png", content_type="image/png")))

    response = client.post(f"/admin/universities/{university_id}", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")

    assert response.status_code == 200
    assert shown("The logo must be smaller than 2 MB.") in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(University, university_id).logo_filename is None
    assert logo_files(upload_folder) == files_before


# --- accounts ----------------------------------------------------------------------------------------

def user_form(**overrides):
    return {"email": "noor.lecturer@example.org", "name_ar": "نور هادي عبد الله الشمري",
            "name_en": "Noor Hadi Abdullah Al-Shammari", "role": "lecturer", **overrides}


def find_user(email):
    db.session.expire_all()
    return db.session.scalar(db.select(User).where(User.email == email))


def test_the_account_form_asks_for_no_password(admin, client):
    page = client.get("/admin/users/new").get_data(as_text=True)
    assert 'type="password"' not in page
    assert 'name="password' not in page


def test_admin_creates_a_lecturer_and_gets_a_set_password_link(admin, client, make):
    university = make.university()

    response = client.post("/admin/users/new", data=user_form(university_id=str(university.id)))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-testid="password-link"' in page
    link = page.split('data-testid="password-link">', 1)[1].split("<", 1)[0]
    assert "/set-password/" in link
    lecturer = find_user("noor.lecturer@example.org")
    assert (lecturer.role, lecturer.university_id) == ("lecturer", university.id)
    assert lecturer.password_hash is None
    assert [e.action for e in events_for(lecturer)] == ["user.created", "user.password_link_created"]
    # The link is the way in: it opens the set-password page.
    client.post("/logout")
    assert client.get(link.split("localhost", 1)[1]).status_code == 200


def test_a_registrar_needs_a_university(admin, client):
    response = client.post("/admin/users/new", data=user_form(role="registrar", university_id=""))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="university_id-errors"' in page
    assert shown("Choose the university this account belongs to.") in page
    assert find_user("noor.lecturer@example.org") is None


def test_an_administrator_account_belongs_to_no_university(admin, client, make):
    university = make.university()

    client.post("/admin/users/new", data=user_form(role="admin", university_id=str(university.id)))

    assert find_user("noor.lecturer@example.org").university_id is None


def test_an_email_already_used_in_another_case_is_refused(admin, client, make):
    make.user(role="lecturer", email="noor.lecturer@example.org")

    response = client.post("/admin/users/new",
                           data=user_form(email="Noor.Lecturer@EXAMPLE.org", role="admin"))

    assert response.status_code == 200
    assert shown("An account with this e-mail address already exists.") in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(User).where(
        db.func.lower(User.email) == "noor.lecturer@example.org")) == 1


def test_a_new_account_email_is_stored_in_lower_case(admin, client):
    client.post("/admin/users/new", data=user_form(email="Noor.Lecturer@Example.ORG", role="admin"))
    assert find_user("noor.lecturer@example.org") is not None


def test_admin_edits_an_account(admin, client, make):
    university = make.university()
    lecturer = make.user(role="lecturer", university=university, email="old@example.org")
    lecturer_id = lecturer.id

    response = client.post(f"/admin/users/{lecturer_id}", data=user_form(
        email="new@example.org", role="registrar", university_id=str(university.id)))

    assert response.status_code == 302
    user = find_user("new@example.org")
    assert (user.id, user.role) == (lecturer_id, "registrar")
    assert [e.action for e in events_for(user)] == ["user.updated"]


def test_deactivating_and_activating_an_account_toggle_it_with_audit_events(admin, client, make):
    lecturer = make.user(role="lecturer")
    lecturer_id = lecturer.id

    response = client.post(f"/admin/users/{lecturer_id}/active")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/users/{lecturer_id}"
    db.session.expire_all()
    assert db.session.get(User, lecturer_id).active is False
    page = client.get(f"/admin/users/{lecturer_id}").get_data(as_text=True)
    assert shown("The account was deactivated.") in page

    client.post(f"/admin/users/{lecturer_id}/active")
    db.session.expire_all()
    user = db.session.get(User, lecturer_id)
    assert user.active is True
    assert [e.action for e in events_for(user)] == ["user.deactivated", "user.activated"]
    assert all(e.actor_id == admin.id for e in events_for(user))


def test_a_deactivated_account_cannot_log_in(admin, client, make, app):
    lecturer = make.user(role="lecturer")
    client.post(f"/admin/users/{lecturer.id}/active")

    response = app.test_client().post("/login", data={"email": lecturer.email, "password": PASSWORD})

    assert response.status_code == 200  # the login form again, with its error


def test_an_administrator_cannot_deactivate_themselves(admin, client):
    admin_id = admin.id

    response = client.post(f"/admin/users/{admin_id}/active", follow_redirects=True)

    assert shown("You cannot deactivate your own account.") in response.get_data(as_text=True)
    db.session.expire_all()
    user = db.session.get(User, admin_id)
    assert user.active is True
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "user.deactivated")) == 0
    assert client.get("/dashboard").status_code == 200  # still logged in


def test_the_accounts_list_searches_and_filters_by_role(admin, client, make):
    lecturer = make.user(role="lecturer", name_en="Karrar Lecturer")
    registrar = make.user(role="registrar", name_en="Karrar Registrar")
    other = make.user(role="lecturer", name_en="Someone Else")

    page = client.get("/admin/users?q=karrar&role=lecturer").get_data(as_text=True)

    assert lecturer.email in page
    assert registrar.email not in page
    assert other.email not in page
