"""Uploaded course files: checked by what they contain (never by their name), stored under random names
inside the upload folder with their size and SHA-256, and sent back under their original names to those
allowed — with the detected type, ``nosniff``, range requests, and office documents as downloads."""
import hashlib
import io
import os
import re
import unicodedata
from pathlib import Path
from urllib.parse import unquote

import pytest
from flask_babel import gettext
from markupsafe import escape
from werkzeug.datastructures import FileStorage

from diploma import uploads
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.i18n import force_language
from diploma.teaching.models import Material
from tests import teaching as build

NOT_ACCEPTED = ("This kind of file is not accepted. Upload a PDF, Word, PowerPoint or Excel document, an "
                "image, an audio or a video file.")
RANDOM_NAME = re.compile(r"^[0-9a-f]{32}\.[a-z0-9]+$")


@pytest.fixture(autouse=True)
def uploads_dir(app, tmp_path, monkeypatch):
    """A fresh upload folder inside an otherwise empty directory, so that anything written outside the
    folder (by a path trick) would be found too."""
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    return folder


@pytest.fixture
def course(make):
    home = make.university()
    lecturer = make.user(role="lecturer", university=home)
    offering = build.offering(home, lecturers=[lecturer])
    student = make.student(university=home)
    build.enrolled(student, offering)
    return {"offering": offering, "lecturer": lecturer, "student": student.user}


@pytest.fixture
def lecturer(course, login_as):
    return login_as(course["lecturer"])


def files_under(folder):
    """Every file below ``folder``, hidden ones (such as ``.partial-…``) included."""
    return sorted(str(Path(root, name).relative_to(folder)) for root, _dirs, names in os.walk(folder)
                  for name in names)


def translated(message, language="ar"):
    with force_language(language):
        return str(escape(gettext(message)))


def post_file(client, course, data, filename, title="Lecture"):
    return client.post(f"/offerings/{course['offering'].id}/materials/new?kind=file",
                       data={"title": title, "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def materials():
    db.session.expire_all()
    return db.session.scalars(db.select(Material)).all()


def file_url(course, material):
    return f"/courses/{course['offering'].id}/materials/{material.id}/file"


def download(client, url, **kwargs):
    """GET a file and close the response (its file handle) at once."""
    with client.get(url, **kwargs) as response:
        response.body = response.get_data()
    return response


# --- what is refused ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "filename"), [
    (build.ELF, "lecture.pdf"),
    (build.MZ, "lecture.pdf"),
    (build.MZ, "slides.docx"),
    (build.HTML, "notes.html"),
    (build.HTML, "notes.pdf"),
    (build.SVG, "diagram.svg"),
    (build.SVG, "diagram.png"),
    (b"#!/bin/sh\nrm -rf /\n", "script.pdf"),
    (b"plain text pretending", "notes.docx"),
], ids=["elf-as-pdf", "exe-as-pdf", "exe-as-docx", "html", "html-as-pdf", "svg", "svg-as-png", "shell-script",
        "text-as-docx"])
def test_a_file_is_judged_by_its_content_and_refused_with_the_translated_message(
        course, lecturer, client, uploads_dir, data, filename):
    response = post_file(client, course, data, filename)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert translated(NOT_ACCEPTED) in page
    assert "هذا النوع من الملفات غير مقبول" in page
    assert materials() == []
    assert files_under(uploads_dir) == []  # no file, no .partial left behind


def test_the_refusal_is_in_english_for_an_english_reader(course, lecturer, client):
    response = client.post(f"/offerings/{course['offering'].id}/materials/new?kind=file",
                           data={"title": "x", "file": (io.BytesIO(build.ELF), "lecture.pdf")},
                           content_type="multipart/form-data", headers={"Accept-Language": "en"})
    assert NOT_ACCEPTED in response.get_data(as_text=True)


def test_an_empty_file_is_refused(course, lecturer, client, uploads_dir):
    response = post_file(client, course, b"", "empty.pdf")
    assert response.status_code == 200
    assert materials() == []
    assert files_under(uploads_dir) == []


def test_a_request_larger_than_the_limit_gets_the_translated_413_page(course, lecturer, client, uploads_dir,
                                                                      app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)

    response = post_file(client, course, build.PDF + b"%" * 4096, "big.pdf")

    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert translated("File too large") in page and "الملف كبير جداً" in page
    assert translated("The file you sent is larger than this site accepts.") in page
    assert materials() == []
    assert files_under(uploads_dir) == []


