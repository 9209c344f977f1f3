"""``flask enrolment import FILE --university CODE``: the bulk import from the command line."""
from urllib.parse import urlsplit

import openpyxl
import pytest
from flask_babel import gettext

from diploma.audit import AuditEvent
from diploma.enrolment import importing
from diploma.extensions import db
from diploma.i18n import force_language
from tests.enrolment.import_files import counts, csv_bytes, student_row, xlsx_bytes

GOOD_ROWS = [student_row("KUF-101"), student_row("KUF-102", gender="m", course="PCS101"),
             student_row("KUF-001", email="", course="PCS101")]


def in_language(language, message, **values):
    with force_language(language):
        return gettext(message, **values)


def run(runner, path, *options):
    db.session.rollback()  # SQLite: end the test's read transaction; the command writes
    return runner.invoke(args=["enrolment", "import", str(path), *options])


@pytest.fixture
def good_file(tmp_path):
    path = tmp_path / "students.xlsx"
    path.write_bytes(xlsx_bytes(GOOD_ROWS))
    return path


def test_a_good_file_is_imported_and_reported_in_arabic(runner, kufa, good_file, app):
    stored = counts()

    result = run(runner, good_file, "--university", "KUF")

    assert result.exit_code == 0, result.output
    after = counts()
    assert (after["User"] - stored["User"], after["Student"] - stored["Student"],
            after["Enrolment"] - stored["Enrolment"]) == (2, 2, 3)
    assert in_language("ar", "The file was imported at %(university)s.",
                       university="جامعة الكوفة") in result.output
    assert in_language("ar", "New students (accounts created): %(count)s", count=2) in result.output
    assert in_language("ar", "Students already registered: %(count)s", count=1) in result.output
    assert in_language("ar", "Enrolments added: %(count)s", count=3) in result.output
    links = [line.split("\t") for line in result.output.splitlines() if "/set-password/" in line]
    assert sorted(fields[1] for fields in links) == ["kuf-101@example.org", "kuf-102@example.org"]
    for fields in links:
        assert app.test_client().get(urlsplit(fields[2]).path).status_code == 200
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "enrolment.imported")) == 1


def test_the_report_in_english(runner, kufa, good_file):
    result = run(runner, good_file, "--university", "kuf", "--language", "en")

    assert result.exit_code == 0, result.output
    assert "The file was imported at University of Kufa." in result.output
    assert "New students (accounts created): 2" in result.output
    assert "PCS101 Course PCS101, First term 2026: 2 added, 2 of 3 seats taken" in result.output


def test_the_links_can_be_written_to_a_workbook(runner, kufa, good_file, tmp_path):
    links = tmp_path / "links.xlsx"

    result = run(runner, good_file, "--university", "KUF", "--links", str(links))

    assert result.exit_code == 0, result.output
    assert "/set-password/" not in result.output
    rows = list(openpyxl.load_workbook(links).active.iter_rows(values_only=True))
    assert rows[0] == importing.LINK_HEADERS
    assert sorted(row[3] for row in rows[1:]) == ["KUF-101", "KUF-102"]
    assert all("/set-password/" in row[4] for row in rows[1:])


@pytest.mark.parametrize("language", ["ar", "en"])
def test_a_bad_file_exits_with_an_error_and_writes_nothing(runner, kufa, tmp_path, language):
    path = tmp_path / "students.csv"
    rows = [student_row("KUF-101"), student_row("KUF-102", email="omar@example.org"),
            student_row("KUF-103", cohort="الدفعة العاشرة")]
    path.write_bytes(csv_bytes(rows, "cp1256"))
    stored = counts()

    result = run(runner, path, "--university", "KUF", "--language", language)

    assert result.exit_code != 0
    plan = importing.prepare_import(kufa["home"], path.read_bytes())
    assert [(problem.row, problem.column) for problem in plan.problems] == [(3, "email"), (4, "cohort")]
    with force_language(language):
        for problem in plan.problems:
            assert str(problem) in result.output
    if language == "en":
        assert "Row 3, column E-mail: belongs to a student of another university" in result.output
    else:
        assert "الصف 3، العمود البريد الإلكتروني" in result.output
    assert counts() == stored
    assert "/set-password/" not in result.output


def test_an_unknown_university_is_an_error_that_lists_the_valid_ones(runner, kufa, good_file):
    stored = counts()
    result = run(runner, good_file, "--university", "XXX", "--language", "en")
    assert result.exit_code != 0
    home, other = kufa["home"], kufa["other"]
    assert result.output.strip() == ("Error: No university has the code or name XXX. Use one of: "
                                     f"{home.code} ({home.slug}), {other.code} ({other.slug}).")
    assert counts() == stored


@pytest.mark.parametrize("named", ["kuf", "slug", "SLUG"])
def test_the_university_is_named_by_its_code_or_its_slug_in_any_case(runner, kufa, good_file, named):
    home = kufa["home"]
    value = {"kuf": home.code.lower(), "slug": home.slug, "SLUG": home.slug.upper()}[named]

    result = run(runner, good_file, "--university", value, "--language", "en")

    assert result.exit_code == 0, result.output
    assert f"The file was imported at {home.name_en}." in result.output


def test_a_file_that_is_not_a_sheet_is_refused(runner, kufa, tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    result = run(runner, path, "--university", "KUF", "--language", "en")
    assert result.exit_code != 0
    assert "This file is neither a CSV file nor an Excel workbook (XLSX)." in result.output
