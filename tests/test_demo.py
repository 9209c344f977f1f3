"""The demo data set: ``flask --app wsgi demo seed``."""
import hashlib
import subprocess
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

from markupsafe import escape

from diploma import demo_data
from diploma.auth.models import User
from diploma.curriculum.models import Cohort, Course, Term
from diploma.demo import DEMO_PASSWORD, seed
from diploma.enrolment.models import Enrolment, Student
from diploma.enrolment.services import student_of
from diploma.extensions import db
from diploma.grading import rules
from diploma.grading import services as grading
from diploma.grading.models import Gradebook, Score
from diploma.partners.models import University
from diploma.partners.services import university_of
from diploma.teaching import services as teaching
from diploma.teaching.models import Offering
from diploma.uploads import upload_folder

CODES = ["BGD", "TIK", "ANB", "BSR", "KRB", "KUF", "MSL"]
CURRENT_COURSES = {"PCS201", "PCS202", "PCS203"}  # the second cohort's third semester
FIRST_COHORT_TERMS = {1: "First semester 2023–2024", 2: "Second semester 2023–2024",  # by semester
                      3: "First semester 2024–2025", 4: "Second semester 2024–2025"}
TEACHING_TABLES = ("offering", "offering_lecturer", "enrolment", "material", "announcement")
GRADING_TABLES = ("gradebook", "assessment", "score")


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

    assert all(counts[table] > 0 for table in TEACHING_TABLES + GRADING_TABLES), counts
    files = stored_files()
    assert len(files) >= 3 * 3 * 7  # three PDF lectures in each of three courses at seven universities

    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0, second.output
    assert row_counts() == counts
    assert stored_files() == files


def stored_files():
    return {path.name for path in upload_folder("materials").iterdir()}


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
            assert str(escape(university_of(user).name_ar)) in page, email
        if role == "registrar":
            title = page.split('data-testid="dashboard-title">', 1)[1].split("</h1>", 1)[0]
            assert university_of(user).name_ar in title, email


def test_a_demo_account_refuses_a_wrong_password(demo, client):
    response = client.post("/login", data={"email": "admin@example.org", "password": "peace-demo-2025"})
    assert response.status_code == 200
    assert client.get("/dashboard").status_code == 302


# --- offerings, enrolments, materials ------------------------------------------------------------

def current_term():
    return db.session.scalar(db.select(Term).where(Term.name_en == demo_data.TERMS[-1]["name_en"]))


def current_offerings(university=None):
    query = db.select(Offering).where(Offering.term_id == current_term().id)
    if university is not None:
        query = query.where(Offering.university_id == university.id)
    return db.session.scalars(query).all()


def active_students(offering):
    return {e.student_id for e in db.session.scalars(db.select(Enrolment).where(
        Enrolment.offering_id == offering.id, Enrolment.status == "active"))}


def test_every_university_teaches_the_second_cohort_its_third_semester_now(demo):
    _first, second = cohorts()
    for university in db.session.scalars(db.select(University)):
        offerings = current_offerings(university)
        assert {o.course.code for o in offerings} == CURRENT_COURSES, university.code
        cohort = {s.id for s in db.session.scalars(db.select(Student).where(
            Student.university_id == university.id, Student.cohort_id == second.id))}
        assert len(cohort) == 4
        for offering in offerings:
            assert offering.status == "open"
            assert {u.email for u in offering.lecturers} == {f"lecturer.{university.slug}@example.org",
                                                             f"lecturer.{university.slug}.2@example.org"}
            assert active_students(offering) == cohort, (university.code, offering.course.code)
            assert offering.capacity >= len(cohort)


