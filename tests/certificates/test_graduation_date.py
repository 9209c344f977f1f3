"""The graduation date (issue 24 item 1, issue 25 item 3): the report proposes the cohort's end date, the
registrar confirms or changes it, the web and the command line go through one service with the same default
and the same check (never in the future, never before the cohort's start nor its last published marks), and
the serial's year is the date's. Every serial the allowed dates can produce matches the serial pattern.

The builders' cohort: years 2023–2024, one term 2023-10-01 → 2024-01-29, marks published on 2024-01-30.
"""
import re
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diploma import dates
from diploma.certificates import corrections, issuing, verification
from diploma.certificates.graduation_date import proposed_graduation_date
from diploma.certificates.models import Certificate
from diploma.errors import RuleViolation
from diploma.extensions import db
from tests import factories
from tests.certificates.builders import graduating_cohort
from tests.certificates.test_views import certificate_state, client_for
from tests.pages import page_of, shown

LAST_MARKS = date(2024, 1, 30)
COHORT_END = date(2024, 6, 27)  # the end of the last term of the cohort's final year (2024)


@pytest.fixture
def group():
    cohort = graduating_cohort(2, code="KUF")
    factories.term(name_en="Second term 2023-2024", name_ar="الفصل الثاني ٢٠٢٣–٢٠٢٤",
                   starts_on=date(2024, 2, 18), ends_on=COHORT_END)
    return cohort


def report_url(group):
    return f"/certificates/cohorts/{group.cohort.id}"


def post_issue(client, group, issued_on):
    return client.post(f"{report_url(group)}/issue",
                       data={"student_id": [str(s.id) for s in group.students], "issued_on": issued_on,
                             "confirm": "yes"})


def proposed_on_the_page(page):
    return re.search(r'<input[^>]*id="issued_on"[^>]*value="([^"]*)"', page)[1]


def certificates():
    db.session.expire_all()
    return db.session.scalars(db.select(Certificate).order_by(Certificate.number)).all()


# --- the proposal ----------------------------------------------------------------------------------

def test_the_report_proposes_the_cohorts_end_date(app, group):
    page = page_of(client_for(app, group.registrar, "en").get(report_url(group)))

    assert proposed_on_the_page(page) == COHORT_END.isoformat()


def test_the_proposal_is_never_before_the_last_published_marks(app):
    group = graduating_cohort(1, code="KUF")  # no term after the one graded: the cohort "ends" 2024-01-29

    assert proposed_graduation_date(group.university, group.cohort) == LAST_MARKS


def test_a_later_batch_is_proposed_the_date_the_cohort_already_graduated_on(app, group):
    group.issue(issued_on=date(2024, 9, 1), students=group.students[:1])

    page = page_of(client_for(app, group.registrar, "en").get(report_url(group)))

    assert proposed_on_the_page(page) == "2024-09-01"


# --- the web -----------------------------------------------------------------------------------------

def test_the_date_chosen_on_the_web_is_the_certificates_and_gives_the_serials_year(app, group):
    response = post_issue(client_for(app, group.registrar), group, "2025-03-01")

    assert response.status_code == 302
    issued = certificates()
    assert [c.serial for c in issued] == ["PCS-KUF-2025-0001", "PCS-KUF-2025-0002"]
    assert {c.issued_on for c in issued} == {date(2025, 3, 1)}
    assert {c.snapshot["issued_on"] for c in issued} == {"2025-03-01"}


def test_the_web_without_a_date_takes_the_proposal_like_the_command_line(app, group):
    response = client_for(app, group.registrar).post(f"{report_url(group)}/issue",
                                                     data={"student_id": [str(group.students[0].id)],
                                                           "confirm": "yes"})

    assert response.status_code == 302
    [certificate] = certificates()
    assert certificate.issued_on == COHORT_END and certificate.serial == "PCS-KUF-2024-0001"


@pytest.mark.parametrize(("typed", "message", "values"), [
    (lambda: (dates.today() + timedelta(days=1)).isoformat(), "The date cannot be in the future.", {}),
    (lambda: "9999-12-31", "The date cannot be in the future.", {}),
    (lambda: "0025-07-15", "Enter a date from %(first)s to today.", {"first": "2000-01-01"}),
    (lambda: "2024-01-29", "The graduation date cannot come before the cohort's last published marks "
                           "(%(date)s).", {"date": "2024-01-30"}),
    (lambda: "2022-12-31", "The graduation date cannot come before the cohort's start (%(year)s).",
     {"year": 2023}),
], ids=["tomorrow", "year-9999", "year-0025", "before-the-last-marks", "before-the-cohort"])
def test_a_date_out_of_bounds_is_refused_in_the_pages_language_and_nothing_is_issued(app, group, typed,
                                                                                       message, values):
    client = client_for(app, group.registrar)  # Arabic
    before = certificate_state()

    response = post_issue(client, group, typed())

    assert response.status_code == 422
    assert shown(message, "ar", **values) in page_of(response)
    assert certificate_state() == before  # no certificate, no serial counter, no audit event


