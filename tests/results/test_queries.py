"""Every figure comes from a fixed number of queries, whatever the number of students, marks and
certificates: the same page asks the same number of statements of a small and of a larger data set."""
from diploma.extensions import db
from tests import factories
from tests.queries import queries_of
from tests.results.builders import _offering, enter_marks, issue, log_verifications, small_programme


def grow(ids, students):
    """``students`` more students at both universities, enrolled and marked in X, with certificates."""
    from datetime import date

    from diploma.auth.models import User
    from diploma.curriculum.models import Cohort, Course
    from diploma.partners.models import University

    course, cohort = db.session.get(Course, ids["x"]), db.session.get(Cohort, ids["cohort1"])
    lecturer = db.session.get(User, ids["lecturer"])
    term = factories.term(starts_on=date(2022, 10, 1), ends_on=date(2023, 1, 31))
    for university in (db.session.get(University, ids["a"]), db.session.get(University, ids["b"])):
        offering = _offering(course, university, term, [lecturer])
        group = [factories.student(university=university, cohort=cohort, gender="fm"[n % 2])
                 for n in range(students)]
        enter_marks(offering, {student: (40 + n % 60, 50 + n % 50, 70) for n, student in enumerate(group)},
                    published_round=2)
        for student in group[::2]:
            log_verifications(issue(student, university, cohort, cohort.programme), 2)
    db.session.commit()


def ids_of(data):
    return {"x": data.x.id, "cohort1": data.cohort1.id, "lecturer": data.lecturer.id, "a": data.a.id,
            "b": data.b.id}


def test_the_results_page_asks_as_many_queries_whatever_the_data(client, login_as):
    data = small_programme()
    ids = ids_of(data)
    login_as(data.admin)
    small = len(queries_of(client, "/results"))
    grow(ids, 30)
    larger = len(queries_of(client, "/results"))
    assert small == larger


def test_a_lecturers_page_and_the_public_page_too(client, login_as):
    data = small_programme()
    ids = ids_of(data)
    login_as(data.lecturer)
    small = len(queries_of(client, "/results"))
    public_small = len(queries_of(client.application.test_client(), "/in-numbers"))
    grow(ids, 30)
    assert len(queries_of(client, "/results")) == small
    assert len(queries_of(client.application.test_client(), "/in-numbers")) == public_small