def pdf_text(path):
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_each_current_offering_has_pdf_lectures_a_link_a_note_and_announcements(demo):
    offerings = current_offerings()
    assert len(offerings) == 3 * 7
    checked = {}
    for offering in offerings:
        materials = teaching.materials_of(offering)
        files = [m for m in materials if m.kind == "file"]
        assert sorted(m.week for m in files) == [1, 2, 3], offering.id
        for material in files:
            assert material.original_name.startswith("المحاضرة") and material.original_name.endswith(".pdf")
            assert material.content_type == "application/pdf"
            path = upload_folder("materials") / material.stored_name
            data = path.read_bytes()
            assert (len(data), hashlib.sha256(data).hexdigest()) == (material.size, material.sha256)
            if material.sha256 not in checked:  # the same lecture is posted at every university
                checked[material.sha256] = pdf_text(path)
                assert data.startswith(b"%PDF-")
            text = checked[material.sha256]
            assert offering.course.code in text and f"Week {material.week}" in text, text
        assert [m.url.startswith("https://") for m in materials if m.kind == "link"] == [True]
        assert [bool(m.body.strip()) for m in materials if m.kind == "text"] == [True]
        announcements = teaching.announcements_of(offering)
        assert 1 <= len(announcements) <= 2
        assert all(a.author in offering.lecturers for a in announcements + materials)
    assert len(checked) == 3 * 3


def test_first_cohort_students_took_every_course_in_closed_offerings(demo):
    first, _second = cohorts()
    codes = {course.code for course in db.session.scalars(db.select(Course))}
    students = db.session.scalars(db.select(Student).where(Student.cohort_id == first.id)).all()
    assert len(students) == 44
    for student in students:
        enrolments = db.session.scalars(db.select(Enrolment).where(Enrolment.student_id == student.id)).all()
        offerings = [e.offering for e in enrolments]
        assert all(e.status == "active" for e in enrolments)
        assert sorted(o.course.code for o in offerings) == sorted(codes), student.student_number
        assert {o.status for o in offerings} == {"closed"}
        assert all(o.term.name_en == FIRST_COHORT_TERMS[o.course.semester] for o in offerings)
        assert {o.university_id for o in offerings} == {student.university_id}


def test_a_second_cohort_student_follows_the_current_courses_and_downloads_a_lecture(demo, client):
    user = db.session.scalar(db.select(User).where(User.email == "student.mosul.7@example.org"))
    assert student_of(user).cohort.name_en == "Second cohort"
    response = client.post("/login", data={"email": user.email, "password": DEMO_PASSWORD})
    assert response.status_code == 302

    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert dashboard.count('data-testid="course-card"') == 3
    offering = next(o for o in current_offerings(university_of(user)) if o.course.code == "PCS201")
    page = client.get(f"/courses/{offering.id}").get_data(as_text=True)
    assert str(escape(demo_data.COURSE_MATERIALS["PCS201"]["announcements"][0]["title"])) in page
    lecture = next(m for m in teaching.materials_of(offering) if m.kind == "file")
    assert f"/courses/{offering.id}/materials/{lecture.id}/file" in page

    download = client.get(f"/courses/{offering.id}/materials/{lecture.id}/file?download=1")
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert download.data == (upload_folder("materials") / lecture.stored_name).read_bytes()
    download.close()


# --- grades ----------------------------------------------------------------------------------------

def students_of(cohort):
    return db.session.scalars(db.select(Student).where(Student.cohort_id == cohort.id)
                              .order_by(Student.student_number)).all()


def user_named(email):
    return db.session.scalar(db.select(User).where(User.email == email))


def test_every_first_cohort_student_has_passed_eleven_published_courses(demo):
    first, _second = cohorts()
    programme = first.programme
    required = {c.code: c.credits for c in db.session.scalars(db.select(Course).where(Course.required))}
    assert sum(required.values()) == programme.required_credits == 30
    averages, marks, second_round = [], [], []
    for student in students_of(first):
        results, average = grading.published_results(student)
        assert len(results) == 11, student.student_number
        assert {r.offering.course.code for r in results} >= set(required)
        assert all(r.passed and r.mark >= 50 and r.band is not None for r in results), student.student_number
        assert sum(r.credits for r in results if r.offering.course.code in required) >= 30
        expected = sum(r.mark * r.credits for r in results) / sum(r.credits for r in results)
        assert average == expected.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        averages.append(average)
        marks += [r.mark for r in results]
        second_round += [(student.university.code, r.offering.course.code) for r in results if r.round == 2]
    assert len(averages) == 44
    assert 5 <= len(second_round) <= 8
    assert len({code for code, _course in second_round}) >= 5  # across universities
    assert len(set(averages)) > 30  # a realistic spread, not one mark for everybody
    assert sum(60 <= mark <= 95 for mark in marks) > 0.75 * len(marks)
    assert any(mark >= 90 for mark in marks) and any(average >= 90 for average in averages)