def test_the_limit_is_also_kept_while_copying_a_stream_of_unknown_length(app, uploads_dir, monkeypatch):
    """A chunked upload has no Content-Length for Werkzeug to check: the copy counts as it goes."""
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    with pytest.raises(RuleViolation) as refused:
        uploads.store_upload(FileStorage(io.BytesIO(build.PDF + bytes(4096)), filename="big.pdf"))
    assert refused.value.field == "file"
    with force_language("en"):
        assert str(refused.value.message) == "The file is too large."
    assert files_under(uploads_dir) == []


def test_the_limit_is_restored_after_the_test(app):
    assert app.config["MAX_CONTENT_LENGTH"] > 1024 * 1024


# --- what is kept, and how -------------------------------------------------------------------------------

def test_a_pdf_is_stored_under_a_random_name_with_its_size_and_sha256(course, lecturer, client, uploads_dir):
    data = build.PDF + b"% padding\n" * 50

    assert post_file(client, course, data, "lecture-1.pdf").status_code == 302

    material, = materials()
    assert RANDOM_NAME.match(material.stored_name) and material.stored_name.endswith(".pdf")
    assert (material.original_name, material.content_type) == ("lecture-1.pdf", "application/pdf")
    assert material.size == len(data)
    assert material.sha256 == hashlib.sha256(data).hexdigest()
    assert files_under(uploads_dir) == [f"materials/{material.stored_name}"]
    assert (uploads_dir / "materials" / material.stored_name).read_bytes() == data


@pytest.mark.parametrize(("data", "filename", "content_type", "extension", "name"), [
    (build.png_bytes(), "photo.png", "image/png", ".png", "photo.png"),
    (build.png_bytes(), "photo.pdf", "image/png", ".png", "photo.png"),  # the content decides, not the name
    (build.docx_bytes(), "syllabus.docx", build.DOCX_TYPE, ".docx", "syllabus.docx"),
    (build.PDF, "no-extension", "application/pdf", ".pdf", "no-extension.pdf"),
])
def test_the_stored_type_and_extension_come_from_the_content(course, lecturer, client, uploads_dir, data,
                                                              filename, content_type, extension, name):
    assert post_file(client, course, data, filename).status_code == 302
    material, = materials()
    assert (material.content_type, material.original_name) == (content_type, name)
    assert material.stored_name.endswith(extension)
    assert material.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(("filename", "shown_as"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\x.pdf", "x.pdf"),
    ("/etc/cron.d/job.pdf", "job.pdf"),
    ("C:\\Windows\\system32\\evil.pdf", "evil.pdf"),
    ("lec\x00ture.pdf", "lecture.pdf"),
    ("bad\x1b[31mname\r\n.pdf", "bad[31mname.pdf"),
    ("\u202egnp.pdf", "gnp.pdf"),  # a right-to-left override that would disguise the extension
    ("..", "file.pdf"),
    ("....pdf", "pdf.pdf"),
])
def test_path_tricks_in_names_are_harmless(app, uploads_dir, filename, shown_as):
    stored = uploads.store_upload(FileStorage(io.BytesIO(build.PDF), filename=filename))

    assert stored.original_name == shown_as
    assert RANDOM_NAME.match(stored.stored_name)
    assert files_under(uploads_dir.parent) == [f"uploads/materials/{stored.stored_name}"]


@pytest.mark.parametrize("filename", ["../../etc/passwd.pdf", "..\\..\\x.pdf", "a\x00b.pdf", "x\x07\x1f.pdf"])
def test_path_tricks_through_the_form_are_harmless(course, lecturer, client, uploads_dir, filename):
    assert post_file(client, course, build.PDF, filename).status_code == 302
    material, = materials()
    assert "/" not in material.original_name and "\\" not in material.original_name
    assert not any(ord(ch) < 32 for ch in material.original_name)
    assert material.original_name.endswith(".pdf") and ".." not in material.original_name
    assert files_under(uploads_dir.parent) == [f"uploads/materials/{material.stored_name}"]


