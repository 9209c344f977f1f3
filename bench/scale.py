"""Flat cost at N times the data: the main pages of every role at ×1 (the demo) and ×N, and their ratio.

What it does, on two throw-away databases (SQLite in a temporary folder by default; with ``DATABASE_URL``
naming a PostgreSQL server, for example ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``, two
databases of their own there, dropped at the end):

1. builds the schema from the migrations and loads the demo (``diploma.demo.seed``);
2. builds a second one the same way and grows it to N times the demo realistically, with bulk inserts
   (Core ``INSERT``s of many rows, no ORM objects): older cohorts over the years (up to 19 of them, about
   72 × (N − 1) students in all, Arabic and English names with the usual spelling variants), their closed
   offerings at every university with published gradebooks, every student's enrolments and marks
   (coursework and final exam), a certificate for each graduate, and an audit event for every mark entered
   and certificate issued. The demo accounts and their records are left as they were; then ``VACUUM
   ANALYZE`` (what autovacuum would have done; SQLite: ``ANALYZE``);
3. times each page below on both databases through the Flask test client, the requests to the two in
   turn (the machine's load falls on both alike), each in its own app context and session as in
   production: the median of ``--runs`` after ``--warmup`` (of the whole request, and of its SQL statements
   up to their first row: SQLite reads the rest while the rows are fetched), and the SQL statements of one
   request;
4. prints per page the times and the query count at ×1 and ×N and the ratio, then the graduation report's
   cost per student (``graduation_report`` alone, on the largest cohort of one university).

Goals (issue 15): at ×100 no page grows more than 1.5× in time and no query count grows; the graduation
report costs a fraction of a millisecond per student.

Usage, from the project root:

    .venv/bin/python bench/scale.py                    # SQLite, ×100
    .venv/bin/python bench/scale.py --times 20 --runs 10
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/scale.py

It is a benchmark, not a test: it asserts nothing but that every page answers 200.
"""
import argparse
import logging
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import event

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from bench.databases import counting_queries, make_app, postgresql_database, sqlite_database  # noqa: E402
from diploma.arabic import fold_for_search  # noqa: E402
from diploma.audit import AuditEvent  # noqa: E402
from diploma.auth.models import User  # noqa: E402
from diploma.certificates import graduation, issuing  # noqa: E402
from diploma.certificates.models import Certificate, SerialCounter  # noqa: E402
from diploma.curriculum.models import Cohort, Course, Term  # noqa: E402
from diploma.demo import DEMO_PASSWORD  # noqa: E402
from diploma.enrolment.models import Enrolment, Student  # noqa: E402
from diploma.extensions import db  # noqa: E402
from diploma.grading.models import Assessment, Gradebook, Score  # noqa: E402
from diploma.partners.models import University  # noqa: E402
from diploma.teaching.models import Offering, offering_lecturer  # noqa: E402

CHUNK = 5000
MAX_ARCHIVE_COHORTS = 19
FIRST_NAMES = (  # (Arabic, English, gender): hamza forms, taa marbuta and alef maqsura on purpose
    ("أحمد", "Ahmed", "m"), ("إبراهيم", "Ibrahim", "m"), ("مصطفى", "Mustafa", "m"), ("عيسى", "Issa", "m"),
    ("يحيى", "Yahya", "m"), ("علي", "Ali", "m"), ("حسين", "Hussein", "m"), ("أسامة", "Osama", "m"),
    ("آمنة", "Amna", "f"), ("فاطمة", "Fatima", "f"), ("زينب", "Zainab", "f"), ("مريم", "Maryam", "f"),
    ("هدى", "Huda", "f"), ("سلمى", "Salma", "f"), ("إسراء", "Israa", "f"), ("رقية", "Ruqaya", "f"),
)
FATHER_NAMES = (("محمد", "Mohammed"), ("عبد الله", "Abdullah"), ("كاظم", "Kadhim"), ("جاسم", "Jasim"),
                ("حسن", "Hassan"), ("عمر", "Omar"), ("خالد", "Khalid"), ("سعد", "Saad"), ("موسى", "Musa"))
