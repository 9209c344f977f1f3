"""Two registrars enrolling the last seat of an offering at the same moment never overfill it.

The offering's row is locked (``SELECT … FOR UPDATE``) while the seats are counted, so the second enrolment
waits for the first and then finds the offering full: never more active enrolments than the capacity —
and, with two contenders for the remaining seats, exactly the capacity, the other told the offering is
full. The race is run ten times.

PostgreSQL only (``postgres_only``): SQLite serialises writers, so the two enrolments never overlap there
(the second to write is refused, "database is locked", while the first holds the database) and the test
could not fail, with or without the lock.
"""
import threading

import pytest

from diploma.curriculum.models import Cohort
from diploma.enrolment import services
from diploma.enrolment.models import Enrolment, Student
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.i18n import force_language
from diploma.partners.models import University
from diploma.teaching.models import Offering
from tests import teaching as build

pytestmark = pytest.mark.commits  # sessions racing on connections of their own

ROUNDS = 10
TIMEOUT = 60


def enrol_at_the_same_moment(app, barrier, offering_id, student_id, outcomes):
    """One registrar's request: its own app context and session, waiting for the other at the barrier."""
    with app.app_context():
        try:
            offering = db.session.get(Offering, offering_id)
            student = db.session.get(Student, student_id)
            barrier.wait(timeout=TIMEOUT)
            services.enrol_student(None, offering, student)
            db.session.commit()
            outcomes[student_id] = "enrolled"
        except RuleViolation as refusal:
            db.session.rollback()
            with force_language("en"):
                outcomes[student_id] = f"refused: {refusal.message}"
        except Exception as error:  # noqa: BLE001 - reported by the test, not lost in the thread
            db.session.rollback()
            outcomes[student_id] = f"error: {error!r}"
        finally:
            db.session.remove()


def active_enrolments(offering_id):
    db.session.rollback()  # a fresh transaction: see what the threads committed
    return db.session.scalar(db.select(db.func.count()).select_from(Enrolment).where(
        Enrolment.offering_id == offering_id, Enrolment.status == "active"))


@pytest.mark.postgres_only
@pytest.mark.parametrize(("capacity", "taken"), [(1, 0), (3, 2)], ids=["one-seat", "last-of-three-seats"])
def test_two_enrolments_at_the_same_moment_never_overfill_an_offering(app, make, capacity, taken):
    home_id, cohort_id = make.university().id, make.cohort().id
    for round_number in range(1, ROUNDS + 1):
        home, cohort = db.session.get(University, home_id), db.session.get(Cohort, cohort_id)
        offering = build.offering(home, capacity=capacity)
        for _ in range(taken):
            build.enrolled(make.student(university=home, cohort=cohort), offering)
        contenders = [make.student(university=home, cohort=cohort).id for _ in range(2)]
        offering_id = offering.id
        db.session.commit()
        db.session.close()  # everything committed, and no transaction (nor SQLite lock) held by the test

        barrier, outcomes = threading.Barrier(len(contenders)), {}
        threads = [threading.Thread(target=enrol_at_the_same_moment,
                                    args=(app, barrier, offering_id, student_id, outcomes))
                   for student_id in contenders]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIMEOUT)
        assert not any(thread.is_alive() for thread in threads), f"round {round_number}: a thread hung"

        results = sorted(outcomes.values())
        assert len(results) == 2 and not any(r.startswith("error") for r in results), results
        assert active_enrolments(offering_id) == capacity, f"round {round_number}: {results}"
        assert results.count("enrolled") == 1, f"round {round_number}: {results}"
        refusal, = (result for result in results if result != "enrolled")
        assert refusal == f"refused: The course offering is full ({capacity} students).", refusal
