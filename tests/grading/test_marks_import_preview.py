"""The marks import in two steps: the upload shows what the file would change and writes nothing; the
accept checks the file again against the gradebook as it is now and saves all its marks or none. Who may
accept is who may import (the gradebook's workflow), and only the file they previewed themselves."""
import re
from urllib.parse import urlsplit

import pytest
from flask_babel import gettext

from diploma import audit
from diploma.enrolment import importing
from diploma.extensions import db
from diploma.i18n import force_language
from tests.grading import test_marks_spreadsheet_views as spreadsheet_pages
from tests.grading.test_marks_spreadsheet_views import AR_HEADER, SECRET_MARK, marks, upload, xlsx_file
from tests.pages import database_state, shown

# The world of the spreadsheet pages' tests: one offering, its lecturer and everyone around it.
world, sign_in = spreadsheet_pages.world, spreadsheet_pages.sign_in

IMPORT = "/offerings/{id}/gradebook/import"
ACCEPT = IMPORT + "/accept"


def changing_file(world):
    """Line 0: coursework 36.5 → 38.5, final 40 → absent; line 1: coursework 70 (as now), final 70 → 75."""
    return xlsx_file([AR_HEADER, [world.numbers()[0], "", "٣٨٫٥", "غ"], [world.numbers()[1], "", "70", "75"]])


def kept_token(client):
    with client.session_transaction() as session:
        return (session.get("marks_import") or {}).get("token")


def accept(client, offering_id, token=None):
    return client.post(ACCEPT.format(id=offering_id), data={"token": token or kept_token(client) or "x" * 32})