FAMILY_NAMES = (("الكبيسي", "Al-Kubaisi"), ("الجبوري", "Al-Jubouri"), ("العبيدي", "Al-Obaidi"),
                ("الموسوي", "Al-Musawi"), ("الحسيني", "Al-Husseini"), ("الدليمي", "Al-Dulaimi"),
                ("الشمري", "Al-Shammari"), ("التميمي", "Al-Tamimi"), ("الأنصاري", "Al-Ansari"))
SEARCH = "احمد"  # typed without the hamza: finds أحمد


# --- databases ---------------------------------------------------------------------------------------

def build_demo(app):
    from flask_migrate import upgrade

    from diploma.demo import seed

    with app.app_context():
        logging.disable(logging.INFO)  # the migrations' progress lines
        try:
            upgrade()
        finally:
            logging.disable(logging.NOTSET)
        seed()
        db.session.remove()


# --- growing the data --------------------------------------------------------------------------------

class Ids:
    """Explicit primary keys for bulk inserts, after each table's largest."""

    def __init__(self):
        self.next = {}

    def take(self, model):
        table = model.__table__
        if table.name not in self.next:
            self.next[table.name] = (db.session.scalar(db.select(db.func.max(table.c.id))) or 0) + 1
        value = self.next[table.name]
        self.next[table.name] += 1
        return value


def _insert(table, rows):
    for start in range(0, len(rows), CHUNK):
        db.session.execute(table.insert(), rows[start:start + CHUNK])


