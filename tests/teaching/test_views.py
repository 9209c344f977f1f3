"""Offerings, materials and announcements through the browser's eyes: who sees what on every route under
/offerings and /courses, guessed ids, and the lecturer's materials (files, links, notes; editing, hiding,
deleting) with their Markdown sanitised."""
import os
import re
from collections import namedtuple
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from diploma.access import PUBLIC, access_rule
from diploma.audit import AuditEvent, events_for
from diploma.extensions import db
from diploma.teaching.models import Announcement, Material, Offering
from tests import teaching as build
from tests.pages import confirm, database_state, page_of, redirects_to_login, shown

# --- helpers -----------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def uploads_dir(app, tmp_path, monkeypatch):
    """A fresh upload folder for each test, so that what a test finds on disk is its own doing."""
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    return folder


def stored_files(folder):
    """Every file under the upload folder (relative paths), hidden ones included."""
    return sorted(str(path.relative_to(folder)) for path in Path(folder).rglob("*") if path.is_file())


@pytest.fixture
def sign_in(auth, login_as):
    """Log the test client in as ``user``, logging out whoever was logged in before."""

    def _sign_in(user):
        auth.logout()
        return login_as(user)

    return _sign_in


class ElementCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements_of(page):
    """(tag, {attribute: value}) for every element of a page."""
    collector = ElementCollector()
    collector.feed(page)
    return collector.elements


# --- the world every access test runs in ---------------------------------------------------------------

PERSONAS = (
    "student",            # stu: enrolled in the offering
    "classmate",          # cls: a student of the same university, enrolled in another of its offerings
    "foreign_student",    # fst: a student of another university
    "foreign_lecturer",   # flc: a lecturer of another university
    "other_lecturer",     # olc: a lecturer of the same university, teaching another offering, not this one
    "foreign_registrar",  # frg: the registrar of another university
    "registrar",          # reg: the registrar of the offering's university
    "lecturer",           # lec: the offering's lecturer
    "admin",              # adm: the programme's administrator
)


@pytest.fixture
def world(make):
    """Two universities; at the home one, "the offering" (one lecturer, one student, a file, a note, an
    announcement) and a neighbouring offering with its own records; a third offering abroad."""
    home = make.university(name_ar="جامعة الكوفة", name_en="University of Kufa")
    foreign = make.university(name_ar="جامعة الموصل", name_en="University of Mosul")
    cohort = make.cohort()
    people = {
        "lecturer": make.user(role="lecturer", university=home, name_en="Assigned Lecturer"),
        "other_lecturer": make.user(role="lecturer", university=home, name_en="Other Lecturer"),
        "foreign_lecturer": make.user(role="lecturer", university=foreign),
        "registrar": make.user(role="registrar", university=home),
        "foreign_registrar": make.user(role="registrar", university=foreign),
        "admin": make.user(role="admin"),
    }
    student = make.student(university=home, cohort=cohort, name_en="Enrolled Student")
    classmate = make.student(university=home, cohort=cohort, name_en="Class Mate")
    foreign_student = make.student(university=foreign, cohort=cohort)
    people.update(student=student.user, classmate=classmate.user, foreign_student=foreign_student.user)

    the_offering = build.offering(home, lecturers=[people["lecturer"]],
                                  course=make.course(title_en="Conflict Analysis", title_ar="تحليل النزاعات"))
    neighbour = build.offering(home, lecturers=[people["other_lecturer"]])
    abroad = build.offering(foreign, lecturers=[people["foreign_lecturer"]])
    enrolment = build.enrolled(student, the_offering)
    neighbour_enrolment = build.enrolled(classmate, neighbour)
    build.enrolled(foreign_student, abroad)
    ids = {
        "offering_id": the_offering.id,
        "material_id": build.material(the_offering, "file", title="Lecture one").id,
        "note_id": build.material(the_offering, "text", title="Reading note").id,
        "announcement_id": build.announcement(the_offering).id,
        "enrolment_id": enrolment.id,
        "home": home.id,
        "classmate_student": classmate.id,
        "lecturer": people["lecturer"].id,
        "course": the_offering.course_id,
        "term": the_offering.term_id,
        "new_course": make.course().id,
        # Records of the neighbouring offering, for guessed ids.
        "neighbour_id": neighbour.id,
        "neighbour_file": build.material(neighbour, "file").id,
        "neighbour_link": build.material(neighbour, "link").id,
        "neighbour_announcement": build.announcement(neighbour).id,
        "neighbour_enrolment": neighbour_enrolment.id,
        "abroad_id": abroad.id,
    }
    return {"people": people, "ids": ids, "offering": the_offering, "neighbour": neighbour, "abroad": abroad,
            "home": home, "foreign": foreign, "cohort": cohort, "student": student, "classmate": classmate,
            "foreign_student": foreign_student}


# --- who sees what: every route under /offerings and /courses -------------------------------------------