def cells_of(page):
    """The preview's table as lists of cell texts (tags removed, spaces squeezed)."""
    body = page.split('data-testid="marks-import-changes"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], re.DOTALL)
    return [[" ".join(re.sub(r"<[^>]+>", " ", cell).split())
             for cell in re.findall(r"<td>(.*?)</td>", row, re.DOTALL)] for row in rows]


def stat(page, testid):
    return int(re.search(rf'data-testid="{testid}">(\d+)<', page)[1])


# --- the preview ----------------------------------------------------------------------------------------

def test_the_preview_shows_every_change_and_writes_nothing(world, sign_in, client):
    sign_in(world.people["lecturer"])
    before = database_state()

    response = upload(client, world.room.offering.id, changing_file(world))

    assert response.status_code == 200
    assert database_state() == before
    page = response.get_data(as_text=True)
    assert shown("Check the marks before saving them") in page
    assert (stat(page, "marks-to-change"), stat(page, "students-to-change"), stat(page, "absences"),
            stat(page, "marks-unchanged")) == (3, 2, 1, 1)
    with force_language("ar"):
        absent = f"{gettext('Absent')} (غ)"
        coursework, final = (a.name("ar") for a in world.room.assessments())
    names = [student.user.name_ar for student in world.room.students]
    assert cells_of(page) == [  # student (name, number), assessment, mark now, new mark, row of the file
        [f"{names[0]} {world.numbers()[0]}", coursework, SECRET_MARK, "38.5", "2"],
        [f"{names[0]} {world.numbers()[0]}", final, "40", absent, "2"],
        [f"{names[1]} {world.numbers()[1]}", final, "70", "75", "3"],
    ]
    caption = shown("The marks the file changes")
    assert f'<caption id="marks-import-changes-caption">{caption}</caption>' in page
    assert page.count('<th scope="col">') == 5
    assert 'data-testid="accept-marks-import"' in page
    assert marks(world.room) == {(0, 0): SECRET_MARK, (0, 1): "40", (1, 0): "70", (1, 1): "70"}


def test_the_preview_is_in_english_for_an_english_user(world, sign_in, client):
    lecturer = world.people["lecturer"]
    lecturer.locale = "en"
    db.session.commit()
    sign_in(lecturer)

    page = upload(client, world.room.offering.id, changing_file(world)).get_data(as_text=True)

    assert '<html lang="en" dir="ltr"' in page
    assert "Current mark" in page and "New mark" in page and "Accept and save the marks" in page
    student = f"{world.room.students[0].user.name_en} {world.numbers()[0]}"
    assert [student, "Final exam", "40", "Absent (غ)", "2"] in cells_of(page)


def test_a_file_with_problems_shows_every_problem_and_offers_nothing_to_accept(world, sign_in, client):
    sign_in(world.people["lecturer"])
    before = database_state()
    data = xlsx_file([AR_HEADER, [world.numbers()[1], "", "75", "75"], ["NOBODY-1", "", "10", "10"],
                      [world.numbers()[0], "", "101", "abc"]])

    response = upload(client, world.room.offering.id, data)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.count("<li>") >= 3 and 'data-testid="import-problems"' in page
    assert shown("Row %(row)s, column %(column)s: %(reason)s", row=4, column=AR_HEADER[3],
                 reason=shown("Not a mark: type a number, or غ for absent.")) in page
    assert 'data-testid="accept-marks-import"' not in page
    assert kept_token(client) is None
    assert database_state() == before


def test_a_file_that_changes_nothing_offers_nothing_to_accept(world, sign_in, client):
    sign_in(world.people["lecturer"])

    page = upload(client, world.room.offering.id,
                  xlsx_file([AR_HEADER, [world.numbers()[1], "", "70", "70"]])).get_data(as_text=True)

    assert 'data-testid="marks-import-nothing"' in page
    assert stat(page, "marks-unchanged") == 2
    assert 'data-testid="accept-marks-import"' not in page and kept_token(client) is None


# --- the accept -------------------------------------------------------------------------------------------

def test_accepting_the_preview_saves_its_marks_and_forgets_the_file(world, sign_in, client):
    sign_in(world.people["lecturer"])
    upload(client, world.room.offering.id, changing_file(world))
    token = kept_token(client)
    assert importing.load_pending(token) is not None

    response = accept(client, world.room.offering.id)

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"/offerings/{world.room.offering.id}/gradebook"
    assert marks(world.room) == {(0, 0): "38.5", (0, 1): "غ", (1, 0): "70", (1, 1): "75"}
    assert shown("%(saved)s marks saved.", saved=3) in client.get(response.headers["Location"]).get_data(
        as_text=True)
    assert importing.load_pending(token) is None and kept_token(client) is None
    assert accept(client, world.room.offering.id, token).status_code == 409  # twice: nothing more
    assert marks(world.room)[(0, 0)] == "38.5"


def test_a_mark_changed_between_the_preview_and_the_accept_refuses_the_file(world, sign_in, client):
    sign_in(world.people["lecturer"])
    upload(client, world.room.offering.id, changing_file(world))
    world.room.type(world.room.lecturer, {1: ("70", "72")})  # typed in the gradebook meanwhile
    before = database_state()

    response = accept(client, world.room.offering.id)

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    reason = shown("this mark was changed in the gradebook after the preview; it is now %(value)s",
                   value="72")
    assert shown("Row %(row)s, column %(column)s: %(reason)s", row=3, column=AR_HEADER[3],
                 reason=reason) in page
    assert database_state() == before  # nothing of the file, not even the cells nobody touched
    assert marks(world.room) == {(0, 0): SECRET_MARK, (0, 1): "40", (1, 0): "70", (1, 1): "72"}


def test_a_round_opened_between_the_preview_and_the_accept_refuses_the_file(world, sign_in, client):
    """The lecturer previews a first-round file; the round is published and the second round opened (a
    draft of the lecturer's again) before they accept it."""
    sign_in(world.people["lecturer"])
    upload(client, world.room.offering.id, xlsx_file([AR_HEADER, [world.numbers()[1], "", "71", ""]]))
    world.reach("published").room.open_second_round()
    before = database_state()

    response = accept(client, world.room.offering.id)

    assert response.status_code == 409
    assert shown("The gradebook changed after the preview (its round is no longer the same). Upload the file "
                 "again to see a new preview.") in response.get_data(as_text=True)
    assert database_state() == before


def test_the_registrars_reason_goes_with_the_accepted_marks(world, sign_in, client):
    world.reach("published")
    sign_in(world.people["registrar"])
    upload(client, world.room.offering.id, xlsx_file([AR_HEADER, [world.numbers()[1], "", "71", ""]]),
           reason="Re-marked on appeal.")

    assert accept(client, world.room.offering.id).status_code == 302

    history = audit.events_for(world.room.score(1, 0))
    changes = [(event.data["new"], event.data["reason"]) for event in history
               if event.action == "score.changed"]
    assert changes[-1] == ("71", "Re-marked on appeal.")


def test_a_gradebook_submitted_after_the_preview_refuses_the_accept(world, sign_in, client):
    sign_in(world.people["lecturer"])
    upload(client, world.room.offering.id, changing_file(world))
    world.room.submit()
    before = database_state()

    assert accept(client, world.room.offering.id).status_code == 403
    assert database_state() == before


def test_only_the_person_who_previewed_may_accept_the_file(world, sign_in, client, app, make):
    """A co-lecturer of the same offering, in another browser, with the first lecturer's token: refused."""
    sign_in(world.people["lecturer"])
    upload(client, world.room.offering.id, changing_file(world))
    token = kept_token(client)
    colleague = make.user(role="lecturer", university=world.room.university)
    world.room.offering.lecturers.append(colleague)
    db.session.commit()
    other = app.test_client()
    other.post("/login", data={"email": colleague.email, "password": "correct-horse-battery"})
    before = database_state()

    response = other.post(ACCEPT.format(id=world.room.offering.id), data={"token": token})

    assert response.status_code == 409
    assert shown("This import is no longer waiting to be accepted. Upload the file again.") in \
        response.get_data(as_text=True)
    assert database_state() == before
    assert importing.load_pending(token) is not None  # still the first lecturer's to accept


def test_the_accept_needs_the_csrf_token(world, sign_in, client, app, monkeypatch):
    sign_in(world.people["lecturer"])
    upload(client, world.room.offering.id, changing_file(world))
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    before = database_state()

    assert accept(client, world.room.offering.id).status_code == 400
    assert database_state() == before


@pytest.mark.parametrize("persona, status", [("other_lecturer", 404), ("foreign_lecturer", 404),
                                             ("foreign_registrar", 404), ("student", 403),
                                             ("foreign_student", 403)])
def test_nobody_else_reaches_the_accept(world, sign_in, client, persona, status):
    sign_in(world.people["lecturer"])
    upload(client, world.room.offering.id, changing_file(world))
    token = kept_token(client)
    sign_in(world.people[persona])
    before = database_state()

    response = accept(client, world.room.offering.id, token)

    assert response.status_code == status
    assert database_state() == before
    assert SECRET_MARK not in response.get_data(as_text=True)


def test_a_large_accept_goes_to_the_queue_instead(world, sign_in, client, app, monkeypatch):
    """Above JOBS_INLINE_MAX_ITEMS changed marks the accept starts a job (run by a worker:
    tests/jobs/test_marks_import_job.py) and saves nothing in the request."""
    monkeypatch.setitem(app.config, "JOBS_INLINE_MAX_ITEMS", 2)
    monkeypatch.setattr("diploma.jobs.queue.enqueue", lambda app, job_id: None)
    sign_in(world.people["lecturer"])
    upload(client, world.room.offering.id, changing_file(world))

    response = accept(client, world.room.offering.id)

    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    assert marks(world.room) == {(0, 0): SECRET_MARK, (0, 1): "40", (1, 0): "70", (1, 1): "70"}
