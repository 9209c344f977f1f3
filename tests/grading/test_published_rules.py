"""Published results keep the grading rules they were published under.

The programme's pass mark, rounding, second-round rule and bands can be changed at any time by the
administrator. A gradebook takes a copy of them at its first publication, and its published results — the
student's marks, bands and pass/fail, the transcript, the graduation report — are computed with that copy
from then on. A gradebook not yet published follows the programme's current rules.
"""
from decimal import Decimal

from diploma.curriculum.models import GradeBand
from diploma.curriculum.services import the_programme
from diploma.extensions import db
from diploma.grading import rules, services

D = Decimal


def results_of(room):
    """(mark, band in English, passed) of each student's published result, in the gradebook's order."""
    found = []
    for student in room.students:
        (result,) = services.published_results(student)[0]
        found.append((str(result.mark), result.band.name_en, result.passed))
    return found


def sheet_of(room):
    return [(str(row.mark), row.band.name_en, row.first_passed) for row in room.sheet().rows]


def change_the_programme(**settings):
    programme = the_programme()
    for name, value in settings.items():
        setattr(programme, name, value)
    db.session.commit()


def rename_and_move_the_pass_band():
    band = db.session.scalar(db.select(GradeBand).where(GradeBand.name_en == "Pass"))
    band.name_en, band.min_mark = "Sufficient", D(55)
    db.session.commit()


def published_class(classroom):
    """Three students, 49.50 (failed), 56.00 and 84.40, published under pass mark 50 and no rounding."""
    room = classroom(3)
    room.gradebook()
    room.type(room.lecturer, {0: ("48.75", "50"), 1: ("50", "60"), 2: ("82", "86")})
    room.submit()
    room.publish()
    return room


PUBLISHED = [("49.50", "Fail", False), ("56.00", "Pass", True), ("84.40", "Very good", True)]


def test_publishing_keeps_a_copy_of_the_programme_s_grading_rules(classroom):
    room = published_class(classroom)

    kept = room.sheet().gradebook.published_rules
    assert kept == rules.GradingRules.of_programme(the_programme()).as_json()
    assert (kept["pass_mark"], kept["course_mark_rounding"]) == ("50.00", "none")
    assert [band["name_en"] for band in kept["bands"]] == ["Excellent", "Very good", "Good", "Fair", "Pass",
                                                            "Fail"]


def test_changing_the_programme_s_rules_later_changes_no_published_result(classroom):
    room = published_class(classroom)
    assert results_of(room) == PUBLISHED

    change_the_programme(pass_mark=D(60), course_mark_rounding="whole")
    rename_and_move_the_pass_band()

    assert results_of(room) == PUBLISHED  # the student's results and transcript
    assert sheet_of(room) == PUBLISHED  # the gradebook the lecturer and the registrar see
    assert [(str(r.mark), r.passed) for r in services.published_results(room.students[1])[0]] == [
        ("56.00", True)]


def test_a_registrar_s_correction_after_the_change_uses_the_published_rules(classroom):
    room = published_class(classroom)
    change_the_programme(pass_mark=D(60), course_mark_rounding="whole")

    room.type(room.registrar, {0: ("48.75", "51")}, reason="Re-marked final exam.")  # 19.5 + 30.6 = 50.1

    assert results_of(room)[0] == ("50.10", "Pass", True)  # two decimals and a pass, as published


def test_a_gradebook_not_yet_published_follows_the_programme_s_current_rules(classroom):
    room = classroom(1)
    room.gradebook()
    room.type(room.lecturer, {0: ("50", "60")})  # 56
    assert sheet_of(room) == [("56.00", "Pass", True)]

    change_the_programme(pass_mark=D(60), course_mark_rounding="whole")

    assert sheet_of(room) == [("56", "Pass", False)]
    assert room.sheet().gradebook.published_rules is None


def test_the_second_round_is_judged_by_the_rules_of_the_first_publication(classroom, programme):
    programme(second_round_rule="cap_at_pass")
    room = classroom(1)
    room.gradebook()
    room.type(room.lecturer, {0: ("30", "40")})  # 12 + 24 = 36: failed
    room.submit()
    room.publish()
    kept = room.sheet().gradebook.published_rules
    change_the_programme(second_round_rule="no_cap")

    room.open_second_round()
    room.type(room.lecturer, {0: "90"}, attempt=2)  # 12 + 54 = 66 without the cap
    room.submit()
    room.publish()

    assert room.sheet().gradebook.published_rules == kept
    assert results_of(room) == [("50.00", "Pass", True)]  # capped at the pass mark, as first published
