"""A large marks import, once its preview is accepted, applied by the worker's code (in this process: the
queue's immediate mode, or held in the queue until the test lets it run): the same service as the
request's (checked again against the gradebook as it is when the job runs), all marks or none, and the
job's page with how many were saved and the way back to the gradebook."""
import io

import openpyxl
import pytest

from diploma.enrolment import importing
from diploma.extensions import db
from diploma.grading import marks_spreadsheet
from diploma.grading.models import Score
from diploma.jobs.models import DONE, FAILED
from tests.grading.conftest import classroom, full_marks  # noqa: F401  (the fixture)
from tests.jobs.conftest import finished
from tests.pages import database_state

pytestmark = pytest.mark.commits

SIZE = 40  # students: 80 marks, well above the limit set below


@pytest.fixture
def room(classroom):  # noqa: F811
    room = classroom(SIZE, bulk=True)
    room.gradebook()
    return room


def marks_file(room, rows):
    sheet = room.sheet()
    workbook = openpyxl.Workbook()
    workbook.active.append(["الرقم الجامعي", *marks_spreadsheet.template_columns(sheet, "ar")])
    for student, texts in zip(room.students, rows, strict=True):
        workbook.active.append([student.student_number, *texts])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def preview_and_accept(client, room, data):
    """Upload, check the preview, accept: the id of the job the accept started."""
    offering_id = room.offering.id
    preview = client.post(f"/offerings/{offering_id}/gradebook/import", content_type="multipart/form-data",
                          data={"file": (io.BytesIO(data), "marks.xlsx")})
    assert 'data-testid="accept-marks-import"' in preview.get_data(as_text=True)
    with client.session_transaction() as session:
        token = session["marks_import"]["token"]
    response = client.post(f"/offerings/{offering_id}/gradebook/import/accept", data={"token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert "/jobs/" in response.headers["Location"], response.headers["Location"]
    return int(response.headers["Location"].rsplit("/", 1)[1]), token


def stored_marks(room):
    db.session.expire_all()
    ids = [enrolment.id for enrolment in room.enrolments]
    return db.session.scalar(db.select(db.func.count()).select_from(Score).where(Score.enrolment_id.in_(ids)))


def test_a_large_marks_import_is_applied_by_the_worker_once_accepted(app, client, login_as, room,
                                                                     worker_in_process, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_INLINE_MAX_ITEMS", 5)
    login_as(room.lecturer)
    worker_in_process.hold()  # the job waits in the queue until the worker takes it
    job_id, token = preview_and_accept(client, room, marks_file(room, full_marks(SIZE)))
    assert stored_marks(room) == 0  # the request saved nothing
    assert worker_in_process.run_waiting() == 1

    job = finished(job_id)

    assert job.state == DONE, (job.error, job.failed_items)
    assert stored_marks(room) == 2 * SIZE
    assert job.summary["saved"] == 2 * SIZE and (job.done, job.total) == (2 * SIZE, 2 * SIZE)
    assert importing.load_pending(token) is None  # the kept file is gone once the marks are committed
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert 'data-testid="job-summary"' in page
    assert f'href="/offerings/{room.offering.id}/gradebook"' in page


def test_a_mark_changed_before_the_worker_runs_fails_the_job_and_saves_nothing(app, client, login_as, room,
                                                                              worker_in_process, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_INLINE_MAX_ITEMS", 5)
    login_as(room.lecturer)
    worker_in_process.hold()  # the job waits in the queue until the worker takes it
    job_id, _token = preview_and_accept(client, room, marks_file(room, full_marks(SIZE)))
    room.type(room.lecturer, {SIZE - 1: ("12", None)})  # typed in the gradebook before the job ran
    before = {name: rows for name, rows in database_state().items() if name != "job"}
    assert worker_in_process.run_waiting() == 1

    job = finished(job_id)

    assert job.state == FAILED
    assert "Nothing was saved" in job.error or "لم يُحفظ شيء" in job.error
    assert len(job.failed_items) == 1 and "12" in job.failed_items[0]["item"]
    assert {name: rows for name, rows in database_state().items() if name != "job"} == before
    assert stored_marks(room) == 1
    assert 'data-testid="job-failed-items"' in client.get(f"/jobs/{job_id}").get_data(as_text=True)


def test_a_gradebook_submitted_before_the_worker_runs_fails_the_job(app, client, login_as, room, monkeypatch,
                                                                   worker_in_process):
    monkeypatch.setitem(app.config, "JOBS_INLINE_MAX_ITEMS", 5)
    login_as(room.lecturer)
    worker_in_process.hold()  # the job waits in the queue until the worker takes it
    job_id, _token = preview_and_accept(client, room, marks_file(room, full_marks(SIZE)))
    room.fill(full_marks(SIZE))  # complete, so that it can be submitted
    room.submit()
    before = {name: rows for name, rows in database_state().items() if name != "job"}
    assert worker_in_process.run_waiting() == 1

    job = finished(job_id)

    assert job.state == FAILED
    assert {name: rows for name, rows in database_state().items() if name != "job"} == before
