"""The administrator's curriculum pages: programme settings and grading scale, cohorts, courses, terms."""
from datetime import date
from decimal import Decimal

import pytest

from diploma.audit import AuditEvent, events_for
from diploma.curriculum.models import Cohort, Course, GradeBand, Programme, Term
from diploma.extensions import db
from tests.pages import shown


@pytest.fixture
def admin(make, login_as):
    return login_as(make.user(role="admin"))


@pytest.fixture
def programme(make):
    return make.programme()


IRAQI_BANDS = [("90", "امتياز", "Excellent"), ("80", "جيد جداً", "Very good"), ("70", "جيد", "Good"),
               ("60", "متوسط", "Fair"), ("50", "مقبول", "Pass"), ("0", "راسب", "Fail")]


def programme_form(bands=IRAQI_BANDS, **overrides):
    data = {"name_ar": "دبلوم دراسات السلام والأزمات", "name_en": "Diploma in Peace and Crisis Studies",
            "required_credits": "30", "pass_mark": "50", "course_mark_rounding": "none",
            "second_round_rule": "cap_at_pass", "second_round_deduction": "0",
            "certificate_digits": "arabic_indic"}
    for index, (minimum, name_ar, name_en) in enumerate(bands):
        data |= {f"bands-{index}-min_mark": minimum, f"bands-{index}-name_ar": name_ar,
                 f"bands-{index}-name_en": name_en}
    return {**data, **overrides}


def reloaded_programme():
    db.session.expire_all()
    return db.session.scalar(db.select(Programme))


def scale(programme):
    return [(band.min_mark, band.name_en) for band in programme.bands]


# --- programme ---------------------------------------------------------------------------------------

def test_the_programme_page_shows_the_current_settings(admin, client, programme):
    page = client.get("/admin/programme").get_data(as_text=True)
    assert 'value="Diploma in Peace and Crisis Studies"' in page
    assert 'value="Very good"' in page
    # The administrator is told that changed rules do not reach results already published.
    assert "تبقى على القواعد التي نُشرت بموجبها" in page


def test_the_programme_settings_are_saved(admin, client, programme):
    response = client.post("/admin/programme", data=programme_form(
        pass_mark="60", course_mark_rounding="whole", second_round_rule="deduction",
        second_round_deduction="5.5", certificate_digits="western", required_credits="33",
        bands=[("90", "امتياز", "Excellent"), ("75", "جيد", "Good"), ("60", "مقبول", "Pass"),
               ("0", "راسب", "Fail")]))

    assert response.status_code == 302
    saved = reloaded_programme()
    assert saved.pass_mark == Decimal(60)
    assert saved.course_mark_rounding == "whole"
    assert saved.second_round_rule == "deduction"
    assert saved.second_round_deduction == Decimal("5.50")
    assert saved.certificate_digits == "western"
    assert saved.required_credits == 33
    assert scale(saved) == [(Decimal(90), "Excellent"), (Decimal(75), "Good"), (Decimal(60), "Pass"),
                            (Decimal(0), "Fail")]
    event, = events_for(saved)
    assert event.action == "programme.updated"
    assert Decimal(event.data["before"]["pass_mark"]) == 50
    assert Decimal(event.data["after"]["pass_mark"]) == 60
    assert len(event.data["before"]["bands"]) == 6
    assert len(event.data["after"]["bands"]) == 4


def test_a_zero_deduction_is_a_valid_setting(admin, client, programme):
    """0 is the default deduction (and the only sensible one for the other rules): it must save."""
    response = client.post("/admin/programme", data=programme_form(second_round_rule="no_cap",
                                                                   second_round_deduction="0"))

    assert response.status_code == 302
    saved = reloaded_programme()
    assert saved.second_round_rule == "no_cap"
    assert saved.second_round_deduction == Decimal(0)


