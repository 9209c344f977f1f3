"""Deleting a material or an announcement asks first: the Delete button opens a confirmation page (GET,
nothing changes) naming what goes and from which course; Cancel goes back with nothing deleted; only its
Confirm button deletes. The same pattern for logging out of all devices."""
import pytest

from diploma.extensions import db
from diploma.teaching.models import Announcement, Material
from tests import teaching as build
from tests.pages import confirm, confirmation_form, database_state, page_of, shown
from tests.teaching.test_views import course, sign_in, uploads_dir  # noqa: F401 - fixtures


def kinds(course):  # noqa: F811
    offering = course["offering"]
    material = build.material(offering, "file", title="المحاضرة الأولى")
    announcement = build.announcement(offering, title="تغيير القاعة")
    return {"material": (f"/offerings/{offering.id}/materials/{material.id}/delete", Material, material.id,
                         "المحاضرة الأولى"),
            "announcement": (f"/offerings/{offering.id}/announcements/{announcement.id}/delete", Announcement,
                             announcement.id, "تغيير القاعة")}


@pytest.mark.parametrize("kind", ["material", "announcement"])
def test_deleting_asks_first_names_what_goes_and_cancelling_keeps_it(course, sign_in, client, kind):  # noqa: F811
    url, model, record_id, title = kinds(course)[kind]
    offering_url = f"/offerings/{course['offering'].id}"
    sign_in(course["lecturer"])
    assert f'method="get" action="{url}"' in page_of(client.get(offering_url))  # Delete opens the page
    before = database_state()

    page = client.get(url)

    assert page.status_code == 200
    assert title in page_of(page) and course["offering"].course.code in page_of(page)
    assert shown(f"Delete the {kind}") in page_of(page)
    assert f'<a href="{offering_url}" data-testid="confirm-cancel">' in page_of(page)
    assert confirmation_form(page)[0] == url
    assert client.get(offering_url).status_code == 200  # Cancel
    assert client.post(url).status_code == 200  # a POST without the confirmation: the page again
    assert database_state() == before
    assert db.session.get(model, record_id) is not None

    assert confirm(client, page).status_code == 302
    db.session.expire_all()
    assert db.session.get(model, record_id) is None


def test_a_student_gets_no_confirmation_page(course, sign_in, client):  # noqa: F811
    url = kinds(course)["material"][0]
    sign_in(course["student"])
    assert client.get(url).status_code == 403


def test_logging_out_of_all_devices_asks_first_and_cancel_keeps_the_session(course, sign_in, client):  # noqa: F811
    sign_in(course["lecturer"])
    client.set_cookie("lang", "en")

    page = client.get("/logout/everywhere")

    assert page.status_code == 200 and '<html lang="en"' in page_of(page)
    assert course["lecturer"].email in page_of(page)
    assert '<a href="/dashboard" data-testid="confirm-cancel">' in page_of(page)
    assert client.get("/dashboard").status_code == 200  # Cancel: still logged in
    assert confirm(client, page).location == "/login"
    assert client.get("/dashboard").status_code == 302
