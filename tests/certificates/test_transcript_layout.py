"""Issue 24, fault 8: the demo graduate's transcript (the programme's 11 courses) read back with poppler's own
readers. The English one spilled onto a second page holding only the signatures and the QR code, and
"First semester 2023–/2024" broke inside the year range. Both languages now fit one page, each range whole."""
import re
import subprocess

import pytest

from diploma.certificates import pdf
from diploma.certificates.models import Certificate
from diploma.extensions import db
from diploma.partners.models import University

pytestmark = pytest.mark.usefixtures("demo")


def read(data, tmp_path, language):
    path = tmp_path / f"transcript-{language}.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1)), text


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_demo_graduate_s_transcript_is_one_page_with_every_year_range_whole(tmp_path, language):
    certificate = db.session.scalar(
        db.select(Certificate).join(University, University.id == Certificate.university_id)
        .where(University.slug == "mosul", Certificate.status == "valid").order_by(Certificate.serial))
    assert len(certificate.snapshot["courses"]) == 11
    pages, text = read(pdf.render_transcript(certificate.snapshot, language), tmp_path, language)
    assert pages == 1
    years = re.findall(r"20\d\d\s*[–-]\s*/?\s*\n?\s*/?20\d\d|20\d\d[–-]\s*$", text, re.MULTILINE)
    assert years, "no year range found"
    assert all(re.fullmatch(r"20\d\d[–-]20\d\d", year) for year in years), years
    if language == "en":  # each course's term, its range whole on its line
        assert len(re.findall(r"(?:First|Second) semester 20\d\d–20\d\d", text)) == 11
