"""Counting the SQL statements of a request, for the tests that hold a page to a fixed number of queries."""
from contextlib import contextmanager

from sqlalchemy import event

from diploma.extensions import db


@contextmanager
def counting_queries():
    statements = []

    def record(connection, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def queries_of(client, url):
    """The SQL statements one GET issues (after a warm-up request of the same page)."""
    assert client.get(url).status_code == 200  # warm-up: the gradebook exists, caches are filled
    db.session.remove()  # a request starts with an empty identity map
    with counting_queries() as statements:
        response = client.get(url)
        assert response.status_code == 200
        response.get_data()
    db.session.remove()
    return statements
