"""How many requests per second the app serves under load, page by page, next to a bare "hello" route.

What it does, in a temporary folder that is deleted at the end:

1. builds a throw-away SQLite database with the demo data, through the ``flask`` CLI
   (``flask --app wsgi db upgrade`` and ``flask --app wsgi demo seed``, DIPLOMA_INSTANCE_PATH pointing at
   the temporary folder), in the write-ahead-log journal that ``make run``'s job worker sets
   (``--journal delete`` for SQLite's default);
2. writes a small WSGI module there: the app made by ``diploma.create_app`` plus a ``@public``
   ``/bench-hello`` route that answers "hello" — the cost of gunicorn, Flask and the app's request hooks
   with no page and no query (it exists only in this benchmark, never in the product);
3. starts gunicorn on 127.0.0.1:<free port> (sync workers, 2 × cores + 1, by default) with the production
   configuration, the rate limits raised so that they do not get in the way (VERIFY_LIMIT, LOGIN_LIMIT_*);
4. logs in as a demo lecturer and as a student of one of the lecturer's current offerings (through the
   login form, CSRF token and all) to get their session cookies;
5. drives each page with ``wrk`` for a fixed time (10 s, 64 connections, 2 threads by default, after a
   short warm-up): the hello route, the student's dashboard, the student's course page, the lecturer's
   gradebook of that offering, and the public verification page of a demo certificate
   (``/verify/<serial>?code=…``);

and prints, per page, requests per second, median and 99th-percentile latency, errors (responses other
than 2xx/3xx, and socket errors: connect, read, write, timeout), and the page's throughput as a ratio of
the hello route's; then the verification page's ratio against its goal (at least 0.20 of the bare route,
the status read and the look counted every time) and whether it set a cookie (it must not: an anonymous
visitor gets no session). It exits with status 1 when any request failed (the goal: no errors at 64
connections).

Needs ``wrk`` (Debian: ``apt-get install wrk``). Traffic stays on 127.0.0.1.

Usage, from the project root:

    .venv/bin/python bench/load.py
    .venv/bin/python bench/load.py --duration 20 --connections 128 --threads 2
    .venv/bin/python bench/load.py --worker-class gthread --workers 3 --gthreads 8
    .venv/bin/python bench/load.py --pages hello verify      # only some pages
    .venv/bin/python bench/load.py --journal delete          # SQLite's rollback journal, not make run's WAL

It is a benchmark, not a test: it asserts nothing but that every page answers 200 before it is driven.
"""
import argparse
import http.client
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
USER_AGENT = "diploma-load-bench"
START_TIMEOUT = 120
HIGH_LIMIT = "1000000 per minute"
WSGI_MODULE = "bench_load_wsgi"
WSGI_SOURCE = '''"""The app plus a bare route, for bench/load.py only (not part of the product)."""
from diploma import create_app
from diploma.access import public

app = create_app()


@app.route("/bench-hello")
@public
def bench_hello():
    return "hello"
'''
CSRF_FIELD = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")
VERIFY_LINK = re.compile(r"(/verify/\S+)")
VERIFY_GOAL = 0.20  # the verification page's throughput over the bare route's
PAGES = ("hello", "dashboard", "course", "gradebook", "verify")
TITLES = {"hello": "hello (bare route)", "dashboard": "student dashboard", "course": "course page",
          "gradebook": "gradebook (lecturer)", "verify": "verification page"}


# --- the site ---------------------------------------------------------------------------------------

def site_environment(folder):
    env = {**os.environ, "DIPLOMA_INSTANCE_PATH": str(folder / "instance"),
           "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite'}", "UPLOAD_FOLDER": str(folder / "uploads"),
           "SECRET_KEY": secrets.token_urlsafe(32), "RATELIMIT_STORAGE_URI": "memory://",
           "VERIFY_LIMIT": HIGH_LIMIT, "LOGIN_LIMIT_PER_ADDRESS": HIGH_LIMIT,
           "LOGIN_LIMIT_PER_ACCOUNT": HIGH_LIMIT, "PYTHONPATH": str(PROJECT_ROOT)}
    env.pop("FLASK_DEBUG", None)
    return env


