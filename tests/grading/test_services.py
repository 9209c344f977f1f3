"""The grading services: gradebooks and their assessments, saving marks cell by cell (with optimistic
locking and an audit trail), the draft → submitted → published workflow, the second round, the students'
published results and the distribution."""
from decimal import Decimal

import pytest

from diploma.audit import AuditEvent
from diploma.enrolment import services as enrolment_services
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.grading import services
from diploma.grading.models import Assessment, Gradebook, Score
from diploma.i18n import force_language
from tests.grading.conftest import assessment, entry

D = Decimal


def english(message):
    with force_language("en"):
        return str(message)


def arabic(message):
    with force_language("ar"):
        return str(message)


def refused(call, *args, **kwargs):
    """The RuleViolation a service raises (the session rolled back, as the views do)."""
    with pytest.raises(RuleViolation) as violation:
        call(*args, **kwargs)
    db.session.rollback()
    return violation.value


def events(action):
    return db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)).all()


def statuses(results):
    return {key: result.status for key, result in results.items()}


def key(room, index, assessment_index, attempt=1):
    return services.cell_key(room.enrolments[index].id, room.assessments()[assessment_index].id, attempt)


def marks_of(room):
    """{line index: course mark} as the gradebook shows them."""
    rows = {row.enrolment.id: row for row in room.sheet().rows}
    return {i: rows[e.id].mark for i, e in enumerate(room.enrolments)}


# --- the gradebook and its assessments ----------------------------------------------------------------

def test_a_new_gradebook_is_a_draft_with_coursework_40_and_a_final_exam_60(classroom):
    room = classroom(1)
    gradebook = room.gradebook()

    assert (gradebook.status, gradebook.current_round, gradebook.published_round) == ("draft", 1, 0)
    assert [(a.position, a.name_ar, a.name_en, a.weight, a.max_score, a.is_final)
            for a in room.assessments()] == [
        (1, "السعي", "Coursework", D(40), D(100), False),
        (2, "الامتحان النهائي", "Final exam", D(60), D(100), True),
    ]
    again = services.gradebook_of(room.offering)
    assert again.id == gradebook.id
    assert db.session.scalar(db.select(db.func.count()).select_from(Assessment)) == 2


def test_the_lecturer_sets_the_assessments_before_any_mark(classroom):
    room = classroom(1)
    room.gradebook([assessment("Coursework", 40, 40), assessment("Midterm", 20, 50),
                    assessment("Final", 40, final=True)])

    assert [(a.name_en, a.weight, a.max_score, a.is_final) for a in room.assessments()] == [
        ("Coursework", D(40), D(40), False), ("Midterm", D(20), D(50), False), ("Final", D(40), D(100), True)]
    event, = events("gradebook.assessments_changed")
    assert event.actor_id == room.lecturer.id
    assert [a["name_en"] for a in event.data["before"]] == ["Coursework", "Final exam"]
    assert [D(a["weight"]) for a in event.data["after"]] == [D(40), D(20), D(40)]


def test_blank_assessment_rows_are_left_out(classroom):
    room = classroom(1)
    blank = {"name_ar": "", "name_en": "", "weight": None, "max_score": D(100), "is_final": False}
    room.gradebook([assessment("Essay", 50, 20), blank, assessment("Exam", 50, final=True), blank])
    assert [a.name_en for a in room.assessments()] == ["Essay", "Exam"]


@pytest.mark.parametrize(("entries", "message"), [
    ([assessment("Coursework", 40), assessment("Final", 50, final=True)],
     "The weights must add up to 100 (now 90)."),
    ([assessment("Coursework", 40), assessment("Final", 61, final=True)],
     "The weights must add up to 100 (now 101)."),
    ([assessment("Coursework", 40), assessment("Final", 60)],
     "Mark exactly one assessment as the final exam."),
    ([assessment("Midterm", 40, final=True), assessment("Final", 60, final=True)],
     "Mark exactly one assessment as the final exam."),
    ([], "Define at least one assessment."),
])
def test_assessments_are_refused_with_a_translated_reason(classroom, entries, message):
    room = classroom(1)
    room.gradebook()

    violation = refused(services.save_assessments, room.lecturer, room.offering, entries)

    assert english(violation.message) == message
    assert arabic(violation.message) != message  # translated
    assert [a.name_en for a in room.assessments()] == ["Coursework", "Final exam"]  # nothing changed


