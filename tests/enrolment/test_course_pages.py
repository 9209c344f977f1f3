"""The student's side: the dashboard and /courses/ list the current courses (term, lecturers, latest
announcement, new materials); a course page groups its materials by week and topic and shows the
announcements — in Arabic (right to left) and in English."""
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest

from diploma.clock import utcnow
from diploma.enrolment import services
from diploma.extensions import db
from diploma.partners.models import University
from diploma.teaching.models import Offering
from tests import teaching as build
from tests.pages import shown
from tests.queries import queries_of


@pytest.fixture(autouse=True)
def uploads_dir(app, tmp_path, monkeypatch):
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    return folder


class Structure(HTMLParser):
    """The page's root attributes and whether its elements are balanced (a broken template shows)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
            "wbr"}

    def __init__(self):
        super().__init__()
        self.root, self.open, self.mismatched, self.testids = None, [], [], []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.root = attributes
        if "data-testid" in attributes:
            self.testids.append(attributes["data-testid"])
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.open or self.open[-1] != tag:
            self.mismatched.append(tag)
        else:
            self.open.pop()


def readable(page, language):
    """Assert that a page is well formed, in ``language`` and its direction, with no template leftovers."""
    structure = Structure()
    structure.feed(page)
    assert structure.root == {"lang": language, "dir": "rtl" if language == "ar" else "ltr"}
    assert structure.mismatched == [] and structure.open == []
    for leftover in ("{{", "}}", "{%", "%}", "None", "Undefined", "%(", "Traceback"):
        assert leftover not in page, leftover
    return structure


@pytest.fixture
def school(make):
    """A student enrolled in two offerings, one of the current term and one of a term that has ended, and
    withdrawn from a third."""
    home = make.university(name_ar="جامعة البصرة", name_en="University of Basra")
    lecturer = make.user(role="lecturer", university=home, name_ar="د. سعاد جبار", name_en="Dr Suad Jabbar")
    today = date.today()
    autumn = make.term(name_ar="الفصل الأول ٢٠٢٦", name_en="Autumn 2026",
                       starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=90))
    spring = make.term(name_ar="الفصل الثاني ٢٠٢٦", name_en="Spring 2026",
                       starts_on=today - timedelta(days=300), ends_on=today - timedelta(days=150))
    current = build.offering(home, lecturers=[lecturer], term=autumn, course=make.course(
        title_ar="بناء السلام", title_en="Peacebuilding"))
    earlier = build.offering(home, term=spring, course=make.course(title_ar="حل النزاعات",
                                                                   title_en="Conflict Resolution"))
    dropped = build.offering(home, term=autumn, course=make.course(title_ar="الوساطة", title_en="Mediation"))
    student = make.student(university=home, name_ar="نور حيدر", name_en="Noor Haider")
    build.enrolled(student, current)
    build.enrolled(student, earlier)
    withdrawn = build.enrolled(student, dropped)
    services.withdraw_student(None, withdrawn)
    db.session.commit()
    return {"home": home, "lecturer": lecturer, "current": current, "earlier": earlier, "dropped": dropped,
            "student": student.user, "autumn": autumn}


@pytest.fixture
def student(school, login_as):
    return login_as(school["student"])


def page_of(response):
    assert response.status_code == 200
    return response.get_data(as_text=True)


def backdate(material, days):
    material.created_at = utcnow() - timedelta(days=days)
    db.session.commit()


# --- the list of courses ----------------------------------------------------------------------------------

def test_the_course_summaries_of_a_student(school):
    build.material(school["current"], "link")
    build.material(school["current"], "link", hidden=True)           # not for students: not counted
    backdate(build.material(school["current"], "link"), days=30)      # posted long ago: not new
    build.announcement(school["current"], title="Old news")
    build.announcement(school["current"], title="Room 12 from now on")

    summaries = services.course_summaries(school["student"])

    assert [s.offering_id for s in summaries] == [school["current"].id, school["earlier"].id]
    assert [s.offering_id for s in services.course_summaries(school["student"], current_only=True)] == [
        school["current"].id]
    first = summaries[0]
    assert (first.new_materials, first.materials, first.latest_announcement) == (1, 2, "Room 12 from now on")
    assert (first.title.name("ar"), first.title.name("en")) == ("بناء السلام", "Peacebuilding")
    assert (first.term.name("ar"), first.term.name("en")) == ("الفصل الأول ٢٠٢٦", "Autumn 2026")
    assert [lecturer.display_name("en") for lecturer in first.lecturers] == ["Dr Suad Jabbar"]
    earlier = summaries[1]
    assert (earlier.new_materials, earlier.materials, earlier.latest_announcement) == (0, 0, None)


def test_the_latest_announcement_is_the_newest_and_of_the_same_offering(school):
    """Two announcements posted in the same second: the one posted last; another course's never counts."""
    first = build.announcement(school["current"], title="First")
    second = build.announcement(school["current"], title="Second")
    second.created_at = first.created_at
    build.announcement(school["earlier"], title="Of another course")
    db.session.commit()

    summaries = services.course_summaries(school["student"])

    assert [s.latest_announcement for s in summaries] == ["Second", "Of another course"]


