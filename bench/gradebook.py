"""How the gradebook page scales with the number of students.

Builds a throw-away database (SQLite in a temporary folder; also PostgreSQL when TEST_DATABASE_URL names a
server, for example ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``: a database of its own is
created there and dropped at the end), with the schema from the migrations, and two offerings of 30 and
300 students with every mark entered (coursework and final exam, some absent). It then times
``GET /offerings/<id>/gradebook`` as the offering's lecturer through the Flask test client — the median
of N runs after a few warm-up requests, each request in its own app context and session as in
production — and prints, per database, the time at 30 and at 300 students, the time per student, the
number of SQL queries of one request, and the ratio 300/30 (students × 10: a ratio well under 10 means
fixed costs dominate; the query count must not grow).

Usage, from the project root:

    .venv/bin/python bench/gradebook.py                      # SQLite (and PostgreSQL if TEST_DATABASE_URL)
    .venv/bin/python bench/gradebook.py --runs 50 --warmup 5
    .venv/bin/python bench/gradebook.py --sizes 30 300 1000
    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/gradebook.py

It is a benchmark, not a test: it asserts nothing but that each page answers 200.
"""
import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from flask_migrate import upgrade  # noqa: E402

from bench.databases import counting_queries, make_app, postgresql_database, sqlite_database  # noqa: E402
from diploma.extensions import db  # noqa: E402
from tests import factories  # noqa: E402
from tests.grading.conftest import full_marks, make_classroom  # noqa: E402


def build_offerings(app, sizes):
    """One offering per size, every mark entered; returns {size: (offering id, lecturer's e-mail)}."""
    offerings = {}
    with app.app_context():
        logging.disable(logging.INFO)  # the migrations' progress lines
        try:
            upgrade()
        finally:
            logging.disable(logging.NOTSET)
        factories.programme()
        for size in sizes:
            room = make_classroom(size, bulk=True)
            room.gradebook()
            room.fill(full_marks(size))
            offerings[size] = (room.offering.id, room.lecturer.email)
        db.session.remove()
    return offerings


def time_page(app, offering_id, email, runs, warmup):
    """(median seconds, number of queries) of the gradebook page as its lecturer."""
    client = app.test_client()
    login = client.post("/login", data={"email": email, "password": factories.PASSWORD})
    assert login.status_code == 302, "the lecturer could not log in"
    url = f"/offerings/{offering_id}/gradebook"

    def get():
        response = client.get(url)
        response.get_data()
        assert response.status_code == 200, response.status_code

    for _ in range(warmup):
        get()
    with counting_queries(app) as statements:
        get()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        get()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), len(statements)


def bench(label, database_url, sizes, runs, warmup):
    with tempfile.TemporaryDirectory() as uploads:
        app = make_app(database_url, uploads)
        started = time.perf_counter()
        offerings = build_offerings(app, sizes)
        print(f"{label}: built {len(sizes)} offerings ({', '.join(map(str, sizes))} students) "
              f"in {time.perf_counter() - started:.1f} s")
        results = {size: time_page(app, offering_id, email, runs, warmup)
                   for size, (offering_id, email) in offerings.items()}
        with app.app_context():
            db.engine.dispose()
    for size, (median, queries) in results.items():
        print(f"  {size:5d} students: {median * 1000:8.1f} ms   {median * 1000 / size:6.3f} ms/student   "
              f"{queries} queries")
    smallest, largest = min(sizes), max(sizes)
    ratio = results[largest][0] / results[smallest][0]
    print(f"  ratio {largest}/{smallest}: {ratio:.2f}× for {largest / smallest:g}× the students; "
          f"queries {results[smallest][1]} → {results[largest][1]}")
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="timed requests per page (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first (default 3)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[30, 300], help="students (default 30 300)")
    options = parser.parse_args(argv)
    print(f"GET /offerings/<id>/gradebook as the lecturer: median of {options.runs} runs "
          f"after {options.warmup} warm-up requests")
    with sqlite_database() as url:
        bench("SQLite", url, options.sizes, options.runs, options.warmup)
    server = os.environ.get("TEST_DATABASE_URL")
    if server:
        with postgresql_database(server) as url:
            bench("PostgreSQL", url, options.sizes, options.runs, options.warmup)
    else:
        print("PostgreSQL: skipped (set TEST_DATABASE_URL to a server to include it)")


if __name__ == "__main__":
    main()
