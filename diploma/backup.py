"""Backups: one tar.gz archive holding the database, the uploaded files and a manifest of checksums.

    manifest.json      format, created_at, database kind, alembic revision, file count, sha256 of each part
    database.sqlite    SQLite: an online, consistent copy (sqlite3's backup API) — or
    database.dump      PostgreSQL: ``pg_dump --format=custom --no-owner``
    uploads/...        every file of UPLOAD_FOLDER (materials, logos, pending imports …)

A backup is restored into an empty database of the same kind (and an empty upload folder) after every
checksum has been verified; a damaged or altered archive changes nothing. This module is the archive (its
parts, manifest and checksums, the uploaded files); the database's copy, taken and put back, is
diploma.backup_database's.

The signing keys travel inside the database as the keystore stores them (diploma.signing.key_wrap: PKCS#8
under PBKDF2-HMAC-SHA256 at SIGNING_KDF_ITERATIONS, 600,000 by default; ``flask keys rewrap`` re-wraps keys
stored more weakly before, and backups taken after it carry them so). The archive is written 0600.
"""
import errno
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from flask import current_app
from flask_babel import lazy_gettext as _l

from diploma import clock
from diploma.backup_database import (
    DATABASE_PART,
    KIND_NAMES,
    PARTIAL_PREFIX,
    BackupError,
    database_kind,
    database_url,
    dump_database,
    head_revision,
    libpq_command,
    restore_database,
    tables_with_rows,
)
from diploma.extensions import db

__all__ = ["DATABASE_PART", "KIND_NAMES", "BackupError", "BackupSummary", "create_backup", "head_revision",
           "libpq_command", "restore_backup", "upload_files"]

FORMAT = 1
MANIFEST = "manifest.json"
UPLOADS = "uploads"
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    manifest: dict

    @property
    def kind(self):
        return self.manifest["database"]

    @property
    def file_count(self):
        return self.manifest["file_count"]

    @property
    def revision(self):
        return self.manifest["alembic_revision"]


# --- creating -----------------------------------------------------------------------------------------

def _sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class _HashingReader:
    """A file read once, by tarfile, while its SHA-256 is computed."""

    def __init__(self, stream):
        self._stream = stream
        self.digest = hashlib.sha256()

    def read(self, size=-1):
        data = self._stream.read(size)
        self.digest.update(data)
        return data


def upload_files(folder):
    """(path, name in the archive) of every stored file, in a stable order; half-written uploads aside."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return [(path, f"{UPLOADS}/{path.relative_to(folder).as_posix()}")
            for path in sorted(folder.rglob("*"))
            if path.is_file() and not path.name.startswith(PARTIAL_PREFIX)]


def create_backup(path):
    """Write the archive ``path`` (refused when it exists) and return its BackupSummary. The database is
    copied first, then the files: a file uploaded meanwhile is kept without its record, never the reverse
    (stored files are never rewritten, only added or deleted)."""
    path = Path(path)
    if path.exists():
        raise BackupError(_l("%(path)s already exists; choose another file name.", path=path))
    url = database_url()
    kind = database_kind(url)
    part = DATABASE_PART[kind]
    with tempfile.TemporaryDirectory(prefix="diploma-backup-") as work:
        dump = Path(work) / part
        revision = dump_database(kind, url, dump)
        checksums = {part: _sha256_of(dump)}
        files = upload_files(current_app.config["UPLOAD_FOLDER"])
        partial = path.with_name(f"{PARTIAL_PREFIX}{path.name}")
        try:
            partial.unlink(missing_ok=True)  # left by an interrupted run
            # Readable by its owner only: it holds password hashes and verification codes.
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
                archive.add(dump, arcname=part)
                for file_path, name in files:
                    checksums[name] = _add_hashed(archive, file_path, name)
                manifest = {
                    "format": FORMAT, "created_at": clock.now().isoformat(timespec="seconds"),
                    "database": kind, "alembic_revision": revision, "file_count": len(files),
                    "sha256": checksums,
                }
                _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False).encode())
            os.replace(partial, path)
        except OSError as error:
            raise _cannot_write(error, path) from error
        finally:
            partial.unlink(missing_ok=True)
    return BackupSummary(path, manifest)


def _cannot_write(error, path):
    return BackupError(_l("Cannot write %(path)s: %(error)s", path=error.filename or path,
                          error=error.strerror or error))


def _add_hashed(archive, file_path, name):
    with open(file_path, "rb") as stream:
        info = archive.gettarinfo(fileobj=stream, arcname=name)
        reader = _HashingReader(stream)
        archive.addfile(info, reader)
    return reader.digest.hexdigest()


def _add_bytes(archive, name, data):
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(clock.now().timestamp()), 0o644
    archive.addfile(info, io.BytesIO(data))


# --- restoring ----------------------------------------------------------------------------------------

def _not_a_backup(path):
    return BackupError(_l("%(path)s is not a backup of this application.", path=path))


def _safe_member_name(name):
    """The member's name as a relative path inside the work folder, or None (absolute, '..', odd)."""
    pure = PurePosixPath(name)
    if pure.is_absolute() or not pure.parts or any(part in ("", ".", "..") for part in pure.parts):
        return None
    return pure


