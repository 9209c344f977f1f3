"""``flask certificates issue | print | render``, run through the app's CLI runner against a real cohort
(tests/certificates/builders.py), the PDFs read back with poppler."""
import json
import re
import subprocess
from datetime import date

import pytest

from diploma.certificates.models import Certificate
from diploma.certificates.revocation import revoke_certificate
from diploma.extensions import db
from tests.certificates.builders import graduating_cohort

BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def pdf_text(path, page=None):
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return BIDI_CONTROLS.sub("", read(["pdftotext", *pages, str(path), "-"]).decode())


def read(command):
    return subprocess.run(command, capture_output=True, check=True, timeout=60).stdout


def pdf_info(path):
    return dict(re.findall(r"^([^:\n]+):\s+(.*)$", read(["pdfinfo", str(path)]).decode(), re.MULTILINE))


def invoke(runner, *arguments):
    return runner.invoke(args=["certificates", *map(str, arguments)], catch_exceptions=False)


@pytest.fixture
def cohort():
    return graduating_cohort(5, code="MSL")


def test_issue_gives_every_eligible_student_a_certificate_and_prints_the_serials(runner, cohort):
    result = invoke(runner, "issue", "--university", "MSL", "--cohort", cohort.cohort.id,
                    "--date", "2025-01-20")

    assert result.exit_code == 0, result.output
    issued = cohort.issued()
    assert len(issued) == 5
    assert [c.serial for c in issued] == [f"PCS-MSL-2025-{n:04d}" for n in range(1, 6)]
    for certificate in issued:
        assert certificate.serial in result.output
        assert certificate.snapshot["student"]["name_ar"] in result.output
        assert certificate.issued_on == date(2025, 1, 20)
    assert "٥" in result.output or "5" in result.output  # the count, in the Arabic message


def test_issue_again_issues_nothing_new(runner, cohort):
    invoke(runner, "issue", "--university", "MSL", "--cohort", cohort.cohort.id)

    result = invoke(runner, "issue", "--university", "MSL", "--cohort", cohort.cohort.id, "--language", "en")

    assert result.exit_code == 0
    assert "No eligible student is waiting for a certificate." in result.output
    assert db.session.scalar(db.select(db.func.count(Certificate.id))) == 5


def test_issue_refuses_an_unknown_university_or_cohort(runner, cohort):
    unknown_university = invoke(runner, "issue", "--university", "XYZ", "--cohort", cohort.cohort.id,
                                "--language", "en")
    unknown_cohort = invoke(runner, "issue", "--university", "MSL", "--cohort", 999999, "--language", "en")

    assert unknown_university.exit_code == 1
    valid = f"MSL ({cohort.university.slug})"
    assert unknown_university.output.strip() == \
        f"Error: No university has the code or name XYZ. Use one of: {valid}."
    assert unknown_cohort.exit_code == 1
    assert "No cohort has the number 999999." in unknown_cohort.output
    assert db.session.scalar(db.select(db.func.count(Certificate.id))) == 0


def test_a_refusal_is_in_arabic_by_default_its_heading_too(runner, cohort):
    refused = invoke(runner, "issue", "--university", "XYZ", "--cohort", cohort.cohort.id)

    assert refused.exit_code == 1
    assert refused.output.strip().startswith("خطأ: لا توجد جامعة بالرمز أو الاسم XYZ.")


def test_issue_then_print_gives_one_page_per_graduate_in_rank_order(runner, cohort, tmp_path):
    invoke(runner, "issue", "--university", "MSL", "--cohort", cohort.cohort.id)
    output = tmp_path / "cohort.pdf"

    result = invoke(runner, "print", "--university", "MSL", "--cohort", cohort.cohort.id, "-o", output)

    assert result.exit_code == 0, result.output
    assert int(pdf_info(output)["Pages"]) == 5
    by_rank = sorted(cohort.issued(), key=lambda c: c.snapshot["rank"])
    for page, certificate in enumerate(by_rank, start=1):
        assert f"({certificate.snapshot['student']['name_ar']})" in pdf_text(output, page)
    assert str(output) in result.output


def test_print_in_english_by_name(runner, cohort, tmp_path):
    cohort.issue()
    output = tmp_path / "cohort-en.pdf"

    result = invoke(runner, "print", "--university", "MSL", "--cohort", cohort.cohort.id, "-o", output,
                    "--language", "en", "--order", "name")

    assert result.exit_code == 0, result.output
    names = sorted(c.snapshot["student"]["name_en"] for c in cohort.issued())
    for page, name in enumerate(names, start=1):
        text = " ".join(pdf_text(output, page).split())
        assert f"certifies that {name} has successfully completed" in text
    assert "5 certificates written to" in result.output


