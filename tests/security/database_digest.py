"""A digest of every row of every table, small and quick enough to take around each of the hundreds of
refused requests of the route walk (tests/snapshots.py keeps every row, to describe a change: slower).

``database_digest()`` is {table name: digest of all its rows, every column, in primary-key order}: an
UPDATE, an INSERT, a DELETE or an INSERT paired with a DELETE changes the digest of its table. The rows are
rendered as text by the database itself (PostgreSQL: ``row::text`` and md5; SQLite: ``quote()`` of every
column), so that no Python object is built per row.

``DatabaseWatch`` takes the digest again only when a transaction may have written since the last one:
``database_version()`` changes with every commit that wrote (SQLite: the file change counter of the
database header; PostgreSQL: the next transaction id, which only a writing transaction takes). When the
version is unknown (an SQLite database in memory or in WAL mode), every call takes the digest.
"""
import hashlib

from diploma.extensions import db


def _postgresql_query(table, quote):
    order = ", ".join(f"t.{quote(column.name)}" for column in table.primary_key.columns)
    return (f"SELECT '{table.name}', md5(coalesce(string_agg(t::text, E'\\n' ORDER BY {order}), '')) "
            f"FROM {quote(table.name)} AS t")


def _sqlite_query(table, quote):
    # group_concat takes the rows in the order of the sub-query (SQLite < 3.44 has no ORDER BY inside it).
    row = " || ',' || ".join(f"quote({quote(column.name)})" for column in table.columns)
    order = ", ".join(quote(column.name) for column in table.primary_key.columns)
    return (f"SELECT '{table.name}', (SELECT group_concat(r, char(10)) FROM "
            f"(SELECT {row} AS r FROM {quote(table.name)} ORDER BY {order}))")


def _query(dialect):
    quote = dialect.identifier_preparer.quote
    build = {"postgresql": _postgresql_query, "sqlite": _sqlite_query}[dialect.name]
    return " UNION ALL ".join(build(table, quote) for table in db.metadata.sorted_tables)


_QUERIES = {}


def database_digest():
    """{table name: digest of its rows}, read on a connection of its own (what the requests committed)."""
    engine = db.engine
    query = _QUERIES.setdefault((engine.url, tuple(db.metadata.tables)), _query(engine.dialect))
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(query).all()
    return {name: hashlib.blake2b((text or "").encode(), digest_size=16).hexdigest() for name, text in rows}


def changed_tables(before, after):
    """The names of the tables whose rows differ between two digests."""
    return sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))


_JOURNAL_MODES = {}


def database_version():
    """A value that changes whenever a transaction that wrote commits; None when it cannot be known."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:  # a transaction that only reads takes no transaction id
            return connection.exec_driver_sql("SELECT pg_snapshot_xmax(pg_current_snapshot())::text").scalar()
    path = engine.url.database
    if engine.dialect.name != "sqlite" or not path or path == ":memory:" or path.startswith("file:"):
        return None
    if path not in _JOURNAL_MODES:
        with engine.connect() as connection:
            _JOURNAL_MODES[path] = connection.exec_driver_sql("PRAGMA journal_mode").scalar().lower()
    if _JOURNAL_MODES[path] == "wal":
        return None  # the header's counter is not kept up to date in WAL mode
    with open(path, "rb") as database:  # the header's "file change counter", bytes 24-27
        database.seek(24)
        return database.read(4)


class DatabaseWatch:
    """The digest of the database, taken again only when its version says something was committed."""

    def __init__(self):
        self.version = self.digest = None
        self.digests_taken = 0

    def current(self):
        version = database_version()  # before the digest: a later commit changes it again
        if self.digest is None or version is None or version != self.version:
            self.digest, self.version = database_digest(), version
            self.digests_taken += 1
        return self.digest
