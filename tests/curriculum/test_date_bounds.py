"""Term dates and cohort years are bounded by what they mean (issue 25 item 3): from 2000 to ten years ahead,
checked by the form field and again by the service (diploma/dates.py holds the one rule). A slip such as
year 0025 or 9999 is refused with a translated error and nothing is saved."""
from datetime import date

import pytest

from diploma import dates
from diploma.curriculum import services
from diploma.curriculum.models import Cohort, Term
from diploma.errors import RuleViolation
from diploma.extensions import db
from tests.curriculum.test_services import cohort_values, term_values
from tests.curriculum.test_views import cohort_form, term_form
from tests.pages import shown

SLIPS = ["0025", "9999"]


@pytest.fixture
def admin(make, login_as):
    return login_as(make.user(role="admin"))


def count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.mark.parametrize("year", SLIPS)
@pytest.mark.parametrize("field", ["starts_on", "ends_on"])
def test_a_term_date_of_a_slipped_year_is_refused_on_the_page(admin, client, field, year):
    response = client.post("/admin/terms/new", data=term_form(**{field: f"{year}-02-21"}))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'id="{field}-errors"' in page
    assert shown("Enter a date from %(first)s to %(last)s.", first="2000-01-01",
                 last=f"{dates.last_year()}-12-31") in page
    assert count(Term) == 0


@pytest.mark.parametrize("year", ["25", "9999", "1999"])
@pytest.mark.parametrize("field", ["start_year", "end_year"])
def test_a_cohort_year_out_of_bounds_is_refused_on_the_page(admin, client, make, field, year):
    make.programme()
    response = client.post("/admin/cohorts/new", data=cohort_form(**{field: year}))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert shown("Enter a year from %(first)s to %(last)s.", first=2000, last=dates.last_year()) in page
    assert count(Cohort) == 0


@pytest.mark.parametrize("values", [
    term_values(starts_on=date(25, 2, 21)), term_values(ends_on=date(9999, 6, 30)),
], ids=["year-0025", "year-9999"])
def test_the_term_service_refuses_the_same_dates_without_a_form(admin, values):
    with pytest.raises(RuleViolation):
        services.save_term(admin, None, values)
    db.session.rollback()
    assert count(Term) == 0


@pytest.mark.parametrize("values", [cohort_values(start_year=25), cohort_values(end_year=9999)],
                         ids=["year-25", "year-9999"])
def test_the_cohort_service_refuses_the_same_years_without_a_form(admin, make, values):
    make.programme()
    with pytest.raises(RuleViolation):
        services.save_cohort(admin, None, values)
    db.session.rollback()
    assert count(Cohort) == 0


def test_the_cohort_end_date_is_the_end_of_the_last_term_of_its_final_year(make):
    cohort = make.cohort(start_year=2023, end_year=2025)
    assert services.cohort_end_date(cohort) == date(2025, 6, 30)  # no term recorded: 30 June

    make.term(name_en="First 2024-2025", starts_on=date(2024, 10, 6), ends_on=date(2025, 2, 13))
    make.term(name_en="Second 2024-2025", starts_on=date(2025, 2, 23), ends_on=date(2025, 6, 26))
    make.term(name_en="First 2025-2026", starts_on=date(2025, 10, 5), ends_on=date(2026, 2, 12))

    assert services.cohort_end_date(cohort) == date(2025, 6, 26)
