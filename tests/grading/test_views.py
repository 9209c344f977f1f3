"""The grading pages through the browser's eyes: who sees what on every grading route (a table, one
column per persona), the gradebook's per-cell messages, the workflow's buttons, and the student's pages,
which show published marks only."""
import json
from collections import namedtuple
from dataclasses import dataclass
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from diploma.access import PUBLIC, access_rule
from diploma.enrolment import services as enrolment_services
from diploma.extensions import db
from diploma.grading import services
from diploma.grading.models import Score
from tests.grading.conftest import Classroom
from tests.pages import database_state, page_of, redirects_to_login, shown

D = Decimal

# --- helpers -----------------------------------------------------------------------------------------


class Inputs(HTMLParser):
    """{name: value} of every <input> of a page."""

    def __init__(self):
        super().__init__()
        self.values, self.attributes = {}, {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and "name" in attributes:
            self.values[attributes["name"]] = attributes.get("value", "")
            self.attributes[attributes["name"]] = attributes


def inputs_of(response):
    parser = Inputs()
    parser.feed(page_of(response))
    return parser


@pytest.fixture
def sign_in(auth, login_as):
    def _sign_in(user):
        auth.logout()
        return login_as(user)

    return _sign_in


def cell_form(room, index, assessment_index, text, attempt=1, version="current"):
    """The form fields of one gradebook cell as the page posts them."""
    enrolment = room.enrolments[index]
    target = room.assessments()[assessment_index] if assessment_index is not None else room.final()
    key = services.cell_key(enrolment.id, target.id, attempt)
    if version == "current":
        score = room.score(index, assessment_index, attempt)
        version = score.version if score else ""
    return {f"mark-{key}": text, f"version-{key}": "" if version is None else str(version)}


def line_form(room, index, texts):
    form = {}
    for assessment_index, text in enumerate(texts):
        form.update(cell_form(room, index, assessment_index, text))
    return form


# --- the world every access test runs in ---------------------------------------------------------------

PERSONAS = (
    "student",            # enrolled in the offering
    "foreign_student",    # a student of another university (enrolled there)
    "foreign_lecturer",   # a lecturer of another university
    "other_lecturer",     # a lecturer of the same university, teaching another offering, not this one
    "foreign_registrar",  # the registrar of another university
    "registrar",          # the registrar of the offering's university
    "lecturer",           # the offering's lecturer
    "admin",              # the programme's administrator
)
STATES = ("empty", "complete", "submitted", "published")


@dataclass
class World:
    people: dict
    room: Classroom  # the offering: the enrolled student (line 0) fails with 36, the other passes with 70
    neighbour: Classroom  # another offering of the same university (the other lecturer's)
    abroad: Classroom  # an offering of the other university, published

    def reach(self, state):
        """Bring the offering's gradebook to ``state``."""
        steps = STATES.index(state)
        if steps >= 1:
            self.room.type(self.room.lecturer, {0: ("30", "40"), 1: ("70", "70")})
        if steps >= 2:
            self.room.submit()
        if steps >= 3:
            self.room.publish()
        db.session.commit()
        return self

    def ids(self):
        score = self.room.score(0, 0)
        return {"offering_id": self.room.offering.id, "score_id": score.id if score else 0,
                "neighbour_score": self.neighbour.score(0, 0).id}


@pytest.fixture
def world(make, classroom):
    home = make.university(name_ar="جامعة الكوفة", name_en="University of Kufa")
    foreign = make.university(name_ar="جامعة الموصل", name_en="University of Mosul")
    cohort = make.cohort()
    people = {
        "lecturer": make.user(role="lecturer", university=home),
        "other_lecturer": make.user(role="lecturer", university=home),
        "foreign_lecturer": make.user(role="lecturer", university=foreign),
        "registrar": make.user(role="registrar", university=home),
        "foreign_registrar": make.user(role="registrar", university=foreign),
        "admin": make.user(role="admin"),
    }
    room = classroom(2, university=home, cohort=cohort, lecturer=people["lecturer"],
                     registrar=people["registrar"],
                     course=make.course(code="PCS701", title_ar="تحليل النزاعات",
                                        title_en="Conflict Analysis"))
    neighbour = classroom(1, university=home, cohort=cohort, lecturer=people["other_lecturer"],
                          registrar=people["registrar"])
    abroad = classroom(1, university=foreign, cohort=cohort, lecturer=people["foreign_lecturer"],
                       registrar=people["foreign_registrar"])
    for other, marks in ((neighbour, ("35", "55")), (abroad, ("20", "80"))):
        other.gradebook()
        other.type(other.lecturer, {0: marks})
    abroad.submit()
    abroad.publish()
    room.gradebook()
    people.update(student=room.students[0].user, foreign_student=abroad.students[0].user)
    return World(people, room, neighbour, abroad)


# --- who sees what: every grading route ------------------------------------------------------------------

Case = namedtuple("Case", "name endpoint method rule state expected data", defaults=(None,))

# Expected answers, one column per persona (anonymous visitors are always sent to the login page):
#   403 — the role may not use the route at all (or, for the assessments, not in this state);
#   404 — the role may, but the offering is not theirs (another university, not assigned);
#   400 — the role may, but the gradebook's state (or an incomplete form) refuses the change: the page
#         says why, and nothing is saved;
#   200 / 302 — allowed (302: done, and the browser sent back to the gradebook).
#
#         stu  fst  flc  olc  frg  reg  lec  adm
CONFIRMED = {"confirm": "yes"}  # the Confirm button of a confirmation page
CASES = [
    Case("gradebook", "grading.gradebook", "GET", "/offerings/<int:offering_id>/gradebook", "complete",
         (403, 403, 404, 404, 404, 200, 200, 200)),
    Case("save marks in a draft", "grading.post_marks", "POST", "/offerings/<int:offering_id>/gradebook",
         "complete", (403, 403, 404, 404, 404, 400, 302, 400),
         lambda world: cell_form(world.room, 0, 0, "31")),
    Case("change a published mark", "grading.post_marks", "POST", "/offerings/<int:offering_id>/gradebook",
         "published", (403, 403, 404, 404, 404, 302, 400, 302),
         lambda world: {**cell_form(world.room, 0, 0, "31"), "reason": "Re-marked on appeal."}),
    Case("assessments form", "grading.edit_assessments", "GET",
         "/offerings/<int:offering_id>/gradebook/assessments", "empty",
         (403, 403, 404, 404, 403, 403, 200, 403)),
    Case("save the assessments", "grading.edit_assessments", "POST",
         "/offerings/<int:offering_id>/gradebook/assessments", "empty",
         (403, 403, 404, 404, 403, 403, 302, 403),
         lambda world: {"assessments-0-name_ar": "السعي", "assessments-0-name_en": "Coursework",
                        "assessments-0-weight": "50", "assessments-0-max_score": "50",
                        "assessments-1-name_ar": "النهائي", "assessments-1-name_en": "Final",
                        "assessments-1-weight": "50", "assessments-1-max_score": "100",
                        "assessments-1-is_final": "y"}),
    Case("assessments once marks exist", "grading.edit_assessments", "GET",
         "/offerings/<int:offering_id>/gradebook/assessments", "complete",
         (403, 403, 404, 404, 403, 403, 403, 403)),
    # The irreversible steps: GET shows the confirmation page (200, nothing written), and the page's
    # Confirm button (confirm=yes) acts.
    Case("confirm submitting", "grading.submit", "GET", "/offerings/<int:offering_id>/gradebook/submit",
         "complete", (403, 403, 404, 404, 403, 403, 200, 403)),
    Case("submit", "grading.submit", "POST", "/offerings/<int:offering_id>/gradebook/submit", "complete",
         (403, 403, 404, 404, 403, 403, 302, 403), lambda world: CONFIRMED),
    Case("confirm publishing", "grading.publish", "GET", "/offerings/<int:offering_id>/gradebook/publish",
         "submitted", (403, 403, 403, 403, 404, 200, 403, 200)),
    Case("publish", "grading.publish", "POST", "/offerings/<int:offering_id>/gradebook/publish", "submitted",
         (403, 403, 403, 403, 404, 302, 403, 302), lambda world: CONFIRMED),
    Case("confirm returning", "grading.return_to_lecturer", "POST",
         "/offerings/<int:offering_id>/gradebook/return", "submitted",
         (403, 403, 403, 403, 404, 200, 403, 200), lambda world: {"comment": "Check the final exam."}),
    Case("return to the lecturer", "grading.return_to_lecturer", "POST",
         "/offerings/<int:offering_id>/gradebook/return", "submitted",
         (403, 403, 403, 403, 404, 302, 403, 302),
         lambda world: {"comment": "Check the final exam.", **CONFIRMED}),
    Case("confirm opening the second round", "grading.second_round", "GET",
         "/offerings/<int:offering_id>/gradebook/second-round", "published",
         (403, 403, 403, 403, 404, 200, 403, 200)),
    Case("open the second round", "grading.second_round", "POST",
         "/offerings/<int:offering_id>/gradebook/second-round", "published",
         (403, 403, 403, 403, 404, 302, 403, 302), lambda world: CONFIRMED),
    Case("history of a mark", "grading.mark_history", "GET",
         "/offerings/<int:offering_id>/gradebook/scores/<int:score_id>/history", "complete",
         (403, 403, 404, 404, 404, 200, 200, 200)),
    Case("history of another offering's mark", "grading.mark_history", "GET",
         "/offerings/<int:offering_id>/gradebook/scores/<int:neighbour_score>/history", "complete",
         (403, 403, 404, 404, 404, 404, 404, 404)),
    # The spreadsheet routes (diploma.grading.marks_spreadsheet_views): downloads for the staff of the
    # offering; the import page for those who may change marks now (the lecturer in a draft, the registrar
    # once published).
    Case("export (Excel)", "grading.export_xlsx", "GET", "/offerings/<int:offering_id>/gradebook/export.xlsx",
         "complete", (403, 403, 404, 404, 404, 200, 200, 200)),
    Case("export (CSV)", "grading.export_csv", "GET", "/offerings/<int:offering_id>/gradebook/export.csv",
         "complete", (403, 403, 404, 404, 404, 200, 200, 200)),
    Case("import template", "grading.import_template", "GET",
         "/offerings/<int:offering_id>/gradebook/template.xlsx", "complete",
         (403, 403, 404, 404, 404, 200, 200, 200)),
    Case("import form in a draft", "grading.import_marks", "GET",
         "/offerings/<int:offering_id>/gradebook/import", "complete",
         (403, 403, 404, 404, 404, 403, 200, 403)),
    Case("import form once published", "grading.import_marks", "GET",
         "/offerings/<int:offering_id>/gradebook/import", "published",
         (403, 403, 404, 404, 404, 200, 403, 200)),
    Case("import without a file", "grading.import_marks", "POST",
         "/offerings/<int:offering_id>/gradebook/import", "complete",
         (403, 403, 404, 404, 404, 403, 400, 403)),
    # Accepting a previewed import (tests/grading/test_marks_import_preview.py): without a preview of one's
    # own in this browser session, the lecturer is told so (409) and nothing is saved.
    Case("accept an import never previewed", "grading.accept_marks_import", "POST",
         "/offerings/<int:offering_id>/gradebook/import/accept", "complete",
         (403, 403, 404, 404, 404, 403, 409, 403), lambda world: {"token": "x" * 32}),
    Case("registrar's queue", "grading.queue", "GET", "/grades/queue", "submitted",
         (403, 403, 403, 403, 200, 200, 403, 200)),
    Case("my grades", "grading.my_grades", "GET", "/grades/", "published",
         (200, 200, 403, 403, 403, 403, 403, 403)),
    Case("transcript", "grading.transcript", "GET", "/grades/transcript", "published",
         (200, 200, 403, 403, 403, 403, 403, 403)),
    Case("grades as JSON", "grading.my_grades_json", "GET", "/grades.json", "published",
         (200, 200, 403, 403, 403, 403, 403, 403)),
]


def url_of(case, ids):
    url = case.rule
    for name, value in ids.items():
        url = url.replace(f"<int:{name}>", str(value))
    assert "<" not in url, url
    return url


def request_case(client, case, world):
    url = url_of(case, world.ids())
    if case.method == "GET":
        return client.get(url)
    return client.post(url, data=case.data(world) if case.data else {})


def test_the_table_covers_every_grading_route(app):
    routes = {(rule.rule.replace("<int:score_id>", "<int:…>"), method, rule.endpoint)
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("grading.")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    covered = {(case.rule.replace("<int:score_id>", "<int:…>").replace("<int:neighbour_score>", "<int:…>"),
                case.method, case.endpoint) for case in CASES}
    assert routes == covered
    assert all(access_rule(endpoint) != PUBLIC for _rule, _method, endpoint in routes)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_anonymous_visitors_are_sent_to_the_login_page_and_change_nothing(case, world, client):
    world.reach(case.state)
    before = database_state()

    response = request_case(client, case, world)

    assert redirects_to_login(response), response.status_code
    assert database_state() == before


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_who_sees_what(case, persona, world, sign_in, client):
    expected = case.expected[PERSONAS.index(persona)]
    world.reach(case.state)
    sign_in(world.people[persona])
    before = database_state()

    with request_case(client, case, world) as response:
        response.get_data()

    assert response.status_code == expected, f"{persona}: {case.method} {case.rule} ({case.state})"
    if expected == 302:
        assert not redirects_to_login(response)
        assert urlsplit(response.headers["Location"]).path == f"/offerings/{world.room.offering.id}/gradebook"
        assert database_state() != before, "the action was allowed, so something was saved"
    else:  # refused, or a page shown: nothing written
        assert database_state() == before


def test_an_offering_that_does_not_exist_is_not_found(world, sign_in, client):
    sign_in(world.people["admin"])
    assert client.get("/offerings/999999/gradebook").status_code == 404
    assert client.post("/offerings/999999/gradebook/publish").status_code == 404
    history = f"/offerings/{world.room.offering.id}/gradebook/scores/999999/history"
    assert client.get(history).status_code == 404


# --- the gradebook page ---------------------------------------------------------------------------------

def test_the_lecturer_types_marks_and_is_sent_back_to_the_gradebook(world, sign_in, client):
    room = world.room
    sign_in(room.lecturer)

    response = client.post(f"/offerings/{room.offering.id}/gradebook",
                           data={**line_form(room, 0, ("٣٠", "٤٠")), **line_form(room, 1, ("70", "غ"))})

    assert response.status_code == 302
    page = page_of(client.get(response.headers["Location"]))
    assert shown("%(saved)s marks saved.", saved=4) in page
    assert (room.score(0, 0).value, room.score(0, 1).value, room.score(1, 1).absent) == (D(30), D(40), True)
    fields = inputs_of(client.get(f"/offerings/{room.offering.id}/gradebook")).values
    assert fields[next(iter(cell_form(room, 0, 0, "")))] == "30"
    assert fields[next(iter(cell_form(room, 1, 1, "")))] == "غ"


def test_a_refused_cell_shows_its_reason_and_keeps_what_was_typed(world, sign_in, client):
    room = world.room
    sign_in(room.lecturer)
    bad, too_high = cell_form(room, 0, 0, "abc"), cell_form(room, 0, 1, "101")

    response = client.post(f"/offerings/{room.offering.id}/gradebook",
                           data={**bad, **too_high, **cell_form(room, 1, 0, "70")})

    assert response.status_code == 422
    page = page_of(response)
    assert shown("Not a mark: type a number, or غ for absent.") in page
    assert shown("The mark must be between 0 and %(max)s.", max="100") in page
    assert shown("%(saved)s marks saved; %(refused)s refused — see the marked cells.", saved=1,
                 refused=2) in page
    fields = inputs_of(response)
    bad_name, too_high_name = next(iter(bad)), next(iter(too_high))
    assert fields.values[bad_name] == "abc"
    assert fields.values[too_high_name] == "101"
    assert fields.attributes[bad_name]["aria-invalid"] == "true"
    error_id = fields.attributes[bad_name]["aria-describedby"]
    assert f'id="{error_id}"' in page
    assert room.score(0, 0) is None and room.score(0, 1) is None
    assert room.score(1, 0).value == D(70)


def test_the_page_speaks_english_too(world, sign_in, client):
    room = world.room
    sign_in(room.lecturer)
    client.set_cookie("lang", "en")
    response = client.post(f"/offerings/{room.offering.id}/gradebook", data=cell_form(room, 0, 0, "85.555"))
    assert response.status_code == 422
    assert "At most two decimals." in page_of(response)


def test_a_stale_save_shows_the_current_value(world, sign_in, client, make):
    room = world.room
    world.reach("complete")
    seen = cell_form(room, 0, 0, "35")  # the lecturer's page, with the version of the mark "30"
    colleague_sees = cell_form(room, 0, 0, "38")
    colleague = make.user(role="lecturer", university=room.university)
    room.offering.lecturers.append(colleague)
    db.session.commit()
    sign_in(colleague)
    assert client.post(f"/offerings/{room.offering.id}/gradebook", data=colleague_sees).status_code == 302

    sign_in(room.lecturer)
    response = client.post(f"/offerings/{room.offering.id}/gradebook", data=seen)

    assert response.status_code == 422
    page = page_of(response)
    assert shown("Someone else changed this mark meanwhile; it is now %(value)s.", value="38") in page
    assert room.score(0, 0).value == D(38)  # the colleague's mark is kept
    version_name = next(name for name in seen if name.startswith("version-"))
    # The typed value stays in the cell, with the current version: saving it again is a knowing overwrite.
    assert inputs_of(response).values[version_name] == str(room.score(0, 0).version)


def test_after_submission_the_lecturer_sees_the_marks_read_only(world, sign_in, client):
    room = world.room
    world.reach("submitted")
    sign_in(room.lecturer)

    response = client.get(f"/offerings/{room.offering.id}/gradebook")

    page = page_of(response)
    assert not [name for name in inputs_of(response).values if name.startswith("mark-")]
    assert 'data-testid="save-marks"' not in page
    assert 'data-testid="submit-gradebook"' not in page
    assert "36" in page and "70" in page
    refused = client.post(f"/offerings/{room.offering.id}/gradebook", data=cell_form(room, 0, 0, "50"))
    assert refused.status_code == 400
    assert shown("This gradebook cannot be changed now.") in page_of(refused)
    assert room.score(0, 0).value == D(30)


def test_submitting_an_incomplete_gradebook_says_what_is_missing(world, sign_in, client):
    room = world.room
    sign_in(room.lecturer)
    client.post(f"/offerings/{room.offering.id}/gradebook", data=line_form(room, 0, ("30", "40")))

    response = client.post(f"/offerings/{room.offering.id}/gradebook/submit", data=CONFIRMED,
                           follow_redirects=True)

    assert shown("%(count)s students still have missing marks: give a mark or absent for every assessment.",
                 count=1) in page_of(response)
    assert room.sheet().gradebook.status == "draft"


def test_the_registrar_reviews_returns_and_publishes(world, sign_in, client):
    room = world.room
    world.reach("submitted")
    sign_in(room.registrar)
    url = f"/offerings/{room.offering.id}/gradebook"

    page = page_of(client.get(url))
    assert 'data-testid="publish-gradebook"' in page
    assert shown("Distribution") in page
    assert room.offering.course.title_ar in page_of(client.get("/grades/queue"))

    empty = client.post(f"{url}/return", data={"comment": "  "}, follow_redirects=True)
    assert shown("Write a comment for the lecturer.") in page_of(empty)
    assert room.sheet().gradebook.status == "submitted"
    client.post(f"{url}/return", data={"comment": "مراجعة درجة الامتحان النهائي", **CONFIRMED})
    assert room.sheet().gradebook.status == "draft"

    sign_in(room.lecturer)
    assert "مراجعة درجة الامتحان النهائي" in page_of(client.get(url))
    assert client.post(f"{url}/submit", data=CONFIRMED).status_code == 302

    sign_in(room.registrar)
    assert client.post(f"{url}/publish", data=CONFIRMED).status_code == 302
    assert room.sheet().gradebook.status == "published"
    assert room.offering.course.title_ar not in page_of(client.get("/grades/queue"))


def test_the_foreign_registrars_queue_does_not_list_the_offering(world, sign_in, client):
    world.reach("submitted")
    sign_in(world.people["foreign_registrar"])
    assert world.room.offering.course.title_ar not in page_of(client.get("/grades/queue"))
    sign_in(world.people["admin"])
    assert world.room.offering.course.title_ar in page_of(client.get("/grades/queue"))


def test_a_published_mark_changes_only_with_a_reason(world, sign_in, client):
    room = world.room
    world.reach("published")
    sign_in(room.registrar)
    url = f"/offerings/{room.offering.id}/gradebook"

    response = client.post(url, data=cell_form(room, 0, 0, "45"))

    assert response.status_code == 400
    assert shown("Give the reason for changing a published mark.") in page_of(response)
    assert room.score(0, 0).value == D(30)
    assert client.post(url, data={**cell_form(room, 0, 0, "45"), "reason": "خطأ في الجمع"}).status_code == 302
    assert room.score(0, 0).value == D(45)
    history = page_of(client.get(f"{url}/scores/{room.score(0, 0).id}/history"))
    assert "خطأ في الجمع" in history


def test_the_second_round_through_the_pages(world, sign_in, client, programme):
    programme(second_round_rule="cap_at_pass")
    room = world.room
    world.reach("published")
    url = f"/offerings/{room.offering.id}/gradebook"
    sign_in(room.registrar)
    assert client.post(f"{url}/second-round", data=CONFIRMED).status_code == 302

    sign_in(room.lecturer)
    fields = inputs_of(client.get(url)).values
    second = next(iter(cell_form(room, 0, None, "", attempt=2)))
    assert second in fields  # the failed student's second-round cell
    assert next(iter(cell_form(room, 1, None, "", attempt=2))) not in fields  # not for the one who passed
    assert not [name for name in fields if name.startswith("mark-") and name.endswith("-1")]
    assert client.post(url, data=cell_form(room, 0, None, "٩٠", attempt=2)).status_code == 302
    assert client.post(f"{url}/submit", data=CONFIRMED).status_code == 302
    sign_in(room.registrar)
    assert client.post(f"{url}/publish", data=CONFIRMED).status_code == 302

    sign_in(room.students[0].user)
    grades = client.get("/grades.json").get_json()
    result, = (r for r in grades["results"] if r["course"] == "PCS701")
    assert (result["mark"], result["round"], result["passed"]) == ("50.00", 2, True)
    assert shown("Second round") in page_of(client.get("/grades/transcript"))


def test_the_assessments_form_shows_the_weights_error(world, sign_in, client):
    room = world.room
    sign_in(room.lecturer)
    response = client.post(f"/offerings/{room.offering.id}/gradebook/assessments", data={
        "assessments-0-name_ar": "السعي", "assessments-0-name_en": "Coursework", "assessments-0-weight": "40",
        "assessments-0-max_score": "40", "assessments-1-name_ar": "النهائي", "assessments-1-name_en": "Final",
        "assessments-1-weight": "50", "assessments-1-max_score": "100", "assessments-1-is_final": "y"})
    assert response.status_code == 200
    assert shown("The weights must add up to 100 (now %(total)s).", total="90") in page_of(response)
    assert [a.weight for a in room.assessments()] == [D(40), D(60)]


def test_the_assessments_form_shows_the_current_assessments(world, sign_in, client):
    room = world.room
    sign_in(room.lecturer)
    fields = inputs_of(client.get(f"/offerings/{room.offering.id}/gradebook/assessments")).values
    assert (fields["assessments-0-name_ar"], fields["assessments-0-weight"]) == ("السعي", "40.00")
    assert (fields["assessments-1-name_en"], fields["assessments-1-weight"]) == ("Final exam", "60.00")


# --- the student's pages: published marks only ------------------------------------------------------------

@pytest.fixture
def two_courses(world, classroom, make):
    """The enrolled student also follows a second course, whose marks are entered and submitted but not
    published; the first course is published."""
    room = world.room
    world.reach("published")
    course = make.course(code="PCS702", title_ar="إدارة الأزمات", title_en="Crisis Management")
    hidden = classroom(0, university=room.university, registrar=room.registrar, course=course)
    hidden.enrolments.append(enrolment_services.enrol_student(None, hidden.offering, room.students[0]))
    hidden.students.append(room.students[0])
    db.session.commit()
    hidden.gradebook()
    hidden.type(hidden.lecturer, {0: ("37", "97.25")})
    hidden.submit()
    return room, hidden


def test_the_student_sees_only_published_marks_on_every_page(two_courses, sign_in, client):
    room, hidden = two_courses
    sign_in(room.students[0].user)

    for url in ("/grades/", "/grades/transcript"):
        page = page_of(client.get(url))
        assert "تحليل النزاعات" in page and "PCS701" in page
        assert "إدارة الأزمات" not in page and "PCS702" not in page
        assert "73.15" not in page  # the unpublished course mark
        assert "36" in page
    grades = client.get("/grades.json").get_json()
    assert [r["course"] for r in grades["results"]] == ["PCS701"]
    assert grades["average"] == "36.00"
    assert grades["results"][0] == {"course": "PCS701", "title": "تحليل النزاعات",
                                    "term": room.offering.term.name_ar, "credits": 3, "mark": "36.00",
                                    "band": "راسب", "round": 1, "passed": False}
    raw = client.get("/grades.json").get_data(as_text=True)
    assert "PCS702" not in raw and "73.15" not in raw
    assert "إدارة الأزمات" not in json.dumps(json.loads(raw), ensure_ascii=False)

    hidden.publish()
    grades = client.get("/grades.json").get_json()
    assert [r["course"] for r in grades["results"]] == ["PCS701", "PCS702"]
    assert grades["average"] == "54.58"  # (36 × 3 + 73.15 × 3) / 6 = 54.575, half up
    assert "إدارة الأزمات" in page_of(client.get("/grades/"))


def test_before_publication_the_student_has_no_marks_at_all(world, sign_in, client):
    world.reach("submitted")
    sign_in(world.room.students[0].user)
    assert client.get("/grades.json").get_json() == {"average": None, "results": []}
    page = page_of(client.get("/grades/"))
    assert shown("No published marks yet.") in page
    assert "تحليل النزاعات" not in page
    assert "تحليل النزاعات" not in page_of(client.get("/grades/transcript"))


def test_a_student_sees_only_their_own_marks(world, sign_in, client):
    world.reach("published")
    sign_in(world.room.students[1].user)
    grades = client.get("/grades.json").get_json()
    assert [(r["course"], r["mark"]) for r in grades["results"]] == [("PCS701", "70.00")]
    sign_in(world.people["foreign_student"])
    grades = client.get("/grades.json").get_json()
    assert [r["mark"] for r in grades["results"]] == ["56.00"]  # 20 × 0.4 + 80 × 0.6


def test_the_json_speaks_english_on_request(world, sign_in, client):
    world.reach("published")
    sign_in(world.room.students[0].user)
    client.set_cookie("lang", "en")
    result, = client.get("/grades.json").get_json()["results"]
    assert (result["title"], result["band"]) == ("Conflict Analysis", "Fail")


def test_a_score_row_is_never_shown_to_students_before_publication(world):
    """The students' service reads the same table; a draft's rows exist but are not results."""
    world.reach("complete")
    assert db.session.scalar(db.select(db.func.count()).select_from(Score)) > 0
    assert services.published_results(world.room.students[0]) == ([], None)


ASSESSMENTS_FORM = {
    "assessments-0-name_ar": "السعي", "assessments-0-name_en": "Coursework", "assessments-0-weight": "40",
    "assessments-0-max_score": "40", "assessments-1-name_ar": "النهائي", "assessments-1-name_en": "Final",
    "assessments-1-weight": "60", "assessments-1-max_score": "100", "assessments-1-is_final": "y"}


@pytest.mark.parametrize("change", [
    {"assessments-0-max_score": ""},  # a cleared maximum score
    {"assessments-2-name_ar": "مشاركة", "assessments-2-name_en": "Participation", "assessments-2-weight": "0",
     "assessments-2-max_score": "10"},  # a named assessment weighing nothing
], ids=["blank-maximum", "zero-weight"])
def test_an_incomplete_assessment_row_is_refused_on_the_form(world, sign_in, client, change):
    room = world.room
    sign_in(room.lecturer)
    response = client.post(f"/offerings/{room.offering.id}/gradebook/assessments",
                           data={**ASSESSMENTS_FORM, **change})
    assert response.status_code == 200
    assert shown("Give each assessment its names in Arabic and English, a weight and a maximum score.") \
        in page_of(response)
    assert [(a.weight, a.max_score) for a in room.assessments()] == [(D(40), D(100)), (D(60), D(100))]


def test_the_assessments_saved_on_the_form_shape_the_gradebook(world, sign_in, client):
    room = world.room
    sign_in(room.lecturer)
    response = client.post(f"/offerings/{room.offering.id}/gradebook/assessments", data=ASSESSMENTS_FORM)
    assert response.status_code == 302
    assert [(a.name_en, a.weight, a.max_score, a.is_final) for a in room.assessments()] == [
        ("Coursework", D(40), D(40), False), ("Final", D(60), D(100), True)]
    page = page_of(client.get(f"/offerings/{room.offering.id}/gradebook"))
    assert "/40" in page
    response = client.post(f"/offerings/{room.offering.id}/gradebook", data=line_form(room, 0, ("41", "70")))
    assert shown("The mark must be between 0 and %(max)s.", max="40") in page_of(response)
