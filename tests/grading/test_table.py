"""The gradebook as a table, read the cheap way: the gradebook and its assessments in one query, the
programme's rules as plain values, a lecturer's link to the course looked up rather than every lecturer
loaded, and each line's cells worked out once for the page."""
from decimal import Decimal

from diploma.curriculum.models import GradeBand
from diploma.curriculum.services import the_programme
from diploma.extensions import db
from diploma.grading import rules, services
from diploma.grading.models import FIRST_ROUND, SECOND_ROUND
from diploma.teaching.services import is_lecturer_of
from tests.grading.conftest import assessment

D = Decimal


def test_the_gradebook_comes_with_its_assessments_in_their_order(classroom):
    room = classroom(1)
    room.gradebook([assessment("Coursework", 30), assessment("Midterm", 20),
                    assessment("Final", 50, final=True)])
    db.session.expire_all()

    gradebook = services.gradebook_of(room.offering)

    assert [a.name_en for a in gradebook.assessments] == ["Coursework", "Midterm", "Final"]
    assert gradebook.offering is room.offering


def test_a_draft_is_computed_with_the_programmes_current_rules(programme, classroom):
    programme(pass_mark=D(60), course_mark_rounding="whole", second_round_rule="deduction",
              second_round_deduction=D(5))
    room = classroom(1)
    room.gradebook()

    sheet = room.sheet()

    assert sheet.grading == rules.GradingRules.of_programme(the_programme())
    assert [band.min_mark for band in sheet.grading.bands] == sorted(
        (band.min_mark for band in sheet.grading.bands), reverse=True)


def test_a_programme_without_bands_gives_rules_without_bands(classroom):
    room = classroom(1)
    room.gradebook()
    db.session.execute(db.delete(GradeBand))
    db.session.commit()

    sheet = room.sheet()

    assert sheet.grading.bands == ()
    assert sheet.grading == rules.GradingRules.of_programme(the_programme())


def test_a_published_gradebook_keeps_its_frozen_rules(classroom):
    room = classroom(1)
    room.gradebook()
    room.type(room.lecturer, {0: ("30", "40")})
    room.submit()
    room.publish()
    the_programme().pass_mark = D(90)
    db.session.commit()

    assert room.sheet().grading.pass_mark == D(50)


def test_the_sheet_knows_whether_any_mark_exists(classroom):
    room = classroom(2)
    room.gradebook()
    assert room.sheet().has_scores is False

    room.type(room.lecturer, {1: (None, "40")})

    assert room.sheet().has_scores is True


def test_the_lecturers_of_an_offering_teach_it_and_nobody_else(classroom, make):
    room = classroom(1, colleagues=1)
    stranger = make.user(role="lecturer", university=room.university)
    db.session.commit()

    assert is_lecturer_of(room.lecturer, room.offering) and is_lecturer_of(room.colleagues[0], room.offering)
    assert not is_lecturer_of(stranger, room.offering) and not is_lecturer_of(room.registrar, room.offering)


def test_a_lecturer_just_added_to_the_offering_teaches_it(classroom, make):
    room = classroom(1)
    newcomer = make.user(role="lecturer", university=room.university)
    db.session.commit()

    room.offering.lecturers.append(newcomer)  # not flushed yet: the look-up flushes it first

    assert is_lecturer_of(newcomer, room.offering)


def test_each_line_has_a_cell_per_assessment_and_none_for_the_second_round_before_it(classroom):
    room = classroom(2)
    room.gradebook()
    room.type(room.lecturer, {0: ("10", "20"), 1: ("40", None)})
    sheet = room.sheet()
    coursework, final = sheet.assessments

    assert sheet.has_second_round_column is False
    for row in sheet.rows:
        assert sheet.cells(row, False) == [(coursework, FIRST_ROUND, row.scores.get(coursework.id)),
                                           (final, FIRST_ROUND, row.scores.get(final.id))]


def test_in_the_second_round_only_who_failed_has_a_second_round_cell(classroom):
    room = classroom(2)
    room.gradebook()
    room.type(room.lecturer, {0: ("10", "20"), 1: ("40", "70")})  # the first line fails, the second passes
    room.submit()
    room.publish()
    room.open_second_round()
    room.type(room.lecturer, {0: "55"}, attempt=2)
    sheet = room.sheet()
    rows = {row.enrolment.id: row for row in sheet.rows}
    failed, passed = rows[room.enrolments[0].id], rows[room.enrolments[1].id]

    assert sheet.has_second_round_column is True
    assert sheet.cells(failed, True)[-1] == (sheet.final, SECOND_ROUND, failed.second)
    assert failed.second.value == D(55)
    assert sheet.cells(passed, True)[-1] == (None, SECOND_ROUND, None)
    assert len(sheet.cells(passed, True)) == len(sheet.assessments) + 1
