"""Snapshots of everything a request can write, to compare before and after it: every row of every table
(the audit log among them) and every file under a folder (the uploads).

A refused request must leave both exactly as they were: comparing row counts would miss an UPDATE, an
INSERT paired with a DELETE, or a file overwritten in place; comparing snapshots does not.

    before = database_snapshot(), folder_snapshot(folder)
    ...
    after = database_snapshot(), folder_snapshot(folder)
    assert after == before, describe_changes(*before, *after)
"""
import hashlib
import os
import time

from diploma.extensions import db

DIRECTORY = "<directory>"


def database_snapshot(tables=None, newer_than=None):
    """{table name: [row, ...]} for every table of ``db.metadata``, in dependency order, each table's rows
    ordered by primary key, a row being the tuple of all its columns. Values are read as the database
    writes them out (``CAST(... AS TEXT)``, NULL as None): nothing is lost or rounded on the way, and
    reading stays fast (a few milliseconds for the demo's thousands of rows).

    ``tables``: only the tables named. ``newer_than``: {table name: key} for tables of an integer primary
    key (``integer_key``): of those, only the rows of a greater key.

    Read through the session, whose transaction is then ended (rolled back): the test holds no read
    transaction afterwards (on SQLite it would block the next request's write), and what is read is what a
    request sees."""
    newer_than = newer_than or {}
    dialect = db.session.get_bind().dialect
    snapshot = {}
    try:
        cursor = db.session.connection().connection.cursor()
        for table in db.metadata.sorted_tables:
            if tables is not None and table.name not in tables:
                continue
            cursor.execute(_query(table, dialect, newer_than.get(table.name)))
            snapshot[table.name] = cursor.fetchall()
        cursor.close()
    finally:
        db.session.rollback()
    return snapshot


_QUERIES = {}


def _comparable(column):
    """The column as text (one comparable form on every engine), but for binary data (kept PDFs, CRLs):
    read as bytes, which no text encoding holds."""
    return column if isinstance(column.type, db.LargeBinary) else db.cast(column, db.Text)


def _query(table, dialect, newer_than=None):
    """The SQL reading the table's rows (compiled once), or those of an integer key above ``newer_than``."""
    select = db.select(*[_comparable(column) for column in table.columns]) \
        .order_by(*table.primary_key.columns)
    if newer_than is not None:
        key, = table.primary_key.columns
        return str(select.where(key > int(newer_than)).compile(dialect=dialect,
                                                                compile_kwargs={"literal_binds": True}))
    if (dialect.name, table.name) not in _QUERIES:
        _QUERIES[dialect.name, table.name] = str(select.compile(dialect=dialect))
    return _QUERIES[dialect.name, table.name]


def integer_key(table_name):
    """The position of the table's primary key in its rows when that key is one integer column, else
    None."""
    table = db.metadata.tables[table_name]
    key = list(table.primary_key.columns)
    if len(key) == 1 and isinstance(key[0].type, db.Integer):
        return list(table.columns).index(key[0])
    return None


def folder_snapshot(path):
    """{path relative to ``path``: sha256 of its content} for every file under ``path`` (and
    ``DIRECTORY`` for every folder under it, so that a folder made and left empty shows too)."""
    snapshot = {}
    for folder, folders, files in os.walk(path):
        relative = os.path.relpath(folder, path)
        for name in folders:
            snapshot[os.path.normpath(os.path.join(relative, name))] = DIRECTORY
        for name in files:
            snapshot[os.path.normpath(os.path.join(relative, name))] = _sha256(os.path.join(folder, name))
    return dict(sorted(snapshot.items()))


_HASHES = {}  # {(path, inode, size, mtime, ctime): sha256}
RACY_NS = 2 * 10**9


def _sha256(path):
    """The file's sha256, hashed again only when the file may have changed since (its inode, size, times).
    As git does with its index: a file changed in the last two seconds is hashed every time, so that a
    second write within the file system's timestamp granularity is never missed."""
    stat = os.stat(path)
    key = (path, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
    digest = _HASHES.get(key)
    if digest is None:
        with open(path, "rb") as file:
            digest = hashlib.file_digest(file, "sha256").hexdigest()
        if time.time_ns() - max(stat.st_mtime_ns, stat.st_ctime_ns) > RACY_NS:
            _HASHES[key] = digest
    return digest


def table_changes(before, after):
    """{table name: {"added": [row], "removed": [row], "changed": [(old values, new values)]}} for every
    table whose rows differ between two ``database_snapshot``s, rows matched by primary key and shown as
    {column: value} (for a changed row, only the columns that changed)."""
    tables = {table.name: table for table in db.metadata.sorted_tables}
    changes = {}
    for name in sorted(set(before) | set(after)):
        if before.get(name) == after.get(name):
            continue
        columns = [column.name for column in tables[name].columns]
        key = [columns.index(column.name) for column in tables[name].primary_key.columns]
        old, new = ({tuple(row[i] for i in key): dict(zip(columns, row, strict=True)) for row in
                     snapshot.get(name, [])} for snapshot in (before, after))
        changes[name] = {
            "added": [new[k] for k in new if k not in old],
            "removed": [old[k] for k in old if k not in new],
            "changed": [({c: v for c, v in old[k].items() if new[k][c] != v},
                         {c: v for c, v in new[k].items() if old[k][c] != v})
                        for k in old if k in new and old[k] != new[k]],
        }
    return changes


def file_changes(before, after):
    """{"added": [path], "removed": [path], "changed": [path]} between two ``folder_snapshot``s, or {}."""
    changes = {"added": sorted(set(after) - set(before)), "removed": sorted(set(before) - set(after)),
               "changed": sorted(path for path in set(before) & set(after) if before[path] != after[path])}
    return {kind: paths for kind, paths in changes.items() if paths}


def describe_changes(before_rows, before_files, after_rows, after_files, limit=2000):
    """What was written between two snapshots (of the database, of the folder), briefly, for an assertion
    message."""
    text = []
    for name, change in table_changes(before_rows, after_rows).items():
        text.append(f"table {name}: " + "; ".join(f"{kind} {rows}" for kind, rows in change.items() if rows))
    files = file_changes(before_files, after_files)
    if files:
        text.append(f"files under the folder: {files}")
    described = " | ".join(text) or "nothing"
    return described if len(described) <= limit else described[:limit] + " …"
