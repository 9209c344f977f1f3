"""Two registrars of the same university issuing certificates at the same moment never get the same serial
and never leave a gap.

The serial counter's row is locked (``SELECT … FOR UPDATE``) by the first issue until it commits, so the
second waits and then continues the sequence: the serials of the university and year are 1…N with no
duplicate and no gap, and the counter says N; the same graduates issued twice at once are issued once.
The race is run several times.

PostgreSQL only (``postgres_only``): SQLite serialises writers, so the two issues never overlap there (the
second to write is refused, "database is locked", while the first holds the database) and the tests could
not fail, with or without the lock.
"""
import threading
from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from diploma.auth.models import User
from diploma.certificates import issuing
from diploma.certificates.models import Certificate, SerialCounter
from diploma.curriculum.models import Cohort
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.i18n import force_language
from diploma.partners.models import University
from tests import factories
from tests.certificates.test_views import graduates_at

pytestmark = pytest.mark.commits  # sessions racing on connections of their own

ROUNDS = 6
TIMEOUT = 60
YEAR = date.today().year


def people(count, tag):
    return tuple((f"طالب {tag} رقم {i} الأول", f"Student {tag}-{i}", "mf"[i % 2], 60 + i, 70 + i)
                 for i in range(count))


def issue_at_the_same_moment(app, barrier, registrar_id, scope, student_ids, outcomes, key):
    """One registrar's request: its own app context and session, waiting for the other at the barrier."""
    university_id, cohort_id = scope
    with app.app_context():
        try:
            registrar = db.session.get(User, registrar_id)
            university, cohort = db.session.get(University, university_id), db.session.get(Cohort, cohort_id)
            barrier.wait(timeout=TIMEOUT)
            certificates = issuing.issue_certificates(registrar, university, cohort, student_ids)
            db.session.commit()
            outcomes[key] = ("issued", [c.serial for c in certificates])
        except RuleViolation as refusal:
            db.session.rollback()
            with force_language("en"):
                outcomes[key] = ("refused", str(refusal.message))
        except IntegrityError as error:  # the same student issued by the other at the same moment
            db.session.rollback()
            outcomes[key] = ("refused", f"integrity: {error.orig}")
        except Exception as error:  # noqa: BLE001 - reported by the test, not lost in the thread
            db.session.rollback()
            outcomes[key] = ("error", repr(error))
        finally:
            db.session.remove()


def race(app, registrar_ids, university_id, cohort_id, choices):
    """Both registrars issue their choice at the same moment; returns {registrar index: outcome}."""
    db.session.commit()
    db.session.close()  # everything committed, and no transaction (nor SQLite lock) held by the test
    barrier, outcomes = threading.Barrier(len(choices)), {}
    threads = [threading.Thread(target=issue_at_the_same_moment,
                                args=(app, barrier, registrar_ids[index], (university_id, cohort_id), ids,
                                      outcomes, index))
               for index, ids in enumerate(choices)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert len(outcomes) == len(choices), outcomes
    assert not any(kind == "error" for kind, _ in outcomes.values()), outcomes
    return outcomes


def numbers_of(university_id):
    db.session.rollback()  # a fresh transaction: see what the threads committed
    numbers = db.session.scalars(db.select(Certificate.number).where(
        Certificate.university_id == university_id, Certificate.year == YEAR)
        .order_by(Certificate.number)).all()
    counter = db.session.scalar(db.select(SerialCounter.last_number).where(
        SerialCounter.university_id == university_id, SerialCounter.year == YEAR))
    return numbers, counter


def assert_gap_free(university_id, code):
    numbers, counter = numbers_of(university_id)
    assert numbers == list(range(1, len(numbers) + 1)), numbers  # no duplicate, no gap
    assert (counter or 0) == len(numbers)
    serials = db.session.scalars(db.select(Certificate.serial).where(
        Certificate.university_id == university_id).order_by(Certificate.number)).all()
    assert serials == [f"PCS-{code}-{YEAR}-{n:04d}" for n in numbers]
    return numbers


@pytest.fixture
def two_registrars(app):
    """Kufa and the ids of two of its registrars; each round brings its own cohort of graduates."""
    group = graduates_at("KUF", people(1, "0"))
    second = factories.user(role="registrar", university=group.university)
    return group.university, (group.registrar.id, second.id)


@pytest.mark.postgres_only
def test_two_registrars_issuing_different_graduates_at_once_get_consecutive_serials(app, two_registrars):
    university, registrars = two_registrars
    university_id, total = university.id, 0
    for round_number in range(1, ROUNDS + 1):
        university = db.session.get(University, university_id)
        cohort = factories.cohort(name_en=f"Race {round_number}")
        batch = graduates_at("KUF", people(4, round_number), cohort=cohort, university=university)
        choices = [batch.ids(0, 1), batch.ids(2, 3)]

        outcomes = race(app, registrars, university_id, batch.cohort.id, choices)

        issued = [serials for kind, serials in outcomes.values() if kind == "issued"]
        assert len(issued) == 2, f"round {round_number}: {outcomes}"
        total += sum(len(serials) for serials in issued)
        assert len(assert_gap_free(university_id, "KUF")) == total, f"round {round_number}: {outcomes}"


@pytest.mark.postgres_only
def test_two_registrars_issuing_the_same_graduates_at_once_issue_them_once(app, two_registrars):
    university, registrars = two_registrars
    university_id, total = university.id, 0
    for round_number in range(1, ROUNDS + 1):
        university = db.session.get(University, university_id)
        cohort = factories.cohort(name_en=f"Same {round_number}")
        batch = graduates_at("KUF", people(2, f"s{round_number}"), cohort=cohort, university=university)
        both, cohort_id = batch.ids(0, 1), cohort.id

        outcomes = race(app, registrars, university_id, cohort_id, [both, list(reversed(both))])

        kinds = sorted(kind for kind, _ in outcomes.values())
        assert kinds == ["issued", "refused"], f"round {round_number}: {outcomes}"
        total += 2
        assert len(assert_gap_free(university_id, "KUF")) == total, f"round {round_number}: {outcomes}"
        owners = db.session.scalars(db.select(Certificate.student_id).where(
            Certificate.cohort_id == cohort_id)).all()
        assert sorted(owners) == sorted(both)  # one certificate each