Case = namedtuple("Case", "name endpoint method rule expected query data", defaults=("", None))

# Expected answers, one column per persona (anonymous visitors are always sent to the login page):
#   403 — the role may not use the route at all;
#   404 — the role may, but the record is not theirs (another university, not assigned, not enrolled);
#   200 / 302 — allowed (302: the action was done and the browser sent back to a page).
#
# The columns, in the order of PERSONAS:
#   student · classmate · foreign student · foreign lecturer · other lecturer · foreign registrar ·
#   registrar · lecturer · admin
#         stu  cls  fst  flc  olc  frg  reg  lec  adm
CASES = [
    Case("list offerings", "teaching.list_offerings", "GET", "/offerings/",
         (403, 403, 403, 403, 403, 200, 200, 403, 200)),
    Case("new offering form", "teaching.edit_offering", "GET", "/offerings/new",
         (403, 403, 403, 403, 403, 200, 200, 403, 200), query="?university={home}"),
    # The foreign registrar's form refuses a lecturer of another university (200, nothing saved).
    Case("create an offering", "teaching.edit_offering", "POST", "/offerings/new",
         (403, 403, 403, 403, 403, 200, 302, 403, 302), query="?university={home}",
         data={"course_id": "{new_course}", "term_id": "{term}", "capacity": "20",
               "lecturer_ids": "{lecturer}"}),
    Case("edit offering form", "teaching.edit_offering", "GET", "/offerings/<int:offering_id>/edit",
         (403, 403, 403, 403, 403, 404, 200, 403, 200)),
    Case("edit an offering", "teaching.edit_offering", "POST", "/offerings/<int:offering_id>/edit",
         (403, 403, 403, 403, 403, 404, 302, 403, 302),
         data={"course_id": "{course}", "term_id": "{term}", "capacity": "25",
               "lecturer_ids": "{lecturer}"}),
    Case("close an offering", "teaching.toggle_offering_status", "POST",
         "/offerings/<int:offering_id>/status",
         (403, 403, 403, 403, 403, 404, 302, 403, 302)),
    Case("lecturer's offerings", "teaching.my_offerings", "GET", "/offerings/mine",
         (403, 403, 403, 200, 200, 403, 403, 200, 403)),
    Case("offering page", "teaching.offering_page", "GET", "/offerings/<int:offering_id>",
         (403, 403, 403, 404, 404, 404, 200, 200, 200)),
    Case("new material form", "teaching.add_material", "GET", "/offerings/<int:offering_id>/materials/new",
         (403, 403, 403, 404, 404, 403, 403, 200, 200), query="?kind=link"),
    Case("post a material", "teaching.add_material", "POST", "/offerings/<int:offering_id>/materials/new",
         (403, 403, 403, 404, 404, 403, 403, 302, 302), query="?kind=link",
         data={"title": "Further reading", "url": "https://example.org/further"}),
    Case("edit material form", "teaching.edit_material", "GET",
         "/offerings/<int:offering_id>/materials/<int:material_id>/edit",
         (403, 403, 403, 404, 404, 403, 403, 200, 200)),
    Case("edit a material", "teaching.edit_material", "POST",
         "/offerings/<int:offering_id>/materials/<int:material_id>/edit",
         (403, 403, 403, 404, 404, 403, 403, 302, 302), data={"title": "Lecture one (revised)", "week": "2"}),
    Case("hide a material", "teaching.toggle_material_hidden", "POST",
         "/offerings/<int:offering_id>/materials/<int:material_id>/hidden",
         (403, 403, 403, 404, 404, 403, 403, 302, 302)),
    # Deleting: GET shows the confirmation page (nothing changes), its Confirm button (confirm=yes) deletes.
    Case("confirm deleting a material", "teaching.delete_material", "GET",
         "/offerings/<int:offering_id>/materials/<int:material_id>/delete",
         (403, 403, 403, 404, 404, 403, 403, 200, 200)),
    Case("delete a material", "teaching.delete_material", "POST",
         "/offerings/<int:offering_id>/materials/<int:material_id>/delete",
         (403, 403, 403, 404, 404, 403, 403, 302, 302), data={"confirm": "yes"}),
    Case("post an announcement", "teaching.post_announcement", "POST",
         "/offerings/<int:offering_id>/announcements",
         (403, 403, 403, 404, 404, 403, 403, 302, 302), data={"title": "Room change", "body": "Room 12."}),
    Case("confirm deleting an announcement", "teaching.delete_announcement", "GET",
         "/offerings/<int:offering_id>/announcements/<int:announcement_id>/delete",
         (403, 403, 403, 404, 404, 403, 403, 200, 200)),
    Case("delete an announcement", "teaching.delete_announcement", "POST",
         "/offerings/<int:offering_id>/announcements/<int:announcement_id>/delete",
         (403, 403, 403, 404, 404, 403, 403, 302, 302), data={"confirm": "yes"}),
    Case("roster", "enrolment.roster", "GET", "/offerings/<int:offering_id>/students",
         (403, 403, 403, 404, 404, 404, 200, 200, 200)),
    Case("enrol a student", "enrolment.enrol", "POST", "/offerings/<int:offering_id>/students",
         (403, 403, 403, 403, 403, 404, 302, 403, 302), data={"student_id": "{classmate_student}"}),
    Case("withdraw a student", "enrolment.withdraw", "POST",
         "/offerings/<int:offering_id>/students/<int:enrolment_id>/withdraw",
         (403, 403, 403, 403, 403, 404, 302, 403, 302)),
    Case("student's courses", "enrolment.my_courses", "GET", "/courses/",
         (200, 200, 200, 403, 403, 403, 403, 403, 403)),
    Case("course page", "enrolment.course_page", "GET", "/courses/<int:offering_id>",
         (200, 404, 404, 404, 404, 404, 200, 200, 200)),
    Case("course seen", "enrolment.course_seen", "POST", "/courses/<int:offering_id>/seen",
         (302, 404, 404, 403, 403, 403, 403, 403, 403)),
    Case("material file", "enrolment.material_file", "GET",
         "/courses/<int:offering_id>/materials/<int:material_id>/file",
         (200, 404, 404, 404, 404, 404, 200, 200, 200)),
]
PREFIXES = ("/offerings", "/courses")


