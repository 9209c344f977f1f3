"""Backups: one tar.gz archive holding the database, the uploaded files and a manifest of checksums.

    manifest.json      format, created_at, database kind, alembic revision, file count, sha256 of each part
    database.sqlite    SQLite: an online, consistent copy (sqlite3's backup API) — or
    database.dump      PostgreSQL: ``pg_dump --format=custom --no-owner``
    uploads/...        every file of UPLOAD_FOLDER (materials, logos, pending imports …)

A backup is restored into an empty database of the same kind (and an empty upload folder) after every
checksum has been verified; a damaged or altered archive changes nothing. The password of a PostgreSQL
database never appears on a command line: the programs receive it in PGPASSWORD.

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
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from alembic.script import ScriptDirectory
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url

from diploma.extensions import db

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_PART = {"sqlite": "database.sqlite", "postgresql": "database.dump"}
KIND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
UPLOADS = "uploads"
# Files an upload is written to before it is checked and renamed (diploma.uploads.store_upload).
PARTIAL_PREFIX = ".partial-"
# Alembic's own table: a freshly migrated database has one row there and is still empty.
BOOKKEEPING_TABLES = {"alembic_version"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """Refused (nothing has been changed) or failed; ``message`` is a lazily translated string."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


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


# --- the configured database ------------------------------------------------------------------------

def database_url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def database_kind(url=None):
    backend = (url or database_url()).get_backend_name()
    if backend not in DATABASE_PART:
        raise BackupError(_l("Only SQLite and PostgreSQL databases can be backed up."))
    return backend


def sqlite_path(url):
    if url.database in (None, "", ":memory:"):
        raise BackupError(_l("An in-memory SQLite database cannot be backed up or restored."))
    return Path(url.database)


def libpq_command(program, url, *arguments):
    """The argv and environment to run a PostgreSQL client program on the database of a SQLAlchemy URL:
    the URL in libpq form (``postgresql://user@host:port/name?…``) without its password, which goes in
    PGPASSWORD so that no process listing shows it."""
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(_l("%(program)s is not installed (Debian package postgresql-client).",
                             program=program))
    # URL.set(password=None) would keep the password: build the URL again without it.
    dsn = URL.create("postgresql", username=url.username, host=url.host, port=url.port, database=url.database,
                     query=url.query).render_as_string(hide_password=False)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return [executable, *arguments, f"--dbname={dsn}"], env


def _run(argv, env):
    result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        error = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise BackupError(_l("%(program)s failed: %(error)s", program=Path(argv[0]).name,
                             error=" ".join(error)))


def _tables_with_rows(url):
    """The tables of the configured database that hold rows (Alembic's bookkeeping aside)."""
    if url.get_backend_name() == "sqlite" and not sqlite_path(url).exists():
        return []  # not created yet; connecting would create the file
    with db.engine.connect() as connection:
        names = sorted(set(inspect(connection).get_table_names()) - BOOKKEEPING_TABLES)
        preparer = connection.dialect.identifier_preparer
        return [name for name in names
                if connection.execute(text(f"SELECT 1 FROM {preparer.quote(name)} LIMIT 1")).first()]


def _alembic_revision(connection):
    if "alembic_version" not in inspect(connection).get_table_names():
        return None
    revisions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return ",".join(sorted(revisions)) or None


def head_revision():
    """The revision the migrations of this version of the application lead to."""
    return ScriptDirectory(current_app.extensions["migrate"].directory).get_current_head()


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


def _dump_sqlite(url, target):
    """An online copy: the backup API copies a consistent snapshot even while the app writes."""
    source_path = sqlite_path(url)
    if not source_path.is_file():
        raise BackupError(_l("%(path)s does not exist.", path=source_path))
    source = sqlite3.connect(f"{source_path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
            revision = _sqlite_revision(copy)
        finally:
            copy.close()
    finally:
        source.close()
    return revision


def _sqlite_revision(connection):
    try:
        revisions = [row[0] for row in connection.execute("SELECT version_num FROM alembic_version")]
    except sqlite3.OperationalError:  # no such table: never migrated
        return None
    return ",".join(sorted(revisions)) or None


def _dump_postgresql(url, target):
    with db.engine.connect() as connection:
        revision = _alembic_revision(connection)
    argv, env = libpq_command("pg_dump", url, "--format=custom", "--no-owner", f"--file={target}")
    _run(argv, env)
    return revision


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
        revision = _dump_sqlite(url, dump) if kind == "sqlite" else _dump_postgresql(url, dump)
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
                    "format": FORMAT, "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
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
    info.size, info.mtime, info.mode = len(data), int(datetime.now(UTC).timestamp()), 0o644
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
    tables = _tables_with_rows(url)
    if tables:
        shown = ", ".join(tables[:5]) + (" …" if len(tables) > 5 else "")
        raise BackupError(_l("The database already holds data (%(tables)s); a backup is restored into an "
                             "empty database. Add --force to replace its contents.", tables=shown))
    if upload_files(upload_folder):
        raise BackupError(_l("The upload folder %(folder)s already holds files; restore into an empty "
                             "folder, or add --force.", folder=upload_folder))


def _restore_sqlite(url, dump):
    target = sqlite_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{PARTIAL_PREFIX}{target.name}")
    try:
        shutil.copyfile(dump, partial)
        # A journal left beside the old file would be replayed into the new one.
        for suffix in ("-journal", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _restore_postgresql(url, dump):
    argv, env = libpq_command("pg_restore", url, "--no-owner", "--clean", "--if-exists", "--exit-on-error",
                              "--single-transaction", str(dump))
    _run(argv, env)


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
            if kind == "sqlite":
                _restore_sqlite(url, dump)
            else:
                _restore_postgresql(url, dump)
            db.engine.dispose()
            _restore_uploads(work, upload_folder)
        except OSError as error:
            raise _cannot_write(error, upload_folder) from error
    return BackupSummary(path, manifest)
