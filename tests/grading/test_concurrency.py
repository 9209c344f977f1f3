"""Two lecturers saving marks of the same gradebook at the same moment, from the same version of it: of two
saves of the same mark exactly one is saved and the other is told the mark is stale (the translated
conflict, with the value now stored) — never a lost update; two saves of different marks both count.

The races are deterministic. Each save runs in its own thread as a request would (a POST request context:
its own session and connection, and on SQLite the write lock taken as its transaction begins), and is held
at checkpoints of its transaction (``Checkpoints``): "read" — it has read the cell, checked the version it
was given and is about to write (its first flush); "wrote" — its write is flushed but not committed.

* PostgreSQL only (``postgres_only``): the first save has read the cell and is held open until the second
  has read the same version; then either the first commits before the second writes, or the second writes
  while the first is still open (and waits for its row lock). The second's UPDATE then finds the version
  changed (``StaleDataError``), or its INSERT of an empty cell the unique constraint (``IntegrityError``).
  SQLite cannot run these races: it serialises writers, so the second save cannot read while the first
  is open, and a test of them could not fail there.
* Both databases: the first save has read the cell and is held while the second saves. On PostgreSQL the
  second is saved and the first then finds the version changed; on SQLite the second waits for the first's
  write lock (BEGIN IMMEDIATE), then reads the new version and is told the mark is stale.
"""
import threading
import time
from dataclasses import dataclass, field

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from diploma.audit import AuditEvent
from diploma.auth.models import User
from diploma.extensions import db
from diploma.grading import services
from diploma.grading.models import Score
from diploma.i18n import force_language
from diploma.teaching.models import Offering

pytestmark = pytest.mark.commits  # sessions racing on connections of their own

TIMEOUT = 30  # seconds: a checkpoint never reached, or a thread that hangs, fails the test instead
SQLITE_WAIT = 0.5  # seconds given, on SQLite, to the second save to start waiting for the write lock


def on_postgresql():
    return db.engine.dialect.name == "postgresql"


class Checkpoints:
    """Runs a thread's handlers at the checkpoints of its transaction, each once: "read" (the session's
    first flush is about to write: the cell was read and its version checked) and "wrote" (that flush was
    executed, not committed). Handlers are registered per thread name."""

    def __init__(self):
        self.handlers = {}
        self.passed = set()

    def at(self, thread, point, handler):
        self.handlers[thread, point] = handler

    def reach(self, point):
        key = (threading.current_thread().name, point)
        if key in self.handlers and key not in self.passed:
            self.passed.add(key)
            self.handlers[key]()

    def before_flush(self, session, flush_context, instances):
        self.reach("read")

    def after_flush(self, session, flush_context):
        self.reach("wrote")


@pytest.fixture
def checkpoints():
    points = Checkpoints()
    event.listen(Session, "before_flush", points.before_flush)
    event.listen(Session, "after_flush", points.after_flush)
    yield points
    event.remove(Session, "before_flush", points.before_flush)
    event.remove(Session, "after_flush", points.after_flush)


def wait(signal, what):
    """Wait for an event of the race; a race that never gets there fails, saying where it stopped."""
    if not signal.wait(TIMEOUT):
        raise AssertionError(f"the race stopped: {what} did not happen within {TIMEOUT} s")


@dataclass
class Save:
    """One lecturer's save of one cell, and what became of it."""

    name: str
    lecturer_id: int
    entry: dict
    result: object = None  # the CellResult, or the exception raised
    done: threading.Event = field(default_factory=threading.Event)


def run_save(app, offering_id, save, log):
    """One lecturer's request: its own request context, session and connection. ``log`` gets "<name>
    began" once its transaction has begun (SQLite: once it has the write lock) and "<name> committed"."""
    with app.test_request_context("/gradebook", method="POST"):
        try:
            offering = db.session.get(Offering, offering_id)
            log.append(f"{save.name} began")
            lecturer = db.session.get(User, save.lecturer_id)
            results = services.save_marks(lecturer, offering, [save.entry])
            db.session.commit()
            log.append(f"{save.name} committed")
            save.result, = results.values()
        except Exception as error:  # noqa: BLE001 - reported by the test, not lost in the thread
            db.session.rollback()
            save.result = error
        finally:
            db.session.remove()
            save.done.set()


def start(app, offering_id, save, log):
    thread = threading.Thread(target=run_save, args=(app, offering_id, save, log), name=save.name,
                              daemon=True)
    thread.start()
    return thread