def fill(template, ids):
    """A rule or a query with its ``<int:name>`` and ``{name}`` parts replaced by the world's ids."""
    for name, value in ids.items():
        template = template.replace(f"<int:{name}>", str(value)).replace(f"{{{name}}}", str(value))
    assert "<" not in template and "{" not in template, template
    return template


def request_case(client, case, ids):
    url = fill(case.rule, ids) + fill(case.query, ids)
    if case.method == "GET":
        return client.get(url)
    return client.post(url, data={name: fill(value, ids) for name, value in (case.data or {}).items()})


def test_the_table_covers_every_route_of_the_teaching_and_enrolment_views_under_offerings_and_courses(app):
    modules = {"diploma.teaching.views", "diploma.enrolment.views"}
    routes = {(rule.rule, method, rule.endpoint) for rule in app.url_map.iter_rules()
              if rule.rule.startswith(PREFIXES) and app.view_functions[rule.endpoint].__module__ in modules
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == {(case.rule, case.method, case.endpoint) for case in CASES}
    assert all(access_rule(endpoint) != PUBLIC for _rule, _method, endpoint in routes)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_anonymous_visitors_are_sent_to_the_login_page_and_change_nothing(case, world, client, uploads_dir):
    before, files = database_state(), stored_files(uploads_dir)

    response = request_case(client, case, world["ids"])

    assert redirects_to_login(response), response.status_code
    assert database_state() == before
    assert stored_files(uploads_dir) == files


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_who_sees_what(case, persona, world, sign_in, client, uploads_dir):
    expected = case.expected[PERSONAS.index(persona)]
    sign_in(world["people"][persona])
    before, files = database_state(), stored_files(uploads_dir)

    with request_case(client, case, world["ids"]) as response:
        response.get_data()

    assert response.status_code == expected, f"{persona}: {case.method} {case.rule}"
    if expected == 302:
        assert not redirects_to_login(response)
        assert database_state() != before, "the action was allowed, so something was saved"
    else:  # refused, or a page shown: nothing written
        assert database_state() == before
        assert stored_files(uploads_dir) == files


def test_an_allowed_file_deletion_removes_the_file_and_a_refused_one_keeps_it(world, sign_in, client,
                                                                             uploads_dir):
    material = db.session.get(Material, world["ids"]["material_id"])
    path = uploads_dir / "materials" / material.stored_name
    url = f"/offerings/{world['offering'].id}/materials/{material.id}/delete"

    sign_in(world["people"]["other_lecturer"])
    assert client.post(url, data={"confirm": "yes"}).status_code == 404
    assert path.exists()
    sign_in(world["people"]["lecturer"])
    assert client.post(url, data={"confirm": "yes"}).status_code == 302
    assert not path.exists()


def test_the_foreign_registrar_does_not_see_the_offering_in_the_list(world, sign_in, client):
    sign_in(world["people"]["foreign_registrar"])
    page = page_of(client.get("/offerings/"))
    assert "تحليل النزاعات" not in page
    sign_in(world["people"]["registrar"])
    assert "تحليل النزاعات" in page_of(client.get("/offerings/"))


def test_a_lecturer_sees_only_the_offerings_they_teach(world, sign_in, client):
    sign_in(world["people"]["other_lecturer"])
    assert "تحليل النزاعات" not in page_of(client.get("/offerings/mine"))
    sign_in(world["people"]["lecturer"])
    page = page_of(client.get("/offerings/mine"))
    assert "تحليل النزاعات" in page
    assert page.count('data-testid="offering-card"') == 1


def test_the_registrar_sees_the_offering_page_without_the_lecturers_buttons(world, sign_in, client):
    sign_in(world["people"]["registrar"])
    page = page_of(client.get(f"/offerings/{world['offering'].id}"))
    assert "Lecture one" in page
    assert "/materials/new" not in page
    assert 'data-testid="post-announcement"' not in page
    assert f"/offerings/{world['offering'].id}/edit" in page


def test_the_administrator_must_name_the_university_of_a_new_offering(world, sign_in, client):
    sign_in(world["people"]["admin"])
    assert client.get("/offerings/new").status_code == 404
    assert client.get("/offerings/new?university=999999").status_code == 404
    assert client.get(f"/offerings/new?university={world['home'].id}").status_code == 200


# --- guessed ids ---------------------------------------------------------------------------------------

GUESSES = [
    # (persona, method, url with the neighbouring offering's records under this offering's id)
    ("lecturer", "GET", "/offerings/{offering_id}/materials/{neighbour_file}/edit"),
    ("lecturer", "POST", "/offerings/{offering_id}/materials/{neighbour_file}/edit"),
    ("lecturer", "POST", "/offerings/{offering_id}/materials/{neighbour_file}/hidden"),
    ("lecturer", "POST", "/offerings/{offering_id}/materials/{neighbour_file}/delete"),
    ("lecturer", "POST", "/offerings/{offering_id}/announcements/{neighbour_announcement}/delete"),
    ("admin", "POST", "/offerings/{offering_id}/materials/{neighbour_file}/delete"),
    ("admin", "POST", "/offerings/{offering_id}/announcements/{neighbour_announcement}/delete"),
    ("registrar", "POST", "/offerings/{offering_id}/students/{neighbour_enrolment}/withdraw"),
    ("admin", "POST", "/offerings/{offering_id}/students/{neighbour_enrolment}/withdraw"),
    ("student", "GET", "/courses/{offering_id}/materials/{neighbour_file}/file"),
    ("lecturer", "GET", "/courses/{offering_id}/materials/{neighbour_file}/file"),
    ("admin", "GET", "/courses/{offering_id}/materials/{neighbour_file}/file"),
    # Not a file: a note and a link have no file to send.
    ("student", "GET", "/courses/{offering_id}/materials/{note_id}/file"),
    ("admin", "GET", "/courses/{neighbour_id}/materials/{neighbour_link}/file"),
    # Ids that do not exist at all.
    ("admin", "GET", "/offerings/999999"),
    ("admin", "GET", "/offerings/999999/students"),
    ("admin", "GET", "/courses/999999"),
    ("admin", "GET", "/offerings/{offering_id}/materials/999999/edit"),
    ("admin", "GET", "/courses/{offering_id}/materials/999999/file"),
    ("registrar", "POST", "/offerings/{offering_id}/students/999999/withdraw"),
    ("registrar", "POST", "/offerings/999999/status"),
    # The neighbouring offering's student trying the offering's own file.
    ("classmate", "GET", "/courses/{offering_id}/materials/{material_id}/file"),
    # Another university's offering, by its id.
    ("student", "GET", "/courses/{abroad_id}"),
    ("lecturer", "GET", "/offerings/{abroad_id}"),
    ("registrar", "GET", "/offerings/{abroad_id}/students"),
]


@pytest.mark.parametrize(("persona", "method", "url"), GUESSES,
                         ids=[f"{persona}-{method}-{url}" for persona, method, url in GUESSES])
def test_guessed_ids_answer_404_and_change_nothing(persona, method, url, world, sign_in, client, uploads_dir):
    url = url.format(**world["ids"])
    sign_in(world["people"][persona])
    before, files = database_state(), stored_files(uploads_dir)

    response = client.get(url) if method == "GET" else client.post(url, data={"title": "Guessed"})

    assert response.status_code == 404
    assert database_state() == before
    assert stored_files(uploads_dir) == files


def test_a_registrar_cannot_enrol_a_student_of_another_university(world, sign_in, client):
    sign_in(world["people"]["registrar"])
    before = database_state()

    response = client.post(f"/offerings/{world['offering'].id}/students",
                           data={"student_id": str(world["foreign_student"].id)})

    assert response.status_code == 404
    assert database_state() == before


@pytest.mark.parametrize("student_id", ["", "abc", "-1", "1e3", "٣", "99999999999"])
def test_a_malformed_student_id_is_a_404(world, sign_in, client, student_id):
    sign_in(world["people"]["registrar"])
    before = database_state()
    response = client.post(f"/offerings/{world['offering'].id}/students", data={"student_id": student_id})
    assert response.status_code == 404
    assert database_state() == before


# --- offerings: the registrar's pages --------------------------------------------------------------------


@pytest.fixture
def campus(make):
    home = make.university()
    return {"home": home, "registrar": make.user(role="registrar", university=home),
            "lecturers": [make.user(role="lecturer", university=home) for _ in range(2)],
            "foreign_lecturer": make.user(role="lecturer", university=make.university()),
            "course": make.course(title_en="Mediation"), "term": make.term()}


def offering_form(campus, **overrides):
    return {"course_id": str(campus["course"].id), "term_id": str(campus["term"].id), "capacity": "25",
            "lecturer_ids": [str(lecturer.id) for lecturer in campus["lecturers"]], **overrides}


def test_a_registrar_creates_an_offering_with_two_lecturers(campus, sign_in, client):
    sign_in(campus["registrar"])
    form_page = page_of(client.get("/offerings/new"))
    assert all(f'value="{lecturer.id}"' in form_page for lecturer in campus["lecturers"])
    assert f'value="{campus["foreign_lecturer"].id}"' not in form_page

    response = client.post("/offerings/new", data=offering_form(campus))

    offering = db.session.scalar(db.select(Offering))
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"/offerings/{offering.id}"
    assert (offering.university_id, offering.capacity, offering.status) == (campus["home"].id, 25, "open")
    assert sorted(lecturer.id for lecturer in offering.lecturers) == sorted(
        lecturer.id for lecturer in campus["lecturers"])
    assert [event.action for event in events_for(offering)] == ["offering.created"]


def test_an_offering_needs_a_lecturer_of_its_university(campus, sign_in, client):
    sign_in(campus["registrar"])
    response = client.post("/offerings/new", data=offering_form(
        campus, lecturer_ids=[str(campus["foreign_lecturer"].id)]))
    assert response.status_code == 200
    assert db.session.scalar(db.select(db.func.count()).select_from(Offering)) == 0


def test_a_course_is_offered_once_per_university_and_term(campus, sign_in, client):
    sign_in(campus["registrar"])
    assert client.post("/offerings/new", data=offering_form(campus)).status_code == 302
    response = client.post("/offerings/new", data=offering_form(campus))
    assert response.status_code == 200
    assert shown("This course is already offered at this university in this term.") in page_of(response)
    assert db.session.scalar(db.select(db.func.count()).select_from(Offering)) == 1


def test_closing_and_reopening_an_offering(campus, sign_in, client):
    offering = build.offering(campus["home"], lecturers=campus["lecturers"])
    sign_in(campus["registrar"])

    response = client.post(f"/offerings/{offering.id}/status", follow_redirects=True)
    assert shown("The course offering is closed.") in page_of(response)
    db.session.refresh(offering)
    assert offering.status == "closed"
    client.post(f"/offerings/{offering.id}/status")
    db.session.refresh(offering)
    assert offering.status == "open"
    assert [event.data["after"] for event in events_for(offering)
            if event.action == "offering.status_changed"] == ["closed", "open"]


def test_the_office_is_offered_to_close_an_open_offering_and_to_reopen_a_closed_one(campus, sign_in, client):
    offering = build.offering(campus["home"], lecturers=campus["lecturers"])
    close, reopen = shown("Close to enrolment"), shown("Open to enrolment")
    sign_in(campus["registrar"])

    page = page_of(client.get(f"/offerings/{offering.id}"))
    assert close in page and reopen not in page
    page = page_of(client.post(f"/offerings/{offering.id}/status", follow_redirects=True))
    assert reopen in page and close not in page
    sign_in(campus["lecturers"][0])
    page = page_of(client.get(f"/offerings/{offering.id}"))
    assert close not in page and reopen not in page


# --- materials: posting, editing, hiding, deleting -------------------------------------------------------


@pytest.fixture
def course(make):
    """An offering with its lecturer and one enrolled student."""
    home = make.university()
    lecturer = make.user(role="lecturer", university=home, name_en="Dr Lecturer")
    offering = build.offering(home, lecturers=[lecturer])
    student = make.student(university=home)
    build.enrolled(student, offering)
    return {"offering": offering, "lecturer": lecturer, "student": student.user}


def materials_url(course, suffix=""):
    return f"/offerings/{course['offering'].id}/materials{suffix}"


def only_material():
    db.session.expire_all()
    material, = db.session.scalars(db.select(Material)).all()
    return material


def test_a_lecturer_posts_a_file(course, sign_in, client, uploads_dir):
    sign_in(course["lecturer"])

    response = client.post(materials_url(course, "/new?kind=file"), data={
        "title": "Lecture one", "week": "1", "topic": "Introduction",
        "file": build.upload_field(build.PDF, "lecture-1.pdf")}, content_type="multipart/form-data")

    assert response.status_code == 302
    material = only_material()
    assert (material.kind, material.title, material.week, material.topic) == ("file", "Lecture one", 1,
                                                                             "Introduction")
    assert (material.original_name, material.content_type, material.size) == (
        "lecture-1.pdf", "application/pdf", len(build.PDF))
    assert (uploads_dir / "materials" / material.stored_name).read_bytes() == build.PDF
    page = page_of(client.get(f"/offerings/{course['offering'].id}"))
    assert "Lecture one" in page and "lecture-1.pdf" in page
    assert f"/courses/{course['offering'].id}/materials/{material.id}/file" in page


def test_a_file_material_needs_a_file(course, sign_in, client):
    sign_in(course["lecturer"])
    response = client.post(materials_url(course, "/new?kind=file"), data={"title": "Nothing attached"})
    assert response.status_code == 200
    assert shown("Choose a file.") in page_of(response)
    assert db.session.scalar(db.select(db.func.count()).select_from(Material)) == 0


def test_a_lecturer_posts_a_link(course, sign_in, client):
    sign_in(course["lecturer"])
    response = client.post(materials_url(course, "/new?kind=link"), data={
        "title": "UN peacebuilding", "url": "https://www.un.org/peacebuilding/", "week": "3"})
    assert response.status_code == 302
    material = only_material()
    assert (material.kind, material.url, material.body, material.stored_name) == (
        "link", "https://www.un.org/peacebuilding/", None, None)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JavaScript:alert(document.cookie)",
                                 "data:text/html,<script>alert(1)</script>", "ftp://example.org/file",
                                 "//example.org/x", "example.org"])