@pytest.mark.parametrize(("bands", "message"), [
    ([("90", "امتياز", "Excellent"), ("90", "جيد جداً", "Very good"), ("50", "مقبول", "Pass"),
      ("0", "راسب", "Fail")], "Two bands of the scale start at the same mark."),
    ([("90", "امتياز", "Excellent"), ("50", "مقبول", "Pass"), ("10", "راسب", "Fail")],
     "The lowest band must start at 0."),
    ([("90", "امتياز", "Excellent"), ("55", "مقبول", "Pass"), ("0", "راسب", "Fail")],
     "One band must start at the pass mark."),
], ids=["duplicate-minimum", "no-band-at-0", "no-band-at-pass-mark"])
def test_an_invalid_grading_scale_is_refused_and_nothing_changes(admin, client, programme, bands, message):
    before = scale(programme)

    response = client.post("/admin/programme", data=programme_form(bands=bands, pass_mark="50",
                                                                   required_credits="40"))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="bands-errors"' in page
    assert shown(message) in page
    saved = reloaded_programme()
    assert scale(saved) == before
    assert saved.required_credits == 30
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "programme.updated")) == 0


def test_a_band_with_a_name_but_no_mark_is_refused_without_an_error_page(admin, client, programme):
    bands = [*IRAQI_BANDS, ("", "ممتاز جداً", "Outstanding")]

    response = client.post("/admin/programme", data=programme_form(bands=bands))

    assert response.status_code == 200
    assert shown("Band marks must be between 0 and 100.") in response.get_data(as_text=True)
    assert scale(reloaded_programme()) == scale(programme)


def test_a_pass_mark_over_100_is_refused(admin, client, programme):
    response = client.post("/admin/programme", data=programme_form(pass_mark="101"))

    assert response.status_code == 200
    assert shown("Between 0 and 100.") in response.get_data(as_text=True)
    assert reloaded_programme().pass_mark == Decimal(50)


def test_without_a_programme_the_page_says_so(admin, client):
    assert client.get("/admin/programme").status_code == 404


# --- cohorts -----------------------------------------------------------------------------------------

def cohort_form(**overrides):
    return {"name_ar": "الدفعة الثالثة", "name_en": "Third cohort", "start_year": "2027", "end_year": "2029",
            **overrides}


def test_admin_creates_and_edits_a_cohort(admin, client, programme):
    response = client.post("/admin/cohorts/new", data=cohort_form())
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/cohorts"
    cohort = db.session.scalar(db.select(Cohort).where(Cohort.name_en == "Third cohort"))
    assert (cohort.start_year, cohort.end_year, cohort.programme_id) == (2027, 2029, programme.id)
    assert "الدفعة الثالثة" in client.get("/admin/cohorts").get_data(as_text=True)

    response = client.post(f"/admin/cohorts/{cohort.id}", data=cohort_form(end_year="2030"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Cohort, cohort.id).end_year == 2030
    created, updated = events_for(cohort)
    assert (created.action, updated.action) == ("cohort.created", "cohort.updated")
    assert (updated.data["before"]["end_year"], updated.data["after"]["end_year"]) == (2029, 2030)


def test_a_cohort_ending_before_it_starts_is_refused(admin, client, programme):
    response = client.post("/admin/cohorts/new", data=cohort_form(start_year="2027", end_year="2026"))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="end_year-errors"' in page
    assert shown("The final year cannot come before the first year.") in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Cohort)) == 0


def test_editing_a_cohort_into_reversed_years_changes_nothing(admin, client, make):
    cohort = make.cohort(start_year=2023, end_year=2025)

    client.post(f"/admin/cohorts/{cohort.id}", data=cohort_form(start_year="2026", end_year="2025"))

    db.session.expire_all()
    saved = db.session.get(Cohort, cohort.id)
    assert (saved.start_year, saved.end_year, saved.name_en) == (2023, 2025, cohort.name_en)
    assert events_for(saved) == []


def test_two_cohorts_cannot_share_a_name(admin, client, make):
    make.cohort(name_en="Third cohort")

    response = client.post("/admin/cohorts/new", data=cohort_form())

    assert shown("Another cohort already has this name.") in response.get_data(as_text=True)


# --- courses -----------------------------------------------------------------------------------------

