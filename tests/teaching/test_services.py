"""Offerings, materials and announcements: the rules the services enforce, and what they record."""
import hashlib

import pytest
from sqlalchemy.exc import IntegrityError

from diploma.audit import AuditEvent, events_for
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.teaching import services
from diploma.teaching.models import Material, Offering
from tests import teaching as build


@pytest.fixture(autouse=True)
def uploads_dir(app, tmp_path, monkeypatch):
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    return folder


@pytest.fixture
def campus(make):
    home = make.university()
    return {"home": home, "registrar": make.user(role="registrar", university=home),
            "lecturer": make.user(role="lecturer", university=home, name_en="B Lecturer"),
            "second_lecturer": make.user(role="lecturer", university=home, name_en="A Lecturer"),
            "foreign_lecturer": make.user(role="lecturer", university=make.university()),
            "course": make.course(), "term": make.term()}


def save(campus, offering=None, **changes):
    values = {"course_id": campus["course"].id, "term_id": campus["term"].id, "capacity": 30,
              "lecturer_ids": [campus["lecturer"].id], **changes}
    return services.save_offering(campus["registrar"], offering, campus["home"].id, **values)


def count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


# --- offerings -----------------------------------------------------------------------------------------

def test_an_offering_is_created_with_its_lecturers_and_an_audit_event(campus):
    offering = save(campus, lecturer_ids=[campus["lecturer"].id, campus["second_lecturer"].id])
    db.session.commit()

    assert (offering.university_id, offering.capacity, offering.status) == (campus["home"].id, 30, "open")
    assert [lecturer.name_en for lecturer in offering.lecturers] == ["A Lecturer", "B Lecturer"]
    event, = events_for(offering)
    assert (event.action, event.actor_id) == ("offering.created", campus["registrar"].id)
    assert event.data["before"] is None
    assert event.data["after"]["lecturers"] == sorted([campus["lecturer"].id, campus["second_lecturer"].id])


@pytest.mark.parametrize(("changes", "field"), [
    ({"course_id": 999999}, "course_id"),
    ({"term_id": 999999}, "term_id"),
    ({"lecturer_ids": []}, "lecturer_ids"),
])
def test_an_offering_needs_a_course_a_term_and_a_lecturer(campus, changes, field):
    with pytest.raises(RuleViolation) as refused:
        save(campus, **changes)
    assert refused.value.field == field


def test_the_lecturers_must_belong_to_the_offerings_university(campus, make):
    deactivated = make.user(role="lecturer", university=campus["home"], active=False)
    registrar = make.user(role="registrar", university=campus["home"])
    for lecturer in (campus["foreign_lecturer"], deactivated, registrar):
        with pytest.raises(RuleViolation) as refused:
            save(campus, lecturer_ids=[campus["lecturer"].id, lecturer.id])
        assert refused.value.field == "lecturer_ids"
    assert count(Offering) == 0


def test_a_course_is_offered_once_per_university_and_term(campus, make):
    save(campus)
    with pytest.raises(RuleViolation) as refused:
        save(campus, lecturer_ids=[campus["second_lecturer"].id])
    assert refused.value.field == "course_id"
    save(campus, term_id=make.term().id)  # another term is another offering


def test_updating_an_offering_records_before_and_after(campus):
    offering = save(campus)
    save(campus, offering, capacity=40, lecturer_ids=[campus["second_lecturer"].id])
    db.session.commit()

    assert offering.capacity == 40
    assert [lecturer.id for lecturer in offering.lecturers] == [campus["second_lecturer"].id]
    event = events_for(offering)[-1]
    assert event.action == "offering.updated"
    assert (event.data["before"]["capacity"], event.data["after"]["capacity"]) == (30, 40)
    assert (event.data["before"]["lecturers"], event.data["after"]["lecturers"]) == (
        [campus["lecturer"].id], [campus["second_lecturer"].id])


def test_the_capacity_cannot_drop_below_the_enrolled_students(campus, make):
    offering = build.offering(campus["home"], lecturers=[campus["lecturer"]], capacity=3)
    for _ in range(2):
        build.enrolled(make.student(university=campus["home"]), offering)

    with pytest.raises(RuleViolation) as refused:
        services.save_offering(campus["registrar"], offering, campus["home"].id, course_id=offering.course_id,
                               term_id=offering.term_id, capacity=1, lecturer_ids=[campus["lecturer"].id])
    assert refused.value.field == "capacity"
    services.save_offering(campus["registrar"], offering, campus["home"].id, course_id=offering.course_id,
                           term_id=offering.term_id, capacity=2, lecturer_ids=[campus["lecturer"].id])
    assert offering.capacity == 2