def test_past_gradebooks_are_published_by_the_registrar_with_the_default_assessments(demo):
    first, _second = cohorts()
    gradebooks = db.session.scalars(db.select(Gradebook).join(Gradebook.offering)
                                     .where(Offering.status == "closed")).all()
    assert len(gradebooks) == 11 * 7
    rounds = Counter()
    for gradebook in gradebooks:
        assert gradebook.status == "published", gradebook.offering_id
        assert gradebook.published_round == gradebook.current_round >= 1
        assert gradebook.published_at is not None and gradebook.submitted_at is not None
        assert gradebook.published_at > gradebook.submitted_at
        registrar = db.session.get(User, gradebook.published_by_id)
        assert registrar.role == "registrar" and registrar.university_id == gradebook.offering.university_id
        lecturer = db.session.get(User, gradebook.submitted_by_id)
        assert lecturer in gradebook.offering.lecturers
        assert [(a.name_en, a.weight, a.is_final) for a in gradebook.assessments] == [
            ("Coursework", 40, False), ("Final exam", 60, True)]
        rounds[gradebook.current_round] += 1
        sheet = grading.load_sheet(gradebook.offering)
        assert sheet.complete and len(sheet.rows) == len(active_students(gradebook.offering))
        failed = [row for row in sheet.rows if row.first_passed is False]
        assert bool(failed) == (gradebook.current_round == 2)
        assert all(row.round == 2 and row.mark >= 50 for row in failed)
        for row in failed:  # each mark's history tells who entered it
            [entry] = grading.mark_history(row.second)
            assert (entry.actor, entry.data["old"], entry.data["round"]) == (lecturer, "", 2)
            assert entry.data["new"] == rules.format_mark(row.second.value)
    assert 5 <= rounds[2] <= 8


def test_registrar_mosul_has_a_submitted_gradebook_to_approve(demo, client):
    registrar = user_named("registrar.mosul@example.org")
    queue = grading.submitted_gradebooks(registrar.university_id)
    assert len(queue) == 1
    gradebook = queue[0]
    assert gradebook.offering.term_id == current_term().id
    assert db.session.get(User, gradebook.submitted_by_id) in gradebook.offering.lecturers
    sheet = grading.load_sheet(gradebook.offering)
    assert sheet.rows and sheet.complete
    assert len(grading.submitted_gradebooks()) == 1  # the other universities have none waiting

    client.post("/login", data={"email": registrar.email, "password": DEMO_PASSWORD})
    page = client.get("/grades/queue").get_data(as_text=True)
    assert page.count('data-testid="queue-item"') == 1
    assert f'href="/offerings/{gradebook.offering_id}/gradebook"' in page


