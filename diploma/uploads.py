"""Uploaded files: checked by content against an allow-list, stored outside ``static/`` under random
names with their size and SHA-256, and served under their original names to those allowed."""
import hashlib
import os
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

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
# Shown in the browser; every other type is always downloaded.
INLINE_PREFIXES = ("image/", "audio/", "video/", "application/pdf")


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
    """The name to show and to send back: no path, no control characters, at most 200 characters."""
    name = unicodedata.normalize("NFC", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        short_extension = dot and len(extension) <= 10
        name = stem[: 200 - len(extension) - 1] + dot + extension if short_extension else name[:200]
    return name or "file"


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
    original_name = safe_original_name(file_storage.filename)
    folder = upload_folder(kind)
    partial = folder / f".partial-{secrets.token_hex(8)}"
    try:
        size, sha256 = _copy_counting(file_storage.stream, partial, current_app.config["MAX_CONTENT_LENGTH"])
        if size == 0:
            raise RuleViolation(_l("The file is empty."), field="file")
        content_type = _detected_type(partial, original_name)
        if content_type not in ALLOWED_TYPES:
            raise RuleViolation(_l("This kind of file is not accepted. Upload a PDF, Word, PowerPoint or "
                                   "Excel document, an image, an audio or a video file."), field="file")
        stored_name = secrets.token_hex(16) + ALLOWED_TYPES[content_type]
        os.replace(partial, folder / stored_name)
    finally:
        partial.unlink(missing_ok=True)
    return StoredFile(stored_name, original_name, content_type, size, sha256)


def delete_stored(stored_name, kind="materials"):
    if stored_name:
        (upload_folder(kind) / stored_name).unlink(missing_ok=True)


def send_stored(stored_name, original_name, content_type, kind="materials", force_download=False):
    """Send a stored file under its original name, with range requests (a video can be sought)."""
    path = upload_folder(kind) / stored_name
    if not path.is_file():  # recorded but gone from the disk: data loss to investigate, not the user's fault
        current_app.logger.error("stored file missing: %s/%s", kind, stored_name)
        abort(404)
    inline = content_type.startswith(INLINE_PREFIXES) and not force_download
    response = send_file(path, mimetype=content_type, as_attachment=not inline, download_name=original_name,
                         conditional=True, max_age=0, etag=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=0"
    return response
