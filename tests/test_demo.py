"""The demo data set: ``flask --app wsgi demo seed``."""
from collections import Counter

from markupsafe import escape

from diploma.auth.models import User
from diploma.curriculum.models import Cohort, Course
from diploma.demo import DEMO_PASSWORD
from diploma.enrolment.models import Student
from diploma.extensions import db
from diploma.partners.models import University

CODES = ["BGD", "TIK", "ANB", "BSR", "KRB", "KUF", "MSL"]


def row_counts():
    db.session.expire_all()
    return {table.name: db.session.scalar(db.select(db.func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def cohorts():
    return db.session.scalars(db.select(Cohort).order_by(Cohort.start_year)).all()


def test_the_seed_command_is_idempotent(runner):
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert DEMO_PASSWORD in first.output
    counts = row_counts()
    assert counts["university"] == 7
    assert counts["student"] > 44

    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0, second.output
    assert row_counts() == counts


def test_seven_universities_with_their_codes_and_signatories(demo):
    universities = db.session.scalars(db.select(University).order_by(University.id)).all()
    assert [u.code for u in universities] == CODES
    assert all(u.signatories and u.name_ar.startswith("جامعة") for u in universities)


def test_the_first_cohort_has_44_students_from_all_seven_universities(demo):
    first, _second = cohorts()
    students = db.session.scalars(db.select(Student).where(Student.cohort_id == first.id)).all()
    assert len(students) == 44
    assert {s.university.code for s in students} == set(CODES)


def test_the_second_cohort_has_students_at_every_university(demo):
    _first, second = cohorts()
    per_university = Counter(s.university.code for s in db.session.scalars(
        db.select(Student).where(Student.cohort_id == second.id)))
    assert set(per_university) == set(CODES)


def test_there_are_10_to_12_courses(demo):
    assert 10 <= db.session.scalar(db.select(db.func.count()).select_from(Course)) <= 12


def test_every_student_has_a_gender_and_a_four_part_arabic_name(demo):
    students = db.session.scalars(db.select(Student)).all()
    assert students
    for student in students:
        assert student.gender in ("m", "f"), student.student_number
        assert len(student.user.name_ar.split()) >= 4, student.user.name_ar
        assert len(student.user.name_en.split()) >= 4, student.user.name_en


def test_student_numbers_are_unique_within_each_university(demo):
    pairs = [(s.university_id, s.student_number) for s in db.session.scalars(db.select(Student))]
    assert len(pairs) == len(set(pairs))


def demo_accounts():
    slugs = db.session.scalars(db.select(University.slug).order_by(University.id)).all()
    accounts = [("admin@example.org", "admin")]
    for slug in slugs:
        accounts += [(f"registrar.{slug}@example.org", "registrar"),
                     (f"lecturer.{slug}@example.org", "lecturer"),
                     (f"student.{slug}.1@example.org", "student")]
    return accounts


def test_every_demo_account_logs_in_with_the_demo_password_and_lands_on_its_dashboard(demo, app):
    accounts = demo_accounts()
    assert len(accounts) == 1 + 3 * 7
    for email, role in accounts:
        user = db.session.scalar(db.select(User).where(User.email == email))
        assert user is not None and user.role == role, email
        client = app.test_client()

        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        assert response.headers["Location"] == "/dashboard", email
        dashboard = client.get("/dashboard")
        assert dashboard.status_code == 200, email
        page = dashboard.get_data(as_text=True)
        if role == "admin":
            assert 'href="/admin/universities"' in page
        else:
            assert 'data-testid="dashboard-title"' in page, email
            assert str(escape(user.university.name_ar)) in page, email
        if role == "registrar":
            title = page.split('data-testid="dashboard-title">', 1)[1].split("</h1>", 1)[0]
            assert user.university.name_ar in title, email


def test_a_demo_account_refuses_a_wrong_password(demo, client):
    response = client.post("/login", data={"email": "admin@example.org", "password": "peace-demo-2025"})
    assert response.status_code == 200
    assert client.get("/dashboard").status_code == 302