def test_print_leaves_out_revoked_certificates(runner, cohort, tmp_path):
    certificates = cohort.issue()
    revoke_certificate(cohort.registrar, certificates[0], "Issued by mistake.")
    db.session.commit()
    output = tmp_path / "valid.pdf"

    invoke(runner, "print", "--university", "MSL", "--cohort", cohort.cohort.id, "-o", output)

    assert int(pdf_info(output)["Pages"]) == 4
    assert certificates[0].snapshot["student"]["name_ar"] not in pdf_text(output)


def test_print_refuses_a_cohort_without_certificates(runner, cohort, tmp_path):
    output = tmp_path / "none.pdf"

    result = invoke(runner, "print", "--university", "MSL", "--cohort", cohort.cohort.id, "-o", output,
                    "--language", "en")

    assert result.exit_code == 1
    assert "This cohort has no valid certificate to print." in result.output
    assert not output.exists()


def test_render_writes_one_archival_certificate(runner, cohort, tmp_path):
    certificate = cohort.issue()[0]
    output = tmp_path / "one.pdf"

    result = invoke(runner, "render", certificate.serial, "-o", output)

    assert result.exit_code == 0, result.output
    assert pdf_info(output)["Pages"] == "1"
    assert f"({certificate.snapshot['student']['name_ar']})" in pdf_text(output)
    attached = read(["qpdf", "--show-attachment=certificate.json", str(output)])
    assert json.loads(attached) == certificate.snapshot


def test_render_the_transcript_in_english(runner, cohort, tmp_path):
    certificate = cohort.issue()[0]
    output = tmp_path / "transcript.pdf"

    result = invoke(runner, "render", certificate.serial.lower(), "-o", output, "--language", "en",
                    "--transcript")

    assert result.exit_code == 0, result.output
    text = pdf_text(output)
    assert "Transcript" in text
    for course in certificate.snapshot["courses"]:
        assert course["code"] in text
    assert certificate.snapshot["average"] in text


def test_render_refuses_an_unknown_or_revoked_certificate(runner, cohort, tmp_path):
    certificate = cohort.issue()[0]
    revoke_certificate(cohort.registrar, certificate, "Issued by mistake.")
    db.session.commit()

    unknown = invoke(runner, "render", "PCS-MSL-2025-9999", "-o", tmp_path / "x.pdf", "--language", "en")
    revoked = invoke(runner, "render", certificate.serial, "-o", tmp_path / "y.pdf", "--language", "en")

    assert unknown.exit_code == 1
    assert "No certificate has the serial number PCS-MSL-2025-9999." in unknown.output
    assert revoked.exit_code == 1 and "is revoked" in revoked.output
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "y.pdf").exists()


def test_print_a_cohort_big_enough_for_the_process_pool(runner, tmp_path, monkeypatch):
    from diploma.certificates import pdf

    big = graduating_cohort(18, code="KUF")
    big.issue()
    monkeypatch.setattr(pdf.os, "cpu_count", lambda: 2)  # two chunks of nine, whatever the machine
    output = tmp_path / "big.pdf"

    result = invoke(runner, "print", "--university", "KUF", "--cohort", big.cohort.id, "-o", output,
                    "--language", "en")

    assert result.exit_code == 0, result.output
    assert int(pdf_info(output)["Pages"]) == 18
    first, last = sorted(big.issued(), key=lambda c: c.snapshot["rank"])[::17]
    assert first.snapshot["student"]["name_en"] in pdf_text(output, 1)
    assert last.snapshot["student"]["name_en"] in pdf_text(output, 18)


@pytest.mark.parametrize(("count", "arabic"), [(1, "صدرت شهادة واحدة:"), (2, "صدرت شهادتان:"),
                                               (5, "صدرت ٥ شهادات:")])
def test_issue_counts_in_arabic_plural_forms_and_the_programmes_digits(runner, count, arabic):
    """Issue 12: «صدرت ٥ شهادات», never «صدرت 5 شهادة»."""
    cohort = graduating_cohort(count, code="MSL")

    result = invoke(runner, "issue", "--university", "MSL", "--cohort", cohort.cohort.id)

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == arabic


def test_print_counts_in_arabic_plural_forms(runner, cohort, tmp_path):
    assert invoke(runner, "issue", "--university", "MSL", "--cohort", cohort.cohort.id).exit_code == 0

    result = invoke(runner, "print", "--university", "MSL", "--cohort", cohort.cohort.id,
                    "-o", tmp_path / "a.pdf")

    assert result.exit_code == 0, result.output
    assert f"كُتبت ٥ شهادات في {tmp_path / 'a.pdf'}." in result.output
