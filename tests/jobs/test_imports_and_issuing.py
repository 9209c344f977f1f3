"""Issuing, the enrolment import and the backup as jobs run by the worker's code (in this process: the
queue's immediate mode): the same services as in the request, all or nothing, and what the job page then
says."""
import io
import tarfile

import openpyxl
import pytest

from diploma.certificates.models import Certificate
from diploma.enrolment.importing import XLSX_MIMETYPE
from diploma.extensions import db
from diploma.jobs.models import DONE, FAILED
from tests import factories
from tests.certificates.builders import graduating_cohort
from tests.enrolment.conftest import kufa  # noqa: F401  (the fixture)
from tests.enrolment.import_files import counts, csv_bytes, student_row
from tests.jobs.conftest import finished

pytestmark = pytest.mark.commits


def _job_id(response):
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    location = response.headers["Location"]
    assert "/jobs/" in location, location
    return int(location.rsplit("/", 1)[1])


def _certificates():
    return db.session.scalar(db.select(db.func.count()).select_from(Certificate))


def test_a_large_issue_goes_to_the_queue_and_issues_every_certificate(app, client, login_as, monkeypatch,
                                                                     worker_in_process):
    monkeypatch.setitem(app.config, "JOBS_INLINE_MAX_ITEMS", 2)
    group = graduating_cohort(3)
    login_as(group.registrar)

    job_id = _job_id(client.post(f"/certificates/cohorts/{group.cohort.id}/issue",
                                 data={"student_id": [str(s.id) for s in group.students],
                                       "issued_on": "2024-09-01", "confirm": "yes"}))
    job = finished(job_id)

    assert job.state == DONE, job.error
    assert _certificates() == 3
    serials = sorted(c.serial for c in group.issued())
    # The graduation date chosen on the page travels with the job: the certificates state it.
    assert {(c.issued_on.isoformat(), c.year) for c in group.issued()} == {("2024-09-01", 2024)}
    assert (job.summary["first"], job.summary["last"]) == (serials[0], serials[-1])
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert serials[0] in page and 'data-testid="job-summary"' in page
    assert f'href="/certificates/cohorts/{group.cohort.id}"' in page  # back to the report (the registrar's)


def test_an_issue_refused_by_the_rules_fails_with_the_reason_and_issues_nothing(
        app, client, login_as, monkeypatch, worker_in_process):
    monkeypatch.setitem(app.config, "JOBS_INLINE_MAX_ITEMS", 1)
    group = graduating_cohort(3)
    group.issue(students=group.students[:1])  # the first already has hers
    login_as(group.registrar)

    job = finished(_job_id(client.post(f"/certificates/cohorts/{group.cohort.id}/issue",
                                       data={"student_id": [str(s.id) for s in group.students],
                                             "confirm": "yes"})))

    assert job.state == FAILED
    assert group.students[0].user.name_ar in job.error
    assert _certificates() == 1
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert 'data-testid="job-error"' in page


def test_a_large_enrolment_import_is_applied_by_the_worker_once_confirmed(app, client, login_as, kufa,  # noqa: F811
                                                                         worker_in_process, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_INLINE_MAX_ITEMS", 3)
    login_as(kufa["registrar"])
    rows = [student_row(f"KUF-2{n:02d}") for n in range(6)]
    preview = client.post("/offerings/import", data={"file": (io.BytesIO(csv_bytes(rows)), "students.csv")},
                          content_type="multipart/form-data")
    assert 'data-testid="confirm-import"' in preview.get_data(as_text=True)
    with client.session_transaction() as session:
        token = session["enrolment_import"]["token"]
    before = counts()

    job = finished(_job_id(client.post("/offerings/import/confirm", data={"token": token})))

    assert job.state == DONE, (job.error, job.failed_items)
    after = counts()
    assert after["Student"] == before["Student"] + 6 and after["Enrolment"] == before["Enrolment"] + 6
    assert (job.done, job.total) == (12, 12)
    assert job.summary["new_students"] == 6

    # The new students' set-password links, from the job's page, as after an import in the request.
    assert 'data-testid="download-links"' in client.get(f"/jobs/{job.id}").get_data(as_text=True)
    sheet = client.post(f"/offerings/import/jobs/{job.id}/links.xlsx")
    assert sheet.status_code == 200 and sheet.mimetype == XLSX_MIMETYPE
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True))
    assert sorted(row[3] for row in rows[1:]) == [f"KUF-2{n:02d}" for n in range(6)]
    assert all("/set-password/" in row[4] for row in rows[1:])
    # Nobody else's: another university's registrar gets nothing, nor does a job that is not an import.
    client.post("/logout")
    login_as(factories.user(role="registrar"))
    assert client.post(f"/offerings/import/jobs/{job.id}/links.xlsx").status_code == 404
    client.post("/logout")
    login_as(kufa["registrar"])
    assert client.post(f"/offerings/import/jobs/{job.id + 1000}/links.xlsx").status_code == 404


def test_the_administrators_backup_is_made_by_the_worker_and_only_they_download_it(app, client, login_as,
                                                                                  make, worker_in_process):
    admin = make.user(role="admin")
    login_as(admin)

    job = finished(_job_id(client.post("/jobs/backup")))

    assert job.state == DONE, job.error
    with client.get(f"/jobs/{job.id}/result") as response:
        assert response.status_code == 200
        data = response.get_data()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        assert "manifest.json" in archive.getnames()
    registrar = make.user(role="registrar")
    other = app.test_client()
    other.post("/login", data={"email": registrar.email, "password": "correct-horse-battery"})
    assert other.post("/jobs/backup").status_code == 403
    assert other.get(f"/jobs/{job.id}/result").status_code == 404
