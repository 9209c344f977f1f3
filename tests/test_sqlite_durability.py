"""SQLite's flush setting follows its journal: in the write-ahead log a commit is not flushed by itself
(``synchronous=NORMAL``: never corrupted, a crash of the app loses nothing); in the rollback journal it
stays SQLite's default (``FULL``), where NORMAL could corrupt the file on a power cut."""
import sqlite3

import pytest
from sqlalchemy import create_engine

from diploma import _configure_sqlite_connection  # noqa: F401 - the hook listens on every Engine


@pytest.mark.engine_independent
@pytest.mark.parametrize(("journal", "synchronous"), [("wal", 1), ("delete", 2)])
def test_the_flush_setting_follows_the_journal(tmp_path, journal, synchronous):
    path = tmp_path / "flush.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA journal_mode={journal}")
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == synchronous
    engine.dispose()
