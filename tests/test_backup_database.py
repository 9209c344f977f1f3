"""The configured database as backups see it (diploma.backup_database); the dump and restore themselves are
tested end to end in tests/test_backup.py."""
from sqlalchemy.engine import make_url

from diploma import backup_database


def test_the_postgresql_password_goes_in_the_environment_not_the_command_line(monkeypatch):
    monkeypatch.setattr(backup_database.shutil, "which", lambda program: f"/usr/bin/{program}")
    url = make_url("postgresql+psycopg://diploma:s3cr%40t@db.example.org:6432/diploma?sslmode=require")

    argv, env = backup_database.libpq_command("pg_dump", url, "--format=custom")

    assert argv == ["/usr/bin/pg_dump", "--format=custom",
                    "--dbname=postgresql://diploma@db.example.org:6432/diploma?sslmode=require"]
    assert not any("s3cr" in argument for argument in argv)
    assert env["PGPASSWORD"] == "s3cr@t"