@pytest.mark.parametrize("broken", [
    {"max_score": None}, {"weight": None}, {"weight": D(0)}, {"name_ar": ""}, {"name_en": ""},
], ids=["no-maximum", "no-weight", "zero-weight", "no-arabic-name", "no-english-name"])
def test_an_assessment_needs_names_a_weight_and_a_maximum(classroom, broken):
    room = classroom(1)
    room.gradebook()
    entries = [{**assessment("Coursework", 40), **broken}, assessment("Final", 60, final=True)]

    violation = refused(services.save_assessments, room.lecturer, room.offering, entries)

    assert english(violation.message) == ("Give each assessment its names in Arabic and English, a weight "
                                          "and a maximum score.")
    assert [a.name_en for a in room.assessments()] == ["Coursework", "Final exam"]


def test_the_weights_error_names_the_assessments_field_in_arabic(classroom):
    room = classroom(1)
    room.gradebook()
    violation = refused(services.save_assessments, room.lecturer, room.offering,
                        [assessment("A", 30), assessment("B", 30, final=True)])
    assert violation.field == "assessments"
    assert arabic(violation.message) == "يجب أن يكون مجموع الأوزان 100 (المجموع الآن 60)."


def test_the_assessments_are_fixed_once_a_mark_exists(classroom):
    room = classroom(2)
    room.gradebook()
    room.type(room.lecturer, {1: ("30", None)})

    violation = refused(services.save_assessments, room.lecturer, room.offering,
                        [assessment("Coursework", 50), assessment("Final", 50, final=True)])

    assert english(violation.message) == "The assessments cannot be changed once marks exist."
    assert [a.weight for a in room.assessments()] == [D(40), D(60)]


def test_only_the_lecturer_of_a_draft_changes_the_assessments(classroom, make):
    room = classroom(1)
    room.gradebook()
    stranger = make.user(role="lecturer", university=room.university)
    admin = make.user(role="admin")
    entries = [assessment("Coursework", 50), assessment("Final", 50, final=True)]
    for actor in (stranger, room.registrar, admin):
        refused(services.save_assessments, actor, room.offering, entries)
    room.type(room.lecturer, {0: ("30", "70")})
    room.submit()
    refused(services.save_assessments, room.lecturer, room.offering, entries)
    assert [a.weight for a in room.assessments()] == [D(40), D(60)]


# --- saving marks, cell by cell -------------------------------------------------------------------------

def test_each_cell_stands_alone_a_refused_cell_saves_nothing_and_the_others_are_saved(classroom):
    room = classroom(3)
    room.gradebook()

    results = room.type(room.lecturer, {0: ("30", "70"), 1: ("abc", "٨٥٫٥"), 2: ("101", "غ")})

    assert statuses(results) == {
        key(room, 0, 0): "saved", key(room, 0, 1): "saved",
        key(room, 1, 0): "error", key(room, 1, 1): "saved",
        key(room, 2, 0): "error", key(room, 2, 1): "saved",
    }
    assert english(results[key(room, 1, 0)].message) == "Not a mark: type a number, or غ for absent."
    assert english(results[key(room, 2, 0)].message) == "The mark must be between 0 and 100."
    assert results[key(room, 1, 1)].current == "85.5"
    assert results[key(room, 2, 1)].current == "غ"
    assert room.score(1, 0) is None and room.score(2, 0) is None  # the refused cells: nothing stored
    assert (room.score(1).value, room.score(1).absent) == (D("85.5"), False)
    assert (room.score(2).value, room.score(2).absent) == (None, True)
    assert marks_of(room) == {0: D("54.00"), 1: None, 2: None}


