"""A worker killed in the middle of issuing a batch of certificates leaves nothing half-done.

Another process (``python -c``, the app on the suite's database, as a gunicorn worker would be) issues a
cohort's certificates with ``issue_certificates``: the certificates, the serial counter and the audit
events are written (flushed) in its transaction. Before it commits, it tells the test what it has written,
through its standard output, and blocks; the test kills it with SIGKILL, the way the kernel's OOM killer or
gunicorn's timeout (``SIGKILL`` after the graceful period) ends a worker — no ``finally``, no rollback.

Then nothing of the batch is there: no certificate, the serial counter as it was (or still absent), no
audit event; and issuing again afterwards continues the sequence with no gap (0001 for a first batch).
On PostgreSQL the server aborts the transaction when the connection dies; on SQLite the killed process
held the write lock, and its journal is rolled back by the next connection that opens the file.
"""
import json
import os
import selectors
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from diploma.audit import AuditEvent
from diploma.certificates.models import Certificate, SerialCounter
from diploma.extensions import db
from tests.certificates.builders import graduating_cohort

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ISSUED_ON = date(2025, 1, 20)
READY_TIMEOUT = 60  # seconds for the worker to start, issue and report

WORKER = r"""
import json, os, sys
from datetime import date

from diploma import create_app
from diploma.audit import AuditEvent
from diploma.auth.models import User
from diploma.certificates.models import Certificate, SerialCounter
from diploma.certificates.issuing import issue_certificates
from diploma.config import TestConfig
from diploma.curriculum.models import Cohort
from diploma.extensions import db
from diploma.partners.models import University


class WorkerConfig(TestConfig):
    SQLALCHEMY_DATABASE_URI = os.environ["KILLED_WORKER_DATABASE_URL"]


registrar_id, university_id, cohort_id, issued_on, *student_ids = sys.argv[1:]
app = create_app(WorkerConfig)
with app.app_context():
    university = db.session.get(University, int(university_id))
    certificates = issue_certificates(db.session.get(User, int(registrar_id)), university,
                                      db.session.get(Cohort, int(cohort_id)), [int(i) for i in student_ids],
                                      issued_on=date.fromisoformat(issued_on))
    db.session.flush()  # everything of the batch is in the database, inside this uncommitted transaction
    seen = {
        "serials": [c.serial for c in certificates],
        "certificates": db.session.scalar(db.select(db.func.count(Certificate.id))
                                          .where(Certificate.university_id == university.id)),
        "counter": db.session.scalar(db.select(SerialCounter.last_number).where(
            SerialCounter.university_id == university.id, SerialCounter.year == int(issued_on[:4]))),
        "events": db.session.scalar(db.select(db.func.count(AuditEvent.id))
                                    .where(AuditEvent.action == "certificate.issued")),
    }
    print(json.dumps(seen), flush=True)  # ready: the test kills this process now
    sys.stdin.read()  # blocks; should the test die instead, leave without committing
    os._exit(3)
"""


def state_of(university_id):
    """What the database holds, as seen from a fresh transaction of the test's own."""
    db.session.rollback()
    serials = db.session.scalars(db.select(Certificate.serial)
                                 .where(Certificate.university_id == university_id)
                                 .order_by(Certificate.number)).all()
    counter = db.session.scalar(db.select(SerialCounter.last_number).where(
        SerialCounter.university_id == university_id, SerialCounter.year == ISSUED_ON.year))
    events = db.session.scalar(db.select(db.func.count(AuditEvent.id))
                               .where(AuditEvent.action == "certificate.issued"))
    return {"serials": serials, "counter": counter, "events": events}


def start_worker(database_url, group, students, tmp_path):
    arguments = [str(record.id) for record in (group.registrar, group.university, group.cohort)]
    arguments += [ISSUED_ON.isoformat(), *(str(student.id) for student in students)]
    db.session.commit()  # the test holds no transaction (nor SQLite lock) while the worker writes
    env = {**os.environ, "KILLED_WORKER_DATABASE_URL": database_url,
           "DIPLOMA_INSTANCE_PATH": str(tmp_path), "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.Popen([sys.executable, "-c", WORKER, *arguments], cwd=PROJECT_ROOT, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_until_ready(worker):
    """The worker's report of what it wrote, once it has flushed and waits before its commit."""
    with selectors.DefaultSelector() as selector:
        selector.register(worker.stdout, selectors.EVENT_READ)
        if not selector.select(READY_TIMEOUT):
            worker.kill()
            pytest.fail(f"the worker did not report within {READY_TIMEOUT} s")
    line = worker.stdout.readline()
    if not line:
        worker.wait(timeout=10)
        pytest.fail(f"the worker ended ({worker.returncode}) without reporting:\n{worker.stderr.read()}")
    return json.loads(line)


def kill(worker):
    os.kill(worker.pid, signal.SIGKILL)
    assert worker.wait(timeout=30) == -signal.SIGKILL
    for stream in (worker.stdin, worker.stdout, worker.stderr):
        stream.close()


@pytest.mark.parametrize("issued_before", [0, 2], ids=["first-batch", "after-an-earlier-batch"])
def test_a_worker_killed_before_its_commit_leaves_nothing_of_the_batch(database_url, tmp_path, issued_before):
    group = graduating_cohort(5)
    code = group.university.code
    if issued_before:
        group.issue(issued_on=ISSUED_ON, students=group.students[:issued_before])
    university_id, batch = group.university.id, group.students[issued_before:]
    before = state_of(university_id)
    assert before["counter"] == (issued_before or None)  # no counter at all before a university's first batch

    worker = start_worker(database_url, group, batch, tmp_path)
    try:
        seen = wait_until_ready(worker)
    finally:
        kill(worker)

    # It was in the middle of the batch: all of it written, nothing committed.
    assert len(seen["serials"]) == len(batch)
    assert seen["certificates"] == issued_before + len(batch)
    assert seen["counter"] == issued_before + len(batch)
    assert seen["events"] == before["events"] + len(batch)
    # Nothing of it survived the kill.
    assert state_of(university_id) == before

    # The next issue takes the numbers the killed worker had taken: no gap, no duplicate.
    issued = group.issue(issued_on=ISSUED_ON, students=batch)
    expected = [f"PCS-{code}-{ISSUED_ON.year}-{n:04d}" for n in range(issued_before + 1, 6)]
    assert [c.serial for c in issued] == expected
    assert seen["serials"] == expected  # the very serials the killed worker had written
    after = state_of(university_id)
    assert after["serials"] == [f"PCS-{code}-{ISSUED_ON.year}-{n:04d}" for n in range(1, 6)]
    assert after["counter"] == 5
    assert after["events"] == before["events"] + len(batch)