def finish(*threads):
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a save hung"


def waiting_for_a_lock():
    """PostgreSQL: whether a session of this database is waiting for a lock (a row, a transaction)."""
    count = db.session.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                   "AND wait_event_type = 'Lock'"))
    db.session.rollback()
    return count > 0


def stored(enrolment_id, assessment_id):
    db.session.rollback()  # a fresh transaction: see what the threads committed
    db.session.expire_all()
    return db.session.scalar(db.select(Score).where(
        Score.enrolment_id == enrolment_id, Score.assessment_id == assessment_id, Score.attempt == 1))


def shown(score):
    return "غ" if score.absent else format(score.value.normalize(), "f")


# --- the gradebook and the two saves -------------------------------------------------------------------

SAME_MARK, SAME_EMPTY_CELL, ANOTHER_MARK = "the same mark", "the same empty cell", "another mark of the line"


@dataclass
class Race:
    offering_id: int
    first: Save
    second: Save
    cells: dict  # save name → (enrolment id, assessment id)
    versions: dict  # save name → the version both saw (None: an empty cell)
    log: list = field(default_factory=list)


def prepare(classroom, target):
    """One student, coursework 30 and an empty final; two lecturers of the offering who both opened the
    gradebook (the same versions) and each type a mark: both into the coursework (``SAME_MARK``), both into
    the empty final (``SAME_EMPTY_CELL``), or one each (``ANOTHER_MARK``)."""
    room = classroom(1, colleagues=1)
    room.gradebook()
    room.fill([("30", None)])
    coursework, final = room.assessments()
    enrolment_id = room.enrolments[0].id
    targets = {SAME_MARK: (coursework, coursework), SAME_EMPTY_CELL: (final, final),
               ANOTHER_MARK: (coursework, final)}[target]
    saves, cells, versions = {}, {}, {}
    for name, lecturer, assessment, typed in zip(("first", "second"), (room.lecturer, room.colleagues[0]),
                                                 targets, ("41", "62"), strict=True):
        cells[name] = (enrolment_id, assessment.id)
        versions[name] = getattr(stored(enrolment_id, assessment.id), "version", None)
        saves[name] = Save(name, lecturer.id, {"enrolment_id": enrolment_id, "assessment_id": assessment.id,
                                               "attempt": 1, "text": typed, "version": versions[name]})
    race = Race(room.offering.id, saves["first"], saves["second"], cells, versions)
    db.session.commit()
    db.session.close()  # everything committed, and no transaction (nor SQLite lock) held by the test
    return race


def check(race, winner):
    """The outcome: for the same cell, ``winner`` saved and the other told the mark is stale (translated,
    with the winner's value), the winner's value stored; for different cells, both saved. One audit event
    per saved change."""
    saves = {"first": race.first, "second": race.second}
    context = f"log {race.log}; first → {race.first.result!r}; second → {race.second.result!r}"
    errors = {name: save.result for name, save in saves.items() if isinstance(save.result, BaseException)}
    assert not errors, f"a save failed: {errors} ({context})"
    statuses = {name: save.result.status for name, save in saves.items()}
    same_cell = race.cells["first"] == race.cells["second"]
    if not same_cell:
        assert statuses == {"first": "saved", "second": "saved"}, f"a false conflict: {context}"
    else:
        loser = "second" if winner == "first" else "first"
        assert statuses != {"first": "saved", "second": "saved"}, (
            f"LOST UPDATE: both saves of the same mark were accepted; the {loser}, begun from version "
            f"{race.versions[loser]}, overwrote the {winner}'s {saves[winner].entry['text']} with its "
            f"{saves[loser].entry['text']} without being told — the optimistic lock (Score.version) did not "
            f"refuse the stale write ({context})")
        assert statuses == {winner: "saved", loser: "stale"}, \
            f"expected the {winner} saved and the {loser} told the mark is stale: {context}"
        value = saves[winner].entry["text"]
        assert saves[loser].result.current == value, f"the {loser} is not told the value stored: {context}"
        with force_language("en"):
            english = str(saves[loser].result.message)
        with force_language("ar"):
            arabic = str(saves[loser].result.message)
        assert english == f"Someone else changed this mark meanwhile; it is now {value}.", english
        assert arabic.startswith("عدّل شخص آخر هذه الدرجة") and value in arabic, arabic
    for name, save in saves.items():
        if statuses[name] == "saved":
            score = stored(*race.cells[name])
            assert shown(score) == save.entry["text"], f"the {name}'s mark is not what is stored: {context}"
            assert score.updated_by_id == save.lecturer_id, context
            assert score.version == (race.versions[name] or 0) + 1, context
    changes = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "score.changed")).all()
    assert len(changes) == list(statuses.values()).count("saved"), f"audit: {changes} ({context})"


