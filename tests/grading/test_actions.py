"""What each user may do on a gradebook at each step of its workflow: one rule (services.gradebook_actions),
which the page shows and the services enforce."""
import pytest

from diploma.errors import RuleViolation
from diploma.grading import services
from tests import factories

ALL_FALSE = dict.fromkeys(("edit_assessments", "submit", "publish", "return_to_lecturer", "open_second_round",
                           "give_reason", "see_distribution"), False)


def _people(room):
    admin = factories.user(role="admin")
    other_lecturer = factories.user(role="lecturer", university=room.university)
    return {"lecturer": room.lecturer, "registrar": room.registrar, "admin": admin,
            "other lecturer": other_lecturer}


def _actions(room, user):
    return services.gradebook_actions(user, room.sheet())


def _flags(actions):
    return {name: getattr(actions, name) for name in ALL_FALSE} | {"edit_marks": actions.edit_marks}


def _step(room, step, *, failing=True):
    """The gradebook brought to ``step``: draft, submitted, published, second round."""
    room.gradebook()
    if step == "draft":
        return
    # Out of 100 each, weighted 40/60: 72, 10 or 74, and 83.
    room.type(room.lecturer, {0: ("75", "70"), 1: ("10", "10" if failing else "90"), 2: ("80", "85")})
    room.submit()
    if step == "submitted":
        return
    room.publish()
    if step == "second round":
        room.open_second_round()


EXPECTED = {
    ("draft", "lecturer"): {"edit_marks": True, "edit_assessments": True, "submit": True},
    ("draft", "registrar"): {"see_distribution": True},
    ("draft", "other lecturer"): {},
    ("submitted", "lecturer"): {},
    ("submitted", "registrar"): {"publish": True, "return_to_lecturer": True, "see_distribution": True},
    ("submitted", "admin"): {"publish": True, "return_to_lecturer": True, "see_distribution": True},
    ("published", "lecturer"): {},
    ("published", "registrar"): {"edit_marks": True, "give_reason": True, "open_second_round": True,
                                 "see_distribution": True},
    ("second round", "lecturer"): {"edit_marks": True, "submit": True},
    ("second round", "registrar"): {"see_distribution": True},
}


@pytest.mark.parametrize(("step", "person"), list(EXPECTED))
def test_each_person_has_exactly_the_actions_of_the_workflow_step(classroom, step, person):
    room = classroom(3)
    people = _people(room)
    _step(room, step)

    flags = _flags(_actions(room, people[person]))

    assert flags == {"edit_marks": False, **ALL_FALSE, **EXPECTED[(step, person)]}


def test_the_assessments_can_be_changed_only_before_any_mark(classroom):
    room = classroom(3)
    room.gradebook()

    assert _actions(room, room.lecturer).edit_assessments
    room.type(room.lecturer, {0: ("30", "")})
    assert not _actions(room, room.lecturer).edit_assessments


def test_no_second_round_is_offered_when_nobody_failed(classroom):
    room = classroom(3)
    _step(room, "published", failing=False)

    assert not _actions(room, room.registrar).open_second_round
    with pytest.raises(RuleViolation):
        services.open_second_round(room.registrar, room.offering)


@pytest.mark.parametrize("action, service", [("publish", services.publish_gradebook),
                                             ("return_to_lecturer", services.return_gradebook),
                                             ("submit", services.submit_gradebook),
                                             ("open_second_round", services.open_second_round)])
@pytest.mark.parametrize("step", ["draft", "submitted", "published"])
def test_the_services_refuse_what_the_page_does_not_offer(classroom, step, action, service):
    room = classroom(3)
    people = _people(room)
    _step(room, step)
    extra = {"comment": "Check the marks."} if action == "return_to_lecturer" else {}

    for person, user in people.items():
        offered = getattr(_actions(room, user), action)
        if offered:
            continue
        with pytest.raises(RuleViolation):
            service(user, room.offering, **extra)
        room.refresh()
        assert room.sheet().gradebook.status == {"draft": "draft", "submitted": "submitted",
                                                 "published": "published"}[step], person


def test_the_gradebook_page_shows_the_actions_it_is_given(app, classroom):
    room = classroom(3)
    _step(room, "submitted")
    client = app.test_client()
    client.post("/login", data={"email": room.registrar.email, "password": factories.PASSWORD})

    page = client.get(f"/offerings/{room.offering.id}/gradebook").get_data(as_text=True)

    assert "/gradebook/publish" in page and "/gradebook/return" in page
    assert "/gradebook/submit" not in page and "/gradebook/second-round" not in page
