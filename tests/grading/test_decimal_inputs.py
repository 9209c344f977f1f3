"""Every decimal the grading pages read — an assessment's weight and maximum score, a mark typed in the
gradebook, a mark in an imported CSV or Excel file — goes through the one shared reading of typed numbers:
"sNaN", "NaN", "Infinity", an exponent or a sign is a translated error (on the Arabic page) and nothing is
saved; Arabic-Indic digits with the Arabic decimal separator are read as the number they are."""
import io
import zipfile
from decimal import Decimal

import pytest

from diploma.grading import services
from tests.grading.test_marks_spreadsheet_views import (
    AR_HEADER,
    csv_file,
    upload,
    upload_and_accept,
    xlsx_file,
)
from tests.pages import database_state, page_of, shown

D = Decimal
NOT_A_NUMBER = "Type a number, such as 85 or 85.5."
NOT_A_MARK = "Not a mark: type a number, or غ for absent."
HOSTILE_NUMBERS = ["sNaN", "-sNaN", "NaN", "Infinity", "-Infinity", "inf", "1e999999", "1E+1000000", "-0",
                   "1e-30", "+50", "-5", "0x32", "٥٠..٥", "²", "50%", "5 0.5.5"]


@pytest.fixture
def room(classroom, login_as):
    """An offering of two students with the default assessments (coursework 40, final 60), no mark yet;
    its lecturer signed in."""
    room = classroom(2)
    room.gradebook()
    login_as(room.lecturer)
    return room


def assessments_form(**overrides):
    return {"assessments-0-name_ar": "السعي", "assessments-0-name_en": "Coursework",
            "assessments-0-weight": "40", "assessments-0-max_score": "100",
            "assessments-1-name_ar": "الامتحان النهائي", "assessments-1-name_en": "Final exam",
            "assessments-1-weight": "60", "assessments-1-max_score": "100", "assessments-1-is_final": "y",
            **overrides}


def cell(room, index, assessment_index, text):
    enrolment, target = room.enrolments[index], room.assessments()[assessment_index]
    return {f"mark-{services.cell_key(enrolment.id, target.id, 1)}": text,
            f"version-{services.cell_key(enrolment.id, target.id, 1)}": ""}


# --- the assessments form ---------------------------------------------------------------------------------

@pytest.mark.parametrize("value", HOSTILE_NUMBERS)
@pytest.mark.parametrize("field", ["assessments-0-weight", "assessments-0-max_score"],
                         ids=["weight", "max_score"])
def test_an_assessment_number_that_is_not_plain_is_the_fields_translated_error(room, client, field, value):
    before = database_state()

    response = client.post(f"/offerings/{room.offering.id}/gradebook/assessments",
                           data=assessments_form(**{field: value}))

    assert response.status_code == 200
    page = page_of(response)
    assert shown(NOT_A_NUMBER) in page and "اكتب رقماً" in page
    assert f'id="{field}-errors"' in page
    assert database_state() == before


@pytest.mark.parametrize("field", ["assessments-0-weight", "assessments-0-max_score"],
                         ids=["weight", "max_score"])
def test_an_assessment_number_with_more_than_two_decimals_is_refused(room, client, field):
    before = database_state()
    response = client.post(f"/offerings/{room.offering.id}/gradebook/assessments",
                           data=assessments_form(**{field: "40.001"}))
    assert response.status_code == 200
    assert shown("At most two decimals.") in page_of(response)
    assert database_state() == before


def test_assessment_numbers_in_arabic_indic_digits_are_read(room, client):
    response = client.post(f"/offerings/{room.offering.id}/gradebook/assessments", data=assessments_form(**{
        "assessments-0-weight": "٤٠٫٥", "assessments-0-max_score": "٥٠٫٥", "assessments-1-weight": "٥٩,٥"}))

    assert response.status_code == 302
    assert [(a.weight, a.max_score) for a in room.assessments()] == [(D("40.5"), D("50.5")),
                                                                       (D("59.5"), D(100))]


