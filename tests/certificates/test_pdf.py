"""The certificate and transcript PDFs, read back with real readers (poppler's pdftotext, pdffonts, pdfinfo,
pdftoppm, pdfimages; qpdf; zbarimg), as a registrar, a printer or a verifier would.

Most tests render snapshots made without a database (builders.snapshot): the PDFs state only what the
snapshot says. Renders are memoised per test module: the same PDF is read by several tests.
"""
import base64
import json
import logging
import math
import os
import re
import shutil
import subprocess
import sys
import textwrap
from io import BytesIO

import pytest
import segno
from PIL import Image

from diploma.certificates import pdf, wording
from diploma.certificates import pdf_engine as engine
from diploma.config import PROJECT_ROOT
from tests.certificates.builders import NAMES, snapshot, snapshots
from tests.teaching import png_bytes

# Bidi controls pdftotext puts around runs of another direction: LRM/RLM, embeddings/overrides, isolates.
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
ARABIC_INDIC = re.compile("[٠-٩]")
ARABIC_LETTERS = re.compile("[\u0621-\u064a]")
MIRRORED = str.maketrans("()", ")(")
BUNDLED_FONT = re.compile(r"^[A-Z]{6}\+Diploma-Amiri(-Bold)?$")
A4_LANDSCAPE = "841.89 x 595.276 pts (A4)"
A4_PORTRAIT = "595.276 x 841.89 pts (A4)"
GLOSSARY_FEMALE = ("تشهد جامعة الموصل بأن الطالبة (فاطمة علي حسن العبيدي) قد أكملت بنجاح متطلبات "
                   "دبلوم دراسات السلام والأزمات للعام الدراسي ٢٠٢٣–٢٠٢٤ بمعدل (٨٨٫٥٠) ثمانية وثمانون "
                   "فاصلة خمسون، وبتقدير (جيد جداً)، وكان تسلسلها (٣) من أصل (٤٤).")
GLOSSARY_ENGLISH = ("The University of Mosul certifies that Fatima Ali Hassan Al-Obaidi has successfully "
                    "completed the requirements of the Diploma in Peace and Crisis Studies in the academic "
                    "year 2023–2024 with an average of 88.50 (Very good), ranked 3 of 44.")
LONG_NAME_AR = ("عبد الرحمن " * 20)[:200].strip()  # 200 characters: the longest name the database holds
LONG_NAME_EN = ("Abdulrahman " * 20)[:200].strip()
LONG_UNIVERSITY_AR = ("جامعة الإمام جعفر الصادق عليه السلام " * 6)[:200].strip()
LONG_UNIVERSITY_EN = ("Imam Jaafar Al-Sadiq University " * 7)[:200].strip()
LONG_SIGNATORY = {"title_ar": "مساعد رئيس الجامعة للشؤون العلمية والدراسات العليا",
                  "title_en": "Vice President for Scientific Affairs and Graduate Studies",
                  "name_ar": "أ.د. عبد الرحمن عبد الأمير عبد الزهرة الموسوي",
                  "name_en": "Prof. Dr. Abdulrahman Abdulameer Abdulzahra Al-Mousawi"}


# --- the readers ---------------------------------------------------------------------------------------

def run(command, data=None, **options):
    return subprocess.run(command, input=data, capture_output=True, check=True, timeout=120, **options)


def text_of(data, *options):
    """pdftotext's text, without the bidi control marks it adds, and without the space it sometimes puts
    before a vowel mark (جدا ً)."""
    text = BIDI_CONTROLS.sub("", run(["pdftotext", *options, "-", "-"], data).stdout.decode())
    return re.sub(r" +(?=[\u064b-\u0652])", "", text)


def flat(text):
    return " ".join(text.split())


def info(data):
    return dict(re.findall(r"^([^:\n]+):\s+(.*)$", run(["pdfinfo", "-"], data).stdout.decode(), re.MULTILINE))


def pages(data):
    return int(info(data)["Pages"])


