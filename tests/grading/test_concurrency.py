"""Two lecturers saving the same mark at the same moment, from the same version of the gradebook: exactly
one is saved, the other is told the mark is stale (with the value now stored), and the stored value is the
one that was saved — never a lost update.

Each lecturer's request runs in its own thread with its own app context (so its own session and
connection); a barrier releases both at once. On PostgreSQL the second UPDATE waits for the first
transaction and then finds the version changed (``StaleDataError``), and the second INSERT of an empty
cell hits the unique constraint (``IntegrityError``): both end as 'stale'. SQLite serialises writers
instead: the second writer may be refused with "database is locked", which counts as refused here. The
race is run ten times per case, on both databases.
"""
import threading

import pytest
from sqlalchemy.exc import OperationalError

from diploma.audit import AuditEvent
from diploma.auth.models import User
from diploma.extensions import db
from diploma.grading import services
from diploma.grading.models import Score
from diploma.teaching.models import Offering

ROUNDS = 10
TIMEOUT = 60


def on_postgresql():
    return db.engine.dialect.name == "postgresql"


def save_at_the_same_moment(app, barrier, offering_id, lecturer_id, entry, outcomes, name):
    """One lecturer's save: its own app context and session, waiting for the other at the barrier."""
    with app.app_context():
        try:
            offering = db.session.get(Offering, offering_id)
            lecturer = db.session.get(User, lecturer_id)
            barrier.wait(timeout=TIMEOUT)
            results = services.save_marks(lecturer, offering, [entry])
            db.session.commit()
            result, = results.values()
            outcomes[name] = (result.status, result.current)
        except OperationalError as error:  # SQLite: the other writer holds the database
            db.session.rollback()
            outcomes[name] = ("locked", str(error.orig))
        except Exception as error:  # noqa: BLE001 - reported by the test, not lost in the thread
            db.session.rollback()
            outcomes[name] = ("error", repr(error))
        finally:
            db.session.remove()


def race(app, offering_id, contenders):
    """Run the contenders' saves at the same moment: {name: (status, current value)}."""
    barrier, outcomes = threading.Barrier(len(contenders)), {}
    threads = [threading.Thread(target=save_at_the_same_moment,
                                args=(app, barrier, offering_id, lecturer_id, entry, outcomes, name))
               for name, (lecturer_id, entry) in contenders.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return outcomes


def stored(enrolment_id, assessment_id):
    db.session.rollback()  # a fresh transaction: see what the threads committed
    db.session.expire_all()
    return db.session.scalar(db.select(Score).where(
        Score.enrolment_id == enrolment_id, Score.assessment_id == assessment_id, Score.attempt == 1))


def shown(score):
    return "غ" if score.absent else format(score.value.normalize(), "f")


@pytest.mark.parametrize("cell", ["a mark already there", "an empty cell"])
def test_two_lecturers_saving_the_same_mark_never_lose_an_update(app, classroom, cell):
    room = classroom(ROUNDS, colleagues=1)
    room.gradebook()
    room.fill([("30", None)] * ROUNDS)  # every line: coursework 30, final still empty
    coursework, final = room.assessments()
    target_id = (coursework if cell == "a mark already there" else final).id
    lecturers = {"first": room.lecturer.id, "second": room.colleagues[0].id}
    offering_id = room.offering.id
    lines = [(e.id, getattr(stored(e.id, target_id), "version", None)) for e in room.enrolments]
    db.session.commit()
    db.session.close()  # everything committed, and no transaction (nor SQLite lock) held by the test

    saved_count = 0
    for round_number, (enrolment_id, version) in enumerate(lines, start=1):
        typed = {"first": str(40 + round_number), "second": str(60 + round_number)}
        contenders = {name: (lecturers[name], {
            "enrolment_id": enrolment_id, "assessment_id": target_id, "attempt": 1, "text": typed[name],
            "version": version}) for name in lecturers}

        outcomes = race(app, offering_id, contenders)

        context = f"round {round_number}: {outcomes}"
        assert set(outcomes) == {"first", "second"}, context
        assert not [o for o in outcomes.values() if o[0] == "error"], context
        statuses = sorted(status for status, _current in outcomes.values())
        winner, = (name for name, (status, _current) in outcomes.items() if status == "saved")
        loser = "second" if winner == "first" else "first"
        if on_postgresql():
            assert statuses == ["saved", "stale"], context
        else:
            assert statuses in (["saved", "stale"], ["locked", "saved"]), context
        score = stored(enrolment_id, target_id)
        assert shown(score) == typed[winner], context  # the saver's value: no lost update
        assert score.updated_by_id == lecturers[winner], context
        assert score.version == (version or 0) + 1, context
        if outcomes[loser][0] == "stale":
            assert outcomes[loser][1] == typed[winner], context  # told the value now stored
        saved_count += 1
        db.session.close()

    changes = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "score.changed")).all()
    assert len(changes) == saved_count == ROUNDS  # one audit event per saved change, none for the refused
    assert {change.data["reason"] for change in changes} == {None}


def test_two_lecturers_saving_different_marks_at_the_same_moment_both_count(app, classroom):
    """No false conflict: different cells of the same line. On SQLite one writer may find the database
    locked (and can save again); on PostgreSQL both are saved."""
    room = classroom(ROUNDS, colleagues=1)
    room.gradebook()
    coursework, final = room.assessments()
    offering_id, enrolment_ids = room.offering.id, [e.id for e in room.enrolments]
    lecturers = {"first": (room.lecturer.id, coursework.id, "35"),
                 "second": (room.colleagues[0].id, final.id, "65")}
    db.session.commit()
    db.session.close()

    for round_number, enrolment_id in enumerate(enrolment_ids, start=1):
        contenders = {name: (lecturer_id, {"enrolment_id": enrolment_id, "assessment_id": assessment_id,
                                           "attempt": 1, "text": text, "version": None})
                      for name, (lecturer_id, assessment_id, text) in lecturers.items()}

        outcomes = race(app, offering_id, contenders)

        context = f"round {round_number}: {outcomes}"
        statuses = sorted(status for status, _current in outcomes.values())
        if on_postgresql():
            assert statuses == ["saved", "saved"], context
        else:
            assert statuses in (["saved", "saved"], ["locked", "saved"]), context
        for name, (status, _current) in outcomes.items():
            _lecturer, assessment_id, text = lecturers[name]
            score = stored(enrolment_id, assessment_id)
            if status == "saved":
                assert shown(score) == text, context
            else:
                assert score is None, context
        db.session.close()