def flask_cli(env, *arguments):
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *arguments], cwd=PROJECT_ROOT,
                            env=env, capture_output=True, text=True, check=False)
    if result.returncode:
        sys.exit(f"flask {' '.join(arguments)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@dataclass
class Targets:
    lecturer: str
    student: str
    offering_id: int
    verify_path: str


def choose_targets(env, verify_path):
    """A demo lecturer's current offering with the most students, and one of its students (the e-mails)."""
    os.environ.update({k: env[k] for k in ("DIPLOMA_INSTANCE_PATH", "DATABASE_URL", "SECRET_KEY")})
    sys.path.insert(0, str(PROJECT_ROOT))
    from diploma import create_app
    from diploma.auth.models import User
    from diploma.enrolment.models import Enrolment, Student
    from diploma.extensions import db
    from diploma.teaching.models import Offering, offering_lecturer

    app = create_app()
    with app.app_context():
        students = db.func.count(Enrolment.id)
        row = db.session.execute(
            db.select(Offering.id, User.email, students).join(offering_lecturer,
                                                               offering_lecturer.c.offering_id == Offering.id)
            .join(User, User.id == offering_lecturer.c.user_id)
            .join(Enrolment, (Enrolment.offering_id == Offering.id) & (Enrolment.status == "active"))
            .where(User.email.like("lecturer.%"), Offering.status == "open")
            .group_by(Offering.id, User.email).order_by(students.desc(), Offering.id)).first()
        if row is None:
            sys.exit("the demo data has no open offering with students")
        offering_id, lecturer = row[0], row[1]
        student = db.session.scalar(
            db.select(User.email).join(Student, Student.user_id == User.id)
            .join(Enrolment, Enrolment.student_id == Student.id)
            .where(Enrolment.offering_id == offering_id, Enrolment.status == "active").order_by(User.email))
        db.session.remove()
        db.engine.dispose()
    return Targets(lecturer, student, offering_id, verify_path)


def build_site(folder, journal):
    env = site_environment(folder)
    print("building the demo database (flask db upgrade, flask demo seed) …", flush=True)
    started = time.perf_counter()
    flask_cli(env, "db", "upgrade")
    seeded = flask_cli(env, "demo", "seed")
    link = VERIFY_LINK.search(seeded)
    if link is None:
        sys.exit(f"the demo seed printed no verification address:\n{seeded}")
    targets = choose_targets(env, link.group(1))
    set_journal_mode(folder / "bench.sqlite", journal)
    print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    (folder / f"{WSGI_MODULE}.py").write_text(WSGI_SOURCE, encoding="utf-8")
    return env, targets


def set_journal_mode(path, journal):
    """``wal``: the write-ahead log that ``make run``'s job worker puts the database in (diploma.jobs.cli),
    where a write (the verification page counts each look) does not wait for a disk flush nor block the
    readers; ``delete``: SQLite's default rollback journal."""
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        connection.execute(f"PRAGMA journal_mode={journal}")
    finally:
        connection.close()


# --- gunicorn ---------------------------------------------------------------------------------------

class Gunicorn:
    def __init__(self, folder, env, workers, worker_class, threads):
        self.error_log = folder / "gunicorn.log"
        command = [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "--workers", str(workers),
                   "--worker-class", worker_class, "--pythonpath", str(folder), "--backlog", "2048",
                   "--error-logfile", str(self.error_log), f"{WSGI_MODULE}:app"]
        if worker_class == "gthread":
            command[-1:-1] = ["--threads", str(threads)]
        self.process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.port = None

    def wait_until_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                sys.exit(f"gunicorn ended ({self.process.returncode}):\n{self.log()}")
            if time.monotonic() > deadline:
                self.stop()
                sys.exit(f"gunicorn was not ready within {START_TIMEOUT} s:\n{self.log()}")
            if self.port is None:
                found = LISTENING.search(self.log())
                self.port = int(found.group(1)) if found else None
            elif request(self.port, "GET", "/bench-hello")[0] == 200:
                return self
            time.sleep(0.2)

    def log(self):
        return self.error_log.read_text(encoding="utf-8", errors="replace") if self.error_log.exists() else ""

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def request(port, method, path, form=None, cookie=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"User-Agent": USER_AGENT, "Connection": "close"}
    if cookie:
        headers["Cookie"] = cookie
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode("utf-8", errors="replace")
    except OSError as error:
        return None, None, str(error)
    finally:
        connection.close()


def session_cookie(port, email, password):
    """Log in through the form, as a browser does; the session cookie ("name=value")."""
    from diploma.demo import DEMO_PASSWORD

    status, headers, page = request(port, "GET", "/login")
    token = CSRF_FIELD.search(page or "")
    if status != 200 or token is None:
        sys.exit(f"GET /login answered {status}")
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    status, headers, page = request(port, "POST", "/login", {"csrf_token": token.group(1), "email": email,
                                                             "password": password or DEMO_PASSWORD},
                                    cookie=cookie)
    if status != 302:
        sys.exit(f"logging in as {email} answered {status}")
    return headers["Set-Cookie"].split(";", 1)[0]


# --- wrk --------------------------------------------------------------------------------------------

@dataclass
class Result:
    requests_per_second: float
    median_ms: float
    p99_ms: float
    requests: int
    non_2xx_3xx: int
    socket_errors: dict

    @property
    def errors(self):
        return self.non_2xx_3xx + sum(self.socket_errors.values())


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _milliseconds(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def parse_wrk(output):
    def find(pattern, default=None):
        found = re.search(pattern, output)
        if found is None and default is None:
            sys.exit(f"could not read wrk's output ({pattern}):\n{output}")
        return found.group(1) if found else default

    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return Result(
        requests_per_second=float(find(r"Requests/sec:\s+([\d.]+)")),
        median_ms=_milliseconds(find(r"\n\s+50%\s+(\S+)")),
        p99_ms=_milliseconds(find(r"\n\s+99%\s+(\S+)")),
        requests=int(find(r"(\d+) requests in")),
        non_2xx_3xx=int(find(r"Non-2xx or 3xx responses: (\d+)", "0")),
        socket_errors=dict(zip(("connect", "read", "write", "timeout"), map(int, sockets.groups()),
                               strict=True)) if sockets else {},
    )


def wrk(port, path, cookie, options, duration):
    command = ["wrk", "--threads", str(options.threads), "--connections", str(options.connections),
               "--duration", f"{duration}s", "--timeout", f"{options.timeout}s", "--latency",
               "--header", f"User-Agent: {USER_AGENT}"]
    if cookie:
        command += ["--header", f"Cookie: {cookie}"]
    result = subprocess.run([*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                            check=False)
    if result.returncode:
        sys.exit(f"wrk failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


# --- the run ----------------------------------------------------------------------------------------

def parse_arguments(argv):
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of untimed load first (default 2)")
    parser.add_argument("--connections", type=int, default=64, help="open connections (default 64)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--timeout", type=int, default=5, help="wrk's timeout per request, s (default 5)")
    parser.add_argument("--workers", type=int, default=2 * cores + 1,
                        help=f"gunicorn workers (default 2 × cores + 1 = {2 * cores + 1})")
    parser.add_argument("--worker-class", choices=("sync", "gthread"), default="sync",
                        help="gunicorn worker class (default sync)")
    parser.add_argument("--gthreads", type=int, default=4, help="threads per gthread worker (default 4)")
    parser.add_argument("--journal", choices=("wal", "delete"), default="wal",
                        help="SQLite's journal: wal, as under make run (default), or delete")
    parser.add_argument("--pages", nargs="+", choices=PAGES, default=list(PAGES),
                        help="the pages to drive (default: all; hello always runs, for the ratios)")
    return parser.parse_args(argv)


def main(argv=None):
    options = parse_arguments(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed. On Debian or Ubuntu: apt-get install wrk  (as root, or with sudo)",
              file=sys.stderr)
        return 2
    pages = ["hello", *(page for page in options.pages if page != "hello")]
    with tempfile.TemporaryDirectory(prefix="diploma-load-") as name:
        folder = Path(name)
        env, targets = build_site(folder, options.journal)
        server = Gunicorn(folder, env, options.workers, options.worker_class, options.gthreads)
        try:
            server.wait_until_ready()
            results = drive(server.port, targets, pages, options)
        finally:
            server.stop()
    report(results, options)
    return 1 if any(result.errors for _, _, result in results) else 0


def drive(port, targets, pages, options):
    student = session_cookie(port, targets.student, None)
    lecturer = session_cookie(port, targets.lecturer, None)
    plan = {"hello": ("/bench-hello", None), "dashboard": ("/dashboard", student),
            "course": (f"/courses/{targets.offering_id}", student),
            "gradebook": (f"/offerings/{targets.offering_id}/gradebook", lecturer),
            "verify": (targets.verify_path, None)}
    print(f"student {targets.student}, lecturer {targets.lecturer}, offering {targets.offering_id}")
    results = []
    for page in pages:
        path, cookie = plan[page]
        status, headers, body = request(port, "GET", path, cookie=cookie)
        if status != 200:
            sys.exit(f"{path} answered {status} before the load:\n{body[:500]}")
        if page == "verify":
            cookies = headers.get_all("Set-Cookie") or []
            print(f"  the verification page sets {len(cookies)} cookie(s)"
                  + (f": {', '.join(c.split('=', 1)[0] for c in cookies)}" if cookies else ""))
        if options.warmup:
            wrk(port, path, cookie, options, options.warmup)
        print(f"  {TITLES[page]}: {path} …", flush=True)
        results.append((page, path, parse_wrk(wrk(port, path, cookie, options, options.duration))))
    return results


def report(results, options):
    hello = next(result for page, _, result in results if page == "hello").requests_per_second
    print()
    print(f"gunicorn: {options.workers} {options.worker_class} workers"
          + (f" × {options.gthreads} threads" if options.worker_class == "gthread" else "")
          + f" on {os.cpu_count()} cores · wrk: {options.threads} threads, {options.connections} connections,"
          f" {options.duration} s per page (after {options.warmup} s of warm-up), timeout {options.timeout} s"
          f" · SQLite ({options.journal} journal), demo data")
    header = (f"{'page':<22} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'requests':>9} {'errors':>7} "
              f"{'× hello':>8}")
    print(header)
    print("-" * len(header))
    for page, _, result in results:
        print(f"{TITLES[page]:<22} {result.requests_per_second:>9.1f} {result.median_ms:>9.2f} "
              f"{result.p99_ms:>9.2f} {result.requests:>9} {result.errors:>7} "
              f"{result.requests_per_second / hello:>8.3f}")
    verify = next((result for page, _, result in results if page == "verify"), None)
    if verify is not None:
        ratio = verify.requests_per_second / hello
        print(f"\nverification page / bare route: {ratio:.3f} (goal ≥ {VERIFY_GOAL:.2f}: "
              f"{'yes' if ratio >= VERIFY_GOAL else 'NO'})")
    print()
    for _, path, result in results:
        if result.errors:
            print(f"ERRORS on {path}: {result.non_2xx_3xx} responses other than 2xx/3xx, socket errors "
                  + ", ".join(f"{kind} {count}" for kind, count in result.socket_errors.items()))
    if not any(result.errors for _, _, result in results):
        print(f"No errors at {options.connections} connections.")


if __name__ == "__main__":
    sys.exit(main())
