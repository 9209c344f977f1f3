"""What each member of an offering's staff may do on its pages: one rule (services.offering_actions), read by
the templates' buttons, that agrees with what the routes themselves let the same user do."""
import pytest

from diploma.access import may_use
from diploma.teaching import services
from tests import teaching as build

ROLES = ("admin", "registrar", "lecturer")


@pytest.fixture
def staff(make):
    home = make.university()
    lecturer = make.user(role="lecturer", university=home)
    return {"university": home, "lecturer": lecturer, "admin": make.user(role="admin"),
            "registrar": make.user(role="registrar", university=home)}


@pytest.mark.parametrize("role", ROLES)
def test_the_offering_actions_are_what_the_routes_allow(staff, role):
    offering = build.offering(staff["university"], lecturers=[staff["lecturer"]])
    user = staff[role]

    actions = services.offering_actions(user, offering)

    assert actions.manage == may_use(user, "teaching.edit_offering") == may_use(user, "enrolment.withdraw")
    assert actions.close == may_use(user, "teaching.toggle_offering_status")
    assert actions.post == may_use(user, "teaching.add_material") \
        == may_use(user, "teaching.post_announcement")


@pytest.mark.parametrize(("role", "manage", "post"), [
    ("admin", True, True), ("registrar", True, False), ("lecturer", False, True)])
def test_the_office_manages_an_offering_and_its_lecturers_post_to_it(staff, role, manage, post):
    offering = build.offering(staff["university"], lecturers=[staff["lecturer"]])

    actions = services.offering_actions(staff[role], offering)

    assert (actions.manage, actions.post) == (manage, post)


@pytest.mark.parametrize(("status", "close", "reopen"), [("open", True, False), ("closed", False, True)])
def test_the_office_closes_an_open_offering_and_reopens_a_closed_one(staff, status, close, reopen):
    offering = build.offering(staff["university"], lecturers=[staff["lecturer"]], status=status)

    office = services.offering_actions(staff["registrar"], offering)
    lecturer = services.offering_actions(staff["lecturer"], offering)

    assert (office.close, office.reopen) == (close, reopen)
    assert (lecturer.close, lecturer.reopen) == (False, False)
