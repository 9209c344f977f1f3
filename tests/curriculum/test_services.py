"""The programme's settings and grading scale, and the rules for cohorts, courses and terms."""
from datetime import date
from decimal import Decimal

import pytest

from diploma.audit import events_for
from diploma.curriculum import services
from diploma.curriculum.models import Cohort, Course, Term
from diploma.errors import RuleViolation
from diploma.extensions import db


@pytest.fixture
def admin(make):
    return make.user(role="admin")


@pytest.fixture
def programme(make):
    return make.programme()


def settings(programme, **changes):
    return {**{name: getattr(programme, name) for name in services.PROGRAMME_SETTINGS}, **changes}


def bands(*rows):
    return [{"min_mark": Decimal(minimum), "name_ar": name_ar, "name_en": name_en}
            for minimum, name_ar, name_en in rows]


IRAQI = bands((90, "امتياز", "Excellent"), (80, "جيد جداً", "Very good"), (70, "جيد", "Good"),
              (60, "متوسط", "Fair"), (50, "مقبول", "Pass"), (0, "راسب", "Fail"))


def scale(programme):
    return [(band.min_mark, band.name_en) for band in programme.bands]


# --- the Iraqi scale ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("mark", "band"), [
    ("100", "Excellent"), ("90", "Excellent"), ("89.99", "Very good"), ("80", "Very good"),
    ("79.99", "Good"), ("70", "Good"), ("69.99", "Fair"), ("60", "Fair"), ("59.99", "Pass"),
    ("50", "Pass"), ("49.99", "Fail"), ("0", "Fail"),
])
def test_band_for_on_the_iraqi_scale(programme, mark, band):
    assert services.band_for(programme, Decimal(mark)).name_en == band


def test_band_for_gives_the_arabic_name_too(programme):
    assert services.band_for(programme, Decimal("95.5")).name("ar") == "امتياز"
    assert services.band_for(programme, Decimal(49)).name("ar") == "راسب"


def test_band_for_a_mark_below_every_band_is_none(admin, programme):
    services.update_programme(admin, programme, settings(programme, pass_mark=Decimal(0)),
                              bands((50, "مقبول", "Pass"), (0, "راسب", "Fail")))
    assert services.band_for(programme, Decimal(-1)) is None


def test_the_programme_is_found_by_its_code(programme):
    assert services.the_programme() == programme


# --- programme settings ------------------------------------------------------------------------------

def test_the_programme_settings_are_saved_with_an_audit_event(admin, programme):
    services.update_programme(admin, programme, settings(
        programme, pass_mark=Decimal(60), course_mark_rounding="whole", second_round_rule="deduction",
        second_round_deduction=Decimal(5), certificate_digits="western"),
        bands((85, "امتياز", "Excellent"), (60, "مقبول", "Pass"), (0, "راسب", "Fail")))
    db.session.commit()
    db.session.expire_all()

    assert programme.pass_mark == Decimal(60)
    assert (programme.course_mark_rounding, programme.second_round_rule) == ("whole", "deduction")
    assert programme.second_round_deduction == Decimal(5)
    assert programme.certificate_digits == "western"
    assert scale(programme) == [(Decimal(85), "Excellent"), (Decimal(60), "Pass"), (Decimal(0), "Fail")]
    event, = events_for(programme)
    assert (event.action, event.actor_id) == ("programme.updated", admin.id)
    assert [band["name_en"] for band in event.data["before"]["bands"]] == [
        "Excellent", "Very good", "Good", "Fair", "Pass", "Fail"]
    assert [band["name_en"] for band in event.data["after"]["bands"]] == ["Excellent", "Pass", "Fail"]


def test_bands_are_kept_from_the_highest_whatever_the_order_given(admin, programme):
    services.update_programme(admin, programme, settings(programme), list(reversed(IRAQI)))
    assert [minimum for minimum, _name in scale(programme)] == [90, 80, 70, 60, 50, 0]


def test_rows_without_a_name_are_ignored(admin, programme):
    rows = [*IRAQI, {"min_mark": Decimal(95), "name_ar": "", "name_en": ""},
            {"min_mark": None, "name_ar": "", "name_en": ""}]
    services.update_programme(admin, programme, settings(programme), rows)
    assert len(programme.bands) == 6


@pytest.mark.parametrize(("rows", "pass_mark"), [
    (bands((90, "a", "A"), (90, "b", "B"), (50, "c", "C"), (0, "d", "D")), 50),
    (bands((90, "a", "A"), (50, "c", "C"), (10, "d", "D")), 50),
    (bands((90, "a", "A"), (55, "c", "C"), (0, "d", "D")), 50),
    (bands((101, "a", "A"), (50, "c", "C"), (0, "d", "D")), 50),
    ([*bands((50, "c", "C"), (0, "d", "D")), {"min_mark": None, "name_ar": "b", "name_en": "B"}], 50),
    (bands((90, "a", "A"), (60, "c", "C"), (0, "d", "D")), 50),
], ids=["duplicate-minimum", "no-band-at-0", "no-band-at-pass-mark", "over-100", "no-mark",
        "pass-mark-changed-alone"])