def test_a_link_must_be_a_web_address(course, sign_in, client, url):
    sign_in(course["lecturer"])
    response = client.post(materials_url(course, "/new?kind=link"), data={"title": "Bad", "url": url})
    assert response.status_code == 200
    assert db.session.scalar(db.select(db.func.count()).select_from(Material)) == 0


def test_a_lecturer_writes_a_note(course, sign_in, client):
    sign_in(course["lecturer"])
    response = client.post(materials_url(course, "/new?kind=text"), data={
        "title": "How to read", "body": "Read **chapter 2** first."})
    assert response.status_code == 302
    assert "<strong>chapter 2</strong>" in page_of(client.get(f"/offerings/{course['offering'].id}"))


def test_a_note_needs_a_text(course, sign_in, client):
    sign_in(course["lecturer"])
    response = client.post(materials_url(course, "/new?kind=text"), data={"title": "Empty", "body": "  "})
    assert response.status_code == 200
    assert shown("Write the text of the note.") in page_of(response)
    assert db.session.scalar(db.select(db.func.count()).select_from(Material)) == 0


def test_an_unknown_kind_of_material_is_a_404(course, sign_in, client):
    sign_in(course["lecturer"])
    assert client.get(materials_url(course, "/new?kind=script")).status_code == 404


def test_editing_a_material_keeps_its_file(course, sign_in, client, uploads_dir):
    material = build.material(course["offering"], "file", title="Old title")
    stored_name, sha256 = material.stored_name, material.sha256
    sign_in(course["lecturer"])

    form = page_of(client.get(materials_url(course, f"/{material.id}/edit")))
    assert 'value="Old title"' in form and "lecture.pdf" in form
    response = client.post(materials_url(course, f"/{material.id}/edit"), data={
        "title": "New title", "week": "4", "topic": "Mediation"})

    assert response.status_code == 302
    material = only_material()
    assert (material.title, material.week, material.topic) == ("New title", 4, "Mediation")
    assert (material.stored_name, material.sha256) == (stored_name, sha256)
    assert (uploads_dir / "materials" / stored_name).exists()
    event = events_for(material)[-1]
    assert event.action == "material.updated"
    assert (event.data["before"]["title"], event.data["after"]["title"]) == ("Old title", "New title")