def test_closing_an_offering_is_recorded(campus):
    offering = build.offering(campus["home"], lecturers=[campus["lecturer"]])
    services.set_offering_status(campus["registrar"], offering, "closed")
    assert offering.status == "closed"
    assert events_for(offering)[-1].data == {"before": "open", "after": "closed"}
    with pytest.raises(RuleViolation):
        services.set_offering_status(campus["registrar"], offering, "archived")


def test_offerings_taught_by_a_lecturer(campus, make):
    mine = build.offering(campus["home"], lecturers=[campus["lecturer"], campus["second_lecturer"]])
    build.offering(campus["home"], lecturers=[campus["second_lecturer"]])

    assert [offering.id for offering in services.offerings_taught_by(campus["lecturer"])] == [mine.id]
    assert len(services.offerings_taught_by(campus["second_lecturer"])) == 2
    assert services.is_lecturer_of(campus["lecturer"], mine)
    assert services.offerings_taught_by(campus["foreign_lecturer"]) == []


def test_offerings_are_listed_per_university_and_term(campus, make):
    mine = build.offering(campus["home"], lecturers=[campus["lecturer"]], term=campus["term"])
    build.offering(campus["home"], lecturers=[campus["lecturer"]])
    build.offering(make.university())

    assert len(db.session.scalars(services.offerings_query()).all()) == 3
    assert len(db.session.scalars(services.offerings_query(university_id=campus["home"].id)).all()) == 2
    assert db.session.scalars(services.offerings_query(university_id=campus["home"].id,
                                                       term_id=campus["term"].id)).all() == [mine]


# --- materials --------------------------------------------------------------------------------------------

@pytest.fixture
def offering(campus):
    return build.offering(campus["home"], lecturers=[campus["lecturer"]])


def values(**changes):
    return {"title": "Reading", "week": None, "topic": None, "url": None, "body": None, **changes}


def test_a_link_keeps_only_its_address(offering, campus):
    material = services.add_material(campus["lecturer"], offering, "link",
                                     values(url="https://example.org/a", body="ignored"))
    assert (material.kind, material.url, material.body, material.stored_name) == (
        "link", "https://example.org/a", None, None)
    assert material.author_id == campus["lecturer"].id
    assert events_for(material)[0].action == "material.created"


@pytest.mark.parametrize("url", [None, "", "javascript:alert(1)", " javascript:alert(1)", "JAVASCRIPT:x",
                                 "data:text/html,hi", "vbscript:x", "ftp://example.org", "/relative",
                                 "www.example.org"])
def test_a_link_must_start_with_http_or_https(offering, campus, url):
    with pytest.raises(RuleViolation) as refused:
        services.add_material(campus["lecturer"], offering, "link", values(url=url))
    assert refused.value.field == "url"
    assert count(Material) == 0


@pytest.mark.parametrize("url", ["http://example.org", "https://example.org/x?y=1", "HTTPS://EXAMPLE.ORG"])
def test_http_and_https_links_are_accepted(offering, campus, url):
    assert services.add_material(campus["lecturer"], offering, "link", values(url=url)).url == url


def test_a_note_keeps_only_its_text(offering, campus):
    material = services.add_material(campus["lecturer"], offering, "text",
                                     values(body="**Read** this.", url="https://example.org"))
    assert (material.body, material.url) == ("**Read** this.", None)


@pytest.mark.parametrize("body", [None, "", "   \n "])
def test_a_note_needs_a_text(offering, campus, body):
    with pytest.raises(RuleViolation) as refused:
        services.add_material(campus["lecturer"], offering, "text", values(body=body))
    assert refused.value.field == "body"


def test_an_unknown_kind_is_refused(offering, campus):
    with pytest.raises(RuleViolation):
        services.add_material(campus["lecturer"], offering, "script", values(body="x"))


def test_a_file_is_stored_with_its_name_size_and_digest(offering, campus, uploads_dir):
    material = services.add_material(campus["lecturer"], offering, "file", values(url="https://x.org"),
                                     build.upload(build.PDF, "week1.pdf"))
    db.session.commit()

    assert (material.original_name, material.content_type, material.size, material.url) == (
        "week1.pdf", "application/pdf", len(build.PDF), None)
    assert material.sha256 == hashlib.sha256(build.PDF).hexdigest()
    assert material.stored_name.endswith(".pdf") and material.stored_name != "week1.pdf"
    assert (uploads_dir / "materials" / material.stored_name).read_bytes() == build.PDF
    assert events_for(material)[0].data["sha256"] == material.sha256


