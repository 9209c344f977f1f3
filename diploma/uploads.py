"""Uploaded files: checked by content against an allow-list, stored outside ``static/`` under random
names with their size and SHA-256, and served to those allowed under the uploader's name — ending in the
extension of the type the content was checked as, whatever extension the uploader gave it."""
import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import magic
from flask import abort, current_app, send_file
from flask_babel import lazy_gettext as _l

from diploma.errors import RuleViolation

CHUNK = 1024 * 1024
# Detected type → the extension the file is stored with. Nothing that a browser would run (HTML, SVG,
# scripts) is on this list.
ALLOWED_TYPES = {
    "application/pdf": ".pdf",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.ms-powerpoint": ".ppt",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "audio/mpeg": ".mp3",
    "audio/ogg": ".ogg",
    "audio/x-wav": ".wav",
    "audio/wav": ".wav",
    "audio/x-m4a": ".m4a",
    "audio/mp4": ".m4a",
    "video/mp4": ".mp4",
    "video/webm": ".webm",
    "video/ogg": ".ogv",
    "video/quicktime": ".mov",
}
# libmagic names old Office files by their container; the extension then says which one it is.
OLE_CONTAINER_TYPES = {"application/x-ole-storage", "application/CDFV2", "application/vnd.ms-office"}
OLE_EXTENSIONS = {".doc": "application/msword", ".xls": "application/vnd.ms-excel",
                  ".ppt": "application/vnd.ms-powerpoint"}
# Other extensions a type is commonly saved with, kept when the uploader used them ("photo.jpeg").
OTHER_EXTENSIONS = {"image/jpeg": (".jpeg",)}
# Shown in the browser; every other type (and anything not checked as one of ALLOWED_TYPES) is downloaded.
INLINE_PREFIXES = ("image/", "audio/", "video/", "application/pdf")
INLINE_TYPES = frozenset(kind for kind in ALLOWED_TYPES if kind.startswith(INLINE_PREFIXES))
# A stored row whose type is not on the allow-list (written by hand, or by an older version): bytes only.
UNCHECKED_TYPE, UNCHECKED_EXTENSION = "application/octet-stream", ".bin"
MAX_NAME_LENGTH = 200
# What ends a name and reads as a file-type extension ("cmd", "hta", "exe", "docx", "ps1"), and is therefore
# replaced; anything else ("v1.2", "Lecture 3. Introduction", "محاضرة.نهائية") is part of the name.
_EXTENSION_LIKE = re.compile(r"(?=[A-Za-z0-9]{1,5}\Z)[0-9]*[A-Za-z][A-Za-z0-9]*\Z")


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    original_name: str
    content_type: str
    size: int
    sha256: str