@pytest.mark.parametrize(("typed", "reason"), [
    ("3o", "Not a mark: type a number, or غ for absent."),
    ("-5", "Not a mark: type a number, or غ for absent."),
    ("1e3", "Not a mark: type a number, or غ for absent."),
    ("85.555", "At most two decimals."),
    ("101", "The mark must be between 0 and 100."),
    ("٨٥..٥", "Not a mark: type a number, or غ for absent."),
])
def test_a_refused_cell_keeps_the_stored_mark(classroom, typed, reason):
    room = classroom(1)
    room.gradebook()
    room.type(room.lecturer, {0: ("30", "70")})
    before = room.score(0, 0).version

    results = room.type(room.lecturer, {0: (typed, "80")})

    assert english(results[key(room, 0, 0)].message) == reason
    assert (results[key(room, 0, 0)].current, results[key(room, 0, 0)].version) == ("30", before)
    assert (room.score(0, 0).value, room.score(0, 0).version) == (D(30), before)
    assert room.score(0, 1).value == D(80)  # the other cell of the same save


def test_a_maximum_other_than_100_bounds_the_mark(classroom):
    room = classroom(2)
    room.gradebook([assessment("Coursework", 40, 40), assessment("Final", 60, final=True)])

    results = room.type(room.lecturer, {0: ("40.5", "70"), 1: ("30", "70")})

    assert english(results[key(room, 0, 0)].message) == "The mark must be between 0 and 40."
    assert marks_of(room) == {0: None, 1: D("72.00")}


def test_retyping_the_same_mark_changes_nothing(classroom):
    room = classroom(1)
    room.gradebook()
    room.type(room.lecturer, {0: ("30", "غ")})
    version = room.score(0, 0).version

    results = room.type(room.lecturer, {0: ("30.00", "غائب")})

    assert set(statuses(results).values()) == {"unchanged"}
    assert room.score(0, 0).version == version
    assert len(events("score.changed")) == 2


def test_an_empty_cell_left_empty_is_unchanged(classroom):
    room = classroom(1)
    room.gradebook()
    results = room.type(room.lecturer, {0: ("", "  ")})
    assert set(statuses(results).values()) == {"unchanged"}
    assert db.session.scalar(db.select(db.func.count()).select_from(Score)) == 0


def test_clearing_a_mark_leaves_the_line_incomplete(classroom):
    room = classroom(1)
    room.gradebook()
    room.type(room.lecturer, {0: ("30", "70")})

    results = room.type(room.lecturer, {0: ("", None)})

    assert results[key(room, 0, 0)].status == "saved"
    assert room.score(0, 0).value is None and not room.score(0, 0).absent
    assert marks_of(room) == {0: None}
    assert not room.sheet().complete


def test_a_stale_save_is_refused_with_the_current_value_and_the_other_persons_mark_is_kept(classroom):
    room = classroom(1, colleagues=1)
    room.gradebook()
    room.type(room.lecturer, {0: ("30", "70")})
    seen = room.entries({0: ("35", None)})  # the lecturer's page, with the version read now
    colleague = room.colleagues[0]
    assert room.type(colleague, {0: ("38", None)})[key(room, 0, 0)].status == "saved"

    results = services.save_marks(room.lecturer, room.offering, seen)
    db.session.commit()

    result = results[key(room, 0, 0)]
    assert result.status == "stale"
    assert result.current == "38"
    assert result.version == room.score(0, 0).version
    assert english(result.message) == "Someone else changed this mark meanwhile; it is now 38."
    score = room.score(0, 0)
    assert (score.value, score.updated_by_id) == (D(38), colleague.id)  # no lost update


def test_a_stale_save_of_a_cell_someone_else_filled_meanwhile(classroom):
    room = classroom(1, colleagues=1)
    room.gradebook()
    seen = room.entries({0: ("35", None)})  # the cell was empty: version None
    room.type(room.colleagues[0], {0: ("غ", None)})

    results = services.save_marks(room.lecturer, room.offering, seen)
    db.session.commit()

    assert (results[key(room, 0, 0)].status, results[key(room, 0, 0)].current) == ("stale", "غ")
    assert room.score(0, 0).absent
    assert db.session.scalar(db.select(db.func.count()).select_from(Score)) == 1


def test_a_save_with_the_current_version_goes_through(classroom):
    room = classroom(1, colleagues=1)
    room.gradebook()
    room.type(room.lecturer, {0: ("30", "70")})
    room.type(room.colleagues[0], {0: ("38", None)})
    results = room.type(room.lecturer, {0: ("35", None)})  # reloaded: the version is the current one
    assert results[key(room, 0, 0)].status == "saved"
    assert room.score(0, 0).value == D(35)