def test_the_lecturers_are_listed_by_english_name(school, make):
    second = make.user(role="lecturer", university=school["home"], name_ar="أ. باسم علي", name_en="Basim Ali")
    school["current"].lecturers.append(second)
    db.session.commit()

    first, _earlier = services.course_summaries(school["student"])

    assert [lecturer.display_name("en") for lecturer in first.lecturers] == ["Basim Ali", "Dr Suad Jabbar"]
    assert [lecturer.display_name("ar") for lecturer in first.lecturers] == ["أ. باسم علي", "د. سعاد جبار"]


@pytest.mark.parametrize(("url", "selects"), [
    # the account, then the courses with their counts and latest announcements, then their lecturers' names
    ("/courses/", 3),
    # the account; the university, cohort and programme names; the courses; their lecturers' names; the
    # courses whose marks were published since the last visit to the grades page (issue 24)
    ("/dashboard", 5),
])
def test_a_students_list_of_courses_costs_the_same_queries_for_few_courses_or_eight(
        school, make, auth, login_as, client, url, selects):
    busy = make.student(university=school["home"], name_ar="سارة كريم", name_en="Sara Kareem")
    for number in range(8):  # eight courses, each with materials and announcements
        offering = build.offering(school["home"], term=school["autumn"], course=make.course(
            title_ar=f"مقرر {number}", title_en=f"Course {number}"))
        build.enrolled(busy, offering)
        build.material(offering, "link")
        build.announcement(offering, title=f"إعلان {number}")
    db.session.commit()
    users = (school["student"], busy.user)

    login_as(users[0])
    few = queries_of(client, url)
    auth.logout()
    login_as(db.session.merge(users[1]))
    eight = queries_of(client, url)

    assert client.get(url).get_data(as_text=True).count('data-testid="course-card"') == 8
    assert len(eight) == len(few)
    assert len([statement for statement in eight if statement.startswith("SELECT")]) == selects


@pytest.mark.parametrize(("url", "listed"), [("/courses/", ["بناء السلام", "حل النزاعات"]),
                                             ("/dashboard", ["بناء السلام"])])
def test_the_students_pages_list_the_courses(school, student, client, url, listed):
    """/courses/ lists every course the student is enrolled in, the latest term first; the dashboard
    only those of terms that have not ended."""
    build.material(school["current"], "link")
    build.material(school["current"], "text")
    build.announcement(school["current"], title="Room 12 from now on")

    page = page_of(client.get(url))

    structure = readable(page, "ar")
    assert structure.testids.count("course-card") == len(listed)
    assert [title for title in ("بناء السلام", "حل النزاعات") if title in page] == listed
    if len(listed) == 2:
        assert page.index("بناء السلام") < page.index("حل النزاعات")  # the latest term first
    assert "الوساطة" not in page  # withdrawn
    assert "الفصل الأول ٢٠٢٦" in page and "د. سعاد جبار" in page
    assert shown("New materials: %(count)s", count=2) in page
    assert shown("Latest announcement:") in page and "Room 12 from now on" in page
    assert f'href="/courses/{school["current"].id}"' in page