# --- PostgreSQL: both have read the same version before either writes ---------------------------------------

FIRST_COMMITS_FIRST = "the first commits before the second writes"
SECOND_WRITES_MEANWHILE = "the second writes while the first is open"


@pytest.mark.postgres_only
@pytest.mark.parametrize("order", [FIRST_COMMITS_FIRST, SECOND_WRITES_MEANWHILE])
@pytest.mark.parametrize("target", [SAME_MARK, SAME_EMPTY_CELL, ANOTHER_MARK])
def test_two_lecturers_saving_from_the_same_version_never_lose_an_update(app, classroom, checkpoints, target,
                                                                         order):
    race = prepare(classroom, target)
    first_read, second_read, first_wrote, release_first = (threading.Event() for _ in range(4))

    def first_has_read():  # held open, having read the cell, until the second has read it too
        first_read.set()
        wait(second_read, "the second save reading the cell")

    def second_has_read():
        second_read.set()
        if order == FIRST_COMMITS_FIRST:
            wait(race.first.done, "the first save committing")
        else:
            wait(first_wrote, "the first save writing")

    def first_has_written():  # its write flushed (the row locked), not committed
        first_wrote.set()
        wait(release_first, "the second save writing")

    checkpoints.at("first", "read", first_has_read)
    checkpoints.at("second", "read", second_has_read)
    if order == SECOND_WRITES_MEANWHILE:
        checkpoints.at("first", "wrote", first_has_written)

    first = start(app, race.offering_id, race.first, race.log)
    wait(first_read, "the first save reading the cell")
    second = start(app, race.offering_id, race.second, race.log)
    if order == SECOND_WRITES_MEANWHILE:
        # The second writes: it waits for the first's row lock (the same cell), or saves (another cell).
        deadline = time.monotonic() + TIMEOUT
        while not (race.second.done.is_set() or waiting_for_a_lock()):
            assert time.monotonic() < deadline, "the second save neither waited for the first nor finished"
            time.sleep(0.01)
        finished_meanwhile = race.second.done.is_set()
        release_first.set()
    finish(first, second)

    if order == SECOND_WRITES_MEANWHILE and target != ANOTHER_MARK:
        assert not finished_meanwhile, f"the second save did not wait for the first's lock: {race.log}"
    check(race, winner="first")


# --- both databases: one save held open after reading while the other saves ---------------------------------

@pytest.mark.parametrize("target", [SAME_MARK, SAME_EMPTY_CELL, ANOTHER_MARK])
def test_a_save_held_open_while_another_saves_never_loses_an_update(app, classroom, checkpoints, target):
    """PostgreSQL: the second is saved while the first is held; the first then finds the version changed.
    SQLite: the second waits for the first's write lock, so begins only once the first has committed, and
    is then told the mark is stale (or, another cell, saved)."""
    race = prepare(classroom, target)
    first_read, release_first = threading.Event(), threading.Event()

    def first_has_read():
        first_read.set()
        wait(release_first, "the second save finishing (PostgreSQL) or waiting for the lock (SQLite)")

    checkpoints.at("first", "read", first_has_read)

    first = start(app, race.offering_id, race.first, race.log)
    wait(first_read, "the first save reading the cell")
    second = start(app, race.offering_id, race.second, race.log)
    if on_postgresql():
        wait(race.second.done, "the second save finishing while the first is held")
    else:
        race.second.done.wait(SQLITE_WAIT)  # it cannot finish: it waits for the write lock
    release_first.set()
    finish(first, second)

    if on_postgresql():
        check(race, winner="second")
    else:
        log = race.log
        assert "first committed" in log and log.index("second began") > log.index("first committed"), (
            f"SQLite: the second save did not wait for the first to commit before beginning — writers are no "
            f"longer serialised as a request begins (BEGIN IMMEDIATE, diploma/__init__.py?): log {log}; "
            f"first → {race.first.result!r}; second → {race.second.result!r}")
        check(race, winner="first")
