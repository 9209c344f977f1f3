"""The gradebook and the student's grades cost a fixed number of SQL queries, whatever the number of
students or courses: counted with SQLAlchemy's ``before_cursor_execute`` event on the engine, during one
request, with the session emptied beforehand (as a fresh request finds it)."""
from datetime import date

import pytest

from diploma.enrolment import services as enrolment_services
from diploma.extensions import db
from tests.grading.conftest import full_marks
from tests.queries import queries_of


def describe(statements):
    return "\n".join(f"{i:3d}  {' '.join(s.split())[:160]}" for i, s in enumerate(statements, 1))


@pytest.fixture
def sign_in(auth, login_as):
    def _sign_in(user):
        auth.logout()
        return login_as(user)

    return _sign_in


def gradebook_with_marks(classroom, size, *, published=False, second_round=False):
    room = classroom(size, bulk=True)
    room.gradebook()
    room.fill(full_marks(size))
    if published or second_round:
        room.submit()
        room.publish()
    if second_round:
        room.open_second_round()
        failed = {row.enrolment.id for row in room.sheet().rows if row.first_passed is False}
        lines = [i for i, enrolment in enumerate(room.enrolments) if enrolment.id in failed]
        room.type(room.lecturer, dict.fromkeys(lines, "55"), attempt=2)
    return room


@pytest.mark.parametrize("state", ["draft", "published", "second round"])
def test_the_gradebook_costs_the_same_queries_for_5_and_200_students(classroom, sign_in, client, state):
    counts = {}
    for size in (5, 200):
        room = gradebook_with_marks(classroom, size, published=state == "published",
                                    second_round=state == "second round")
        assert len(room.sheet().rows) == size
        viewer = room.registrar if state == "published" else room.lecturer
        url = f"/offerings/{room.offering.id}/gradebook"
        sign_in(viewer)
        counts[size] = queries_of(client, url)

    assert len(counts[5]) == len(counts[200]), (
        f"5 students:\n{describe(counts[5])}\n\n200 students:\n{describe(counts[200])}")
    # 7 to 9 statements today (BEGIN, the signed-in user, the offering, the lecturer's link to it, the
    # gradebook with its assessments, the programme's rules, the lines, the marks); some room for the layout.
    assert len(counts[200]) <= 12, describe(counts[200])


def test_the_gradebook_reads_the_names_it_shows_not_whole_accounts(classroom, sign_in, client):
    """Students and lecturers are read for their names and numbers (a lecturer's right to the page by a
    look-up of the link), never as whole accounts with their password hashes; the marks are not counted
    again after they are read; the programme is read only as its grading rules."""
    room = gradebook_with_marks(classroom, 5)
    sign_in(room.lecturer)

    statements = queries_of(client, f"/offerings/{room.offering.id}/gradebook")

    accounts = [s for s in statements if "password_hash" in s and "login_session" not in s]
    assert not accounts, describe(statements)  # the signed-in user's own row (with its login session) aside
    assert not [s for s in statements if "count(" in s.lower()], describe(statements)
    assert not [s for s in statements if "cohort" in s or "programme.name_en" in s], describe(statements)


def test_the_gradebook_page_with_200_students_shows_every_line(classroom, sign_in, client):
    room = gradebook_with_marks(classroom, 200)
    sign_in(room.lecturer)
    page = client.get(f"/offerings/{room.offering.id}/gradebook").get_data(as_text=True)
    assert page.count('data-testid="course-mark"') == 200
    assert page.count('class="mark-input"') == 400


def student_with_published_courses(classroom, make, count):
    """A student enrolled in ``count`` offerings whose marks are published."""
    home = make.university()
    cohort = make.cohort()
    lecturer = make.user(role="lecturer", university=home)
    registrar = make.user(role="registrar", university=home)
    student = make.student(university=home, cohort=cohort)
    for number in range(count):
        term = make.term(starts_on=date(2020 + number, 10, 1), ends_on=date(2021 + number, 2, 1))
        room = classroom(0, university=home, cohort=cohort, lecturer=lecturer, registrar=registrar, term=term)
        room.students = [student]
        room.enrolments = [enrolment_services.enrol_student(None, room.offering, student)]
        db.session.commit()
        room.gradebook()
        room.type(lecturer, {0: (str(40 + number), str(50 + number))})
        room.submit()
        room.publish()
    return student


@pytest.mark.parametrize("url", ["/grades/", "/grades/transcript", "/grades.json"])
def test_the_students_grades_cost_the_same_queries_for_2_and_10_courses(classroom, make, sign_in, client,
                                                                       url):
    counts = {}
    for count in (2, 10):
        student = student_with_published_courses(classroom, make, count)
        sign_in(student.user)
        if url == "/grades.json":
            assert len(client.get(url).get_json()["results"]) == count
        counts[count] = queries_of(client, url)

    assert len(counts[2]) == len(counts[10]), (
        f"2 courses:\n{describe(counts[2])}\n\n10 courses:\n{describe(counts[10])}")
    assert len(counts[10]) <= 15, describe(counts[10])