def fonts(data, tmp_path):
    """pdffonts' table: one (name, emb, sub) per font."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    lines = run(["pdffonts", str(path)]).stdout.decode().splitlines()[2:]
    return [(line.split()[0], *line.split()[-5:-3]) for line in lines if line.strip()]


def qr_code(data, tmp_path, page=1):
    """What zbarimg reads in the QR code of a page scanned at 150 dpi."""
    pdf_path, prefix = tmp_path / "scan.pdf", tmp_path / "scan"
    pdf_path.write_bytes(data)
    run(["pdftoppm", "-r", "150", "-png", "-f", str(page), "-l", str(page), "-singlefile", str(pdf_path),
         str(prefix)])
    return run(["zbarimg", "--raw", "-q", str(prefix) + ".png"]).stdout.decode().strip()


def attachment(data, tmp_path, name=pdf.ATTACHMENT_NAME):
    path = tmp_path / "attached.pdf"
    path.write_bytes(data)
    listed = run(["qpdf", "--list-attachments", str(path)]).stdout.decode()
    assert name in listed
    return run(["qpdf", f"--show-attachment={name}", str(path)]).stdout


def images(data, tmp_path):
    """pdfimages' list of the raster images but the QR code (the one grey image, see ``qr_images``)."""
    return [line for line in all_images(data, tmp_path) if line.split()[5] != "gray"]


def qr_images(data, tmp_path):
    """pdfimages' list of the QR codes: grey images, one pixel a module, drawn without interpolation."""
    return [line for line in all_images(data, tmp_path) if line.split()[5] == "gray"]


def all_images(data, tmp_path):
    path = tmp_path / "images.pdf"
    path.write_bytes(data)
    return run(["pdfimages", "-list", str(path)]).stdout.decode().splitlines()[2:]


def qpdf_check(data, tmp_path):
    path = tmp_path / "checked.pdf"
    path.write_bytes(data)
    return subprocess.run(["qpdf", "--check", str(path)], capture_output=True, timeout=120)


# --- renders, memoised ---------------------------------------------------------------------------------

_renders = {}


@pytest.fixture
def render(app):
    """render(kind, language, **snapshot overrides) → PDF bytes, memoised for the test session."""
    def _render(kind="certificate", language="ar", **overrides):
        key = (kind, language, json.dumps(overrides, sort_keys=True, ensure_ascii=False))
        if key not in _renders:
            function = pdf.render_transcript if kind == "transcript" else pdf.render_certificate
            _renders[key] = function(snapshot(**overrides), language)
        return _renders[key]
    return _render


# --- the page --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("language", ["ar", "en"])
def test_a_certificate_is_one_a4_landscape_page(render, language):
    data = render("certificate", language)

    assert pages(data) == 1
    assert info(data)["Page size"] == A4_LANDSCAPE


@pytest.mark.parametrize("language", ["ar", "en"])
def test_a_certificate_with_the_longest_names_is_still_one_page_and_its_text_ends_above_the_signatures(
        app, tmp_path, language):
    longest = snapshot(
        student={"name_ar": LONG_NAME_AR, "name_en": LONG_NAME_EN},
        university={"name_ar": LONG_UNIVERSITY_AR, "name_en": LONG_UNIVERSITY_EN,
                    "signatories": [LONG_SIGNATORY] * 4},
        cohort={"name_ar": "الدفعة الأولى للعام الدراسي الأول في برنامج الدبلوم",
                "name_en": "The first cohort of the diploma programme in its first academic year"})

    data = pdf.render_certificate(longest, language)

    assert pages(data) == 1
    assert qr_code(data, tmp_path) == longest["verification_url"]
    boxes = _word_boxes_of_page(data, tmp_path, 1)
    text_bottom = max(y_max for word, _, y_max in boxes if word in ("أصل", "44."))  # the wording's end
    signatures_top = min(y_min for word, y_min, _ in boxes if word in ("أ.د.", "Prof."))
    assert text_bottom < signatures_top


