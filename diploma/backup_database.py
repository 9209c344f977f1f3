"""The configured database, for backups (diploma.backup): which kind it is, a consistent copy of it
(SQLite's online backup API, or ``pg_dump --format=custom --no-owner``), whether it already holds data, and
the copy put back in its place (the file replaced, or ``pg_restore --clean`` in one transaction). The password
of a PostgreSQL database never appears on a command line: the programs receive it in PGPASSWORD."""
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url

from diploma.extensions import db

DATABASE_PART = {"sqlite": "database.sqlite", "postgresql": "database.dump"}
KIND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# Files written before they are renamed into place (as diploma.uploads.store_upload does).
PARTIAL_PREFIX = ".partial-"
# Alembic's own table: a freshly migrated database has one row there and is still empty.
BOOKKEEPING_TABLES = {"alembic_version"}


class BackupError(Exception):
    """Refused (nothing has been changed) or failed; ``message`` is a lazily translated string."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


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


def _alembic_revision(connection):
    if "alembic_version" not in inspect(connection).get_table_names():
        return None
    revisions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return ",".join(sorted(revisions)) or None


def head_revision():
    """The revision the migrations of this version of the application lead to."""
    return ScriptDirectory(current_app.extensions["migrate"].directory).get_current_head()


def tables_with_rows(url):
    """The tables of the configured database that hold rows (Alembic's bookkeeping aside)."""
    if url.get_backend_name() == "sqlite" and not sqlite_path(url).exists():
        return []  # not created yet; connecting would create the file
    with db.engine.connect() as connection:
        names = sorted(set(inspect(connection).get_table_names()) - BOOKKEEPING_TABLES)
        preparer = connection.dialect.identifier_preparer
        return [name for name in names
                if connection.execute(text(f"SELECT 1 FROM {preparer.quote(name)} LIMIT 1")).first()]


# --- the copy, taken and put back ------------------------------------------------------------------------

def dump_database(kind, url, target):
    """A consistent copy of the database at ``target``; its Alembic revision."""
    return _dump_sqlite(url, target) if kind == "sqlite" else _dump_postgresql(url, target)


def restore_database(kind, url, dump):
    """The database replaced by the copy ``dump``."""
    if kind == "sqlite":
        _restore_sqlite(url, dump)
    else:
        _restore_postgresql(url, dump)


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
