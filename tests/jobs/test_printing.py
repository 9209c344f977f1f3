"""Printing a cohort through the queue, end to end: the registrar starts the job on the web, the worker's
code renders it (in this process: the queue's immediate mode), the page shows it, and the file comes out
readable (pdfinfo, unzip)."""
import re
import subprocess
import zipfile
from io import BytesIO

import pytest

from diploma.jobs.models import DONE
from tests.jobs.conftest import finished

pytestmark = pytest.mark.commits


def _start_print(client, group, file_format, language="ar"):
    response = client.post(f"/jobs/print/{group.cohort.id}",
                           data={"language": language, "order": "rank", "format": file_format})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_a_cohort_printed_as_one_pdf_by_the_worker(client, login_as, worker_in_process,
                                                   cohort_with_certificates, tmp_path):
    group = cohort_with_certificates(3)
    login_as(group.registrar)

    job = finished(_start_print(client, group, "pdf"))

    assert job.state == DONE and (job.done, job.total) == (3, 3)
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert 'data-testid="job-download"' in page
    with client.get(f"/jobs/{job.id}/result") as response:
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        path = tmp_path / "batch.pdf"
        path.write_bytes(response.get_data())
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+3$", info, re.MULTILINE)


def test_a_cohort_printed_as_a_zip_of_signed_pdfs_named_in_arabic(client, login_as, worker_in_process,
                                                                 cohort_with_certificates, tmp_path):
    group = cohort_with_certificates(3)
    login_as(group.registrar)

    job = finished(_start_print(client, group, "zip"))

    assert job.state == DONE, job.error
    with client.get(f"/jobs/{job.id}/result") as response:
        data = response.get_data()
    archive = zipfile.ZipFile(BytesIO(data))
    serials = sorted(c.serial for c in group.issued())
    names = sorted(info.filename for info in archive.infolist())
    assert [name.split(" - ")[0] for name in names] == serials
    by_serial = {c.serial: c.snapshot["student"]["name_ar"] for c in group.issued()}
    assert names == sorted(f"{serial} - {name}.pdf" for serial, name in by_serial.items())
    for info in archive.infolist():  # the UTF-8 flag (bit 11): unzip on Windows and macOS reads the Arabic
        assert info.flag_bits & 0x800
        assert any("\u0600" <= ch <= "\u06ff" for ch in info.filename)
    path = tmp_path / "certificates.zip"
    path.write_bytes(data)
    listing = subprocess.run(["unzip", "-l", str(path)], capture_output=True, text=True, check=True).stdout
    for name in names:
        assert name in listing
    first = tmp_path / "first.pdf"
    first.write_bytes(archive.read(names[0]))
    assert re.search(r"^Pages:\s+1$", subprocess.run(["pdfinfo", str(first)], capture_output=True, text=True,
                                                     check=True).stdout, re.MULTILINE)