def test_every_university_has_a_current_draft_gradebook_with_some_marks(demo, client):
    for university in db.session.scalars(db.select(University)):
        gradebooks = [db.session.scalar(db.select(Gradebook).where(Gradebook.offering_id == offering.id))
                      for offering in current_offerings(university)]
        assert None not in gradebooks, university.code  # every offering has its gradebook
        started = [gradebook for gradebook in gradebooks
                   if gradebook.status == "draft" and grading.load_sheet(gradebook.offering).rows
                   and any(row.scores for row in grading.load_sheet(gradebook.offering).rows)]
        assert len(started) == 1, university.code
        sheet = grading.load_sheet(started[0].offering)
        cells = [row.scores.get(a.id) for row in sheet.rows for a in sheet.assessments]
        assert 0 < sum(score is not None for score in cells) < len(cells), university.code
        assert not sheet.complete
    # The second cohort sees none of it: nothing of theirs is published yet.
    _first, second = cohorts()
    assert all(grading.published_results(s) == ([], None) for s in students_of(second))

    lecturer = user_named("lecturer.basra@example.org")
    offering = next(o for o in current_offerings(university_of(lecturer))
                    if o.course.code == demo_data.DRAFT_GRADEBOOKS["basra"])
    client.post("/login", data={"email": lecturer.email, "password": DEMO_PASSWORD})
    page = client.get(f"/offerings/{offering.id}/gradebook").get_data(as_text=True)
    assert 'data-testid="save-marks"' in page and 'data-testid="submit-gradebook"' in page
    assert page.count('class="mark-input"') == 2 * 4


def test_a_graduate_sees_all_eleven_published_marks_and_the_average(demo, client):
    case = demo_data.SECOND_ROUND[0]
    student = db.session.scalar(db.select(Student).where(Student.student_number == case["student_number"]))
    results, average = grading.published_results(student)
    client.post("/login", data={"email": student.user.email, "password": DEMO_PASSWORD})
    page = client.get("/grades/").get_data(as_text=True)
    assert page.count("<tr><td class=\"stacked-title\"><bdi") == 11
    assert f'data-testid="average">{average:.2f}<' in page
    data = client.get("/grades.json").get_json()
    assert data["average"] == str(average) and len(data["results"]) == 11
    resat = [r for r in data["results"] if r["round"] == 2]
    assert [(r["course"], r["mark"], r["passed"]) for r in resat] == [(case["course"], "50.00", True)]


def test_seeding_twice_adds_no_grade(demo):
    counts = row_counts()
    scores = set(db.session.execute(db.select(Score.enrolment_id, Score.assessment_id, Score.attempt,
                                              Score.value, Score.version)).tuples())
    gradebooks = set(db.session.execute(db.select(
        Gradebook.offering_id, Gradebook.status, Gradebook.current_round, Gradebook.published_round,
        Gradebook.published_at, Gradebook.submitted_at)).tuples())
    seed()
    assert row_counts() == counts
    assert counts["gradebook"] == counts["offering"] and counts["assessment"] == 2 * counts["gradebook"]
    assert set(db.session.execute(db.select(Score.enrolment_id, Score.assessment_id, Score.attempt,
                                            Score.value, Score.version)).tuples()) == scores
    assert set(db.session.execute(db.select(
        Gradebook.offering_id, Gradebook.status, Gradebook.current_round, Gradebook.published_round,
        Gradebook.published_at, Gradebook.submitted_at)).tuples()) == gradebooks


def test_a_second_round_gradebook_and_transcript_show_the_round(demo, client):
    case = demo_data.SECOND_ROUND[-1]
    student = db.session.scalar(db.select(Student).where(Student.student_number == case["student_number"]))
    offering = db.session.scalar(db.select(Offering).join(Offering.course).join(Enrolment).where(
        Enrolment.student_id == student.id, Course.code == case["course"]))
    client.post("/login", data={"email": f"registrar.{student.university.slug}@example.org",
                                "password": DEMO_PASSWORD})
    page = client.get(f"/offerings/{offering.id}/gradebook").get_data(as_text=True)
    assert page.count('data-testid="course-mark"') == len(active_students(offering))
    assert page.count('class="history-link"') == 2 * len(active_students(offering)) + 1
    assert 'data-testid="publish-gradebook"' not in page and 'name="reason"' in page
    client.post("/logout")

    client.post("/login", data={"email": student.user.email, "password": DEMO_PASSWORD})
    transcript = client.get("/grades/transcript")
    assert transcript.status_code == 200
    assert str(escape(offering.course.title_ar)) in transcript.get_data(as_text=True)