def test_every_change_is_an_audit_event_with_old_new_round_and_reason(classroom):
    room = classroom(1)
    room.gradebook()
    room.type(room.lecturer, {0: ("30", "غ")})
    room.type(room.lecturer, {0: ("٣٥٫٥", "70")})

    changes = events("score.changed")
    assert [(e.data["assessment"], e.data["old"], e.data["new"], e.data["round"], e.data["reason"])
            for e in changes] == [("Coursework", "", "30", 1, None), ("Final exam", "", "غ", 1, None),
                                  ("Coursework", "30", "35.5", 1, None), ("Final exam", "غ", "70", 1, None)]
    assert {e.actor_id for e in changes} == {room.lecturer.id}
    assert {(e.data["student_id"], e.data["offering_id"]) for e in changes} == {
        (room.students[0].id, room.offering.id)}
    coursework = room.score(0, 0)
    assert [(e.data["old"], e.data["new"]) for e in services.mark_history(coursework)] == [
        ("", "30"), ("30", "35.5")]


def test_unknown_students_and_assessments_are_refused(classroom):
    room = classroom(2)
    room.gradebook()
    other = classroom(1)
    other.gradebook()
    gone = room.enrolments[1]
    enrolment_services.withdraw_student(None, gone)
    db.session.commit()
    final = room.final()
    entries = [entry(other.enrolments[0], final, "50"), entry(room.enrolments[0], other.final(), "50"),
               entry(gone, final, "50")]

    results = services.save_marks(room.lecturer, room.offering, entries)

    assert {english(r.message) for r in results.values()} == {"Unknown student or assessment."}
    assert db.session.scalar(db.select(db.func.count()).select_from(Score)) == 0


def test_a_withdrawn_student_is_not_in_the_gradebook(classroom):
    room = classroom(2)
    room.gradebook()
    room.type(room.lecturer, {0: ("30", "70")})
    enrolment_services.withdraw_student(None, room.enrolments[1])
    db.session.commit()

    sheet = room.sheet()
    assert [row.enrolment.id for row in sheet.rows] == [room.enrolments[0].id]
    assert sheet.complete
    room.submit()


# --- the workflow ----------------------------------------------------------------------------------------

def test_in_a_draft_only_the_offerings_lecturers_enter_marks(classroom, make):
    room = classroom(1)
    room.gradebook()
    others = [make.user(role="lecturer", university=room.university), room.registrar, make.user(role="admin")]
    for actor in others:
        violation = refused(services.save_marks, actor, room.offering, room.entries({0: ("30", "70")}))
        assert english(violation.message) == "This gradebook cannot be changed now."
    assert db.session.scalar(db.select(db.func.count()).select_from(Score)) == 0


def test_submitting_needs_a_mark_or_absent_for_every_student_and_assessment(classroom):
    room = classroom(3)
    room.gradebook()
    room.type(room.lecturer, {0: ("30", "70"), 1: ("غ", None)})

    violation = refused(services.submit_gradebook, room.lecturer, room.offering)

    assert english(violation.message) == ("2 students still have missing marks: give a mark or absent for "
                                          "every assessment.")
    assert room.sheet().gradebook.status == "draft"
    room.type(room.lecturer, {1: (None, "غ"), 2: ("غ", "0")})
    room.submit()
    gradebook = room.sheet().gradebook
    assert (gradebook.status, gradebook.submitted_by_id) == ("submitted", room.lecturer.id)
    assert gradebook.submitted_at is not None
    event, = events("gradebook.submitted")
    assert (event.data["before"], event.data["after"]) == ("draft", "submitted")


def test_an_empty_class_cannot_be_submitted(classroom):
    room = classroom(0)
    room.gradebook()
    violation = refused(services.submit_gradebook, room.lecturer, room.offering)
    assert english(violation.message) == "No students are enrolled."


def test_only_the_lecturer_submits(classroom, make):
    room = classroom(1)
    room.gradebook()
    room.type(room.lecturer, {0: ("30", "70")})
    stranger = make.user(role="lecturer", university=room.university)
    for actor in (room.registrar, make.user(role="admin"), stranger):
        violation = refused(services.submit_gradebook, actor, room.offering)
        assert english(violation.message) == "Only the course's lecturer submits a draft gradebook."