# --- the gradebook ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", HOSTILE_NUMBERS)
def test_a_typed_mark_that_is_not_plain_is_the_cells_translated_error(room, client, value):
    before = database_state()

    response = client.post(f"/offerings/{room.offering.id}/gradebook", data=cell(room, 0, 0, value))

    assert response.status_code == 422  # the gradebook's answer to refused cells
    assert shown(NOT_A_MARK) in page_of(response)
    assert database_state() == before


def test_a_typed_mark_in_arabic_indic_digits_is_read(room, client):
    response = client.post(f"/offerings/{room.offering.id}/gradebook",
                           data={**cell(room, 0, 0, "٥٠٫٥"), **cell(room, 1, 0, "\u200f٣٩٫٢٥")})
    assert response.status_code == 302
    assert (room.score(0, 0).value, room.score(1, 0).value) == (D("50.5"), D("39.25"))


# --- the marks import ---------------------------------------------------------------------------------------

def number_of(room, index):
    return room.students[index].student_number


@pytest.mark.parametrize("value", HOSTILE_NUMBERS)
def test_a_mark_in_an_imported_csv_that_is_not_plain_is_a_translated_problem(room, client, value):
    before = database_state()

    response = upload(client, room.offering.id, csv_file([AR_HEADER, [number_of(room, 0), "", value, ""]]),
                      "marks.csv")

    assert response.status_code == 422
    assert shown(NOT_A_MARK) in page_of(response)
    assert database_state() == before


def workbook_with_number(number_row, raw_value):
    """An Excel workbook whose mark cell holds ``raw_value`` as written in the sheet's XML (a number cell,
    ``<c t="n"><v>…</v></c>``): what Excel or another program may write, whatever openpyxl would."""
    placeholder = "12345.678"
    data = xlsx_file([AR_HEADER, [number_row, "", float(placeholder), ""]])
    with zipfile.ZipFile(io.BytesIO(data)) as original:
        parts = {info.filename: original.read(info) for info in original.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    assert parts[sheet].count(f"<v>{placeholder}</v>".encode()) == 1
    parts[sheet] = parts[sheet].replace(f"<v>{placeholder}</v>".encode(), f"<v>{raw_value}</v>".encode())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as crafted:
        for name, content in parts.items():
            crafted.writestr(name, content)
    return buffer.getvalue()


UNREADABLE = "The file could not be read as an Excel workbook (XLSX)."


@pytest.mark.parametrize(("raw_value", "reason"), [
    ("NaN", UNREADABLE), ("sNaN", UNREADABLE), ("Infinity", UNREADABLE), ("-INF", UNREADABLE),
    ("1E+999999", NOT_A_MARK), ("-1E+1000000", NOT_A_MARK), ("1e-30", NOT_A_MARK), ("-5", NOT_A_MARK),
    ("50.001", "At most two decimals."), ("1E+2", None),
])
def test_a_number_cell_of_an_imported_workbook_that_is_no_mark_is_a_translated_problem(
        room, client, raw_value, reason):
    before = database_state()
    data = workbook_with_number(number_of(room, 0), raw_value)

    if reason is None:  # 1E+2 is a number cell of 100.0: a mark of 100
        assert upload_and_accept(client, room.offering.id, data).status_code == 302
        assert room.score(0, 0).value == D(100)
        return
    response = upload(client, room.offering.id, data)
    assert response.status_code == 422
    assert shown(reason) in page_of(response)
    assert database_state() == before


def test_marks_of_an_import_in_arabic_indic_digits_or_as_numbers_are_read(room, client):
    data = xlsx_file([AR_HEADER, [number_of(room, 0), "", "٥٠٫٥", 62.25], [number_of(room, 1), "", -0.0, ""]])

    response = upload_and_accept(client, room.offering.id, data)

    assert response.status_code == 302
    assert (room.score(0, 0).value, room.score(0, 1).value, room.score(1, 0).value) == (
        D("50.5"), D("62.25"), D(0))