def test_editing_a_link_refuses_a_javascript_address(course, sign_in, client):
    material = build.material(course["offering"], "link", url="https://example.org/a")
    sign_in(course["lecturer"])
    response = client.post(materials_url(course, f"/{material.id}/edit"), data={
        "title": "Changed", "url": "javascript:alert(1)"})
    assert response.status_code == 200
    assert (only_material().title, only_material().url) == (material.title, "https://example.org/a")


def test_a_hidden_material_is_kept_from_students_but_not_from_the_lecturer(course, sign_in, client):
    material = build.material(course["offering"], "file", title="Answers to the quiz")
    offering_id = course["offering"].id
    file_url = f"/courses/{offering_id}/materials/{material.id}/file"

    sign_in(course["lecturer"])
    response = client.post(materials_url(course, f"/{material.id}/hidden"), follow_redirects=True)
    assert shown("The material is hidden from students.") in page_of(response)
    assert only_material().hidden is True
    lecturer_page = page_of(client.get(f"/offerings/{offering_id}"))
    assert "Answers to the quiz" in lecturer_page and shown("hidden") in lecturer_page
    with client.get(file_url) as response:
        assert response.status_code == 200

    sign_in(course["student"])
    assert "Answers to the quiz" not in page_of(client.get(f"/courses/{offering_id}"))
    assert client.get(file_url).status_code == 404

    sign_in(course["lecturer"])
    client.post(materials_url(course, f"/{material.id}/hidden"))
    sign_in(course["student"])
    assert "Answers to the quiz" in page_of(client.get(f"/courses/{offering_id}"))
    with client.get(file_url) as response:
        assert response.status_code == 200
    assert [event.action for event in events_for(material)] == ["material.created", "material.hidden",
                                                                "material.shown"]