def test_a_submitted_gradebook_is_locked_for_the_lecturer_and_not_yet_open_to_the_registrar(classroom):
    room = classroom(1)
    room.gradebook()
    room.type(room.lecturer, {0: ("30", "70")})
    room.submit()

    for actor in (room.lecturer, room.registrar):
        violation = refused(services.save_marks, actor, room.offering, room.entries({0: ("40", None)}),
                            reason="typo")
        assert english(violation.message) == "This gradebook cannot be changed now."
    refused(services.submit_gradebook, room.lecturer, room.offering)
    assert room.score(0, 0).value == D(30)
    assert services.editable_attempts(room.lecturer, room.sheet()) == set()


def test_the_registrar_returns_a_submission_with_a_comment(classroom):
    room = classroom(1)
    room.gradebook()
    room.type(room.lecturer, {0: ("30", "70")})
    room.submit()

    for comment in ("", "   ", None):
        violation = refused(services.return_gradebook, room.registrar, room.offering, comment)
        assert english(violation.message) == "Write a comment for the lecturer."
        assert violation.field == "comment"
    assert room.sheet().gradebook.status == "submitted"

    room.give_back("  The final exam of the first student looks wrong.  ")
    gradebook = room.sheet().gradebook
    assert (gradebook.status, gradebook.return_comment) == (
        "draft", "The final exam of the first student looks wrong.")
    event, = events("gradebook.returned")
    assert event.data["comment"] == "The final exam of the first student looks wrong."
    assert room.type(room.lecturer, {0: (None, "75")})[key(room, 0, 1)].status == "saved"
    room.submit()
    assert room.sheet().gradebook.return_comment is None


def test_only_a_submitted_gradebook_is_returned_or_published(classroom):
    room = classroom(1)
    room.gradebook()
    room.type(room.lecturer, {0: ("30", "70")})
    assert english(refused(services.return_gradebook, room.registrar, room.offering, "x").message) == \
        "Only a submitted gradebook can be returned."
    assert english(refused(services.publish_gradebook, room.registrar, room.offering).message) == \
        "Only a submitted gradebook can be published."
    room.submit()
    room.publish()
    refused(services.publish_gradebook, room.registrar, room.offering)
    refused(services.return_gradebook, room.registrar, room.offering, "too late")


def test_students_see_their_results_once_published_and_not_before(classroom):
    room = classroom(2)
    room.gradebook()
    room.type(room.lecturer, {0: ("30", "70"), 1: ("40", "90")})
    student = room.students[0]
    assert services.published_results(student) == ([], None)
    room.submit()
    assert services.published_results(student) == ([], None)

    room.publish()

    results, average = services.published_results(student)
    result, = results
    assert (result.offering.id, result.mark, result.band.name_en, result.round, result.credits,
            result.passed) == (room.offering.id, D("54.00"), "Pass", 1, 3, True)
    assert average == D("54.00")
    gradebook = room.sheet().gradebook
    assert (gradebook.status, gradebook.published_round, gradebook.published_by_id) == (
        "published", 1, room.registrar.id)


def test_unpublished_marks_do_not_exist_for_students(classroom, make):
    home = make.university()
    cohort = make.cohort()
    lecturer = make.user(role="lecturer", university=home)
    registrar = make.user(role="registrar", university=home)
    published = classroom(1, university=home, cohort=cohort, lecturer=lecturer, registrar=registrar,
                          course=make.course(credits=3))
    student = published.students[0]
    draft = classroom(0, university=home, cohort=cohort, lecturer=lecturer, registrar=registrar,
                      course=make.course(credits=2))
    submitted = classroom(0, university=home, cohort=cohort, lecturer=lecturer, registrar=registrar,
                          course=make.course(credits=4))
    for room in (draft, submitted):
        room.students.append(student)
        room.enrolments.append(enrolment_services.enrol_student(None, room.offering, student))
        db.session.commit()
    for room, marks in ((published, ("90", "90")), (draft, ("10", "10")), (submitted, ("70", "70"))):
        room.gradebook()
        room.type(room.lecturer, {0: marks})
    published.submit()
    published.publish()
    submitted.submit()

    results, average = services.published_results(student)

    assert [r.offering.id for r in results] == [published.offering.id]
    assert average == D("90.00")


