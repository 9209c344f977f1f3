"""The migrations build exactly the schema the models describe, and ``flask db upgrade`` works."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from diploma import create_app
from diploma.config import TestConfig
from diploma.extensions import db


def schema_differences(engine):
    """What autogenerate would put in a new migration: the differences between database and models."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "compare_server_default": True})
        return compare_metadata(context, db.metadata)


def test_the_migrated_database_has_exactly_the_schema_of_the_models(app):
    """The session database was built by ``upgrade()`` in conftest, on SQLite or PostgreSQL."""
    assert schema_differences(db.engine) == []


def test_the_migrated_database_has_every_table_of_the_models(app):
    tables = set(inspect(db.engine).get_table_names())
    assert {table.name for table in db.metadata.sorted_tables} <= tables
    assert "alembic_version" in tables


@pytest.fixture
def empty_sqlite_app(tmp_path, upload_folder):
    """An app on a new, empty SQLite file, with its own app context pushed: the CLI commands use the
    current app, which would otherwise be the session's (conftest keeps its context pushed)."""

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
        UPLOAD_FOLDER = upload_folder

    fresh = create_app(Config)
    with fresh.app_context():
        yield fresh
        db.session.remove()
        db.engine.dispose()


def test_flask_db_upgrade_builds_an_empty_sqlite_file(empty_sqlite_app, tmp_path):
    assert not (tmp_path / "fresh.sqlite").exists()
    runner = empty_sqlite_app.test_cli_runner()

    result = runner.invoke(args=["db", "upgrade"])

    assert result.exit_code == 0, result.output
    assert (tmp_path / "fresh.sqlite").is_file()
    assert schema_differences(db.engine) == []
    assert db.session.scalar(db.text("SELECT count(*) FROM university")) == 0


def test_flask_db_downgrade_to_base_and_upgrade_again(empty_sqlite_app, tmp_path):
    runner = empty_sqlite_app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0

    down = runner.invoke(args=["db", "downgrade", "base"])

    assert down.exit_code == 0, down.output
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0, up.output
    assert schema_differences(db.engine) == []


def test_the_session_database_was_left_alone(app):
    """The commands above ran on their own file, not on the database the other tests use."""
    assert {table.name for table in db.metadata.sorted_tables} <= set(inspect(db.engine).get_table_names())
