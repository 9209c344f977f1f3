"""Builders shared by the teaching, upload and enrolment tests: offerings, materials, announcements and
enrolments (made through the services, committed), and small real files to upload."""
import io
import itertools
import zipfile

from PIL import Image
from werkzeug.datastructures import FileStorage

from diploma.enrolment import services as enrolment
from diploma.extensions import db
from diploma.teaching import services as teaching
from tests import factories

# --- files -----------------------------------------------------------------------------------------

PDF = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
       b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
       b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")
# What an executable looks like from its first bytes: a Linux ELF and a Windows (MZ/PE) program.
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00\x01\x00\x00\x00" + bytes(200)
MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48) + \
    b"This program cannot be run in DOS mode.\r\n" + bytes(100)
HTML = b"<!DOCTYPE html>\n<html><head><title>x</title></head><body><script>alert(1)</script></body></html>\n"
SVG = (b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" '
       b'height="10" onload="alert(1)"><script>alert(2)</script><rect width="10" height="10"/></svg>\n')
_numbers = itertools.count(1)
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def png_bytes(size=(8, 8), colour="teal"):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def docx_bytes():
    """The smallest Word document libmagic recognises as one."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'))
        package.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>'))
        package.writestr("word/document.xml", (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            '<w:body><w:p><w:r><w:t>المحاضرة الأولى</w:t></w:r></w:p></w:body></w:document>'))
    return buffer.getvalue()


def upload(data=PDF, filename="lecture.pdf"):
    """An uploaded file as a view's form receives it."""
    return FileStorage(stream=io.BytesIO(data), filename=filename)


def upload_field(data=PDF, filename="lecture.pdf"):
    """A file for the test client's ``data={...}``."""
    return (io.BytesIO(data), filename)


# --- records ---------------------------------------------------------------------------------------

def offering(university=None, *, lecturers=None, course=None, term=None, capacity=30, status="open",
             actor=None):
    """An offering (committed) of a new course in a new term, taught by new or given lecturers."""
    university = university or factories.university()
    lecturers = lecturers or [factories.user(role="lecturer", university=university)]
    record = teaching.save_offering(actor, None, university.id, course_id=(course or factories.course()).id,
                                    term_id=(term or factories.term()).id, capacity=capacity,
                                    lecturer_ids=[lecturer.id for lecturer in lecturers])
    if status != "open":
        teaching.set_offering_status(actor, record, status)
    db.session.commit()
    return record


def material(offering, kind="link", *, file=None, actor=None, hidden=False, **values):
    """A material (committed): a link by default, a note (``kind="text"``) or a file (a PDF by default)."""
    defaults = {"title": f"Material {next(_numbers)}", "week": None, "topic": None,
                "url": "https://example.org/reading" if kind == "link" else None,
                "body": "A **short** note." if kind == "text" else None}
    if kind == "file" and file is None:
        file = upload()
    actor = actor or offering.lecturers[0]
    record = teaching.add_material(actor, offering, kind, {**defaults, **values}, file)
    if hidden:
        teaching.set_material_hidden(actor, record, True)
    db.session.commit()
    return record


def announcement(offering, title="Welcome", body="The first lecture is on **Sunday**.", actor=None):
    record = teaching.post_announcement(actor or offering.lecturers[0], offering, title, body)
    db.session.commit()
    return record


def enrolled(student, offering, actor=None):
    """Enrol a student (committed); returns the enrolment."""
    record = enrolment.enrol_student(actor, offering, student)
    db.session.commit()
    return record