def test_after_publication_only_a_registrar_changes_a_mark_and_gives_a_reason(classroom, make):
    room = classroom(1)
    room.gradebook()
    room.type(room.lecturer, {0: ("30", "70")})
    room.submit()
    room.publish()

    violation = refused(services.save_marks, room.lecturer, room.offering, room.entries({0: ("40", None)}))
    assert english(violation.message) == "This gradebook cannot be changed now."
    for reason in (None, "", "   "):
        violation = refused(services.save_marks, room.registrar, room.offering,
                            room.entries({0: ("40", None)}), reason=reason)
        assert (english(violation.message), violation.field) == (
            "Give the reason for changing a published mark.", "reason")
    assert room.score(0, 0).value == D(30)

    results = room.type(room.registrar, {0: ("40", None)}, reason="Coursework re-marked on appeal.")
    assert results[key(room, 0, 0)].status == "saved"
    change = events("score.changed")[-1]
    assert (change.actor_id, change.data["old"], change.data["new"], change.data["reason"]) == (
        room.registrar.id, "30", "40", "Coursework re-marked on appeal.")
    assert services.published_results(room.students[0])[0][0].mark == D("58.00")
    admin = make.user(role="admin")
    assert room.type(admin, {0: (None, "71")}, reason="Recount.")[key(room, 0, 1)].status == "saved"


def test_the_registrar_sees_the_published_gradebook_editable_in_the_first_round_only(classroom):
    room = classroom(1)
    room.gradebook()
    room.type(room.lecturer, {0: ("30", "70")})
    room.submit()
    room.publish()
    assert services.editable_attempts(room.registrar, room.sheet()) == {1}
    assert services.editable_attempts(room.lecturer, room.sheet()) == set()


# --- the second round ------------------------------------------------------------------------------------

def failed_and_passed(classroom, programme, **settings):
    """Two students, the first failed (12 + 24 = 36), the second passed (28 + 42 = 70); published."""
    programme(**settings)
    room = classroom(2)
    room.gradebook()
    room.type(room.lecturer, {0: ("30", "40"), 1: ("70", "70")})
    room.submit()
    room.publish()
    return room


def test_the_second_round_opens_only_after_publication(classroom):
    room = classroom(1)
    room.gradebook()
    room.type(room.lecturer, {0: ("10", "10")})
    violation = refused(services.open_second_round, room.registrar, room.offering)
    assert english(violation.message) == "The second round opens once the first round is published."
    room.submit()
    refused(services.open_second_round, room.registrar, room.offering)
    assert room.sheet().gradebook.current_round == 1


def test_no_second_round_when_everyone_passed(classroom):
    room = classroom(1)
    room.gradebook()
    room.type(room.lecturer, {0: ("50", "50")})
    room.submit()
    room.publish()
    violation = refused(services.open_second_round, room.registrar, room.offering)
    assert english(violation.message) == "No student failed this course: there is no second round."


def test_in_the_second_round_the_lecturer_enters_the_final_of_the_failed_students_only(classroom, programme):
    room = failed_and_passed(classroom, programme)
    room.open_second_round()
    gradebook = room.sheet().gradebook
    assert (gradebook.status, gradebook.current_round, gradebook.published_round) == ("draft", 2, 1)
    assert services.editable_attempts(room.lecturer, room.sheet()) == {2}
    assert events("gradebook.second_round_opened")
    assert english(refused(services.open_second_round, room.registrar, room.offering).message) == \
        "The second round opens once the first round is published."

    final, coursework = room.final(), room.assessments()[0]
    results = services.save_marks(room.lecturer, room.offering, [
        entry(room.enrolments[0], final, "90", attempt=2),
        entry(room.enrolments[1], final, "90", attempt=2),  # passed: no second round
        entry(room.enrolments[0], coursework, "40", attempt=2),  # not the final
        entry(room.enrolments[0], coursework, "40", room.score(0, 0).version),  # the first round is closed
    ])
    db.session.commit()

    assert [r.status for r in results.values()] == ["saved", "error", "error", "error"]
    messages = [english(r.message) for r in list(results.values())[1:]]
    assert messages == ["Only the final exam of a student who failed has a second round."] * 2 + [
        "This mark cannot be changed now."]
    assert room.score(0, attempt=2).value == D(90)
    assert room.score(1, attempt=2) is None
    assert room.score(0, 0).value == D(30)
    change = events("score.changed")[-1]
    assert (change.data["round"], change.data["new"]) == (2, "90")