WORD_BOX = re.compile(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>')


def _word_boxes_of_page(data, tmp_path, page):
    """(word, yMin, yMax) of every word of a page (pdftotext -bbox). Arabic words come out in visual order
    there (reversed): they are turned back."""
    html = text_of(data, "-bbox", "-f", str(page), "-l", str(page))
    boxes = []
    for y_min, y_max, word in WORD_BOX.findall(html):
        if ARABIC_LETTERS.search(word) or ARABIC_INDIC.search(word):
            word = word[::-1].translate(MIRRORED)
        boxes.append((word, float(y_min), float(y_max)))
    return boxes


@pytest.mark.parametrize(("kind", "language"), [("certificate", "ar"), ("certificate", "en"),
                                                ("transcript", "ar")])
def test_only_the_bundled_amiri_is_used_embedded_and_subset(render, tmp_path, kind, language):
    table = fonts(render(kind, language), tmp_path)

    assert table
    for name, embedded, subset in table:
        assert BUNDLED_FONT.match(name), name
        assert (embedded, subset) == ("yes", "yes"), name


def test_the_pdf_does_not_depend_on_the_fonts_installed_on_the_machine(tmp_path, upload_folder):
    """A render in a process whose fontconfig knows no font at all gives the same fonts and text."""
    config = tmp_path / "fonts.conf"
    config.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
                      f"<fontconfig><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>\n")
    environment = {**os.environ, "FONTCONFIG_FILE": str(config), "PYTHONWARNINGS": "ignore"}
    if shutil.which("fc-list"):  # fontconfig's tools, when installed, confirm that no font is visible
        assert run(["fc-list"], env=environment).stdout.strip() == b""
    output = tmp_path / "no-fonts.pdf"
    script = textwrap.dedent(f"""
        from diploma import create_app
        from diploma.certificates import pdf
        from diploma.config import TestConfig
        from tests.certificates.builders import snapshot

        class Config(TestConfig):
            UPLOAD_FOLDER = {str(upload_folder)!r}

        from weasyprint.text.ffi import ffi, fontconfig

        config = fontconfig.FcInitLoadConfigAndFonts()
        system_fonts = fontconfig.FcConfigGetFonts(config, fontconfig.FcSetSystem)
        assert system_fonts == ffi.NULL or system_fonts.nfont == 0, "fontconfig still sees fonts"
        with create_app(Config).app_context():
            open({str(output)!r}, "wb").write(pdf.render_certificate(snapshot(), "ar"))
    """)

    run([sys.executable, "-c", script], env=environment, cwd=PROJECT_ROOT)

    data = output.read_bytes()
    assert [name for name, *_ in fonts(data, tmp_path)]
    assert all(BUNDLED_FONT.match(name) for name, *_ in fonts(data, tmp_path))
    assert snapshot()["student"]["name_ar"] in text_of(data)


def test_rendering_logs_no_warning(app, caplog):
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf.render_certificate(snapshot(), "ar")
        pdf.render_transcript(snapshot(), "en")

    assert [record.getMessage() for record in caplog.records if record.name.startswith("weasyprint")] == []


# --- what the Arabic certificate says -------------------------------------------------------------------

def test_the_html_carries_the_glossary_wording_word_for_word(app):
    html = wording.document_html("certificate", snapshot(), "ar")
    text = flat(re.sub(r"<[^>]+>", "", html))

    assert '<html lang="ar" dir="rtl">' in html
    assert GLOSSARY_FEMALE in text
    assert f'<bdi dir="ltr" class="latin">{snapshot()["student"]["name_en"]}</bdi>' in html
    assert f'<bdi dir="ltr" class="latin">{snapshot()["serial"]}</bdi>' in html


@pytest.mark.parametrize(("name_ar", "name_en", "gender"), NAMES)
def test_the_arabic_name_and_the_programme_come_out_in_logical_order(render, name_ar, name_en, gender):
    text = text_of(render("certificate", "ar", student={"name_ar": name_ar, "name_en": name_en,
                                                          "gender": gender}))

    assert f"({name_ar})" in text
    assert name_en in text
    assert snapshot()["programme"]["name_ar"] in text
    assert "جمهورية العراق" in text
    assert "وزارة التعليم العالي والبحث العلمي" in text
    assert "شهادة التخرج" in text


def test_a_female_students_certificate_agrees_with_her_gender(render):
    text = text_of(render("certificate", "ar", student={"gender": "f"}))

    assert "بأن الطالبة (" in text
    assert "قد أكملت بنجاح" in text
    assert "وكان تسلسلها" in text