def test_an_invalid_scale_is_refused_and_nothing_is_changed(admin, programme, rows, pass_mark):
    before = scale(programme)

    with pytest.raises(RuleViolation) as refused:
        services.update_programme(admin, programme, settings(programme, pass_mark=Decimal(pass_mark),
                                                             required_credits=99), rows)

    assert refused.value.field == "bands"
    assert scale(programme) == before
    assert programme.required_credits == 30
    assert events_for(programme) == []


def test_the_pass_mark_must_start_a_band(admin, programme):
    with pytest.raises(RuleViolation):
        services.update_programme(admin, programme, settings(programme, pass_mark=Decimal(55)), IRAQI)


# --- cohorts -----------------------------------------------------------------------------------------

def cohort_values(**changes):
    return {"name_ar": "الدفعة الثالثة", "name_en": "Third cohort", "start_year": 2027, "end_year": 2029,
            **changes}


def test_a_cohort_is_created_in_the_programme_with_an_audit_event(admin, programme):
    cohort = services.save_cohort(admin, None, cohort_values())

    assert cohort.programme == programme
    event, = events_for(cohort)
    assert event.action == "cohort.created"
    assert event.data == {"before": None, "after": cohort_values()}


def test_a_one_year_cohort_is_allowed(admin, programme):
    assert services.save_cohort(admin, None, cohort_values(start_year=2027, end_year=2027)).id


def test_a_cohort_ending_before_it_starts_is_refused(admin, programme):
    with pytest.raises(RuleViolation) as refused:
        services.save_cohort(admin, None, cohort_values(start_year=2027, end_year=2026))
    assert refused.value.field == "end_year"
    assert db.session.scalar(db.select(db.func.count()).select_from(Cohort)) == 0


def test_a_cohort_name_is_unique_but_a_cohort_keeps_its_own(admin, make):
    cohort = make.cohort(name_en="Third cohort")
    with pytest.raises(RuleViolation):
        services.save_cohort(admin, None, cohort_values())

    services.save_cohort(admin, cohort, cohort_values(end_year=2030))

    assert cohort.end_year == 2030
    event, = events_for(cohort)
    assert (event.action, event.data["before"]["end_year"], event.data["after"]["end_year"]) == (
        "cohort.updated", 2025, 2030)


def test_cohorts_are_listed_by_start_year(make):
    later, earlier = make.cohort(start_year=2025, end_year=2027), make.cohort(start_year=2023, end_year=2025)
    assert services.all_cohorts() == [earlier, later]
    assert services.cohort_choices("en") == [(earlier.id, earlier.name_en), (later.id, later.name_en)]


# --- courses -----------------------------------------------------------------------------------------

def course_values(**changes):
    return {"code": "pcs201", "title_ar": "الوساطة", "title_en": "Mediation", "credits": 3, "semester": 3,
            "required": False, **changes}


def test_a_course_code_is_stored_in_capitals(admin, programme):
    course = services.save_course(admin, None, course_values())
    assert course.code == "PCS201"
    assert [e.action for e in events_for(course)] == ["course.created"]


@pytest.mark.parametrize("code", ["PCS101", "pcs101", "pCs101"])
def test_a_course_code_is_unique_whatever_its_case(admin, make, code):
    make.course(code="PCS101")
    with pytest.raises(RuleViolation) as refused:
        services.save_course(admin, None, course_values(code=code))
    assert refused.value.field == "code"
    assert db.session.scalar(db.select(db.func.count()).select_from(Course)) == 1


def test_editing_a_course_records_before_and_after(admin, make):
    course = make.course(code="PCS101", credits=3)

    services.save_course(admin, course, course_values(code="PCS101", credits=4))

    event, = events_for(course)
    assert (event.action, event.data["before"]["credits"], event.data["after"]["credits"]) == (
        "course.updated", 3, 4)


def test_courses_are_listed_by_semester_then_code(make):
    second = make.course(code="PCS201", semester=2)
    first_b, first_a = make.course(code="PCS102", semester=1), make.course(code="PCS101", semester=1)
    assert services.all_courses() == [first_a, first_b, second]


# --- terms -------------------------------------------------------------------------------------------

def term_values(**changes):
    return {"name_ar": "الفصل الثاني", "name_en": "Second semester 2026-2027", "starts_on": date(2027, 2, 21),
            "ends_on": date(2027, 6, 30), **changes}


def test_a_term_is_saved_with_an_audit_event_of_its_dates(admin):
    term = services.save_term(admin, None, term_values())
    event, = events_for(term)
    assert event.data["after"]["starts_on"] == "2027-02-21"


@pytest.mark.parametrize("ends_on", [date(2027, 2, 20), date(2027, 2, 21)])
def test_a_term_must_end_after_it_starts(admin, ends_on):
    with pytest.raises(RuleViolation) as refused:
        services.save_term(admin, None, term_values(ends_on=ends_on))
    assert refused.value.field == "ends_on"
    assert db.session.scalar(db.select(db.func.count()).select_from(Term)) == 0


def test_a_term_name_is_unique(admin, make):
    make.term(name_en="Second semester 2026-2027")
    with pytest.raises(RuleViolation):
        services.save_term(admin, None, term_values())


def test_terms_are_listed_latest_first(make):
    old = make.term(starts_on=date(2024, 2, 1), ends_on=date(2024, 6, 1))
    new = make.term(starts_on=date(2026, 10, 4), ends_on=date(2027, 2, 11))
    assert services.all_terms() == [new, old]
