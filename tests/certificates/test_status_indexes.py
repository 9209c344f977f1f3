"""A certificate's place in its university's revocation list is drawn at random among the free places at
issue: the places of consecutive issues follow no order and are never shared within a university; two
registrars who draw the same place at the same moment (issuing for other years, so not serialised by the
serial counter) both issue, the second with a new draw."""
import threading
from datetime import date

import pytest

from diploma.auth.models import User
from diploma.certificates import issuing
from diploma.certificates.models import Certificate
from diploma.curriculum.models import Cohort
from diploma.extensions import db
from diploma.partners.models import University
from diploma.signing.credential import STATUS_LIST_BITS
from tests.certificates.builders import graduating_cohort

TIMEOUT = 60


def _places(university_id):
    return db.session.scalars(db.select(Certificate.status_index)
                              .where(Certificate.university_id == university_id)
                              .order_by(Certificate.id)).all()


def test_the_places_of_50_consecutive_issues_are_distinct_random_and_in_the_list():
    group = graduating_cohort(50, courses=1)
    for student in group.students:
        group.issue(students=[student])

    places = _places(group.university.id)
    assert len(places) == 50 and len(set(places)) == 50
    assert all(0 <= place < STATUS_LIST_BITS for place in places)
    assert places != sorted(places) and places != sorted(places, reverse=True)
    # Not the register's numbers either, nor close to one another.
    numbers = db.session.scalars(db.select(Certificate.id)
                                 .where(Certificate.university_id == group.university.id)
                                 .order_by(Certificate.id)).all()
    assert places != numbers and max(places) - min(places) > 1000


class _Draws:
    """``secrets.randbelow`` as the draw sees it: the given places first, then the real draw."""

    def __init__(self, monkeypatch, places):
        self.places, self.real = list(places), issuing.secrets.randbelow
        monkeypatch.setattr(issuing.secrets, "randbelow", self)

    def __call__(self, bound):
        return self.places.pop(0) if self.places else self.real(bound)


def test_a_draw_skips_the_places_the_university_holds(monkeypatch):
    group = graduating_cohort(3, courses=1)
    first = group.issue(students=group.students[:1])[0]
    _Draws(monkeypatch, [first.status_index, first.status_index, 7, 7, 9])

    assert issuing.draw_status_indexes(group.university.id, 2) == [7, 9]


def _issue_in_a_thread(app, scope, student_id, issued_on, steps, outcomes, key):
    """One registrar's issue in its own session; ``steps`` (events) hold its commit back when given."""
    registrar_id, university_id, cohort_id = scope
    with app.app_context():
        try:
            registrar, cohort = db.session.get(User, registrar_id), db.session.get(Cohort, cohort_id)
            university = db.session.get(University, university_id)
            if steps.get("wait_for"):
                steps["wait_for"].wait(TIMEOUT)
            certificate, = issuing.issue_certificates(registrar, university, cohort, [student_id], issued_on)
            if steps.get("flushed"):
                steps["flushed"].set()
                steps["commit_after"].wait(TIMEOUT)
            db.session.commit()
            outcomes[key] = ("issued", certificate.status_index)
        except Exception as error:  # noqa: BLE001 - reported by the test, not lost in the thread
            db.session.rollback()
            outcomes[key] = ("error", repr(error))
        finally:
            db.session.remove()


@pytest.mark.postgres_only(reason="SQLite serialises writers: the two issues cannot overlap there")
def test_two_registrars_drawing_the_same_place_at_once_both_issue(app, monkeypatch):
    group = graduating_cohort(2, courses=1)
    scope = (group.registrar.id, group.university.id, group.cohort.id)
    first_student, second_student = (s.id for s in group.students)
    db.session.commit()
    db.session.close()
    _Draws(monkeypatch, [777, 777, 778])  # the first draws 777; the second too, then 778
    first_flushed, second_started, outcomes = threading.Event(), threading.Event(), {}
    first = threading.Thread(target=_issue_in_a_thread, args=(
        app, scope, first_student, date(2025, 1, 20),
        {"flushed": first_flushed, "commit_after": second_started}, outcomes, "first"))
    second = threading.Thread(target=_issue_in_a_thread, args=(
        app, scope, second_student, date(2026, 1, 20), {"wait_for": first_flushed}, outcomes, "second"))
    first.start()
    second.start()
    first_flushed.wait(TIMEOUT)
    second.join(2)  # the second waits on the first's uncommitted place
    assert second.is_alive()
    second_started.set()
    for thread in (first, second):
        thread.join(TIMEOUT)

    assert outcomes == {"first": ("issued", 777), "second": ("issued", 778)}
    assert sorted(_places(scope[1])) == [777, 778]
