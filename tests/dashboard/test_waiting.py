"""Issue 24, item 10: each role's dashboard says what waits for it — the registrar: gradebooks awaiting
approval (count and link), graduates awaiting certificates, jobs finished since the last visit; the
lecturer: gradebooks returned (with the registrar's comment) and drafts to submit; the student: marks
published since the last visit, and "New materials" that clears once the student has seen the course.
Only the registrar's own university counts. "Seen" is a POST the page sends (a script, or a button
without JavaScript): a GET of the dashboard, the grades page or the course page never writes it.
"""
import re
from datetime import timedelta

import pytest

from diploma.clock import utcnow
from diploma.dashboard.models import PageVisit
from diploma.enrolment.models import Enrolment
from diploma.extensions import db
from diploma.jobs.models import DONE, RUNNING, Job
from tests import factories
from tests import teaching as build
from tests.certificates.builders import graduating_cohort
from tests.grading.conftest import make_classroom

BEACON = {"X-Seen-Beacon": "1"}


def dashboard(client):
    response = client.get("/dashboard")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def count_of(page, testid):
    """The count an item of the "waiting" section shows (its data-count), or None when it is absent."""
    found = re.search(rf'data-testid="{testid}" data-count="(\d+)"', page)
    return int(found[1]) if found else None


def new_materials(page):
    return [int(n) for n in re.findall(r'class="badge">(?:New materials|مواد جديدة)[^<]*?(\d+)<', page)]


def marked(room):
    """The room's gradebook with a mark for every student (ready to submit)."""
    room.gradebook()
    room.type(room.lecturer, dict.fromkeys(range(len(room.enrolments)), ("30", "50")))
    return room


def visits():
    return db.session.scalar(db.select(db.func.count()).select_from(PageVisit))


def seen_times():
    return db.session.scalars(db.select(Enrolment.materials_seen_at).order_by(Enrolment.id)).all()


# --- the registrar -------------------------------------------------------------------------------------

def test_the_registrar_is_told_of_the_gradebooks_awaiting_approval_at_the_university_only(client, login_as):
    factories.programme()
    home, elsewhere = make_classroom(2), make_classroom(2)  # two universities (Mosul's and Basra's, say)
    for room in (home, elsewhere):
        marked(room).submit()
    marked(make_classroom(1, university=home.university, registrar=home.registrar)).submit()
    login_as(home.registrar)

    page = dashboard(client)

    assert count_of(page, "waiting-approvals") == 2  # not 3: Basra's is not Mosul's business
    assert 'href="/grades/queue"' in page
    home.publish()
    assert count_of(dashboard(client), "waiting-approvals") == 1


def test_the_registrar_is_told_of_the_graduates_awaiting_certificates(client, login_as):
    group = graduating_cohort(3)
    login_as(group.registrar)
    page = dashboard(client)
    assert count_of(page, "waiting-certificates") == 3
    assert f'href="/certificates/cohorts/{group.cohort.id}"' in page

    group.issue(students=group.students[:1])
    assert count_of(dashboard(client), "waiting-certificates") == 2


def finished_job(user, minutes_ago, state=DONE):
    moment = utcnow() - timedelta(minutes=minutes_ago)
    job = Job(kind="backup", user_id=user.id, university_id=user.university_id, state=state,
              created_at=moment, finished_at=moment if state == DONE else None)
    db.session.add(job)
    db.session.commit()
    return job


def test_the_registrar_is_told_of_the_jobs_finished_since_the_last_visit(client, login_as):
    university = factories.university()
    registrar = factories.user(role="registrar", university=university)
    colleague = factories.user(role="registrar", university=university)
    finished_job(registrar, 60)
    finished_job(registrar, 30)
    finished_job(registrar, 5, state=RUNNING)
    finished_job(colleague, 10)  # another person's job
    login_as(registrar)

    assert count_of(dashboard(client), "waiting-jobs") == 2
    assert count_of(dashboard(client), "waiting-jobs") == 2  # looking again (a GET) changes nothing
    assert visits() == 0

    response = client.post("/visits/dashboard", headers=BEACON)  # the dashboard's script, once shown
    assert response.status_code == 204
    assert count_of(dashboard(client), "waiting-jobs") == 0
    finished_job(registrar, -1)  # finishes after the visit
    assert count_of(dashboard(client), "waiting-jobs") == 1


def test_the_seen_button_without_javascript_goes_back_to_the_page(client, login_as):
    login_as(factories.user(role="registrar"))
    page = dashboard(client)
    assert 'action="/visits/dashboard"' in page and 'data-testid="mark-seen"' in page
    response = client.post("/visits/dashboard")
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert visits() == 1