def test_deleting_a_file_removes_it_after_the_commit_and_keeps_an_audit_record(course, sign_in, client,
                                                                              uploads_dir):
    material = build.material(course["offering"], "file",
                              file=build.upload(build.PDF, "المحاضرة الأولى.pdf"))
    material_id, stored_name, sha256 = material.id, material.stored_name, material.sha256
    path = uploads_dir / "materials" / stored_name
    assert path.exists()
    sign_in(course["lecturer"])

    url = materials_url(course, f"/{material_id}/delete")
    response = confirm(client, client.get(url), follow_redirects=True)

    assert shown("The material was deleted.") in page_of(response)
    assert db.session.get(Material, material_id) is None
    assert not path.exists()
    assert os.listdir(uploads_dir / "materials") == []
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "material.deleted"))
    assert (event.target_type, event.target_id, event.actor_id) == ("Material", str(material_id),
                                                                     course["lecturer"].id)
    assert event.data["original_name"] == "المحاضرة الأولى.pdf"
    assert event.data["sha256"] == sha256
    assert event.data["size"] == len(build.PDF)


def test_a_failed_deletion_keeps_the_file(course, sign_in, client, uploads_dir, monkeypatch):
    """The file goes only once the deletion is committed: a commit that fails leaves it in place."""
    material = build.material(course["offering"], "file")
    path = uploads_dir / "materials" / material.stored_name
    sign_in(course["lecturer"])

    def failing_commit(session):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(type(db.session()), "commit", failing_commit)
    response = client.post(materials_url(course, f"/{material.id}/delete"), data={"confirm": "yes"})
    monkeypatch.undo()

    assert response.status_code == 500
    assert path.exists()
    db.session.rollback()
    assert db.session.get(Material, material.id) is not None


