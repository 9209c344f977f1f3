"""The QR code that carries its own proof: read back from the rendered, signed PDF with poppler (pdftoppm) and
zbar (zbarimg), as a verifier's phone would, it is the verification URL with the certificate's signed token
in its fragment, and that token verifies — for a long Arabic name too, at a size that still scans."""
import re
import subprocess
from urllib.parse import urlsplit

import pytest
import segno

from diploma.certificates import documents
from diploma.signing.token import VALID, verify_token
from tests.certificates.builders import graduating_cohort

LONG_NAMES = (("عبد الرحمن عبد الأمير عبد الزهرة عبد الحسين الموسوي",
               "Abdulrahman Abdulameer Abdulzahra Abdulhussein Al-Musawi", "m"),
              ("فاطمة علي حسن العبيدي", "Fatima Ali Hassan Al-Obaidi", "f"))
QR_WIDTH_MM = 30  # .qr in templates/certificates/pdf/certificate.css, quiet zone included
QUIET_ZONE = 4


def run(command):
    return subprocess.run([str(part) for part in command], capture_output=True, check=True, timeout=120)


def scan(data, tmp_path, dpi=150, page=1):
    """What zbarimg reads on a page of the PDF rendered at ``dpi`` (150: a phone's photo of a print)."""
    pdf_path, prefix = tmp_path / "scan.pdf", tmp_path / f"scan-{dpi}"
    pdf_path.write_bytes(data)
    run(["pdftoppm", "-r", dpi, "-png", "-f", page, "-l", page, "-singlefile", pdf_path, prefix])
    return run(["zbarimg", "--raw", "-q", f"{prefix}.png"]).stdout.decode().strip()


@pytest.fixture
def issued():
    cohort = graduating_cohort(2, code="MSL", names=LONG_NAMES)
    return cohort.issue()


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_printed_qr_is_the_verification_url_with_a_token_that_verifies(issued, tmp_path, language):
    certificate = issued[0]
    read = scan(documents.certificate_pdf(certificate, language), tmp_path)
    url, _, token = read.partition("#")
    assert url == certificate.snapshot["verification_url"]  # still a URL a phone camera opens
    assert urlsplit(read).fragment == token and token  # …whose token a browser never sends
    verdict = verify_token(token)
    assert verdict.outcome == VALID
    assert verdict.claims["a"] == LONG_NAMES[0][0] and verdict.claims["e"] == LONG_NAMES[0][1]
    assert verdict.claims["s"] == certificate.serial and verdict.claims["u"] == "MSL"
    assert verdict.claims["i"] == certificate.status_index  # its place in the revocation list
    assert verdict.claims["d"] == certificate.issued_on.strftime("%Y%m%d")


def test_each_page_of_a_batch_carries_its_own_token(issued, tmp_path):
    data = documents.batch_pdf(issued[0].university, issued, "ar")
    for page, certificate in enumerate(issued, start=1):
        url, _, token = scan(data, tmp_path, page=page).partition("#")
        assert url == certificate.snapshot["verification_url"]
        assert verify_token(token).claims["s"] == certificate.serial


def test_the_qr_of_a_long_arabic_name_stays_small_enough_to_scan_from_print(issued, tmp_path):
    """The measurement the README states: QR version and printed module size of the longest realistic
    name, and that it still reads from a coarse (150 dpi) render."""
    certificate = issued[0]
    data = documents.certificate_pdf(certificate, "ar")
    read = scan(data, tmp_path, dpi=150)
    code = segno.make(read, error="m", boost_error=False, micro=False)
    modules = code.symbol_size(border=QUIET_ZONE)[0]
    module_mm = QR_WIDTH_MM / modules
    print(f"\nQR: {len(read)} characters, version {code.version}, {modules} modules with the quiet zone, "
          f"{module_mm:.3f} mm a module at {QR_WIDTH_MM} mm")
    assert code.version <= 18 and module_mm >= 0.3
    # Another render of the same certificate is signed again: a fresh signature, the same claims.
    again = scan(documents.certificate_pdf(certificate, "en"), tmp_path, dpi=150)
    assert verify_token(again.partition("#")[2]).claims == verify_token(read.partition("#")[2]).claims


def test_the_visible_url_under_the_qr_has_no_token(issued, tmp_path):
    """The printed address stays short and readable; only the QR carries the token."""
    pdf_path = tmp_path / "c.pdf"
    pdf_path.write_bytes(documents.certificate_pdf(issued[0], "en"))
    text = run(["pdftotext", pdf_path, "-"]).stdout.decode()
    assert issued[0].serial in text and not re.search(r"#eyJ", text)


# --- the QR drawn cheaply: a fixed mask, a PNG scaled without smoothing ---------------------------------

def test_the_fixed_mask_reads_back_for_every_name_length_and_language(tmp_path):
    """The mask is chosen once (pdf_engine.QR_MASK), not per token: tokens for short, long and very long
    names, in both languages, all read back from a 150 dpi render."""
    names = (("حيدر كريم", "Haider Kareem", "m"), LONG_NAMES[0],
             ("عبد الرحمن عبد الأمير عبد الزهرة عبد الحسين عبد الكريم آل عبد الجبار الموسوي",
              "Abdulrahman Abdulameer Abdulzahra Abdulhussein Abdulkareem Al Abduljabbar Al-Musawi", "m"))
    issued = graduating_cohort(3, code="NJF", names=names).issue()
    for certificate, language in zip(issued, ("ar", "en", "ar"), strict=True):
        read = scan(documents.certificate_pdf(certificate, language), tmp_path)
        assert read.partition("#")[0] == certificate.snapshot["verification_url"]
        assert verify_token(read.partition("#")[2]).claims["s"] == certificate.serial


@pytest.mark.parametrize("dpi", [150, 300])
def test_the_transcripts_smaller_qr_reads_back_too(issued, tmp_path, dpi):
    certificate = issued[0]
    read = scan(documents.transcript_pdf(certificate, "ar"), tmp_path, dpi=dpi)
    assert read.partition("#")[0] == certificate.snapshot["verification_url"]
    assert verify_token(read.partition("#")[2]).outcome == VALID
