"""Print the PostgreSQL server the tests should use, or nothing when there is none.

TEST_DATABASE_URL wins; otherwise a server on 127.0.0.1:5432 with the user postgres is tried.
"""
import os

import psycopg

DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def main():
    url = os.environ.get("TEST_DATABASE_URL") or DEFAULT
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(dsn, connect_timeout=3):
            print(url)
    except psycopg.Error:
        pass


if __name__ == "__main__":
    main()