def course_form(**overrides):
    return {"code": "PCS201", "title_ar": "الوساطة وحل النزاعات",
            "title_en": "Mediation and Conflict Resolution", "credits": "3", "semester": "3", "required": "y",
            **overrides}


def test_admin_creates_and_edits_a_course(admin, client, programme):
    response = client.post("/admin/courses/new", data=course_form(code="pcs201"))
    assert response.status_code == 302
    course = db.session.scalar(db.select(Course))
    assert (course.code, course.credits, course.semester, course.required) == ("PCS201", 3, 3, True)

    data = course_form(credits="4")
    del data["required"]  # an unticked box is not sent
    response = client.post(f"/admin/courses/{course.id}", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    course = db.session.get(Course, course.id)
    assert (course.credits, course.required) == (4, False)
    assert [e.action for e in events_for(course)] == ["course.created", "course.updated"]
    assert "PCS201" in client.get("/admin/courses").get_data(as_text=True)


@pytest.mark.parametrize("code", ["PCS101", "pcs101", "Pcs101"])
def test_a_course_code_already_used_is_refused_whatever_its_case(admin, client, make, code):
    make.course(code="PCS101")

    response = client.post("/admin/courses/new", data=course_form(code=code))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="code-errors"' in page
    assert shown("Another course already has this code.") in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Course)) == 1


def test_a_course_keeps_its_own_code_when_edited(admin, client, make):
    course = make.course(code="PCS101")

    response = client.post(f"/admin/courses/{course.id}", data=course_form(code="pcs101", title_en="Renamed"))

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Course, course.id).title_en == "Renamed"


@pytest.mark.parametrize("credits", ["0", "-3", "31"])
def test_a_course_with_credits_out_of_range_is_refused(admin, client, programme, credits):
    response = client.post("/admin/courses/new", data=course_form(credits=credits))

    assert response.status_code == 200
    assert 'id="credits-errors"' in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Course)) == 0


# --- terms -------------------------------------------------------------------------------------------

def term_form(**overrides):
    return {"name_ar": "الفصل الدراسي الثاني 2026-2027", "name_en": "Second semester 2026-2027",
            "starts_on": "2027-02-21", "ends_on": "2027-06-30", **overrides}


def test_admin_creates_and_edits_a_term(admin, client):
    response = client.post("/admin/terms/new", data=term_form())
    assert response.status_code == 302
    term = db.session.scalar(db.select(Term))
    assert (term.starts_on, term.ends_on) == (date(2027, 2, 21), date(2027, 6, 30))

    response = client.post(f"/admin/terms/{term.id}", data=term_form(ends_on="2027-07-15"))
    assert response.status_code == 302
    db.session.expire_all()
    term = db.session.get(Term, term.id)
    assert term.ends_on == date(2027, 7, 15)
    created, updated = events_for(term)
    assert (created.action, updated.action) == ("term.created", "term.updated")
    assert (updated.data["before"]["ends_on"], updated.data["after"]["ends_on"]) == (
        "2027-06-30", "2027-07-15")


@pytest.mark.parametrize("ends_on", ["2027-02-20", "2027-02-21"], ids=["before-start", "same-day"])
def test_a_term_that_does_not_end_after_it_starts_is_refused(admin, client, ends_on):
    response = client.post("/admin/terms/new", data=term_form(ends_on=ends_on))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="ends_on-errors"' in page
    assert shown("The term must end after it starts.") in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Term)) == 0


def test_the_terms_list_shows_the_terms(admin, client, make):
    make.term(name_ar="الفصل الأول 2026-2027")
    assert "الفصل الأول 2026-2027" in client.get("/admin/terms").get_data(as_text=True)


def test_a_missing_record_is_404(admin, client, programme):
    for kind in ("cohorts", "courses", "terms"):
        assert client.get(f"/admin/{kind}/999999").status_code == 404


def test_grade_bands_are_kept_in_order_from_the_highest(programme):
    assert [band.min_mark for band in db.session.scalars(
        db.select(GradeBand).order_by(GradeBand.min_mark.desc()))] == [b.min_mark for b in programme.bands]