# --- Markdown is sanitised --------------------------------------------------------------------------------

HOSTILE_MARKDOWN = (
    "Hello <script>alert('note')</script>\n\n"
    '<img src="x" onerror="alert(\'img\')">\n\n'
    "[click me](javascript:alert('link')) and [data](data:text/html;base64,PHNjcmlwdD4=)\n\n"
    '<a href="javascript:alert(1)" onclick="alert(2)">raw</a>\n\n'
    "**still bold**"
)


def assert_harmless(page):
    """No script element, no event handler attribute, no javascript:/data: address anywhere in the page (the
    hostile source may appear as escaped text, which a browser shows and never runs)."""
    elements = elements_of(page)
    # The page's own scripts (files under /static/, never inline) are allowed; nothing else that runs.
    assert [tag for tag, attributes in elements if tag in ("script", "img", "iframe", "object")
            and not (tag == "script" and (attributes.get("src") or "").startswith("/static/"))] == []
    assert [(tag, name) for tag, attributes in elements for name in attributes if name.startswith("on")] == []
    addresses = [value.strip().lower() for _tag, attributes in elements
                 for name, value in attributes.items() if name in ("href", "src", "action") and value]
    assert not [address for address in addresses if address.startswith(("javascript:", "data:"))]
    assert "<script" not in re.sub(r'<script src="/static/[^"]+" defer></script>', "", page).lower()
    assert "<strong>still bold</strong>" in page


def test_a_note_is_rendered_without_scripts_handlers_or_javascript_links(course, sign_in, client):
    build.material(course["offering"], "text", title="Hostile", body=HOSTILE_MARKDOWN)
    offering_id = course["offering"].id

    sign_in(course["lecturer"])
    assert_harmless(page_of(client.get(f"/offerings/{offering_id}")))
    sign_in(course["student"])
    assert_harmless(page_of(client.get(f"/courses/{offering_id}")))


def test_an_announcement_is_rendered_without_scripts_handlers_or_javascript_links(course, sign_in, client):
    sign_in(course["lecturer"])
    offering_id = course["offering"].id
    response = client.post(f"/offerings/{offering_id}/announcements",
                           data={"title": "<b>Exam</b>", "body": HOSTILE_MARKDOWN}, follow_redirects=True)
    assert shown("The announcement was posted.") in page_of(response)
    assert_harmless(page_of(response))
    assert "&lt;b&gt;Exam&lt;/b&gt;" in page_of(response)

    sign_in(course["student"])
    page = page_of(client.get(f"/courses/{offering_id}"))
    assert_harmless(page)
    assert "&lt;b&gt;Exam&lt;/b&gt;" in page


def test_a_safe_link_in_markdown_is_kept_with_a_safe_rel(course, sign_in, client):
    build.material(course["offering"], "text", body="See [the UN](https://www.un.org/).")
    sign_in(course["student"])
    page = page_of(client.get(f"/courses/{course['offering'].id}"))
    assert 'href="https://www.un.org/"' in page
    assert 'rel="noopener noreferrer nofollow"' in page