def test_a_refused_file_leaves_nothing(offering, campus, uploads_dir):
    with pytest.raises(RuleViolation) as refused:
        services.add_material(campus["lecturer"], offering, "file", values(),
                              build.upload(build.ELF, "a.pdf"))
    assert refused.value.field == "file"
    assert count(Material) == 0
    assert list((uploads_dir / "materials").iterdir()) == []


def test_a_file_whose_row_cannot_be_saved_is_removed_again(offering, campus, uploads_dir):
    """The file is stored before the row is flushed; when the flush fails, the file goes too."""
    with pytest.raises(IntegrityError):  # the database's own check: a week is 1 to 60
        services.add_material(campus["lecturer"], offering, "file", values(week=99), build.upload())
    db.session.rollback()
    assert list((uploads_dir / "materials").iterdir()) == []


def test_updating_a_material_changes_only_its_own_fields(offering, campus):
    link = build.material(offering, "link", url="https://example.org/old")
    services.update_material(campus["lecturer"], link, values(title="New", week=3, topic="Mediation",
                                                              url="https://example.org/new", body="ignored"))
    assert (link.title, link.week, link.topic, link.url, link.body) == (
        "New", 3, "Mediation", "https://example.org/new", None)
    with pytest.raises(RuleViolation):
        services.update_material(campus["lecturer"], link, values(url="javascript:alert(1)"))

    file = build.material(offering, "file")
    services.update_material(campus["lecturer"], file, values(title="Renamed", url="https://x.org", body="b"))
    assert (file.title, file.url, file.body, file.original_name) == ("Renamed", None, None, "lecture.pdf")


def test_hidden_materials_are_listed_only_for_staff(offering, campus):
    shown = build.material(offering, "link", title="Shown")
    hidden = build.material(offering, "link", title="Hidden", hidden=True)

    assert services.materials_of(offering) == [shown]
    assert {m.id for m in services.materials_of(offering, include_hidden=True)} == {shown.id, hidden.id}
    services.set_material_hidden(campus["lecturer"], hidden, False)
    assert len(services.materials_of(offering)) == 2
    assert [e.action for e in events_for(hidden)] == ["material.created", "material.hidden", "material.shown"]


def test_deleting_a_material_records_what_it_was_and_returns_its_file(offering, campus, uploads_dir):
    material = build.material(offering, "file", file=build.upload(build.PDF, "خطة المقرر.pdf"))
    material_id, stored_name, sha256 = material.id, material.stored_name, material.sha256

    assert services.delete_material(campus["lecturer"], material) == stored_name
    # The service does not touch the disk: the view removes the file once the deletion is committed.
    assert (uploads_dir / "materials" / stored_name).exists()
    db.session.commit()
    assert db.session.get(Material, material_id) is None
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "material.deleted"))
    assert (event.target_id, event.data["original_name"], event.data["sha256"]) == (
        str(material_id), "خطة المقرر.pdf", sha256)


def test_materials_are_grouped_by_week_then_topic_with_the_undated_last(offering):
    for title, week, topic in [("c", 2, "Mediation"), ("a", 1, None), ("z", None, None), ("b", 1, None),
                               ("d", 2, "Negotiation")]:
        build.material(offering, "link", title=title, week=week, topic=topic)

    groups = services.group_by_week(services.materials_of(offering))

    assert [(week, topic, [m.title for m in items]) for week, topic, items in groups] == [
        (1, None, ["a", "b"]), (2, "Mediation", ["c"]), (2, "Negotiation", ["d"]), (None, None, ["z"])]


# --- announcements --------------------------------------------------------------------------------------

def test_announcements_are_listed_newest_first(offering, campus):
    first = build.announcement(offering, title="First")
    second = build.announcement(offering, title="Second")
    assert services.announcements_of(offering) == [second, first]
    assert services.announcements_of(offering, limit=1) == [second]
    assert events_for(first)[0].data == {"title": "First"}


@pytest.mark.parametrize(("title", "body"), [("", "text"), ("Title", ""), ("  ", "  "), (None, None)])
def test_an_announcement_needs_a_title_and_a_text(offering, campus, title, body):
    with pytest.raises(RuleViolation):
        services.post_announcement(campus["lecturer"], offering, title, body)


def test_deleting_an_offering_content_keeps_the_audit_log(offering, campus):
    announcement = build.announcement(offering, title="Gone", body="Soon")
    services.delete_announcement(campus["lecturer"], announcement)
    db.session.commit()
    assert services.announcements_of(offering) == []
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "announcement.deleted"))
    assert event.data == {"title": "Gone", "body": "Soon"}