def test_a_male_students_certificate_agrees_with_his_gender(render):
    text = text_of(render("certificate", "ar", student={"gender": "m"}))

    assert "بأن الطالب (" in text and "الطالبة" not in text
    assert "قد أكمل بنجاح" in text and "أكملت" not in text
    assert "وكان تسلسله" in text and "تسلسلها" not in text


def test_arabic_indic_digits_when_the_programme_chose_them(render):
    text = text_of(render("certificate", "ar", digits="arabic_indic"))

    # pdftotext moves parentheses and colons around number runs in Arabic text: the numbers alone are read.
    assert "٨٨٫٥٠" in text
    assert "ثمانية وثمانون فاصلة خمسون" in text
    assert "٣" in text and "٤٤" in text
    assert "٢٠٢٣" in text and "٢٠٢٤" in text
    assert "٢٠" in text and "كانون الثاني ٢٠٢٥" in text  # the graduation date, with the Iraqi month name


def test_western_digits_when_the_programme_chose_them(render):
    text = text_of(render("certificate", "ar", digits="western"))

    assert not ARABIC_INDIC.search(text)
    assert "88.50" in text
    assert "2023–2024" in flat(text) or "2024–2023" in flat(text)  # pdftotext's order of a number run
    assert "كانون الثاني" in text


def test_the_serial_and_the_signatories_are_printed(render):
    text = text_of(render("certificate", "ar"))

    assert snapshot()["serial"] in text
    for signatory in snapshot()["university"]["signatories"]:
        assert signatory["title_ar"] in text
        assert signatory["name_ar"].removeprefix("أ.د. ") in text


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_qr_code_holds_exactly_the_verification_url(render, tmp_path, language):
    assert qr_code(render("certificate", language), tmp_path) == snapshot()["verification_url"]


# --- the English certificate -----------------------------------------------------------------------------

def test_the_english_certificate_has_the_english_wording(render):
    text = flat(text_of(render("certificate", "en")))

    assert GLOSSARY_ENGLISH in text
    assert "Republic of Iraq" in text
    assert "Ministry of Higher Education and Scientific Research" in text
    assert "Graduation Certificate" in text
    assert "January 20, 2025" in text
    assert "President of the University" in text
    assert not ARABIC_INDIC.search(text)


def test_the_english_certificate_is_left_to_right(app):
    assert '<html lang="en" dir="ltr">' in wording.document_html("certificate", snapshot(), "en")


# --- archival: PDF/A-3b with the data attached -------------------------------------------------------------

@pytest.mark.parametrize(("kind", "language"), [("certificate", "ar"), ("certificate", "en"),
                                                ("transcript", "ar")])
def test_the_pdf_is_valid_pdf_a_3b_with_the_snapshot_attached(render, tmp_path, kind, language):
    data = render(kind, language)

    checked = qpdf_check(data, tmp_path)
    assert checked.returncode == 0, checked.stdout.decode() + checked.stderr.decode()
    metadata = run(["pdfinfo", "-meta", "-"], data).stdout.decode()
    assert re.search(r"pdfaid:part(>|=\")3", metadata)
    assert re.search(r"pdfaid:conformance(>|=\")B", metadata)
    assert json.loads(attachment(data, tmp_path)) == snapshot()


# --- the transcript --------------------------------------------------------------------------------------

def test_the_transcript_lists_every_course_and_the_average(render):
    data = render("transcript", "ar")
    text = text_of(data)

    assert info(data)["Page size"] == A4_PORTRAIT
    assert "كشف الدرجات" in text
    for course in snapshot()["courses"]:
        assert course["code"] in text
        assert course["title_ar"] in text
        assert course["band_ar"] in text
    assert "الدور الثاني" in text and "الدور الأول" in text
    assert "٩١٫٠٠" in text and "٨٨٫٥٠" in text
    assert "ثمانية وثمانون فاصلة خمسون" in text
    assert snapshot()["student"]["name_ar"] in text


def test_the_english_transcript(render, tmp_path):
    data = render("transcript", "en")
    text = flat(text_of(data))

    assert "Transcript" in text
    for course in snapshot()["courses"]:
        assert f"{course['code']} {course['title_en']}" in text
        assert course["mark"] in text
    assert "Average 88.50" in text
    assert "3 of 44" in text
    assert "Second" in text
    assert qr_code(data, tmp_path) == snapshot()["verification_url"]


