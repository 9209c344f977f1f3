"""What the job queue costs, and whether the site stays fast while it works.

In a throw-away site (the demo data, SQLite by default; ``DATABASE_URL=postgresql+psycopg://…`` for
PostgreSQL, with ``REDIS_URL`` for the Redis queue), Mosul's first cohort is grown to 500 valid certificates
(copies of its real ones under new serials: the same snapshots, so the same pages). Then:

1. the 500 certificates printed as one signed PDF called directly (``documents.batch_pdf``, what the command
   line does) in this process, next to the same print through the queue: the registrar's POST to the print
   page, a real worker process (``flask --app wsgi jobs worker``), until the job's page says it is done
   (the worker's pickup, the heartbeat, the result file written and the status read included). Each is run
   once to warm up, then timed ``--runs`` times; the medians and their ratio are printed (goal: < 1.05);
2. the student dashboard served by gunicorn (as ``make run``: one worker, eight threads), timed idle, then
   while a 500-certificate print job runs in the worker; the medians and their ratio (goal: < 1.5).

    .venv/bin/python bench/jobs.py [--runs 3] [--requests 40]

A benchmark, not a test: it prints numbers and asserts only that each PDF has 500 pages.
"""
import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SIZE = 500
REGISTRAR, STUDENT, PASSWORD = "registrar.mosul@example.org", "student.mosul.1@example.org", "peace-demo-2024"


def environment(folder):
    env = {**os.environ, "DIPLOMA_INSTANCE_PATH": str(folder), "SECRET_KEY": "bench-secret",
           "SIGNING_PASSPHRASE": "bench-passphrase", "UPLOAD_FOLDER": str(folder / "uploads"),
           "JOB_RESULT_FOLDER": str(folder / "results"), "JOBS_SQLITE_PATH": str(folder / "queue.sqlite"),
           "JOBS_QUEUE_NAME": f"diploma-bench-{os.getpid()}"}
    env.setdefault("DATABASE_URL", f"sqlite:///{folder / 'bench.sqlite'}")
    return env


def flask(env, *arguments):
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *arguments], cwd=PROJECT_ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)


def grow_cohort(size):
    """Mosul's first cohort, grown to ``size`` valid certificates; returns (university, cohort id)."""
    from diploma.certificates.models import Certificate
    from diploma.extensions import db
    from diploma.partners.models import University

    university = db.session.scalar(db.select(University).where(University.slug == "mosul"))
    real = db.session.scalars(db.select(Certificate).where(Certificate.university_id == university.id)
                              .order_by(Certificate.number)).all()
    for index in range(size - len(real)):
        model = real[index % len(real)]
        number = 1000 + index
        serial = f"PCS-{university.code}-{model.year}-{number:04d}"
        db.session.add(Certificate(
            serial=serial, university_id=university.id, year=model.year, number=number,
            verification_code=f"bench{number}", student_id=model.student_id, programme_id=model.programme_id,
            cohort_id=model.cohort_id, issued_on=model.issued_on, status="valid",
            snapshot={**model.snapshot, "serial": serial}, edition=100 + index,
            signing_key_id=model.signing_key_id))
    db.session.commit()
    return university, real[0].cohort_id


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Session:
    """A logged-in browser, in plain HTTP (requests), with the CSRF token of each form."""

    def __init__(self, base, email):
        import requests

        self.base, self.http = base, requests.Session()
        self.post("/login", {"email": email, "password": PASSWORD}, "/login")

    def token(self, page):
        return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)[1]

    def post(self, path, data, form_page):
        token = self.token(self.http.get(self.base + form_page).text)
        return self.http.post(self.base + path, data={"csrf_token": token, **data}, allow_redirects=False)

    def get(self, path):
        return self.http.get(self.base + path)


def start(command, env, log):
    return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(process):
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def print_job(registrar, cohort_id):
    """Start a 500-certificate print on the web; returns the job's path."""
    choice = {"language": "ar", "order": "rank", "format": "pdf"}
    response = registrar.post(f"/jobs/print/{cohort_id}", choice, f"/jobs/print/{cohort_id}")
    assert response.status_code == 302, response.text[:500]
    return response.headers["Location"].replace(registrar.base, "")