# --- announcements --------------------------------------------------------------------------------------

def test_an_announcement_needs_a_title_and_a_text(course, sign_in, client):
    sign_in(course["lecturer"])
    response = client.post(f"/offerings/{course['offering'].id}/announcements",
                           data={"title": "", "body": ""})
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(Announcement)) == 0


def test_deleting_an_announcement_keeps_its_text_in_the_audit_log(course, sign_in, client):
    announcement = build.announcement(course["offering"], title="Cancelled", body="No class today.")
    announcement_id = announcement.id
    sign_in(course["lecturer"])

    url = f"/offerings/{course['offering'].id}/announcements/{announcement_id}/delete"
    response = confirm(client, client.get(url))

    assert response.status_code == 302
    assert db.session.get(Announcement, announcement_id) is None
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "announcement.deleted"))
    assert event.data == {"title": "Cancelled", "body": "No class today."}


# --- text that reads otherwise than it is written; file names that run -------------------------------------

BIDI_CONTROLS = [chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]


def bidi_controls_in(text):
    return [f"U+{ord(ch):04X}" for ch in text or "" if ch in BIDI_CONTROLS]


def test_an_announcement_is_stored_and_shown_without_bidi_overrides(course, sign_in, client):
    sign_in(course["lecturer"])
    offering_id = course["offering"].id

    response = client.post(f"/offerings/{offering_id}/announcements", data={
        "title": "Exam \u202eexe.fdp", "body": 'see file "exe.\u202efdp"\n\nخوش\u200cآمدید'})

    assert response.status_code == 302
    announcement = db.session.scalar(db.select(Announcement))
    assert announcement.body == 'see file "exe.fdp"\n\nخوش\u200cآمدید'  # ZWNJ stays: it spells the word
    assert bidi_controls_in(announcement.title) == []
    sign_in(course["student"])
    page = page_of(client.get(f"/courses/{offering_id}"))
    assert "see file &#34;exe.fdp&#34;" in page or 'see file "exe.fdp"' in page
    assert bidi_controls_in(page) == []


def test_a_note_is_stored_and_shown_without_bidi_isolates(course, sign_in, client):
    sign_in(course["lecturer"])

    response = client.post(materials_url(course, "/new?kind=text"), data={
        "title": "Reading", "body": "Open \u2066exe.pdf\u2069 and \u2067**this**\u2069\u200b."})

    assert response.status_code == 302
    assert only_material().body == "Open exe.pdf and **this**."
    sign_in(course["student"])
    page = page_of(client.get(f"/courses/{course['offering'].id}"))
    assert "Open exe.pdf and <strong>this</strong>." in page
    assert bidi_controls_in(page) == []


def test_text_stored_with_overrides_before_they_were_removed_is_shown_without_them(course, sign_in, client):
    build.announcement(course["offering"], title="Old", body="placeholder")
    build.material(course["offering"], "text", title="Old note", body="placeholder")
    db.session.execute(db.update(Announcement).values(body='see file "exe.\u202efdp" &#x202E;'))
    db.session.execute(db.update(Material).values(body="open \u2066exe.pdf\u2069"))
    db.session.commit()

    sign_in(course["student"])
    page = page_of(client.get(f"/courses/{course['offering'].id}"))

    assert "exe.fdp" in page and "open exe.pdf" in page
    assert bidi_controls_in(page) == []


@pytest.mark.parametrize(("filename", "listed_as"), [
    ("syllabus.cmd", "syllabus.pdf"),
    ("notes.hta", "notes.pdf"),
    ("\u202egnp.exe", "gnp.pdf"),
    ("خطة المقرر", "خطة المقرر.pdf"),
])
def test_a_file_is_listed_and_sent_under_the_name_of_its_checked_type(course, sign_in, client, filename,
                                                                        listed_as):
    sign_in(course["lecturer"])
    response = client.post(materials_url(course, "/new?kind=file"), content_type="multipart/form-data",
                           data={"title": "Syllabus", "file": build.upload_field(build.PDF, filename)})
    assert response.status_code == 302
    material = only_material()
    assert material.original_name == listed_as

    for user in (course["lecturer"], course["student"]):
        sign_in(user)
        page = page_of(client.get(f"/offerings/{course['offering'].id}" if user is course["lecturer"]
                                  else f"/courses/{course['offering'].id}"))
        assert re.search(rf"<bdi[^>]*>{re.escape(listed_as)}</bdi>", page)  # isolated (issue 12)
        assert bidi_controls_in(page) == []
        with client.get(f"/courses/{course['offering'].id}/materials/{material.id}/file?download=1") as sent:
            disposition = sent.headers["Content-Disposition"]
            assert (sent.mimetype, sent.headers["X-Content-Type-Options"]) == ("application/pdf", "nosniff")
        assert disposition.startswith("attachment;")
        assert disposition.endswith(f"filename*=UTF-8''{quote(listed_as, safe='')}")
