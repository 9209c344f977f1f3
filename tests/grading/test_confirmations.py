"""The gradebook's irreversible steps ask first: the button opens a confirmation page (GET: nothing changes)
that says what will happen and to whom, in the page's language; Cancel goes back with nothing done; only
its Confirm button acts."""
import pytest
from flask_babel import gettext
from markupsafe import escape

from diploma.i18n import force_language
from tests.grading.test_views import sign_in, world  # noqa: F401 - fixtures
from tests.pages import confirm, confirmation_form, database_state, page_of

STEPS = [
    # (step, URL suffix, state reached first, who, the sentence, status after confirming)
    ("submit", "submit", "complete", "lecturer",
     "Submit the marks of {course} at {university}, {term}, to the registration office. Students in the "
     "gradebook: {count}.", "submitted"),
    ("publish", "publish", "submitted", "registrar",
     "Publish the marks of {course} at {university}, {term}: {count} students will see them.", "published"),
    ("second round", "second-round", "published", "registrar",
     "Open the second round of {course} at {university}, {term}: the gradebook goes back to the lecturer "
     "for the second-round marks of the students who failed.", "draft"),
]


def sentence(message, offering, language, count):
    with force_language(language):
        return str(escape(gettext(message).format(
            course=f"{offering.course.code} {offering.title(language)}",
            university=offering.university.name(language), term=offering.term.name(language), count=count)))


@pytest.mark.parametrize("language", ["ar", "en"])
@pytest.mark.parametrize(("step", "suffix", "state", "who", "message", "after"), STEPS,
                         ids=[step[0] for step in STEPS])
def test_the_step_asks_first_and_cancelling_does_nothing(world, sign_in, client, language, step, suffix,  # noqa: F811
                                                         state, who, message, after):
    room = world.reach(state).room
    sign_in(world.people[who])
    client.set_cookie("lang", language)
    gradebook_url = f"/offerings/{room.offering.id}/gradebook"
    button = page_of(client.get(gradebook_url))
    assert f'method="get" action="{gradebook_url}/{suffix}"' in button  # the button opens the page
    before = database_state()

    page = client.get(f"{gradebook_url}/{suffix}")

    assert page.status_code == 200
    assert f'<html lang="{language}"' in page_of(page)
    assert sentence(message, room.offering, language, count=2) in page_of(page)
    assert database_state() == before
    assert f'<a href="{gradebook_url}" data-testid="confirm-cancel">' in page_of(page)
    action, fields = confirmation_form(page)
    assert action == f"{gradebook_url}/{suffix}" and fields["confirm"] == "yes" and "csrf_token" in fields
    # Cancel: back to the gradebook, nothing happened; a POST without the confirmation does nothing either.
    assert client.get(gradebook_url).status_code == 200
    assert client.post(f"{gradebook_url}/{suffix}").status_code == 200
    assert database_state() == before
    assert room.sheet().gradebook.status == ("draft" if state == "complete" else state)

    done = confirm(client, page)

    assert done.status_code == 302
    assert room.sheet().gradebook.status == after


def test_returning_asks_first_with_the_comment_and_carries_it(world, sign_in, client):  # noqa: F811
    room = world.reach("submitted").room
    sign_in(world.people["registrar"])
    url = f"/offerings/{room.offering.id}/gradebook/return"
    before = database_state()

    page = client.post(url, data={"comment": "راجع درجة الامتحان النهائي"})

    assert page.status_code == 200 and "راجع درجة الامتحان النهائي" in page_of(page)
    assert database_state() == before
    assert confirmation_form(page)[1]["comment"] == "راجع درجة الامتحان النهائي"
    assert confirm(client, page).status_code == 302
    gradebook = room.sheet().gradebook
    assert gradebook.status == "draft" and gradebook.return_comment == "راجع درجة الامتحان النهائي"


def test_a_step_not_open_now_has_no_confirmation_page(world, sign_in, client):  # noqa: F811
    room = world.reach("complete").room  # a draft: nothing to publish yet
    sign_in(world.people["registrar"])
    before = database_state()

    response = client.get(f"/offerings/{room.offering.id}/gradebook/publish", follow_redirects=True)

    assert 'data-testid="confirm-form"' not in page_of(response)
    assert str(escape(gettext("This step is not open for this gradebook now."))) in page_of(response)
    assert database_state() == before