def wait_done(registrar, job):
    while True:
        status = registrar.get(f"{job}/status.json").json()
        if status["finished"]:
            assert status["state"] == "done", status
            return status
        time.sleep(0.05)


def queued_print(registrar, cohort_id):
    started = time.perf_counter()
    job = print_job(registrar, cohort_id)
    wait_done(registrar, job)
    elapsed = time.perf_counter() - started
    data = registrar.get(f"{job}/result").content
    return elapsed, data


def page_times(session, path, count):
    times = []
    for _ in range(count):
        started = time.perf_counter()
        response = session.get(path)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=40)
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="diploma-bench-jobs-") as name:
        folder = Path(name)
        env = environment(folder)
        os.environ.update({key: env[key] for key in env if key.startswith(("DIPLOMA_", "SECRET", "SIGNING",
                                                                           "UPLOAD", "JOB", "DATABASE",
                                                                           "REDIS"))})
        if str(PROJECT_ROOT) not in sys.path:
            sys.path.insert(0, str(PROJECT_ROOT))
        print("building the site (demo data, 500 certificates) …", flush=True)
        flask(env, "db", "upgrade")
        flask(env, "demo", "seed")
        from diploma import create_app
        from diploma.certificates import services
        from diploma.signing import documents

        app = create_app()
        with app.app_context():
            university, cohort_id = grow_cohort(SIZE)
            chosen = services.printable_certificates(university.id, cohort_id)
            assert len(chosen) == SIZE
            print(f"database: {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}, queue: "
                  f"{app.config['JOBS_BACKEND']}, cores: {os.cpu_count()}", flush=True)
            direct = []
            for run in range(options.runs + 1):
                started = time.perf_counter()
                data = documents.batch_pdf(university, chosen, "ar")
                if run:
                    direct.append(time.perf_counter() - started)
            assert page_count(data) == SIZE
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env["PUBLIC_BASE_URL"] = base
        logs = folder / "logs.txt"
        with open(logs, "w") as log:
            web = start([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                         "--threads", "8", "wsgi:app"], env, log)
            worker = start([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"], env, log)
            try:
                wait_for_port(port)
                registrar, student = Session(base, REGISTRAR), Session(base, STUDENT)
                queued = []
                for run in range(options.runs + 1):
                    elapsed, data = queued_print(registrar, cohort_id)
                    if run:
                        queued.append(elapsed)
                assert page_count(data) == SIZE
                page_times(student, "/dashboard", 5)  # warm
                idle = page_times(student, "/dashboard", options.requests)
                job = print_job(registrar, cohort_id)
                while registrar.get(f"{job}/status.json").json()["state"] != "running":
                    time.sleep(0.05)
                busy = page_times(student, "/dashboard", options.requests)
                still_running = registrar.get(f"{job}/status.json").json()["state"] == "running"
                wait_done(registrar, job)
            finally:
                stop(worker)
                stop(web)
        report(direct, queued, idle, busy, still_running)


def wait_for_port(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit("gunicorn did not start")


def page_count(data):
    from pypdf import PdfReader

    return len(PdfReader(BytesIO(data)).pages)


def report(direct, queued, idle, busy, still_running):
    d, q = statistics.median(direct), statistics.median(queued)
    i, b = statistics.median(idle), statistics.median(busy)
    print(f"\nprint {SIZE} certificates (one signed PDF), median of {len(direct)} runs:")
    print(f"  called directly        {d:7.2f} s")
    print(f"  through the queue      {q:7.2f} s   ratio queue/direct {q / d:.3f}  (goal < 1.05)")
    print(f"\nstudent dashboard, median of {len(idle)} requests:")
    print(f"  idle server            {i * 1000:7.1f} ms")
    print(f"  while the print runs   {b * 1000:7.1f} ms   ratio {b / i:.2f}  (goal < 1.5)"
          + ("" if still_running else "  [the job ended before the last request]"))


if __name__ == "__main__":
    main()