def test_a_long_transcript_goes_on_to_a_second_page_with_the_table_head(app):
    courses = [dict(snapshot()["courses"][0], code=f"PCS{100 + i}", title_ar=f"مقرر طويل رقم {i}")
               for i in range(60)]
    data = pdf.render_transcript(snapshot(courses=courses), "ar")

    assert pages(data) >= 2
    second = text_of(data, "-f", "2", "-l", "2")
    assert "رمز المقرر" in second  # the table's head repeats
    assert "PCS159" in text_of(data)


# --- batches ---------------------------------------------------------------------------------------------

def test_a_small_batch_is_one_page_per_certificate_in_the_given_order(app, tmp_path):
    batch = snapshots(5)
    calls = []

    data = pdf.render_batch(batch, "ar", progress=lambda done, total: calls.append((done, total)))

    assert pages(data) == 5
    for page, item in enumerate(batch, start=1):
        assert f"({item['student']['name_ar']})" in text_of(data, "-f", str(page), "-l", str(page))
    assert calls[0] == (0, 5) and calls[-1] == (5, 5)
    assert qr_code(data, tmp_path, page=4) == batch[3]["verification_url"]


@pytest.mark.parametrize(("count", "workers"), [(200, 2), (500, 2), (200, 4), (44, 2), (1000, 3)])
def test_a_batch_is_split_in_a_multiple_of_the_workers_so_no_core_waits_at_the_end(count, workers):
    size = pdf._chunk_size(count, workers)
    chunks = math.ceil(count / size)
    assert size <= pdf.MAX_CHUNK and chunks % workers == 0
    assert count - (chunks - 1) * size > 0  # no empty chunk


def test_a_big_batch_is_rendered_over_the_process_pool_and_merged_in_order(app, tmp_path):
    batch = snapshots(23)
    calls = []

    data = pdf.render_batch(batch, "en", progress=lambda done, total: calls.append((done, total)),
                            workers=2, chunk_size=6)

    assert pages(data) == 23
    for page in (1, 6, 7, 12, 13, 23):
        assert batch[page - 1]["student"]["name_en"] in text_of(data, "-f", str(page), "-l", str(page))
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert calls[-1] == (23, 23) and len(calls) == 1 + 4  # the start, then each of the 4 chunks
    for name, embedded, subset in fonts(data, tmp_path):
        assert BUNDLED_FONT.match(name) and (embedded, subset) == ("yes", "yes")
    checked = qpdf_check(data, tmp_path)
    assert checked.returncode == 0, checked.stderr.decode()
    assert qr_code(data, tmp_path, page=13) == batch[12]["verification_url"]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_batch_shrinks_the_type_of_a_certificate_whose_names_are_too_long(app, monkeypatch, tmp_path,
                                                                             workers):
    batch = snapshots(4)
    batch[1]["student"]["name_ar"] = LONG_NAME_AR
    batch[1]["university"]["name_ar"] = LONG_UNIVERSITY_AR
    batch[1]["university"]["signatories"] = [LONG_SIGNATORY] * 4
    monkeypatch.setattr(wording, "_fit_level", lambda context: 0)  # a wrong guess: the layout must notice

    data = pdf.render_batch(batch, "ar", workers=workers, chunk_size=2)

    assert pages(data) == 4
    boxes = _word_boxes_of_page(data, tmp_path, 2)
    text_bottom = max(y_max for word, _, y_max in boxes if word == "أصل")  # «من أصل (٤)», the wording's end
    signatures_top = min(y_min for word, y_min, _ in boxes if word == "أ.د.")
    assert text_bottom < signatures_top
    assert batch[2]["student"]["name_ar"] in text_of(data, "-f", "3", "-l", "3")


def test_an_empty_batch_is_refused(app):
    with pytest.raises(ValueError, match="no certificate"):
        pdf.render_batch([], "ar")


# --- what a PDF may read ---------------------------------------------------------------------------------