def _reset_sequences():
    """After explicit ids, PostgreSQL's sequences continue after the largest (SQLite needs nothing)."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key:
            db.session.execute(db.text(
                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                f"coalesce((SELECT max(id) FROM \"{table.name}\"), 1))"))


def _person(rng):
    first_ar, first_en, gender = rng.choice(FIRST_NAMES)
    father_ar, father_en = rng.choice(FATHER_NAMES)
    grand_ar, grand_en = rng.choice(FATHER_NAMES)
    family_ar, family_en = rng.choice(FAMILY_NAMES)
    return f"{first_ar} {father_ar} {grand_ar} {family_ar}", f"{first_en} {father_en} {family_en}", gender


class Grower:
    def __init__(self, times, seed=15):
        self.rng = random.Random(seed)
        self.ids = Ids()
        self.times = times
        self.now = datetime(2026, 11, 1, 10)
        self.programme_id = db.session.scalar(db.select(Course.programme_id))
        self.courses = db.session.scalars(db.select(Course).order_by(Course.code)).all()
        self.universities = db.session.scalars(db.select(University).order_by(University.id)).all()
        self.password_hash = db.session.scalar(db.select(User.password_hash).where(User.role == "admin"))
        self.lecturers = {u.id: db.session.scalars(db.select(User.id).where(
            User.role == "lecturer", User.university_id == u.id).order_by(User.id)).all()
            for u in self.universities}
        self.registrars = {u.id: db.session.scalar(db.select(User.id).where(
            User.role == "registrar", User.university_id == u.id)) for u in self.universities}
        published = db.session.scalar(db.select(Gradebook).where(Gradebook.published_round >= 1))
        self.published_rules = published.published_rules
        self.assessments = [(a.name_ar, a.name_en, a.weight, a.max_score, a.is_final)
                            for a in published.assessments]
        snapshot = db.session.scalar(db.select(Certificate.snapshot).order_by(Certificate.id))
        self.snapshot = snapshot
        self.demo_students = db.session.scalar(db.select(db.func.count()).select_from(Student))
        self.serials = {}

    def grow(self):
        new_students = self.demo_students * (self.times - 1)
        cohorts = min(self.times - 1, MAX_ARCHIVE_COHORTS)
        for index in range(cohorts):
            size = new_students // cohorts + (1 if index < new_students % cohorts else 0)
            self.archive_cohort(index, size)
        self.serial_counters()
        _reset_sequences()
        db.session.commit()

    def terms_of(self, start_year):
        """The four terms (two academic years × two semesters) of a cohort starting in ``start_year``."""
        terms = []
        for year in (start_year, start_year + 1):
            for semester, (ar, en) in enumerate((("الفصل الأول", "First semester"),
                                                 ("الفصل الثاني", "Second semester")), start=1):
                name_en = f"{en} {year}–{year + 1} (archive)"
                term_id = db.session.scalar(db.select(Term.id).where(Term.name_en == name_en))
                if term_id is None:
                    term_id = self.ids.take(Term)
                    starts = date(year, 10, 1) if semester == 1 else date(year + 1, 2, 18)
                    _insert(Term.__table__, [{"id": term_id, "name_ar": f"{ar} {year}–{year + 1}",
                                              "name_en": name_en, "starts_on": starts,
                                              "ends_on": starts + timedelta(days=130)}])
                terms.append(term_id)
        return terms

    def archive_cohort(self, index, size):
        start_year = 2022 - index
        cohort_id = self.ids.take(Cohort)
        _insert(Cohort.__table__, [{"id": cohort_id, "programme_id": self.programme_id,
                                    "name_ar": f"دفعة {start_year}–{start_year + 2}",
                                    "name_en": f"Cohort {start_year}–{start_year + 2}",
                                    "start_year": start_year, "end_year": start_year + 2}])
        terms = self.terms_of(start_year)
        users, students = [], []
        for number in range(size):
            university = self.universities[number % len(self.universities)]
            name_ar, name_en, gender = _person(self.rng)
            user_id, student_id = self.ids.take(User), self.ids.take(Student)
            email = f"s{start_year}.{number}@scale.example.org"
            users.append({"id": user_id, "email": email, "password_hash": self.password_hash,
                          "name_ar": name_ar, "name_en": name_en, "role": "student",
                          "university_id": university.id, "active": True,
                          "session_token": secrets.token_urlsafe(16), "created_at": self.now,
                          "search_text": fold_for_search(f"{name_ar} {name_en} {email}")[:700]})
            students.append({"id": student_id, "user_id": user_id, "university_id": university.id,
                             "cohort_id": cohort_id, "student_number": f"{start_year}{number:05d}",
                             "gender": gender, "_names": (name_ar, name_en)})
        _insert(User.__table__, users)
        _insert(Student.__table__, [{k: v for k, v in s.items() if k != "_names"} for s in students])
        self.offerings_and_marks(cohort_id, terms, students)
        self.certificates(cohort_id, start_year, students)

    def offerings_and_marks(self, cohort_id, terms, students):
        offerings, lecturers, gradebooks, assessments = [], [], [], []
        enrolments, scores, events = [], [], []
        by_university = {}
        for student in students:
            by_university.setdefault(student["university_id"], []).append(student)
        for university_id, members in by_university.items():
            lecturer = self.lecturers[university_id][0]
            for course in self.courses:
                term_id = terms[course.semester - 1]
                offering_id, gradebook_id = self.ids.take(Offering), self.ids.take(Gradebook)
                offerings.append({"id": offering_id, "course_id": course.id, "university_id": university_id,
                                  "term_id": term_id, "capacity": max(30, len(members)), "status": "closed",
                                  "created_at": self.now})
                lecturers += [{"offering_id": offering_id, "user_id": user_id}
                              for user_id in self.lecturers[university_id]]
                gradebooks.append({"id": gradebook_id, "offering_id": offering_id, "status": "published",
                                   "current_round": 1, "published_round": 1, "published_at": self.now,
                                   "submitted_at": self.now, "published_rules": self.published_rules,
                                   "published_by_id": self.registrars[university_id]})
                parts = []
                for position, part in enumerate(self.assessments, start=1):
                    name_ar, name_en, weight, max_score, is_final = part
                    assessment_id = self.ids.take(Assessment)
                    parts.append((assessment_id, max_score))
                    assessments.append({"id": assessment_id, "gradebook_id": gradebook_id,
                                        "position": position, "name_ar": name_ar, "name_en": name_en,
                                        "weight": weight, "max_score": max_score, "is_final": is_final})
                for student in members:
                    enrolment_id = self.ids.take(Enrolment)
                    enrolments.append({"id": enrolment_id, "student_id": student["id"],
                                       "offering_id": offering_id, "status": "active",
                                       "enrolled_at": self.now})
                    level = self.rng.uniform(0.55, 0.98)
                    for assessment_id, max_score in parts:
                        value = (Decimal(max_score) * Decimal(str(round(min(1, level + self.rng.uniform(
                            -0.05, 0.05)), 2)))).quantize(Decimal("0.01"))
                        score_id = self.ids.take(Score)
                        scores.append({"id": score_id, "enrolment_id": enrolment_id,
                                       "assessment_id": assessment_id, "attempt": 1, "value": value,
                                       "absent": False, "version": 1, "updated_at": self.now,
                                       "updated_by_id": lecturer})
                        events.append({"id": self.ids.take(AuditEvent), "created_at": self.now,
                                       "actor_id": lecturer, "action": "score.changed",
                                       "target_type": "Score", "target_id": str(score_id), "data": {
                                           "student_id": student["id"], "offering_id": offering_id,
                                           "round": 1, "old": "", "new": str(value)}})
        for table, rows in ((Offering.__table__, offerings), (offering_lecturer, lecturers),
                            (Gradebook.__table__, gradebooks), (Assessment.__table__, assessments),
                            (Enrolment.__table__, enrolments), (Score.__table__, scores),
                            (AuditEvent.__table__, events)):
            _insert(table, rows)

    def certificates(self, cohort_id, start_year, students):
        year = start_year + 2
        rows, events = [], []
        codes = {u.id: u for u in self.universities}
        for rank, student in enumerate(students, start=1):
            university = codes[student["university_id"]]
            number = self.serials[(university.id, year)] = self.serials.get((university.id, year), 0) + 1
            serial = f"PCS-{university.code}-{year}-{number:04d}"
            name_ar, name_en = student["_names"]
            snapshot = {**self.snapshot, "serial": serial, "issued_on": f"{year}-07-15", "rank": rank,
                        "student": {"name_ar": name_ar, "name_en": name_en, "gender": student["gender"],
                                    "student_number": student["student_number"]}}
            certificate_id = self.ids.take(Certificate)
            rows.append({"id": certificate_id, "serial": serial, "university_id": university.id, "year": year,
                         "number": number, "verification_code": secrets.token_urlsafe(16),
                         "student_id": student["id"], "programme_id": self.programme_id,
                         "cohort_id": cohort_id, "issued_on": date(year, 7, 15),
                         "issued_by_id": self.registrars[university.id], "status": "valid",
                         "snapshot": snapshot, "created_at": self.now})
            events.append({"id": self.ids.take(AuditEvent), "created_at": self.now,
                           "actor_id": self.registrars[university.id], "action": "certificate.issued",
                           "target_type": "Certificate", "target_id": str(certificate_id),
                           "data": {"serial": serial, "student_id": student["id"]}})
        _insert(Certificate.__table__, rows)
        _insert(AuditEvent.__table__, events)

    def serial_counters(self):
        _insert(SerialCounter.__table__, [{"university_id": university_id, "year": year, "last_number": last}
                                          for (university_id, year), last in self.serials.items()])


def counts():
    tables = {"cohorts": Cohort, "students": Student, "enrolments": Enrolment, "marks": Score,
              "certificates": Certificate, "audit events": AuditEvent}
    return {name: db.session.scalar(db.select(db.func.count()).select_from(model))
            for name, model in tables.items()}


# --- the pages ---------------------------------------------------------------------------------------

def plan(app):
    """(role, page, e-mail, url) of the pages measured; found in the demo, so the same at ×1 and ×N."""
    with app.app_context():
        mosul = db.session.scalar(db.select(University).where(University.slug == "mosul"))
        first = db.session.scalar(db.select(Cohort).order_by(Cohort.start_year.desc(), Cohort.id)
                                  .where(Cohort.name_en == "First cohort"))
        current = db.session.scalar(
            db.select(Offering).join(Gradebook, Gradebook.offering_id == Offering.id)
            .where(Offering.university_id == mosul.id, Offering.status == "open",
                   Gradebook.status == "draft"))
        score_id = db.session.scalar(
            db.select(Score.id).join(Enrolment, Enrolment.id == Score.enrolment_id)
            .where(Enrolment.offering_id == current.id).order_by(Score.id))
        verify = issuing.verification_url(*db.session.execute(
            db.select(Certificate.serial, Certificate.verification_code).order_by(Certificate.id)).first())
        db.session.remove()
    registrar, lecturer = "registrar.mosul@example.org", "lecturer.mosul@example.org"
    history = f"/offerings/{current.id}/gradebook/scores/{score_id}/history"
    return [
        ("admin", "dashboard", "admin@example.org", "/dashboard"),
        ("admin", "students", "admin@example.org", "/students/"),
        ("admin", "certificates list", "admin@example.org", "/certificates/"),
        ("registrar", "dashboard", registrar, "/dashboard"),
        ("registrar", "students", registrar, "/students/"),
        ("registrar", "students, page 2", registrar, "/students/?page=2"),
        ("registrar", f"search «{SEARCH}»", registrar, f"/students/?q={SEARCH}"),
        ("registrar", "certificates list", registrar, "/certificates/"),
        ("registrar", "graduation report", registrar, f"/certificates/cohorts/{first.id}"),
        ("lecturer", "dashboard", lecturer, "/dashboard"),
        ("lecturer", "gradebook", lecturer, f"/offerings/{current.id}/gradebook"),
        ("lecturer", "mark history", lecturer, history),
        ("student", "dashboard", "student.mosul.7@example.org", "/dashboard"),
        ("student", "course page", "student.mosul.7@example.org", f"/courses/{current.id}"),
        ("student", "my grades", "student.mosul.1@example.org", "/grades/"),
        ("public", "verification", None, verify.replace("http://localhost", "")),
    ]


@contextmanager
def timing_statements(app):
    """The durations (s) of the SQL statements run inside the block."""
    durations, started = [], {}

    def before(connection, cursor, statement, parameters, context, executemany):
        started[id(cursor)] = time.perf_counter()

    def after(connection, cursor, statement, parameters, context, executemany):
        durations.append(time.perf_counter() - started.pop(id(cursor)))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield durations
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


class Visitor:
    """The test clients of one app, logged in once per account."""

    def __init__(self, app):
        self.app, self.clients = app, {}

    def get(self, email, url):
        if email not in self.clients:
            self.clients[email] = self.app.test_client()
            if email:
                response = self.clients[email].post("/login",
                                                    data={"email": email, "password": DEMO_PASSWORD})
                assert response.status_code == 302, f"{email} could not log in"
        response = self.clients[email].get(url)
        response.get_data()
        assert response.status_code == 200, (url, response.status_code)

    def timed(self, email, url):
        """(seconds of the whole request, seconds of its SQL statements)."""
        with timing_statements(self.app) as durations:
            started = time.perf_counter()
            self.get(email, url)
            total = time.perf_counter() - started
        return total, sum(durations)

    def queries(self, email, url):
        with counting_queries(self.app) as statements:
            self.get(email, url)
        return len(statements)


def measure(small_app, large_app, runs, warmup):
    """{(role, page): ((median s, median SQL s, queries) at ×1, (the same) at ×N)}. The two databases'
    requests alternate, so that a change of load on the machine (it is shared) falls on both alike."""
    visitors = (Visitor(small_app), Visitor(large_app))
    plans = (plan(small_app), plan(large_app))
    results = {}
    for small_page, large_page in zip(*plans, strict=True):
        role, page = small_page[:2]
        targets = tuple(zip(visitors, (small_page, large_page), strict=True))
        for visitor, (_, _, email, url) in targets:
            for _ in range(warmup):
                visitor.get(email, url)
        queries = [visitor.queries(email, url) for visitor, (_, _, email, url) in targets]
        timings = ([], [])
        for _ in range(runs):
            for index, (visitor, (_, _, email, url)) in enumerate(targets):
                timings[index].append(visitor.timed(email, url))
        results[(role, page)] = tuple((statistics.median(total for total, _ in timings[index]),
                                       statistics.median(sql for _, sql in timings[index]), queries[index])
                                      for index in (0, 1))
    return results


def report_cost_per_student(app, runs):
    """(ms per student, students) of ``graduation_report`` on the largest cohort of one university."""
    with app.app_context():
        cohort_id, university_id, size = db.session.execute(
            db.select(Student.cohort_id, Student.university_id, db.func.count())
            .group_by(Student.cohort_id, Student.university_id).order_by(db.func.count().desc())).first()
        timings = []
        for _ in range(runs):
            db.session.remove()
            cohort, university = db.session.get(Cohort, cohort_id), db.session.get(University, university_id)
            started = time.perf_counter()
            graduation.graduation_report(university, cohort)
            timings.append(time.perf_counter() - started)
        db.session.remove()
    return statistics.median(timings) * 1000 / size, size


def analyze():
    """Fresh planner statistics after the bulk load, as autovacuum (``VACUUM ANALYZE``, PostgreSQL) or
    ``ANALYZE`` (SQLite) would give a database that grew over the years."""
    db.session.commit()
    command = "VACUUM ANALYZE" if db.engine.dialect.name == "postgresql" else "ANALYZE"
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(db.text(command))


def build(label, database_url, uploads, times):
    app = make_app(database_url, uploads)
    started = time.perf_counter()
    build_demo(app)
    with app.app_context():
        if times > 1:
            Grower(times).grow()
        analyze()
        sizes = counts()
        db.session.remove()
    print(f"{label}: ×{times} built in {time.perf_counter() - started:.1f} s: "
          + ", ".join(f"{count} {name}" for name, count in sizes.items()), flush=True)
    return app


def bench(label, database_urls, times, runs, warmup):
    with tempfile.TemporaryDirectory() as uploads:
        small_app = build(label, database_urls[0], uploads, 1)
        large_app = build(label, database_urls[1], uploads, times)
        results = measure(small_app, large_app, runs, warmup)
        reports = [report_cost_per_student(app, runs) for app in (small_app, large_app)]
        for app in (small_app, large_app):
            with app.app_context():
                db.engine.dispose()
    header = (f"{'role':<10} {'page':<26} {'×1 ms':>8} {f'×{times} ms':>9} {'ratio':>6} "
              f"{'SQL ×1':>7} {f'SQL ×{times}':>8} {'×1 q':>5} {f'×{times} q':>6}")
    print(f"\n{label}: median of {runs} requests (the two databases in turn) after {warmup} warm-up requests")
    print(header)
    print("-" * len(header))
    worst = 0
    for (role, page), ((t1, s1, q1), (tn, sn, qn)) in results.items():
        worst = max(worst, tn / t1)
        flag = "" if qn <= q1 else "  ← more queries"
        print(f"{role:<10} {page:<26} {t1 * 1000:>8.2f} {tn * 1000:>9.2f} {tn / t1:>6.2f} {s1 * 1000:>7.2f} "
              f"{sn * 1000:>8.2f} {q1:>5} {qn:>6}{flag}")
    print(f"largest time ratio: {worst:.2f} (goal ≤ 1.5)")
    print(f"graduation report: {reports[0][0]:.3f} ms per student ({reports[0][1]} students) at ×1, "
          f"{reports[1][0]:.3f} ms per student ({reports[1][1]} students) at ×{times}\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--times", type=int, default=100, help="how many times the demo (default 100)")
    parser.add_argument("--runs", type=int, default=15, help="timed requests per page (default 15)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first (default 3)")
    options = parser.parse_args(argv)
    server = os.environ.get("DATABASE_URL", "")
    if server.startswith("postgresql"):
        with postgresql_database(server, 'scale') as small, postgresql_database(server, 'scale') as large:
            bench("PostgreSQL", (small, large), options.times, options.runs, options.warmup)
    else:
        with sqlite_database('scale') as small, sqlite_database('scale') as large:
            bench("SQLite", (small, large), options.times, options.runs, options.warmup)


if __name__ == "__main__":
    main()