@pytest.mark.parametrize("url", ["/courses/", "/dashboard"])
def test_the_students_pages_in_english(school, student, client, url):
    build.material(school["current"], "link")
    build.announcement(school["current"], title="Room 12 from now on")

    page = page_of(client.get(url, headers={"Accept-Language": "en"}))

    readable(page, "en")
    assert "Peacebuilding" in page and "Autumn 2026" in page and "Dr Suad Jabbar" in page
    assert "New materials: 1" in page
    assert "Latest announcement: <bdi dir=\"ltr\">Room 12 from now on</bdi>" in page  # isolated
    assert "بناء السلام" not in page


@pytest.mark.parametrize(("language", "shown_names"), [
    ("ar", ["دبلوم دراسات السلام والأزمات", "جامعة البصرة", "الدفعة الأولى", "BSR-26-001"]),
    ("en", ["Diploma in Peace and Crisis Studies", "University of Basra", "First cohort", "BSR-26-001"])])
def test_the_students_dashboard_shows_the_programme_university_cohort_and_number(make, login_as, client,
                                                                                  language, shown_names):
    home = make.university(name_ar="جامعة البصرة", name_en="University of Basra")
    cohort = make.cohort(name_ar="الدفعة الأولى", name_en="First cohort")
    login_as(make.student(university=home, cohort=cohort, student_number="BSR-26-001").user)

    page = page_of(client.get("/dashboard", headers={"Accept-Language": language}))

    readable(page, language)
    labels = [shown(label, language) for label in ("Programme", "University", "Cohort", "Student number")]
    positions = [page.index(f"<dt>{label}</dt><dd>") for label in labels]
    assert positions == sorted(positions)
    for name in shown_names:
        assert name in page
    assert '<bdi dir="ltr">BSR-26-001</bdi>' in page


def test_a_student_account_without_a_student_profile_sees_its_dashboard_without_cohort(make, login_as,
                                                                                       client):
    home = make.university(name_en="University of Basra")
    make.programme()
    login_as(make.user(role="student", university=home))

    page = page_of(client.get("/dashboard", headers={"Accept-Language": "en"}))

    readable(page, "en")
    assert "<dt>University</dt><dd>University of Basra</dd>" in page
    assert "<dt>Programme</dt>" in page
    assert "<dt>Cohort</dt>" not in page and "<dt>Student number</dt>" not in page
    assert shown("You are not enrolled in any course yet.", "en") in page


def test_the_students_dashboard_without_a_programme_leaves_it_out(make, login_as, client):
    login_as(make.user(role="student", university=make.university(name_en="University of Basra")))

    page = page_of(client.get("/dashboard", headers={"Accept-Language": "en"}))

    assert "<dt>University</dt><dd>University of Basra</dd>" in page and "<dt>Programme</dt>" not in page


def test_a_student_without_courses_is_told_so(make, login_as, client):
    login_as(make.student().user)
    for language in ("ar", "en"):
        page = page_of(client.get("/courses/", headers={"Accept-Language": language}))
        readable(page, language)
        assert shown("You are not enrolled in any course yet.", language) in page


# --- a course page ---------------------------------------------------------------------------------------

@pytest.fixture
def materials(school):
    offering = school["current"]
    return [
        build.material(offering, "link", title="Reading list", week=None, topic=None),
        build.material(offering, "file", title="Lecture 2 slides", week=2, topic="Mediation",
                       file=build.upload(build.PDF, "المحاضرة الثانية.pdf")),
        build.material(offering, "text", title="Week one note", week=1, topic="Introduction",
                       body="Read *chapter 1*."),
        build.material(offering, "link", title="Lecture 1 video", week=1, topic="Introduction"),
        build.material(offering, "link", title="Answers", week=1, topic="Introduction", hidden=True),
    ]


def headings(page):
    """The texts of the material group headings (``<section class="card"><h3>…``), in order."""
    class Headings(HTMLParser):
        def __init__(self):
            super().__init__()
            self.found, self.inside = [], False

        def handle_starttag(self, tag, attrs):
            if tag == "h3":
                self.inside = True
                self.found.append("")

        def handle_endtag(self, tag):
            if tag == "h3":
                self.inside = False

        def handle_data(self, data):
            if self.inside:
                self.found[-1] += data

    parser = Headings()
    parser.feed(page)
    return [" ".join(text.split()) for text in parser.found]


