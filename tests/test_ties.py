"""The ties between domains are made at app creation, explicitly, and fail loudly when missing: teaching
counts seats with enrolment's count, a new offering gets its gradebook through a named signal (no flush hook
on the global session), and the audit log joins a table on a typed key (no CAST)."""
import pytest

from diploma import audit, create_app
from diploma.audit import AuditEvent
from diploma.auth.models import User
from diploma.certificates.models import Certificate
from diploma.config import TestConfig
from diploma.enrolment import services as enrolment
from diploma.extensions import db
from diploma.grading import table as gradebooks
from diploma.grading.models import Gradebook
from diploma.teaching import services as teaching
from diploma.teaching.models import Offering
from diploma.teaching.signals import offering_created
from tests import teaching as build


@pytest.fixture
def counter_removed():
    """No seat counter, as in a process that imported teaching but never created the app; given back after."""
    kept = teaching._seat_counter["count"]
    teaching._seat_counter["count"] = None
    yield
    teaching._seat_counter["count"] = kept


@pytest.fixture
def gradebooks_disconnected():
    offering_created.disconnect(gradebooks.give_new_offering_its_gradebook)
    yield
    gradebooks.connect_to_teaching()


def test_seats_taken_counts_the_active_enrolments(make):
    offering = build.offering(capacity=5)
    students = [make.student(university=offering.university) for _ in range(3)]
    for student in students:
        build.enrolled(student, offering)
    enrolment.withdraw_student(None, db.session.scalar(db.select(enrolment.Enrolment).where(
        enrolment.Enrolment.student_id == students[0].id)))

    assert teaching.seats_taken(offering) == 2


def test_a_missing_seat_counter_fails_loudly_instead_of_counting_nothing(make, counter_removed):
    offering = build.offering()
    build.enrolled(make.student(university=offering.university), offering)

    with pytest.raises(RuntimeError, match="seat counter"):
        teaching.seats_taken(offering)


def test_creating_the_app_gives_teaching_its_seat_counter(make, counter_removed, upload_folder):
    offering = build.offering()
    build.enrolled(make.student(university=offering.university), offering)

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        UPLOAD_FOLDER = upload_folder

    create_app(Config)

    assert teaching._seat_counter["count"] is enrolment.active_enrolment_count
    assert teaching.seats_taken(offering) == 1


def test_a_new_offering_gets_its_gradebook_through_the_signal(make):
    offering = teaching.add_offering(Offering(course=make.course(), university=make.university(),
                                              term=make.term(), capacity=10))

    assert [item for item in db.session.new if isinstance(item, Gradebook)][0].offering is offering
    db.session.flush()
    gradebook = gradebooks.gradebook_of(offering)
    assert [a.name_en for a in gradebook.assessments] == ["Coursework", "Final exam"]


def test_an_offering_added_with_nobody_to_give_it_a_gradebook_is_refused(make, gradebooks_disconnected):
    with pytest.raises(RuntimeError, match="offering_created"):
        teaching.add_offering(Offering(course=make.course(), university=make.university(),
                                       term=make.term(), capacity=10))


def test_an_offering_added_to_the_session_directly_gets_no_gradebook(make):
    """No flush hook on the global session any more: only ``add_offering`` makes the gradebook."""
    offering = Offering(course=make.course(), university=make.university(), term=make.term(), capacity=10)
    db.session.add(offering)
    db.session.flush()

    assert db.session.scalar(db.select(Gradebook).where(Gradebook.offering_id == offering.id)) is None


def test_the_audit_log_joins_a_table_on_its_typed_key(make):
    first, second = make.user(), make.user()
    audit.record(None, "user.updated", first)
    audit.record(None, "user.updated", second)
    audit.record(None, "user.updated", second)
    db.session.add(AuditEvent(action="user.updated", target_type="Student", target_id=str(first.id),
                              target_key=first.id))  # another table's row with the same id
    db.session.flush()

    counts = dict(db.session.execute(
        db.select(User.id, db.func.count(AuditEvent.id)).join(User, audit.about(User))
        .where(AuditEvent.action == "user.updated", User.id.in_([first.id, second.id]))
        .group_by(User.id)).all())

    assert counts == {first.id: 1, second.id: 2}
    sql = str(db.select(AuditEvent.id).join(Certificate, audit.about(Certificate)).compile(db.engine))
    assert "CAST" not in sql.upper() and "audit_event.target_key = certificate.id" in sql


def test_recorded_events_carry_the_typed_key_and_make_the_trail(make):
    user = make.user()
    audit.record(None, "user.updated", user)
    db.session.flush()
    audit.record_at_once("user.looked_up", type(user), user.id)

    trail = audit.events_for(user)
    assert [(e.action, e.target_id, e.target_key) for e in trail] == [
        ("user.updated", str(user.id), user.id), ("user.looked_up", str(user.id), user.id)]
