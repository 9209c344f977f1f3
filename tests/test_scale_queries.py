"""The pages that issue 15 found growing with the data cost the same number of SQL queries at two data sizes,
and still show the right thing: a mark's history, the registrar's students list and name search, the
certificates list and the graduation report. (The times at 100 times the demo are bench/scale.py's.)"""
import re

from diploma.audit import AuditEvent
from diploma.certificates.views import ROWS_PER_PAGE
from diploma.curriculum.models import Cohort
from diploma.dashboard.services import DASHBOARD_COHORTS
from diploma.extensions import db
from diploma.web import PAGE_SIZE
from tests import factories
from tests.certificates.builders import graduating_cohort
from tests.grading.conftest import make_classroom
from tests.queries import queries_of


def describe(statements):
    return "\n".join(f"{i:3d}  {' '.join(s.split())[:200]}" for i, s in enumerate(statements, 1))


def same_count(small, large):
    assert len(small) == len(large), f"small:\n{describe(small)}\n\nlarge:\n{describe(large)}"


def rows_of(page, testid):
    table = re.search(rf'<table[^>]*data-testid="{testid}".*?<tbody>(.*?)</tbody>', page, re.DOTALL)[1]
    return re.findall(r"<tr>", table)


def students_shown(page):
    return page.count('class="stacked-title"')


def user_joins(statement):
    return len(re.findall(r'JOIN "?user"? ', statement))


# --- a mark's history ---------------------------------------------------------------------------------

def test_a_marks_history_costs_the_same_queries_however_long_the_log(client, login_as):
    factories.programme()
    room = make_classroom(2)
    room.gradebook()
    room.type(room.lecturer, {0: ("30", "40")})
    score = room.score(0)
    url = f"/offerings/{room.offering.id}/gradebook/scores/{score.id}/history"
    login_as(room.lecturer)
    small = queries_of(client, url)
    assert len(rows_of(client.get(url).get_data(as_text=True), "history")) == 1

    # The records again, in the session that queries_of started afresh.
    room.offering, room.lecturer = db.session.merge(room.offering), db.session.merge(room.lecturer)
    room.enrolments = [db.session.merge(enrolment) for enrolment in room.enrolments]
    names = (room.lecturer.name_en, room.lecturer.name_ar)  # before the requests expire the records
    db.session.add_all(AuditEvent(action="score.changed", target_type="Score", target_id=str(10**6 + i),
                                  actor_id=room.lecturer.id, data={"old": "1", "new": "2"})
                       for i in range(400))
    db.session.commit()
    for value in ("41", "42", "43"):
        room.type(room.lecturer, {0: (None, value)})
    large = queries_of(client, url)

    same_count(small, large)
    page = client.get(url).get_data(as_text=True)
    assert len(rows_of(page, "history")) == 4  # this mark's four changes, none of the 400 others
    assert names[0] in page or names[1] in page


# --- the registrar's students list and search -------------------------------------------------------

def school(size, university=None, prefix="طالب"):
    university = db.session.merge(university) if university else factories.university()
    cohort = factories.cohort()
    for number in range(size):
        factories.student(university=university, cohort=cohort, name_ar=f"{prefix} {number:03d}",
                          name_en=f"Student {number:03d}", password=None)
    return university