def test_the_course_page_groups_materials_by_week_and_topic(school, materials, student, client):
    build.announcement(school["current"], title="First announcement")
    build.announcement(school["current"], title="Second announcement", body="See **you**.")

    page = page_of(client.get(f"/courses/{school['current'].id}"))

    readable(page, "ar")
    assert headings(page)[-3:] == ["الأسبوع 1 — Introduction", "الأسبوع 2 — Mediation", "عام"]
    assert page.index("Week one note") < page.index("Lecture 1 video") < page.index("Lecture 2 slides") \
        < page.index("Reading list")
    assert "Answers" not in page
    assert "<em>chapter 1</em>" in page
    assert "المحاضرة الثانية.pdf" in page
    assert page.index("Second announcement") < page.index("First announcement")
    assert "<strong>you</strong>" in page
    assert page.index(shown("Announcements")) < page.index(shown("Course materials"))


def test_the_course_page_in_english(school, materials, student, client):
    build.announcement(school["current"], title="Welcome")

    page = page_of(client.get(f"/courses/{school['current'].id}", headers={"Accept-Language": "en"}))

    readable(page, "en")
    assert headings(page)[-3:] == ["Week 1 — Introduction", "Week 2 — Mediation", "General"]
    assert "Peacebuilding" in page and "University of Basra" in page and "Dr Suad Jabbar" in page
    assert "Welcome" in page


def test_the_course_page_names_every_author_in_a_fixed_number_of_queries(school, student, make, client):
    """The authors' names come with the announcements: none is loaded alone, also not an author who no
    longer teaches the course."""
    url = f"/courses/{school['current'].id}"
    home_id, offering_id = school["home"].id, school["current"].id
    build.announcement(school["current"], title="From the lecturer")
    one = queries_of(client, url)
    # Each request ended its transaction and queries_of emptied the session: the records are read again.
    home, offering = db.session.get(University, home_id), db.session.get(Offering, offering_id)
    former = make.user(role="lecturer", university=home, name_ar="د. علي حسن", name_en="Dr Ali Hassan")
    build.announcement(offering, title="From a former lecturer", actor=former)
    build.material(offering, "text", body="*Read* it.")

    page = page_of(client.get(url, headers={"Accept-Language": "en"}))
    more = queries_of(client, url)

    assert "Dr Ali Hassan" in page and "Dr Suad Jabbar" in page
    assert len(more) == len(one)
    # the account; the offering; the enrolment; its materials; its lecturers' names; its announcements
    assert len([statement for statement in more if statement.startswith("SELECT")]) == 6


def test_the_course_page_has_no_lecturer_buttons_for_the_student(school, materials, student, client):
    page = page_of(client.get(f"/courses/{school['current'].id}"))
    assert "/materials/new" not in page
    assert "/edit" not in page and "/delete" not in page and "/hidden" not in page


def test_an_empty_course_page_says_so(school, student, client):
    page = page_of(client.get(f"/courses/{school['earlier'].id}"))
    readable(page, "ar")
    assert shown("No materials yet.") in page and shown("No announcements yet.") in page


def test_a_withdrawn_student_no_longer_opens_the_course(school, student, client):
    assert client.get(f"/courses/{school['dropped'].id}").status_code == 404


def test_the_lecturers_offering_page_is_readable_in_both_languages(school, materials, client, login_as):
    login_as(school["lecturer"])
    base = f"/offerings/{school['current'].id}"
    for language in ("ar", "en"):
        headers = {"Accept-Language": language}
        page = page_of(client.get(base, headers=headers))
        readable(page, language)
        assert "Answers" in page  # the hidden material, for the lecturer
        page = page_of(client.get(f"{base}/students", headers=headers))
        readable(page, language)
        assert ("نور حيدر" if language == "ar" else "Noor Haider") in page
        for kind in ("file", "link", "text"):
            readable(page_of(client.get(f"{base}/materials/new?kind={kind}", headers=headers)), language)
        material = materials[1]
        readable(page_of(client.get(f"{base}/materials/{material.id}/edit", headers=headers)), language)
