"""What the benchmarks run on: a throwaway database (a SQLite file in a temporary folder, or a database of its
own on a PostgreSQL server, created, then dropped), the app configured for it, and a query counter."""
import os
import secrets
import tempfile
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import make_url

from diploma import create_app
from diploma.config import TestConfig
from diploma.extensions import db


@contextmanager
def sqlite_database(stem="bench"):
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{Path(folder) / f'{stem}.sqlite'}"


@contextmanager
def postgresql_database(server, stem="bench"):
    """A database of its own on the server, dropped afterwards."""
    url = make_url(server)
    name = f"diploma_{stem}_{os.getpid()}_{secrets.token_hex(4)}"
    admin_dsn = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_app(database_url, upload_folder):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        UPLOAD_FOLDER = upload_folder

    return create_app(Config)


@contextmanager
def counting_queries(app):
    """The SQL statements ``app`` sends while the block runs, in a list."""
    statements = []

    def record(connection, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