# --- the command line --------------------------------------------------------------------------------

def invoke_issue(runner, group, *extra):
    return runner.invoke(args=["certificates", "issue", "--university", "kuf", "--cohort",
                               str(group.cohort.id), "--language", "en", *extra], catch_exceptions=False)


def test_the_command_line_without_date_takes_the_same_proposal(runner, group):
    result = invoke_issue(runner, group)

    assert result.exit_code == 0, result.output
    assert {(c.issued_on, c.serial[:13]) for c in certificates()} == {(COHORT_END, "PCS-KUF-2024-")}
    assert "Graduation date: 2024-06-27" in result.output


@pytest.mark.parametrize(("typed", "message"), [
    (lambda: (dates.today() + timedelta(days=3 * 365)).isoformat(), "The date cannot be in the future."),
    (lambda: "2024-01-02", "The graduation date cannot come before the cohort's last published marks "
                           "(2024-01-30)."),
    (lambda: "0025-07-15", "Enter a date from 2000-01-01 to today."),
], ids=["three-years-ahead", "before-the-last-marks", "year-0025"])
def test_the_command_line_refuses_the_same_dates(runner, group, typed, message):
    before = certificate_state()

    result = invoke_issue(runner, group, "--date", typed())

    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {message}"
    assert certificate_state() == before


def test_the_command_line_date_gives_the_serials_year(runner, group):
    result = invoke_issue(runner, group, "--date", "2024-08-31")

    assert result.exit_code == 0, result.output
    assert [c.serial for c in certificates()] == ["PCS-KUF-2024-0001", "PCS-KUF-2024-0002"]


# --- corrections --------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["0025-07-16", "9999-07-16", "2024-01-01"],
                         ids=["year-0025", "year-9999", "before-the-last-marks"])
def test_a_correction_to_a_date_out_of_bounds_revokes_and_issues_nothing(app, group, typed):
    [certificate, _other] = group.issue(issued_on=date(2024, 7, 15))
    before = certificate_state()

    response = client_for(app, group.registrar, "en").post(
        f"/certificates/{certificate.serial}/correct",
        data={"name_ar": certificate.snapshot["student"]["name_ar"], "name_en": "Corrected Name",
              "issued_on": typed, "reason": "a slip of the keyboard"})

    assert response.status_code == 422
    assert certificate_state() == before
    assert not db.session.get(Certificate, certificate.id).revoked


def test_the_correction_service_applies_the_rule_without_a_form(app, group):
    [certificate, _other] = group.issue(issued_on=date(2024, 7, 15))
    correction = corrections.Correction(certificate.snapshot["student"]["name_ar"], "Corrected Name",
                                     date(25, 7, 16), "a slip of the keyboard")

    with pytest.raises(RuleViolation) as refused:
        corrections.correct_certificate(group.registrar, certificate, correction)

    assert refused.value.field == "issued_on"
    db.session.rollback()
    assert not db.session.get(Certificate, certificate.id).revoked


# --- every serial the allowed dates give matches the pattern -----------------------------------------

def _accepted(day):
    try:
        dates.check_past_date(day)
    except RuleViolation:
        return False
    return True


ALLOWED_DATES = st.dates(min_value=date(dates.FIRST_YEAR, 1, 1), max_value=dates.today())


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # the suite's app context
@given(day=ALLOWED_DATES | st.dates(), number=st.integers(min_value=1, max_value=9999),
       university=st.sampled_from(["BGD", "TIK", "ANB", "BSR", "KRB", "KUF", "MSL"]))
def test_every_serial_of_an_allowed_date_matches_the_serial_pattern(day, number, university):
    serial = issuing.format_serial("PCS", university, day.year, number)

    assert _accepted(day) == (date(dates.FIRST_YEAR, 1, 1) <= day <= dates.today())
    if _accepted(day):
        assert verification.SERIAL_PATTERN.match(serial), serial