def upload_folder(kind):
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def safe_original_name(filename):
    """The name to show and to send back: no path, no control or format characters (bidi overrides and
    isolates, zero-width marks), no dots or spaces at either end, at most 200 characters."""
    name = unicodedata.normalize("NFC", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        short_extension = dot and len(extension) <= 10
        name = (stem[: MAX_NAME_LENGTH - len(extension) - 1] + dot + extension if short_extension
                else name[:MAX_NAME_LENGTH])
    return name or "file"


def extensions_of(content_type):
    """The extensions a file of this checked type may be named with, the canonical one first."""
    if content_type not in ALLOWED_TYPES:
        return (UNCHECKED_EXTENSION,)
    return (ALLOWED_TYPES[content_type], *OTHER_EXTENSIONS.get(content_type, ()))


def download_name(filename, content_type):
    """The name a file of ``content_type`` (as its content was checked) is stored and sent under: the
    uploader's name cleaned by ``safe_original_name``, always ending in an extension of that type. A last
    extension of another type is replaced, anything else is kept and the extension added — so that
    neither a double click nor a browser ever treats the file as anything but what it was checked as:
    'syllabus.cmd' → 'syllabus.pdf', 'x.pdf.exe' → 'x.pdf', 'a.pdf. .' → 'a.pdf', 'محاضرة' → 'محاضرة.pdf',
    'notes v1.2' → 'notes v1.2.pdf'."""
    extensions = extensions_of(content_type)
    name = safe_original_name(filename)
    stem, dot, suffix = name.rpartition(".")
    if dot and stem.strip(" ."):
        if f".{suffix}".lower() in extensions:
            return name
        if _EXTENSION_LIKE.match(suffix):
            name = stem.rstrip(" .")
            if name.lower().endswith(extensions):  # 'x.pdf.exe' → 'x.pdf'
                return name
    return name[: MAX_NAME_LENGTH - len(extensions[0])].rstrip(" .") + extensions[0]


def _detected_type(path, original_name):
    detected = magic.from_file(str(path), mime=True)
    if detected in OLE_CONTAINER_TYPES:
        detected = OLE_EXTENSIONS.get(Path(original_name).suffix.lower(), detected)
    return detected


def _copy_counting(stream, target, limit):
    digest, size = hashlib.sha256(), 0
    with open(target, "wb") as out:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise RuleViolation(_l("The file is too large."), field="file")
            digest.update(chunk)
            out.write(chunk)
    return size, digest.hexdigest()


def store_upload(file_storage, kind="materials"):
    """Check and store an uploaded file; RuleViolation (and nothing kept) when it is refused."""
    if file_storage is None or not file_storage.filename:
        raise RuleViolation(_l("Choose a file."), field="file")
    uploaded_name = safe_original_name(file_storage.filename)
    folder = upload_folder(kind)
    partial = folder / f".partial-{secrets.token_hex(8)}"
    try:
        size, sha256 = _copy_counting(file_storage.stream, partial, current_app.config["MAX_CONTENT_LENGTH"])
        if size == 0:
            raise RuleViolation(_l("The file is empty."), field="file")
        content_type = _detected_type(partial, uploaded_name)
        if content_type not in ALLOWED_TYPES:
            raise RuleViolation(_l("This kind of file is not accepted. Upload a PDF, Word, PowerPoint or "
                                   "Excel document, an image, an audio or a video file."), field="file")
        stored_name = secrets.token_hex(16) + ALLOWED_TYPES[content_type]
        os.replace(partial, folder / stored_name)
    finally:
        partial.unlink(missing_ok=True)
    return StoredFile(stored_name, download_name(uploaded_name, content_type), content_type, size, sha256)


def delete_stored(stored_name, kind="materials"):
    if stored_name:
        (upload_folder(kind) / stored_name).unlink(missing_ok=True)


def content_disposition(response, inline, name):
    """``inline`` or ``attachment``, with the name as ``filename*`` (RFC 6266, UTF-8: Arabic names intact)
    and an ASCII ``filename`` for old clients ('file.pdf' when nothing of the name is ASCII)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_name = "".join(ch for ch in ascii_name if ch.isprintable()).strip(" .")
    stem, _dot, _extension = ascii_name.rpartition(".")
    if not stem.strip(" ._-"):
        ascii_name = "file" + Path(name).suffix
    response.headers.set("Content-Disposition", "inline" if inline else "attachment", filename=ascii_name,
                         **{"filename*": f"UTF-8''{quote(name, safe='')}"})


def send_stored(stored_name, original_name, content_type, kind="materials", force_download=False):
    """Send a stored file with range requests (a video can be sought), as the type its content was checked
    as, under the uploader's name ending in that type's extension (``download_name`` — again, for rows
    stored before names were made so); only checked images, sound, video and PDF are shown inline."""
    path = upload_folder(kind) / stored_name
    if not path.is_file():  # recorded but gone from the disk: data loss to investigate, not the user's fault
        current_app.logger.error("stored file missing: %s/%s", kind, stored_name)
        abort(404)
    checked_type = content_type if content_type in ALLOWED_TYPES else UNCHECKED_TYPE
    inline = checked_type in INLINE_TYPES and not force_download
    name = download_name(original_name, checked_type)
    response = send_file(path, mimetype=checked_type, as_attachment=not inline, download_name=name,
                         conditional=True, max_age=0, etag=True)
    content_disposition(response, inline, name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=0"
    return response