def test_the_second_round_needs_every_failed_student_marked_before_submission(classroom, programme):
    room = failed_and_passed(classroom, programme)
    room.open_second_round()
    violation = refused(services.submit_gradebook, room.lecturer, room.offering)
    assert english(violation.message).startswith("1 students still have missing marks")
    room.type(room.lecturer, {0: "غ"}, attempt=2)
    room.submit()
    assert room.sheet().gradebook.status == "submitted"


def test_students_see_the_first_round_until_the_second_is_published(classroom, programme):
    room = failed_and_passed(classroom, programme, second_round_rule="no_cap")
    room.open_second_round()
    room.type(room.lecturer, {0: "90"}, attempt=2)
    student = room.students[0]
    assert [(r.mark, r.round, r.passed) for r in services.published_results(student)[0]] == [
        (D("36.00"), 1, False)]
    room.submit()
    assert [(r.mark, r.round) for r in services.published_results(student)[0]] == [(D("36.00"), 1)]

    room.publish()

    assert [(r.mark, r.round, r.passed) for r in services.published_results(student)[0]] == [
        (D("66.00"), 2, True)]
    assert room.sheet().gradebook.published_round == 2


@pytest.mark.parametrize(("settings", "second", "expected", "band", "passed"), [
    ({"second_round_rule": "no_cap"}, "90", "66.00", "Fair", True),
    ({"second_round_rule": "no_cap"}, "60", "48.00", "Fail", False),
    ({"second_round_rule": "cap_at_pass"}, "90", "50.00", "Pass", True),
    ({"second_round_rule": "cap_at_pass"}, "60", "48.00", "Fail", False),
    ({"second_round_rule": "deduction", "second_round_deduction": D(10)}, "90", "56.00", "Pass", True),
    ({"second_round_rule": "deduction", "second_round_deduction": D(10)}, "95", "59.00", "Pass", True),
    ({"second_round_rule": "deduction", "second_round_deduction": D(15)}, "0", "0.00", "Fail", False),
    ({"second_round_rule": "no_cap", "course_mark_rounding": "whole"}, "62.5", "50", "Pass", True),
    ({"second_round_rule": "no_cap"}, "غ", "12.00", "Fail", False),
], ids=["no-cap", "no-cap-still-failed", "cap", "cap-below", "deduction", "deduction-95", "deduction-floor",
        "whole", "absent"])
def test_after_the_second_round_the_student_sees_round_2_with_the_programmes_rule(
        classroom, programme, settings, second, expected, band, passed):
    room = failed_and_passed(classroom, programme, **settings)
    room.open_second_round()
    room.type(room.lecturer, {0: second}, attempt=2)
    room.submit()
    room.publish()

    failed, = services.published_results(room.students[0])[0]
    assert (str(failed.mark), failed.band.name_en, failed.round, failed.passed) == (expected, band, 2, passed)
    kept, = services.published_results(room.students[1])[0]
    assert (kept.mark, kept.round) == (D(70) if settings.get("course_mark_rounding") == "whole"
                                       else D("70.00"), 1)
    row = room.sheet().rows[0]
    assert (row.first_mark, str(row.mark), row.round) == (
        D(36) if settings.get("course_mark_rounding") == "whole" else D("36.00"), expected, 2)


def test_after_the_second_round_the_registrar_may_change_either_round(classroom, programme):
    room = failed_and_passed(classroom, programme, second_round_rule="no_cap")
    room.open_second_round()
    room.type(room.lecturer, {0: "90"}, attempt=2)
    room.submit()
    room.publish()
    assert services.editable_attempts(room.registrar, room.sheet()) == {1, 2}
    results = room.type(room.registrar, {0: "95"}, attempt=2, reason="Re-marked.")
    assert set(statuses(results).values()) == {"saved"}
    assert services.published_results(room.students[0])[0][0].mark == D("69.00")


