"""Uploaded sheets kept between their preview and their confirmation (the student import, the marks
import): under UPLOAD_FOLDER/imports with a random token for a name, forgotten after a day if nobody
confirms them. Nothing here knows what the file holds."""
import os
import re
import secrets
import time

from diploma import uploads

PENDING_KIND = "imports"
PENDING_MAX_AGE = 24 * 3600
_PENDING_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


def _pending_folder():
    return uploads.upload_folder(PENDING_KIND)


def _sweep(folder):
    """Forget uploads nobody confirmed within a day."""
    limit = time.time() - PENDING_MAX_AGE
    for path in folder.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:
            continue


def store_pending(data):
    """Keep an uploaded file under a random token until it is confirmed; the token."""
    folder = _pending_folder()
    _sweep(folder)
    token = secrets.token_urlsafe(24)
    partial = folder / f".partial-{token}"
    partial.write_bytes(data)
    os.replace(partial, folder / token)
    return token


def load_pending(token):
    """The bytes kept under a token, or None (unknown, expired or malformed token)."""
    if not isinstance(token, str) or not _PENDING_TOKEN.match(token):
        return None
    path = _pending_folder() / token
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def delete_pending(token):
    if isinstance(token, str) and _PENDING_TOKEN.match(token):
        (_pending_folder() / token).unlink(missing_ok=True)