@pytest.fixture
def fetcher(app):
    return engine.LocalFileFetcher(engine.allowed_folders())


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:5000/static/img/logo.png",
    "https://example.org/font.ttf",
    "ftp://example.org/logo.png",
    "file:///etc/passwd",
    (PROJECT_ROOT / "diploma" / "config.py").as_uri(),
    (PROJECT_ROOT / "static" / "fonts").as_uri() + "/../../diploma/config.py",
    "file://otherhost" + str(PROJECT_ROOT / "static" / "fonts" / "amiri" / "Amiri-Regular.ttf"),
])
def test_the_url_fetcher_refuses_the_network_and_files_outside_the_allowed_folders(fetcher, url):
    with pytest.raises(engine.ResourceRefused):
        fetcher.fetch(url)


def test_the_url_fetcher_reads_the_bundled_fonts_and_data_uris(fetcher):
    font = PROJECT_ROOT / "static" / "fonts" / "amiri" / "Amiri-Regular.ttf"

    assert fetcher.fetch(font.as_uri()).read() == font.read_bytes()
    assert fetcher.fetch("data:text/plain,salam").read() == b"salam"


def test_the_url_fetcher_refuses_a_link_from_the_logos_folder_to_elsewhere(fetcher, app):
    from diploma.partners.services import logo_folder

    link = logo_folder() / "escape.png"
    link.unlink(missing_ok=True)
    link.symlink_to(PROJECT_ROOT / "diploma" / "config.py")
    try:
        with pytest.raises(engine.ResourceRefused):
            fetcher.fetch(link.as_uri())
    finally:
        link.unlink()


def test_the_universitys_logo_is_printed_from_the_logos_folder(app, tmp_path):
    from diploma.partners.services import logo_folder

    (logo_folder() / "mosul-test.png").write_bytes(png_bytes((90, 90), "teal"))
    data = pdf.render_certificate(snapshot(university={"logo": "mosul-test.png"}), "ar")

    listed = images(data, tmp_path)
    assert len(listed) == 1 and re.match(r"\s*1\s+0\s+image\s+90\s+90\s", listed[0]), listed


@pytest.mark.parametrize("name", ["../../../etc/passwd", "/etc/hostname", "missing.png"])
def test_a_logo_name_outside_the_logos_folder_or_missing_prints_no_logo(app, tmp_path, name):
    data = pdf.render_certificate(snapshot(university={"logo": name}), "ar")

    assert images(data, tmp_path) == []
    assert pages(data) == 1


def test_the_qr_code_is_a_grey_png_of_two_pixels_a_module_with_its_quiet_zone(app):
    url = snapshot()["verification_url"]
    image = Image.open(BytesIO(engine.qr_png(url)))
    code = segno.make(url, error="m", boost_error=False, micro=False, mask=engine.QR_MASK)

    scale = engine.QR_PIXELS
    assert image.mode == "L" and image.size == code.symbol_size(scale=scale, border=engine.QR_QUIET_ZONE)
    rows = code.matrix_iter(scale=scale, border=engine.QR_QUIET_ZONE)
    expected = bytes(0 if dark else 255 for row in rows for dark in row)
    assert image.tobytes() == expected
    assert engine.qr_data_uri(url) == "data:image/png;base64," + base64.b64encode(engine.qr_png(url)).decode()


def test_the_qr_is_drawn_once_a_page_sharp_and_small(app, tmp_path):
    """The PDF holds the QR as a grey image of two pixels a module, without interpolation (PDF/A forbids it
    and it would blur the modules)."""
    data = pdf.render_certificate(snapshot(), "ar")
    listed = qr_images(data, tmp_path)
    assert len(listed) == 1
    width, height = (int(value) for value in listed[0].split()[3:5])
    modules = engine.qr_code(snapshot()["verification_url"]).symbol_size(border=engine.QR_QUIET_ZONE)[0]
    assert width == height == modules * engine.QR_PIXELS
    assert listed[0].split()[9] == "no"  # pdfimages' "interp" column


def test_the_url_fetcher_draws_the_qr_codes_in_the_rendering_process(fetcher):
    url = snapshot()["verification_url"]
    response = fetcher.fetch(engine.qr_source(url))

    assert response.content_type == "image/png"
    assert response.read() == engine.qr_png(url)