# --- the programme's settings, the sheet and the distribution -------------------------------------------

def test_whole_mark_rounding_turns_49_5_into_a_pass(classroom, programme):
    programme(course_mark_rounding="whole")
    room = classroom(2)
    room.gradebook()
    room.type(room.lecturer, {0: ("48.75", "50"), 1: ("48.7", "50")})  # 49.5 and 49.48
    rows = room.sheet().rows
    assert [(row.mark, row.first_passed, row.band.name_en) for row in rows] == [
        (D(50), True, "Pass"), (D(49), False, "Fail")]


def test_the_course_mark_keeps_two_decimals_without_rounding(classroom, programme):
    programme(course_mark_rounding="none")
    room = classroom(1)
    room.gradebook()
    room.type(room.lecturer, {0: ("48.75", "50")})
    assert str(room.sheet().rows[0].mark) == "49.50"
    assert room.sheet().rows[0].band.name_en == "Fail"


def test_a_programmes_own_pass_mark(classroom, programme):
    programme(pass_mark=D(60))
    room = classroom(1)
    room.gradebook()
    room.type(room.lecturer, {0: ("50", "60")})  # 56
    row = room.sheet().rows[0]
    assert (row.mark, row.first_passed) == (D("56.00"), False)


def test_the_distribution_counts_students_by_band_and_by_tens(classroom):
    room = classroom(9)
    room.gradebook()
    room.type(room.lecturer, {0: ("95", "95"), 1: ("85", "85"), 2: ("75", "75"), 3: ("65", "65"),
                              4: ("55", "55"), 5: ("45", "45"), 6: ("100", "100"), 7: ("غ", "غ"),
                              8: ("50", None)})  # incomplete: not counted

    distribution = services.distribution(room.sheet())

    assert [(band.name_en, count) for band, count in distribution["bands"]] == [
        ("Excellent", 2), ("Very good", 1), ("Good", 1), ("Fair", 1), ("Pass", 1), ("Fail", 2)]
    assert distribution["tenths"] == [1, 0, 0, 0, 1, 1, 1, 1, 1, 2]


def test_the_registrars_queue_lists_the_submitted_gradebooks_of_the_university(classroom, make):
    home = make.university()
    registrar = make.user(role="registrar", university=home)
    first = classroom(1, university=home, registrar=registrar)
    second = classroom(1, university=home, registrar=registrar)
    abroad = classroom(1)
    draft = classroom(1, university=home, registrar=registrar)
    for room in (first, abroad, second, draft):
        room.gradebook()
        room.type(room.lecturer, {0: ("50", "50")})
    for room in (first, abroad, second):
        room.submit()

    assert [g.offering_id for g in services.submitted_gradebooks(home.id)] == [
        first.offering.id, second.offering.id]
    assert {g.offering_id for g in services.submitted_gradebooks()} == {
        first.offering.id, second.offering.id, abroad.offering.id}
    first.publish()
    assert [g.offering_id for g in services.submitted_gradebooks(home.id)] == [second.offering.id]


def test_a_gradebook_belongs_to_one_offering(classroom):
    room = classroom(1)
    room.gradebook()
    assert db.session.scalar(db.select(db.func.count()).select_from(Gradebook)) == 1
    assert room.sheet().gradebook.offering_id == room.offering.id


def test_a_withdrawn_students_marks_also_lock_the_assessments(classroom):
    room = classroom(2)
    room.gradebook()
    room.fill([("30", None)])
    enrolment_services.withdraw_student(room.registrar, room.enrolments[0])
    db.session.commit()

    assert not services.can_edit_assessments(room.lecturer, room.sheet())
    violation = refused(services.save_assessments, room.lecturer, room.offering,
                        [assessment("Coursework", 40), assessment("Final", 60, final=True)])
    assert english(violation.message) == "The assessments cannot be changed once marks exist."
    assert db.session.scalar(db.select(db.func.count()).select_from(Score)) == 1  # the mark is kept
