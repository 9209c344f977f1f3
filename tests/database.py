"""What the test database holds between tests, and the snapshots that put it back cheaply.

The demo data set is seeded once per run (per xdist worker) into the test database and copied into a
*template*: a copied SQLite file, or a PostgreSQL database made with ``CREATE DATABASE … TEMPLATE``. A test
that asks for ``demo`` gets the test database replaced by a copy of the template instead of a new seed
(about 1,000 marks typed one at a time). The state is tracked so that the work is done only when needed:
tests whose writes are rolled back leave the database as they found it, so that consecutive read-only demo
tests share one copy, and consecutive tests on an empty database share the empty one.
"""
import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import psycopg
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event
from sqlalchemy.engine import make_url

from diploma.extensions import db

EMPTY = "empty"
DEMO = "demo"
DIRTY = "dirty"  # written by a test that committed: emptied (or replaced by the demo) before the next one


class TestDatabase:
    """The suite's database (``url``) and its demo template, for one process."""

    def __init__(self, url, upload_folder):
        self.url = make_url(url)
        self.upload_folder = Path(upload_folder)
        self.state = EMPTY
        self.template = None  # the demo's snapshot: a file path (SQLite) or a database name (PostgreSQL)
        self.template_files = None  # a copy of the files the demo stored (its lectures' PDFs)
        self.commits_seen = 0

    @property
    def is_sqlite(self):
        return self.url.get_backend_name() == "sqlite"

    # --- commits that reached the database ------------------------------------------------------------

    def watch_commits(self, engine):
        """Counts the real commits of ``engine`` (a rolled-back test that sees one left its data behind:
        the database is then treated as written)."""
        if not event.contains(engine, "commit", self._count_commit):
            event.listen(engine, "commit", self._count_commit)

    def _count_commit(self, connection):
        self.commits_seen += 1

    # --- the states ---------------------------------------------------------------------------------------

    def make_ready(self, want):
        """Bring the database to ``want`` (EMPTY or DEMO), doing nothing when it already holds it. The demo's
        template is built the first time it is wanted."""
        if want == DEMO and self.template is None:
            from diploma.demo import seed

            self.build_demo_template(seed)
        if want == DEMO:
            self._put_back_demo_files()
        if self.state == want:
            return
        if want == DEMO:
            self.restore_demo()
        else:
            empty_all_tables()
        self.state = want

    def build_demo_template(self, seed):
        """Seed the demo into the (emptied) test database, snapshot it (and the files it stored)."""
        empty_all_tables()
        seed()
        db.session.remove()
        db.engine.dispose()
        self.template_files = Path(tempfile.mkdtemp(prefix="diploma-demo-files-"))
        shutil.copytree(self.upload_folder, self.template_files, dirs_exist_ok=True)
        if self.is_sqlite:
            self.template = f"{self.url.database}.demo-template"
            shutil.copyfile(self.url.database, self.template)
        else:
            self.template = f"{self.url.database}_demo"
            with self._admin() as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{self.template}"')
                connection.execute(f'CREATE DATABASE "{self.template}" TEMPLATE "{self.url.database}"')
        self.state = DEMO

    def _put_back_demo_files(self):
        """A rolled-back test leaves the demo's rows but not the files it deleted (a lecture removed):
        the demo's files missing from the upload folder are copied back."""
        for source in self.template_files.rglob("*"):
            target = self.upload_folder / source.relative_to(self.template_files)
            if source.is_file() and not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)

    def restore_demo(self):
        db.session.remove()
        db.engine.dispose()
        if self.is_sqlite:
            for suffix in ("-journal", "-wal", "-shm"):
                if os.path.exists(self.url.database + suffix):
                    os.remove(self.url.database + suffix)
            shutil.copyfile(self.template, self.url.database)
            return
        with self._admin() as connection:
            connection.execute(f'DROP DATABASE "{self.url.database}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{self.url.database}" TEMPLATE "{self.template}"')

    def drop_template(self):
        if self.template_files is not None:
            shutil.rmtree(self.template_files, ignore_errors=True)
        if self.template is None:
            return
        if self.is_sqlite:
            if os.path.exists(self.template):
                os.remove(self.template)
        else:
            with self._admin() as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        self.template = None

    def _admin(self):
        dsn = self.url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
        return psycopg.connect(dsn, autocommit=True)


def empty_all_tables():
    db.session.rollback()
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


# --- tests inside one rolled-back transaction ------------------------------------------------------------

class JoinedSession(FlaskSession):
    """Flask-SQLAlchemy's session, on the test's connection: its ``get_bind`` picks the app's engine by
    itself, which would leave the outer transaction."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return bind if bind is not None else self.bind


@contextlib.contextmanager
def rolled_back(test_database):
    """Everything the test writes through ``db.session`` (its own commits, the requests' commits, a CLI
    command's) goes into one transaction of one connection, rolled back at the end: each session's commit
    releases a savepoint (``join_transaction_mode="create_savepoint"``), so the code under test commits as
    usual and reads what it committed. ``db.session`` is put back afterwards."""
    connection = db.engine.connect()
    outer = connection.begin()
    original = db.session
    db.session = db._make_scoped_session({"class_": JoinedSession, "bind": connection,
                                          "join_transaction_mode": "create_savepoint"})
    commits_before = test_database.commits_seen
    try:
        yield
    finally:
        db.session.remove()
        db.session = original
        outer.rollback()
        connection.close()
        if test_database.commits_seen != commits_before:
            test_database.state = DIRTY  # something committed through another connection