def test_a_long_name_is_shortened_keeping_its_extension():
    assert uploads.safe_original_name("م" * 300 + ".pdf") == "م" * 196 + ".pdf"
    assert len(uploads.safe_original_name("x" * 300)) == 200


# --- sending the file back ---------------------------------------------------------------------------

def content_disposition(response):
    """(type, the file name from ``filename*=UTF-8''…`` or else ``filename=…``)."""
    header = response.headers["Content-Disposition"]
    kind, _, parameters = header.partition(";")
    extended = re.search(r"filename\*=UTF-8''([^;]+)", parameters)
    if extended:
        return kind.strip(), unquote(extended.group(1))
    return kind.strip(), re.search(r'filename="?([^";]+)"?', parameters).group(1)


def test_an_arabic_file_name_round_trips_in_content_disposition(course, lecturer, client):
    assert post_file(client, course, build.PDF, "المحاضرة الأولى.pdf").status_code == 302
    material, = materials()
    assert material.original_name == "المحاضرة الأولى.pdf"

    response = download(client, file_url(course, material))

    assert response.status_code == 200
    assert content_disposition(response) == ("inline", "المحاضرة الأولى.pdf")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    response.headers["Content-Disposition"].encode("latin-1")  # the header itself stays ASCII-safe


def test_a_file_is_sent_with_its_detected_type_and_nosniff(course, client, login_as):
    material = build.material(course["offering"], "file", file=build.upload(build.png_bytes(), "photo.pdf"))
    login_as(course["student"])

    response = download(client, file_url(course, material))

    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in response.headers["Cache-Control"]
    assert response.body == build.png_bytes()
    assert content_disposition(response) == ("inline", "photo.png")  # named as what it was checked as


def test_office_documents_are_always_downloaded(course, client, login_as):
    data = build.docx_bytes()
    material = build.material(course["offering"], "file", file=build.upload(data, "خطة.docx"))
    login_as(course["student"])

    response = download(client, file_url(course, material))

    assert response.mimetype == build.DOCX_TYPE
    assert content_disposition(response) == ("attachment", "خطة.docx")
    assert response.body == data


def test_a_pdf_is_shown_in_the_browser_unless_a_download_is_asked_for(course, client, login_as):
    material = build.material(course["offering"], "file")
    login_as(course["student"])
    url = file_url(course, material)
    assert content_disposition(download(client, url))[0] == "inline"
    assert content_disposition(download(client, url + "?download=1"))[0] == "attachment"


def test_range_requests_get_206_with_the_right_bytes(course, client, login_as):
    data = build.PDF + bytes(range(256)) * 4
    material = build.material(course["offering"], "file", file=build.upload(data, "video-notes.pdf"))
    login_as(course["student"])
    url = file_url(course, material)

    whole = download(client, url)
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert whole.body == data

    middle = download(client, url, headers={"Range": "bytes=100-199"})
    assert middle.status_code == 206
    assert middle.body == data[100:200]
    assert middle.headers["Content-Range"] == f"bytes 100-199/{len(data)}"

    tail = download(client, url, headers={"Range": "bytes=-10"})
    assert (tail.status_code, tail.body) == (206, data[-10:])

    beyond = download(client, url, headers={"Range": f"bytes={len(data) + 10}-"})
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{len(data)}"


# --- the name a file is sent under ends in the extension of its checked type -----------------------------
# A real PDF named "syllabus.cmd" or "notes.hta" must never reach a student's disk under that name: Windows
# runs by extension, whatever the content. The uploader's name stays readable; only its last extension, when
# it is another type's, is replaced.

def hidden_or_control(text):
    """The control and format characters (bidi overrides and isolates, zero-width marks) in ``text``."""
    return [f"U+{ord(ch):04X}" for ch in text if unicodedata.category(ch)[0] == "C"]


def ascii_filename(response):
    return re.search(r'filename="?([^";]+)"?(;|$)', response.headers["Content-Disposition"]).group(1)