def test_the_students_list_costs_the_same_queries_for_3_and_60_students(client, login_as):
    home = school(3)
    registrar = factories.user(role="registrar", university=home)
    login_as(registrar)
    small = queries_of(client, "/students/")
    school(57, home, prefix="دارس")
    school(20, prefix="غريب")  # another university's students
    large = queries_of(client, "/students/")

    same_count(small, large)
    page = client.get("/students/").get_data(as_text=True)
    assert students_shown(page) == PAGE_SIZE
    assert "غريب" not in page
    assert "page=2" in re.search(r'<nav class="pagination".*?</nav>', page, re.DOTALL)[0]
    last_page = -(-60 // PAGE_SIZE)
    last = client.get(f"/students/?page={last_page}").get_data(as_text=True)
    assert students_shown(last) == 60 - (last_page - 1) * PAGE_SIZE and "غريب" not in last


def test_the_students_page_joins_the_accounts_once_and_counts_without_them(client, login_as):
    home = school(60)
    login_as(factories.user(role="registrar", university=home))

    statements = queries_of(client, "/students/")

    listing = [s for s in statements if "student_number" in s and "LIMIT" in s.upper()]
    counting = [s for s in statements if "count(" in s.lower() and "student" in s]
    assert len(listing) == 1 and user_joins(listing[0]) == 1, describe(statements)
    assert len(counting) == 1 and user_joins(counting[0]) == 0, describe(statements)


def test_the_name_search_costs_the_same_queries_for_3_and_60_students(client, login_as):
    home = school(3)
    login_as(factories.user(role="registrar", university=home))
    factories.student(university=home, name_ar="أحمد كاظم الجبوري", name_en="Ahmed Kadhim", password=None)
    small = queries_of(client, "/students/?q=احمد")
    home = school(57, home)
    for number in range(4):
        factories.student(university=home, name_ar=f"إبراهيم أحمد {number}", name_en=f"Ibrahim {number}",
                          password=None)
    factories.student(name_ar="أحمد من جامعة أخرى", name_en="Ahmed Elsewhere", password=None)
    large = queries_of(client, "/students/?q=احمد")

    same_count(small, large)
    page = client.get("/students/?q=احمد").get_data(as_text=True)
    assert students_shown(page) == 5
    assert "Elsewhere" not in page and "جامعة أخرى" not in page


# --- the certificates list -------------------------------------------------------------------------

def test_the_certificates_list_costs_the_same_queries_for_1_and_30_cohorts(client, login_as):
    home = school(2)
    login_as(factories.user(role="registrar", university=home))
    small = queries_of(client, "/certificates/")
    for _ in range(29):
        school(1, home)
    school(5)  # another university's students, in a cohort of their own
    large = queries_of(client, "/certificates/")

    same_count(small, large)
    page = client.get("/certificates/").get_data(as_text=True)
    assert len(rows_of(page, "cohorts")) == ROWS_PER_PAGE  # a page of cohorts, the latest first
    assert '<nav class="pagination"' in page
    second = client.get("/certificates/?page=2").get_data(as_text=True)
    assert len(rows_of(second, "cohorts")) == 31 - ROWS_PER_PAGE


def test_the_administrators_certificates_list_shows_a_page_of_rows_for_any_universities(client, login_as):
    for _ in range(7):
        school(1)  # seven universities, each with a cohort of its own
    login_as(factories.user(role="admin"))
    small = queries_of(client, "/certificates/")
    for _ in range(13):
        school(1)
    large = queries_of(client, "/certificates/")

    same_count(small, large)
    cohorts_a_page = ROWS_PER_PAGE // 20  # a row per cohort and university
    first = client.get("/certificates/").get_data(as_text=True)
    assert len(rows_of(first, "cohorts")) == cohorts_a_page * 20 <= ROWS_PER_PAGE
    newest = db.session.scalar(db.select(db.func.max(Cohort.id)))
    assert f"cohort-{newest}-" in first
    last_page = -(-20 // cohorts_a_page)
    last = client.get(f"/certificates/?page={last_page}").get_data(as_text=True)
    oldest = db.session.scalar(db.select(db.func.min(Cohort.id)))
    assert f"cohort-{oldest}-" in last


# --- the registrar's dashboard -----------------------------------------------------------------------

def test_the_registrars_dashboard_counts_only_the_newest_cohorts(client, login_as):
    home = school(2)
    registrar = factories.user(role="registrar", university=home)
    login_as(registrar)
    small = queries_of(client, "/dashboard")
    for size in range(3, 3 + 2 * DASHBOARD_COHORTS):
        home = school(size, home)
    school(9)  # another university's newest cohort
    large = queries_of(client, "/dashboard")

    same_count(small, large)
    page = client.get("/dashboard").get_data(as_text=True)
    shown = [int(number) for number in re.findall(r'<div class="stat">(\d+)</div>', page)]
    assert shown == list(range(3 + DASHBOARD_COHORTS, 3 + 2 * DASHBOARD_COHORTS))  # oldest of them first
    assert 'data-testid="all-cohorts"' in page


def test_the_certificates_list_counts_only_the_registrars_university(client, login_as):
    home = school(3)
    cohort_id = db.session.scalar(db.select(db.func.max(Cohort.id)))
    other = factories.university()
    for _ in range(4):
        factories.student(university=other, cohort=db.session.get(Cohort, cohort_id), password=None)
    login_as(factories.user(role="registrar", university=home))

    page = client.get("/certificates/").get_data(as_text=True)

    row = re.search(rf'cohort-{cohort_id}-{home.code}".*?</tr>', page, re.DOTALL)[0]
    assert re.findall(r"<td>(\d+)</td>", row) == ["3", "0"]
    statements = queries_of(client, "/certificates/")
    counting = [s for s in statements if "count(" in s.lower() and "group by" in s.lower()]
    assert counting and all("university_id =" in " ".join(s.split()) for s in counting), describe(statements)


# --- the graduation report -------------------------------------------------------------------------

def empty_database():
    """Every table emptied, as between two tests: the programme's required courses are each cohort
    builder's own, so two graduating cohorts cannot share one database."""
    db.session.rollback()
    for table in reversed(db.metadata.sorted_tables):  # through the session: inside the test's transaction
        db.session.execute(table.delete())
    db.session.commit()
    db.session.expunge_all()


def test_the_graduation_report_costs_the_same_queries_for_2_and_12_students(client, login_as):
    counts, pages = {}, {}
    for size in (2, 12):
        empty_database()
        cohort = graduating_cohort(size, courses=3)
        login_as(cohort.registrar)
        url = f"/certificates/cohorts/{cohort.cohort.id}"
        names = [student.user.name_ar for student in cohort.students]  # before the requests expire them
        counts[size] = queries_of(client, url)
        pages[size] = (names, client.get(url).get_data(as_text=True))
        client.post("/logout")

    same_count(counts[2], counts[12])
    names, page = pages[12]
    for name in names:
        assert name in page