def _extract(path, work):
    """Extract the regular files of the archive into ``work``, hashing them; {name: sha256}."""
    checksums = {}
    try:
        with tarfile.open(path, "r:gz") as archive:
            for member in archive:
                relative = _safe_member_name(member.name)
                if relative is None or not member.isfile() or member.name in checksums:
                    raise _not_a_backup(path)
                target = Path(work, *relative.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                with archive.extractfile(member) as source, open(target, "wb") as out:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                checksums[member.name] = digest.hexdigest()
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT):  # the temporary folder is full (TMPDIR)
            raise _cannot_write(error, work) from error
        raise _not_a_backup(path) from error
    except (tarfile.TarError, EOFError) as error:
        raise _not_a_backup(path) from error
    return checksums


def _read_manifest(path, work, checksums):
    if MANIFEST not in checksums:
        raise _not_a_backup(path)
    try:
        manifest = json.loads(Path(work, MANIFEST).read_text(encoding="utf-8"))
        valid = (manifest["format"] == FORMAT and manifest["database"] in DATABASE_PART
                 and isinstance(manifest["sha256"], dict) and isinstance(manifest["file_count"], int))
    except (ValueError, KeyError, TypeError) as error:
        raise _not_a_backup(path) from error
    if not valid:
        raise _not_a_backup(path)
    return manifest


def _verify(path, manifest, checksums):
    """Every part listed is there with its checksum, and nothing else is."""
    expected = manifest["sha256"]
    uploads = [name for name in expected if name.startswith(f"{UPLOADS}/")]
    if DATABASE_PART[manifest["database"]] not in expected or len(uploads) != manifest["file_count"] \
            or len(uploads) + 1 != len(expected):
        raise _not_a_backup(path)
    for name, digest in sorted(expected.items()):
        if name not in checksums:
            raise BackupError(_l("The backup is incomplete: %(part)s is missing.", part=name))
        if checksums[name] != digest:
            raise BackupError(_l("The backup is damaged or has been altered: %(part)s does not match its "
                                 "checksum.", part=name))
    extra = sorted(set(checksums) - set(expected) - {MANIFEST})
    if extra:  # a file slipped in: it has no checksum to match
        raise BackupError(_l("The backup is damaged or has been altered: %(part)s does not match its "
                             "checksum.", part=extra[0]))


def _check_targets_empty(url, upload_folder, force):
    if force:
        return
    tables = tables_with_rows(url)
    if tables:
        shown = ", ".join(tables[:5]) + (" …" if len(tables) > 5 else "")
        raise BackupError(_l("The database already holds data (%(tables)s); a backup is restored into an "
                             "empty database. Add --force to replace its contents.", tables=shown))
    if upload_files(upload_folder):
        raise BackupError(_l("The upload folder %(folder)s already holds files; restore into an empty "
                             "folder, or add --force.", folder=upload_folder))


def _restore_uploads(work, upload_folder):
    source = Path(work, UPLOADS)
    if not source.is_dir():
        return
    for path in sorted(source.rglob("*")):
        if not path.is_file():
            continue
        target = Path(upload_folder, path.relative_to(source))
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{PARTIAL_PREFIX}{target.name}")
        shutil.copyfile(path, partial)
        os.replace(partial, target)


def restore_backup(path, force=False):
    """Restore the archive ``path`` into the configured database and UPLOAD_FOLDER; BackupSummary.

    Refused, with nothing changed, when the archive is not a backup, is damaged or altered (checksums),
    holds the other kind of database, or when the database or the folder is not empty (unless ``force``:
    the database's contents are then replaced and the archive's files written over the folder's).
    Ends the current database session: the tables it read are replaced."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(_l("%(path)s does not exist.", path=path))
    url = database_url()
    kind = database_kind(url)
    upload_folder = Path(current_app.config["UPLOAD_FOLDER"])
    with tempfile.TemporaryDirectory(prefix="diploma-restore-") as work:
        checksums = _extract(path, work)
        manifest = _read_manifest(path, work, checksums)
        if manifest["database"] != kind:
            raise BackupError(_l("This is a backup of a %(kind)s database; it cannot be restored into the "
                                 "configured %(target)s database.", kind=KIND_NAMES[manifest["database"]],
                                 target=KIND_NAMES[kind]))
        _verify(path, manifest, checksums)
        db.session.remove()
        _check_targets_empty(url, upload_folder, force)
        db.engine.dispose()  # no pooled connection may keep the old tables (or the old file) open
        dump = Path(work, DATABASE_PART[kind])
        try:
            upload_folder.mkdir(parents=True, exist_ok=True)  # before the database: fails early
            restore_database(kind, url, dump)
            db.engine.dispose()
            _restore_uploads(work, upload_folder)
        except OSError as error:
            raise _cannot_write(error, upload_folder) from error
    return BackupSummary(path, manifest)