@pytest.mark.parametrize(("filename", "safe_name"), [
    ("syllabus.cmd", "syllabus.pdf"),
    ("notes.hta", "notes.pdf"),
    ("x.pdf.exe", "x.pdf"),
    ("lecture.SCR", "lecture.pdf"),
    ("محاضرة السلام والأزمات", "محاضرة السلام والأزمات.pdf"),
    ("a.pdf. .", "a.pdf"),
    ("invoice\u202efdp.exe", "invoicefdp.pdf"),  # reads "invoiceexe.pdf" with the override kept
    ("\u2066notes\u2069.pdf\u200b.bat", "notes.pdf"),
    ("notes v1.2", "notes v1.2.pdf"),
], ids=["cmd", "hta", "pdf-exe", "scr-upper-case", "arabic-without-extension", "trailing-dots-and-spaces",
        "right-to-left-override", "isolates-and-zero-width-space", "version-number-kept"])
def test_a_file_is_stored_and_sent_under_a_name_ending_in_its_checked_extension(
        course, lecturer, client, login_as, filename, safe_name):
    assert post_file(client, course, build.PDF, filename, title="Syllabus").status_code == 302
    material, = materials()
    assert (material.original_name, material.content_type) == (safe_name, "application/pdf")
    login_as(course["student"])

    for url in (file_url(course, material), file_url(course, material) + "?download=1"):
        response = download(client, url)
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        kind, name = content_disposition(response)
        assert name == safe_name and name.endswith(".pdf") and hidden_or_control(name) == []
        assert ascii_filename(response).endswith(".pdf")
        response.headers["Content-Disposition"].encode("latin-1")
    saved = download(client, file_url(course, material) + "?download=1")
    assert content_disposition(saved)[0] == "attachment"

    page = client.get(f"/courses/{course['offering'].id}").get_data(as_text=True)
    assert re.search(rf"<bdi[^>]*>{re.escape(str(escape(safe_name)))}</bdi>", page)  # isolated (issue 12)


def test_an_arabic_name_keeps_its_letters_in_filename_star_and_has_an_ascii_fallback(
        course, lecturer, client, login_as):
    assert post_file(client, course, build.PDF, "خطة المقرر").status_code == 302
    material, = materials()
    login_as(course["student"])

    response = download(client, file_url(course, material))

    assert content_disposition(response) == ("inline", "خطة المقرر.pdf")
    assert ascii_filename(response) == "file.pdf"  # not ".pdf", a hidden file without a name


@pytest.mark.parametrize(("stored_as", "sent_as"), [
    ("syllabus.cmd", "syllabus.pdf"),
    ("notes.hta", "notes.pdf"),
    ("exe.\u202efdp", "exe.pdf"),
    ("report.pdf.exe", "report.pdf"),
])
def test_a_row_stored_before_names_were_checked_is_sent_under_a_safe_name(course, client, login_as, stored_as,
                                                                          sent_as):
    material = build.material(course["offering"], "file")
    material.original_name = stored_as
    db.session.commit()
    login_as(course["student"])

    response = download(client, file_url(course, material) + "?download=1")

    assert response.mimetype == "application/pdf"
    assert content_disposition(response) == ("attachment", sent_as)


def test_a_row_whose_type_is_not_on_the_allow_list_is_sent_as_bytes_to_save(course, client, login_as):
    material = build.material(course["offering"], "file")
    material.original_name, material.content_type = "page.html", "text/html"
    db.session.commit()
    login_as(course["student"])

    response = download(client, file_url(course, material))

    assert response.mimetype == "application/octet-stream"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert content_disposition(response) == ("attachment", "page.bin")


@pytest.mark.parametrize(("filename", "content_type", "expected"), [
    ("photo.jpeg", "image/jpeg", "photo.jpeg"),  # another extension of the same type is kept
    ("photo.JPG", "image/jpeg", "photo.JPG"),
    ("photo.pdf", "image/jpeg", "photo.jpg"),
    ("slides.pptx.pdf", build.DOCX_TYPE, "slides.pptx.docx"),
    ("Lecture 3. Introduction", "application/pdf", "Lecture 3. Introduction.pdf"),
    ("محاضرة.نهائية", "application/pdf", "محاضرة.نهائية.pdf"),
    ("a.exe.cmd", "application/pdf", "a.exe.pdf"),
    ("x.appref-ms", "application/pdf", "x.appref-ms.pdf"),
    ("..", "application/pdf", "file.pdf"),
    ("م" * 300 + ".exe", "application/pdf", "م" * 196 + ".pdf"),
])
def test_download_name(filename, content_type, expected):
    assert uploads.download_name(filename, content_type) == expected
