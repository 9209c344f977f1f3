"""What the job queue costs, and whether the site stays fast while it works.

In a throw-away site (the demo data, SQLite by default; ``DATABASE_URL=postgresql+psycopg://…`` for
PostgreSQL, with ``REDIS_URL`` for the Redis queue), Mosul's first cohort is grown to 500 valid certificates
(copies of its real ones under new serials: the same snapshots, so the same pages). Then:

1. the 500 certificates printed as one signed PDF called directly (``documents.batch_pdf``, what the command
   line does) in this process, next to the same print through the queue: the registrar's POST to the print
   page, a real worker process (``flask --app wsgi jobs worker``), until the job's page says it is done
   (the worker's pickup, the heartbeat, the result file written and the status read included). Each is run
   once to warm up, then timed ``--runs`` times; the medians and their ratio are printed (goal: < 1.05);
2. the student dashboard served by gunicorn (as ``make run``: one worker, eight threads), timed on an idle
   site, then over the whole of a 500-certificate print job in the worker, from its start to its end; the
   medians (and 90th percentiles) and their ratio (goal: < 1.5). Once with one student asking again and
   again, once with ``--clients`` more students asking at the same time (a busy site).

The worker runs at the niceness ``JOBS_NICE`` gives it (10 by default; ``JOBS_NICE=0`` to compare).

    .venv/bin/python bench/jobs.py [--runs 3] [--clients 3]

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
import threading
import time
from concurrent.futures import ThreadPoolExecutor
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
    from diploma.certificates.issuing import draw_status_indexes
    from diploma.certificates.models import Certificate
    from diploma.extensions import db
    from diploma.partners.models import University

    university = db.session.scalar(db.select(University).where(University.slug == "mosul"))
    real = db.session.scalars(db.select(Certificate).where(Certificate.university_id == university.id)
                              .order_by(Certificate.number)).all()
    places = draw_status_indexes(university.id, size - len(real))
    for index in range(size - len(real)):
        model = real[index % len(real)]
        number = 1000 + index
        serial = f"PCS-{university.code}-{model.year}-{number:04d}"
        db.session.add(Certificate(
            serial=serial, university_id=university.id, year=model.year, number=number,
            verification_code=f"bench{number}", student_id=model.student_id, programme_id=model.programme_id,
            cohort_id=model.cohort_id, issued_on=model.issued_on, status="valid",
            snapshot={**model.snapshot, "serial": serial}, edition=100 + index,
            signing_key_id=model.signing_key_id, status_index=places[index]))
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


def times_until(session, path, finished, pause):
    """``path`` asked again and again, ``pause`` seconds apart, until ``finished`` is set: each one's time."""
    times = []
    while not finished.is_set():
        times += page_times(session, path, 1)
        time.sleep(pause)
    return times


def dashboard_times(registrar, cohort_id, students, pause=0.1):
    """The dashboard's request times, ``students`` asking at the same time, each again and again: (on an idle
    site for 40 rounds, over the whole of a print job from its start to its end: building the pages' HTML,
    rendering them on every core, merging, signing)."""
    finished = threading.Event()
    with ThreadPoolExecutor(len(students)) as pool:
        idle = [pool.submit(times_until, student, "/dashboard", finished, pause) for student in students]
        time.sleep(40 * pause)
        finished.set()
        idle = [seconds for future in idle for seconds in future.result()]
        finished.clear()
        job = print_job(registrar, cohort_id)
        busy = [pool.submit(times_until, student, "/dashboard", finished, pause) for student in students]
        wait_done(registrar, job)
        finished.set()
        return idle, [seconds for future in busy for seconds in future.result()]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", type=int, default=3)
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
        from diploma.certificates import documents, issuing

        app = create_app()
        with app.app_context():
            university, cohort_id = grow_cohort(SIZE)
            chosen = issuing.printable_certificates(university.id, cohort_id)
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
                students = [Session(base, STUDENT) for _ in range(options.clients)]
                page_times(student, "/dashboard", 5)  # warm
                alone = dashboard_times(registrar, cohort_id, [student])
                together = dashboard_times(registrar, cohort_id, [student, *students])
            finally:
                stop(worker)
                stop(web)
        report(direct, queued, alone, together, options.clients + 1)


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


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(direct, queued, alone, together, clients):
    d, q = statistics.median(direct), statistics.median(queued)
    print(f"\nprint {SIZE} certificates (one signed PDF), median of {len(direct)} runs:")
    print(f"  called directly        {d:7.2f} s")
    print(f"  through the queue      {q:7.2f} s   ratio queue/direct {q / d:.3f}  (goal < 1.05)")
    print(f"  (the worker's niceness: {os.environ.get('JOBS_NICE', '10 (default)')})")
    for label, (idle_times, busy_times) in (("one student asking", alone),
                                            (f"{clients} students asking at once", together)):
        i, b = statistics.median(idle_times), statistics.median(busy_times)
        i90, b90 = percentile(idle_times, 0.9), percentile(busy_times, 0.9)
        print(f"\nstudent dashboard, {label} (median, 90th percentile):")
        print(f"  idle server          {i * 1000:6.1f} ms {i90 * 1000:6.1f} ms ({len(idle_times)} requests)")
        print(f"  while the print runs {b * 1000:6.1f} ms {b90 * 1000:6.1f} ms ({len(busy_times)} requests)"
              f"   ratio of medians {b / i:.2f}  (goal < 1.5), of 90th percentiles {b90 / i90:.2f}")


if __name__ == "__main__":
    main()
