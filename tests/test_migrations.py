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


# --- issue 15: the indexes of migration 9b5d3f7c2e14, on the suite's kind of database ---------------------

SCALE_REVISION, BEFORE_SCALE = "9b5d3f7c2e14", "8a4c2e6b1d03"
SCALE_INDEXES = {"audit_event": {"ix_audit_event_target"},
                 "certificate": {"ix_certificate_university_cohort"},
                 "student": {"ix_student_number_trgm", "ix_student_university_cohort"},
                 "user": {"ix_user_search_text_trgm"}}
TRIGRAM_INDEXES = ("ix_user_search_text_trgm", "ix_student_number_trgm")


@pytest.fixture
def fresh_database(database_url, tmp_path, upload_folder):
    """An app on a new, empty database of the suite's kind (a SQLite file, or a database of its own on the
    PostgreSQL server, dropped afterwards), its app context pushed."""
    import secrets

    import psycopg
    from sqlalchemy.engine import make_url

    admin_dsn = None
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    else:
        server = make_url(database_url)
        name = f"diploma_migrations_{secrets.token_hex(4)}"
        admin_dsn = server.set(drivername="postgresql", database="postgres") \
            .render_as_string(hide_password=False)
        with psycopg.connect(admin_dsn, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        url = server.set(database=name).render_as_string(hide_password=False)

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        UPLOAD_FOLDER = upload_folder

    fresh = create_app(Config)
    with fresh.app_context():
        yield fresh
        db.session.remove()
        db.engine.dispose()
    if admin_dsn:
        with psycopg.connect(admin_dsn, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def scale_indexes_present():
    inspector = inspect(db.engine)
    return {table: names & {index["name"] for index in inspector.get_indexes(table)}
            for table, names in SCALE_INDEXES.items()}


def test_the_scale_indexes_come_with_their_migration_and_go_with_its_downgrade(fresh_database):
    from flask_migrate import downgrade, upgrade

    upgrade(revision=SCALE_REVISION)
    assert scale_indexes_present() == SCALE_INDEXES
    if db.engine.dialect.name == "postgresql":
        definitions = dict(db.session.execute(db.text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN :names")
            .bindparams(db.bindparam("names", expanding=True)), {"names": list(TRIGRAM_INDEXES)}).all())
        for name in TRIGRAM_INDEXES:
            assert "USING gin" in definitions[name] and "gin_trgm_ops" in definitions[name], definitions
            assert "fastupdate=off" in definitions[name], definitions
        db.session.rollback()

    downgrade(revision=BEFORE_SCALE)
    assert scale_indexes_present() == {table: set() for table in SCALE_INDEXES}

    upgrade(revision=SCALE_REVISION)
    assert scale_indexes_present() == SCALE_INDEXES
    upgrade()  # the audit log's index on (target_type, target_id) later became one on target_key
    assert schema_differences(db.engine) == []


def audit_rows():
    return db.session.execute(db.text("SELECT target_type, target_id, target_key FROM audit_event "
                                      "ORDER BY id")).all()


def test_the_audit_target_key_is_filled_from_the_text_id_and_goes_with_its_downgrade(fresh_database):
    from flask_migrate import downgrade, upgrade

    upgrade(revision="f4a9c2d7e813")
    db.session.execute(db.text(
        "INSERT INTO audit_event (created_at, action, target_type, target_id, data) VALUES "
        "('2026-01-01', 'certificate.verified', 'Certificate', '42', '{}'), "
        "('2026-01-01', 'user.login_failed', NULL, NULL, '{}'), "
        "('2026-01-01', 'odd.target', 'Thing', 'x7', '{}')"))
    db.session.commit()

    upgrade(revision="6d2f8a1c4b90")
    assert audit_rows() == [("Certificate", "42", 42), (None, None, None), ("Thing", "x7", None)]
    indexes = {index["name"] for index in inspect(db.engine).get_indexes("audit_event")}
    assert "ix_audit_event_target_key" in indexes and "ix_audit_event_target" not in indexes
    db.session.rollback()

    downgrade(revision="f4a9c2d7e813")
    columns = {column["name"] for column in inspect(db.engine).get_columns("audit_event")}
    assert "target_key" not in columns
    indexes = {index["name"] for index in inspect(db.engine).get_indexes("audit_event")}
    assert "ix_audit_event_target" in indexes


def user_indexes():
    return {index["name"]: index["column_names"] for index in inspect(db.engine).get_indexes("user")}


def test_the_students_by_name_index_comes_with_its_migration_and_goes_with_its_downgrade(fresh_database):
    from flask_migrate import downgrade, upgrade

    upgrade(revision="d3e8b1f6a072")
    assert user_indexes()["ix_user_name_ar_id"] == ["name_ar", "id"]

    downgrade(revision="ac6e4a8d3f25")
    assert "ix_user_name_ar_id" not in user_indexes()

    upgrade()
    assert "ix_user_name_ar_id" in user_indexes()
    assert schema_differences(db.engine) == []