@pytest.mark.parametrize(("role", "page", "status"), [
    ("registrar", "grades", 404),  # only a student has a grades page
    ("student", "nowhere", 404),
    ("lecturer", "Dashboard", 404),
])
def test_a_visit_to_a_page_that_keeps_none_is_refused_and_writes_nothing(client, login_as, role, page,
                                                                         status):
    user = factories.student().user if role == "student" else factories.user(role=role)
    login_as(user)
    assert client.post(f"/visits/{page}").status_code == status
    assert client.get("/visits/dashboard").status_code == 405  # a GET never records a visit
    assert visits() == 0


# --- the lecturer --------------------------------------------------------------------------------------

def test_the_lecturer_is_told_of_returned_gradebooks_with_the_comment_and_of_drafts(client, login_as):
    factories.programme()
    returned = marked(make_classroom(2))
    returned.submit()
    returned.give_back("Please check the final exam of the second student.")
    lecturer = returned.lecturer
    draft = marked(make_classroom(1, university=returned.university, lecturer=lecturer))
    submitted = marked(make_classroom(1, university=returned.university, lecturer=lecturer))
    submitted.submit()
    someone_elses = make_classroom(1, university=returned.university)
    someone_elses.gradebook()
    login_as(lecturer)

    page = dashboard(client)

    returned_block = re.search(r'data-testid="waiting-returned">(.*?)</ul>', page, re.DOTALL)[1]
    assert f'data-testid="returned-{returned.offering.id}"' in returned_block
    assert "Please check the final exam of the second student." in returned_block
    assert f'href="/offerings/{returned.offering.id}/gradebook"' in returned_block
    drafts_block = re.search(r'data-testid="waiting-drafts">(.*?)</ul>', page, re.DOTALL)[1]
    assert re.findall(r'data-testid="draft-(\d+)"', drafts_block) == [str(draft.offering.id)]
    assert f"returned-{submitted.offering.id}" not in page
    assert f"draft-{someone_elses.offering.id}" not in page

    returned.submit()
    draft.submit()
    assert 'data-testid="nothing-waits"' in dashboard(client)


# --- the student ---------------------------------------------------------------------------------------

def test_the_student_is_told_of_marks_published_since_the_last_visit_to_the_grades_page(client, login_as):
    factories.programme()
    room = marked(make_classroom(2))
    room.submit()
    student = room.students[0].user
    login_as(student)
    assert count_of(dashboard(client), "waiting-marks") is None  # nothing published yet

    room.publish()
    page = dashboard(client)
    assert count_of(page, "waiting-marks") == 1
    assert room.offering.course.title_ar in page.split('data-testid="waiting"', 1)[1].split("</section>")[0]

    grades = client.get("/grades/").get_data(as_text=True)  # a GET of the grades page writes nothing
    assert 'action="/visits/grades"' in grades
    assert count_of(dashboard(client), "waiting-marks") == 1 and visits() == 0
    assert client.post("/visits/grades", headers=BEACON).status_code == 204
    assert count_of(dashboard(client), "waiting-marks") is None


def test_new_materials_clear_once_the_student_has_seen_the_course(client, login_as):
    room = make_classroom(2)
    for _ in range(3):
        build.material(room.offering)
    student = room.students[0].user
    login_as(student)
    assert new_materials(dashboard(client)) == [3]

    course = client.get(f"/courses/{room.offering.id}")
    assert course.status_code == 200
    assert f'action="/courses/{room.offering.id}/seen"' in course.get_data(as_text=True)
    assert seen_times() == [None, None]  # the GET wrote nothing
    assert new_materials(dashboard(client)) == [3]

    assert client.post(f"/courses/{room.offering.id}/seen", headers=BEACON).status_code == 204
    assert new_materials(dashboard(client)) == []
    assert seen_times()[1] is None  # the other student has still not seen them

    db.session.expire_all()
    later = build.material(room.offering)
    later.created_at = utcnow() + timedelta(seconds=5)
    db.session.commit()
    assert new_materials(dashboard(client)) == [1]


def test_only_an_enrolled_student_records_having_seen_a_course(client, login_as):
    room = make_classroom(1)
    outsider = factories.student(university=room.university)
    login_as(outsider.user)
    assert client.post(f"/courses/{room.offering.id}/seen").status_code == 404
    client.post("/logout")
    login_as(room.lecturer)
    assert client.post(f"/courses/{room.offering.id}/seen").status_code == 403
    assert "seen-form" not in client.get(f"/courses/{room.offering.id}").get_data(as_text=True)
    assert seen_times() == [None]
