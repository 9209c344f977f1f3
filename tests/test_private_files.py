"""The instance folder is private to the service's account (issue 25, finding 5): started as ``make run``
starts it (no test configuration), the app makes the folder 0700 and everything it then writes there 0600 —
the SQLite database, the job queue, a job's result, an upload — and tightens what was already there."""
import os
import stat
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent

STARTED = """
import sqlite3
from pathlib import Path
from wsgi import app
from diploma.jobs import queue
instance = Path(app.instance_path)
with app.app_context():
    connection = sqlite3.connect(instance / "diploma.sqlite")
    connection.execute("create table t (x)")
    connection.commit()
    queue.huey_of(app).pending_count()  # the queue's SQLite file, made by Huey
    results = Path(app.config["JOB_RESULT_FOLDER"])
    results.mkdir(parents=True, exist_ok=True)
    (results / "certificates.zip").write_bytes(b"PK")
    uploads = Path(app.config["UPLOAD_FOLDER"], "materials")
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / "x.pdf").write_bytes(b"%PDF")
"""


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_the_instance_folder_and_what_the_app_writes_there_are_private(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    instance.chmod(0o755)
    before = instance / "public_base_url"
    before.write_text("http://127.0.0.1:5000\n")
    before.chmod(0o644)
    environment = {**os.environ, "DIPLOMA_INSTANCE_PATH": str(instance), "SECRET_KEY": "x" * 40,
                   "DATABASE_URL": f"sqlite:///{instance / 'diploma.sqlite'}", "FLASK_DEBUG": "0"}
    environment.pop("TEST_DATABASE_URL", None)
    finished = subprocess.run([sys.executable, "-c", STARTED], cwd=PROJECT, env=environment,
                              capture_output=True, text=True, timeout=120, check=False)
    assert finished.returncode == 0, finished.stderr[-2000:]
    modes = {str(path.relative_to(instance)): _mode(path) for path in [instance, *instance.rglob("*")]}
    assert _mode(instance) == 0o700
    assert {"diploma.sqlite", "jobs-queue.sqlite", "job-results/certificates.zip", "uploads/materials/x.pdf",
            "public_base_url"} <= set(modes), modes
    for name, mode in modes.items():
        expected = 0o700 if (instance / name).is_dir() else 0o600
        assert mode == expected, f"{name}: {oct(mode)}"
