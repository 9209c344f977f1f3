"""Every decimal of the programme settings (pass mark, second-round deduction, a band's minimum) is read by
the one shared reading of typed numbers: what is not a plain number with at most two decimals — "sNaN",
"NaN", "Infinity", an exponent, a sign — is the field's error on the Arabic page, never a 500 or a value
rounded away; Arabic-Indic digits with the Arabic decimal separator are read as the number they are."""
from decimal import Decimal

import pytest

from diploma.curriculum.models import Programme
from diploma.extensions import db
from tests.curriculum.test_views import IRAQI_BANDS, programme_form
from tests.pages import database_state, page_of, shown

NOT_A_NUMBER = "Type a number, such as 85 or 85.5."
# What Decimal() accepts (or overflows on, or rounds away) but no one means as a mark.
HOSTILE_NUMBERS = ["sNaN", "-sNaN", "NaN", "Infinity", "-Infinity", "inf", "1e999999", "1E+1000000", "-0",
                   "1e-30", "+50", "-5", "0x32", "٥٠..٥", "²", "50%", "5 0.5.5"]
FIELDS = {"pass mark": "pass_mark", "second-round deduction": "second_round_deduction",
          "band minimum": "bands-0-min_mark"}


@pytest.fixture
def admin(make, login_as):
    return login_as(make.user(role="admin"))


@pytest.fixture
def programme(make):
    return make.programme()


def reloaded_programme():
    db.session.expire_all()
    return db.session.scalar(db.select(Programme))


@pytest.mark.parametrize("value", HOSTILE_NUMBERS)
@pytest.mark.parametrize("field", FIELDS.values(), ids=FIELDS.keys())
def test_a_value_that_is_not_a_plain_number_is_the_fields_translated_error(admin, client, programme, field,
                                                                           value):
    before = database_state()

    response = client.post("/admin/programme", data=programme_form(**{field: value}))

    assert response.status_code == 200
    page = page_of(response)
    assert shown(NOT_A_NUMBER) in page
    assert "اكتب رقماً" in page
    assert f'id="{field}-errors"' in page
    assert database_state() == before


@pytest.mark.parametrize("field", FIELDS.values(), ids=FIELDS.keys())
def test_more_than_two_decimals_is_refused_not_rounded(admin, client, programme, field):
    before = database_state()

    response = client.post("/admin/programme", data=programme_form(**{field: "0.001"}))

    assert response.status_code == 200
    assert shown("At most two decimals.") in page_of(response)
    assert database_state() == before


def test_arabic_indic_digits_and_the_arabic_decimal_separator_are_read(admin, client, programme):
    bands = [("٥٠٫٥" if minimum == "50" else minimum, name_ar, name_en)
             for minimum, name_ar, name_en in IRAQI_BANDS]

    response = client.post("/admin/programme", data=programme_form(
        bands=bands, pass_mark="٥٠٫٥", second_round_rule="deduction", second_round_deduction=" ٢٫٢٥ "))

    assert response.status_code == 302
    saved = reloaded_programme()
    assert (saved.pass_mark, saved.second_round_deduction) == (Decimal("50.5"), Decimal("2.25"))
    assert Decimal("50.5") in [band.min_mark for band in saved.bands]


def test_the_reading_is_english_for_an_english_reader(admin, client, programme):
    client.set_cookie("lang", "en")
    response = client.post("/admin/programme", data=programme_form(pass_mark="sNaN"))
    assert response.status_code == 200
    assert NOT_A_NUMBER in page_of(response)
