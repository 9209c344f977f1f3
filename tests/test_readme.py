"""What the README states, checked against the demo: the universities' codes and slugs, the command lines of
its example block run as written, the enrolment template importing as it is downloaded, and where a lecturer
finds their past offerings."""
import io
import re
import shlex
from datetime import date
from pathlib import Path

import pytest

from diploma import demo_data
from diploma.certificates.models import Certificate
from diploma.curriculum.models import Cohort
from diploma.demo import DEMO_PASSWORD
from diploma.enrolment.models import Enrolment, Student
from diploma.extensions import db
from diploma.teaching.models import Offering

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
TEMPLATE_STUDENT = "KUF-2024-001"  # the example row's student number


def readme_commands():
    block = README.split("<!-- readme-commands -->", 1)[1].split("<!-- /readme-commands -->", 1)[0]
    return [line for line in block.splitlines() if line.startswith("flask --app wsgi ")]


def logged_in(app, email):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, email
    return client


def first_cohort():
    return db.session.scalar(db.select(Cohort).where(Cohort.name_en == demo_data.COHORTS[0]["name_en"]))


def enrolled_courses(student_number):
    db.session.expire_all()
    return db.session.scalars(db.select(Offering).join(Enrolment).join(Student)
                              .where(Student.student_number == student_number)).all()


def test_the_readme_lists_every_university_with_its_code_and_slug():
    listed = dict(re.findall(r"^\| [^|]+ \| `([A-Z]{3})` \| `([a-z]+)` \|$", README, re.MULTILINE))

    assert listed == {university["code"]: university["slug"] for university in demo_data.UNIVERSITIES}


def test_the_readme_command_lines_run_as_written_on_the_demo(demo, runner, tmp_path, monkeypatch):
    template = logged_in(demo, "registrar.karbala@example.org").get("/offerings/import/template.xlsx")
    (tmp_path / "students-import.xlsx").write_bytes(template.data)
    monkeypatch.chdir(tmp_path)
    commands = readme_commands()
    assert len(commands) == 2

    for line in commands:
        # The demo's first cohort is number 1 in a fresh database (a reused test database counts on).
        arguments = shlex.split(line.replace("--cohort 1", f"--cohort {first_cohort().id}"))[3:]
        result = runner.invoke(args=arguments, catch_exceptions=False)
        assert result.exit_code == 0, f"{line}\n{result.output}"

    assert [(o.university.slug, o.course.code) for o in enrolled_courses(TEMPLATE_STUDENT)] == \
        [("karbala", "PCS201")]
    kufa = db.session.scalars(db.select(Certificate).where(Certificate.serial.like("PCS-KUF-%"))).all()
    assert kufa and {c.issued_on for c in kufa} == {date(2025, 8, 10)}
    assert all(c.serial.startswith("PCS-KUF-2025-") for c in kufa)


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_the_import_template_as_downloaded_imports_on_the_demo(demo, file_format):
    client = logged_in(demo, "registrar.kufa@example.org")
    template = client.get(f"/offerings/import/template.{file_format}").data

    preview = client.post("/offerings/import", content_type="multipart/form-data",
                          data={"file": (io.BytesIO(template), f"students-import.{file_format}")})

    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert 'data-testid="confirm-import"' in page, page
    token = re.search(r'name="token"[^>]*value="([^"]+)"', page)[1]
    assert client.post("/offerings/import/confirm", data={"token": token}).status_code == 200
    enrolled = enrolled_courses(TEMPLATE_STUDENT)
    assert [(o.university.slug, o.course.code, o.term.name_en) for o in enrolled] == \
        [("kufa", "PCS201", "First semester 2026–2027")]


def test_a_lecturer_finds_past_offerings_under_my_courses(demo):
    page = logged_in(demo, "lecturer.mosul@example.org").get("/offerings/mine").get_data(as_text=True)

    assert "Second semester 2024–2025" in page or "الفصل الثاني 2024–2025" in page
