"""The import of a marks file (diploma.grading.marks_spreadsheet.workflow): all of a file or nothing, in the
gradebook's round, by whoever may change it now (the registrar after publication, with a reason), and
refused when a mark changed meanwhile."""

import pytest

from diploma.audit import AuditEvent
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.grading import marks_spreadsheet, services
from diploma.grading.marks_spreadsheet import workflow
from diploma.i18n import force_language
from tests.grading.marks_spreadsheet import (
    AR_HEADER,
    EN_HEADER,
    imported,
    numbers,
    rejected,
    stored,
    values,
    xlsx_file,
)

# --- rounds and who may import -----------------------------------------------------------------------

def test_a_second_round_column_before_the_second_round_is_a_problem(room):
    data = xlsx_file([[*AR_HEADER[:2], "الدور الثاني: الامتحان النهائي من 100"],
                      [numbers(room)[0], "", "60"]])

    assert rejected(room.lecturer, room, data) == [
        "No column of the file names an assessment of this course. Download the template to see the column "
        "names.",
        "Row 1, column الدور الثاني: الامتحان النهائي من 100: the second round of this course is not open"]


def test_in_the_second_round_the_lecturer_imports_the_second_attempts(room):
    room.type(room.lecturer, {2: ("40", "70")})
    room.submit()
    room.publish()
    room.open_second_round()
    rows = values(marks_spreadsheet.template_xlsx(room.sheet(), "en"))
    rows[1][2] = "٧٥"

    imported(room.lecturer, room, xlsx_file(rows))

    assert stored(room)[(0, 1, 2)] == "75"
    # A passing student has no second round, and the first round is closed to the lecturer.
    bad = xlsx_file([EN_HEADER[:2] + [rows[0][2], EN_HEADER[2]], [numbers(room)[2], "", "80", ""],
                     [numbers(room)[0], "", "", "36"]])
    assert rejected(room.lecturer, room, bad) == [
        "Row 2, column Second round: Final exam out of 100: Only the final exam of a student who failed has "
        "a second round.",
        "Row 3, column Coursework (40%) out of 100: This mark cannot be changed now."]


def test_after_publication_the_registrar_imports_with_a_reason(room):
    room.type(room.lecturer, {2: ("40", "70")})
    room.submit()
    room.publish()
    data = xlsx_file([AR_HEADER, [numbers(room)[0], "", "", "55"]])

    with pytest.raises(RuleViolation) as violation:
        marks_spreadsheet.import_marks(room.registrar, room.offering, data)
    db.session.rollback()
    assert violation.value.field == "reason"
    assert stored(room)[(0, 1, 1)] == "50"

    imported(room.registrar, room, data, reason="Re-marked on appeal.")

    assert stored(room)[(0, 1, 1)] == "55"
    summary = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "gradebook.marks_imported"))
    assert summary.data["reason"] == "Re-marked on appeal."


@pytest.mark.parametrize("step", ["submitted", "published"])
def test_the_lecturer_cannot_import_after_submission(room, step):
    room.type(room.lecturer, {2: ("40", "70")})
    room.submit()
    if step == "published":
        room.publish()
    before = stored(room)

    data = xlsx_file([AR_HEADER, [numbers(room)[0], "", "1", ""]])
    with pytest.raises(RuleViolation) as violation:
        marks_spreadsheet.import_marks(room.lecturer, room.offering, data)
    db.session.rollback()

    with force_language("en"):
        assert str(violation.value.message) == "This gradebook cannot be changed now."
    assert stored(room) == before


def test_a_change_made_meanwhile_by_someone_else_refuses_the_file(room, monkeypatch):
    """The import overwrites the version it read; a save in between makes its cell stale."""
    read_marks = workflow.read_marks

    def read_then_someone_saves(*args, **kwargs):
        found = read_marks(*args, **kwargs)
        score = room.score(0, 0)
        services.save_marks(room.lecturer, room.offering, [{
            "enrolment_id": room.enrolments[0].id, "assessment_id": score.assessment_id, "attempt": 1,
            "text": "20", "version": score.version}])
        return found

    monkeypatch.setattr(workflow, "read_marks", read_then_someone_saves)

    problems = rejected(room.lecturer, room, xlsx_file([AR_HEADER, [numbers(room)[0], "", "36", ""]]))

    assert problems == [
        "Row 2, column السعي (40%) من 100: Someone else changed this mark meanwhile; it is now 20."]
