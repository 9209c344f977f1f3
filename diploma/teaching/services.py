"""Offerings and what lecturers post to them: materials and announcements."""
from functools import cache
from typing import NamedTuple

from flask_babel import lazy_gettext as _l

from diploma import audit, uploads
from diploma.access import ADMIN, LECTURER, REGISTRAR, holds_role
from diploma.auth.models import User
from diploma.clock import today
from diploma.curriculum.models import Course, Term
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.teaching.models import Announcement, Material, Offering, offering_lecturer
from diploma.teaching.signals import offering_created

MATERIAL_FIELDS = ("title", "week", "topic", "url", "body")

# Who does what with an offering: the views declare these roles (``@roles(*OFFICE)``) and
# ``offering_actions`` offers the buttons by the same sets, so that a page never shows what its route refuses.
OFFICE = (ADMIN, REGISTRAR)  # edit offerings, open or close them to enrolment, enrol and withdraw students
CONTENT_AUTHORS = (ADMIN, LECTURER)  # post, change, hide and delete materials and announcements
STAFF = (ADMIN, REGISTRAR, LECTURER)  # the offering's page, its students and its gradebook


class Names(NamedTuple):
    """A name in Arabic and English read as two plain columns, for a page that only shows it: no ORM object
    is loaded for it. ``name(language)`` (and ``display_name`` for people) as the models have them."""

    ar: str
    en: str

    def name(self, language):
        return self.ar if language == "ar" else self.en

    display_name = name


# --- offerings -----------------------------------------------------------------------------------

def offerings_query(university_id=None, term_id=None):
    query = db.select(Offering).join(Offering.term).join(Offering.course) \
        .order_by(Term.starts_on.desc(), Course.code)
    if university_id is not None:
        query = query.where(Offering.university_id == university_id)
    if term_id is not None:
        query = query.where(Offering.term_id == term_id)
    return query


@cache
def _offering_statement():
    return db.select(Offering).where(Offering.id == db.bindparam("offering_id"))


def find_offering(offering_id):
    """The offering (with its course, term and university), or None: ``db.session.get`` by a statement built
    once, so that SQLAlchemy reuses its cache key and SQL (a course page and its files ask on every visit)."""
    return db.session.scalar(_offering_statement(), {"offering_id": offering_id})


def offerings_taught_by(user, current_only=False):
    """The offerings a lecturer teaches, the latest term first; ``current_only``: whose term has not ended."""
    query = offerings_query().join(offering_lecturer, offering_lecturer.c.offering_id == Offering.id) \
        .where(offering_lecturer.c.user_id == user.id)
    if current_only:
        query = query.where(Term.ends_on >= today())
    return db.session.scalars(query).all()


@cache
def _lecturer_names_statement():
    """Built once (like ``auth.services._user_of_login_session``): SQLAlchemy reuses its cache key and SQL."""
    return db.select(offering_lecturer.c.offering_id, User.name_ar, User.name_en) \
        .join(User, User.id == offering_lecturer.c.user_id) \
        .where(offering_lecturer.c.offering_id.in_(db.bindparam("offering_ids", expanding=True))) \
        .order_by(User.name_en, User.id)  # as ``Offering.lecturers`` (by English name)


def lecturer_names(offering_ids):
    """{offering id: [Names of its lecturers]}, in one query of their names alone (no accounts loaded); an
    offering without lecturers is absent."""
    names = {}
    if offering_ids:
        for offering_id, name_ar, name_en in db.session.execute(_lecturer_names_statement(),
                                                                {"offering_ids": list(offering_ids)}):
            names.setdefault(offering_id, []).append(Names(name_ar, name_en))
    return names


def lecturer_names_of(offering):
    """[Names] of an offering's lecturers, by English name (see ``lecturer_names``)."""
    return lecturer_names([offering.id]).get(offering.id, [])


@cache
def _lecturer_link_statement():
    """Built once (SQLAlchemy then reuses its cache key and compiled SQL). It names ``User.id`` so that it
    is an ORM statement, which the session flushes before: a lecturer just added to the offering counts."""
    return (db.select(User.id).join(offering_lecturer, offering_lecturer.c.user_id == User.id)
            .where(offering_lecturer.c.offering_id == db.bindparam("offering_id"),
                   User.id == db.bindparam("user_id")))


def is_lecturer_of(user, offering):
    """Whether the user is one of the offering's lecturers: one look-up in the link table, without loading
    every lecturer's account (the gradebook and the staff pages that ask never show them)."""
    return db.session.scalar(_lecturer_link_statement(), {"offering_id": offering.id, "user_id": user.id}) \
        is not None


def lecturers_of_university(university_id):
    return db.session.scalars(
        db.select(User).where(User.university_id == university_id, User.role == LECTURER,
                              User.active.is_(True)).order_by(User.name_ar)
    ).all()


def _offering_for_audit(offering):
    return {"course_id": offering.course_id, "term_id": offering.term_id, "capacity": offering.capacity,
            "status": offering.status, "lecturers": sorted(lecturer.id for lecturer in offering.lecturers)}


def _check_offering(offering, university_id, course_id, term_id, lecturer_ids):
    if course_id is None or db.session.get(Course, course_id) is None:
        raise RuleViolation(_l("Choose a course."), field="course_id")
    if term_id is None or db.session.get(Term, term_id) is None:
        raise RuleViolation(_l("Choose a term."), field="term_id")
    clash = db.session.scalar(db.select(Offering).where(
        Offering.course_id == course_id, Offering.term_id == term_id, Offering.university_id == university_id,
        Offering.id != getattr(offering, "id", None)))
    if clash is not None:
        raise RuleViolation(_l("This course is already offered at this university in this term."),
                            field="course_id")
    allowed = {lecturer.id: lecturer for lecturer in lecturers_of_university(university_id)}
    if not lecturer_ids or any(lecturer_id not in allowed for lecturer_id in lecturer_ids):
        raise RuleViolation(_l("Choose one or more lecturers of this university."), field="lecturer_ids")
    return [allowed[lecturer_id] for lecturer_id in lecturer_ids]


class OfferingActions(NamedTuple):
    """What a member of an offering's staff may do on its pages (``offering_actions``)."""

    manage: bool  # edit the offering, enrol and withdraw its students
    close: bool  # close it to enrolment (it is open)
    reopen: bool  # open it to enrolment again (it is closed)
    post: bool  # post and change its materials and announcements


def offering_actions(user, offering):
    """The buttons an offering's pages show this user (who already passed ``staff_offering_or_404``): the
    registration office manages the offering, its lecturers (and the administrator) post to it."""
    manages = holds_role(user, OFFICE)
    return OfferingActions(manage=manages, close=manages and offering.is_open,
                           reopen=manages and not offering.is_open, post=holds_role(user, CONTENT_AUTHORS))


def save_offering(actor, offering, university_id, *, course_id, term_id, capacity, lecturer_ids):
    """Create (``offering`` None) or update an offering of a course at a university in a term."""
    lecturers = _check_offering(offering, university_id, course_id, term_id, lecturer_ids)
    if offering is not None and capacity < seats_taken(offering):
        raise RuleViolation(_l("The capacity cannot be lower than the number of enrolled students."),
                            field="capacity")
    creating = offering is None
    before = None if creating else _offering_for_audit(offering)
    offering = offering or add_offering(Offering(university_id=university_id))
    offering.course_id, offering.term_id, offering.capacity = course_id, term_id, capacity
    offering.lecturers = lecturers
    db.session.flush()
    audit.record(actor, "offering.created" if creating else "offering.updated", offering,
                 {"before": before, "after": _offering_for_audit(offering)})
    return offering


def set_offering_status(actor, offering, status):
    if status not in ("open", "closed"):
        raise RuleViolation(_l("Unknown status."))
    before = offering.status
    offering.status = status
    db.session.flush()
    audit.record(actor, "offering.status_changed", offering, {"before": before, "after": status})
    return offering


def add_offering(offering):
    """Add a new offering to the session — the one way in, for the services, an import and the demo — and
    tell the domains above (``signals.offering_created``: grading gives it its gradebook)."""
    if not offering_created.receivers:
        raise RuntimeError("nothing receives teaching.signals.offering_created: the app connects grading to "
                           "it at its creation (diploma.create_app); an offering without a gradebook would "
                           "break its pages")
    db.session.add(offering)
    offering_created.send(offering)
    return offering


# Who counts the seats taken in an offering: enrolment, which comes after teaching. It gives its count of
# active enrolments at app creation (``count_seats_with``); asked before that, ``seats_taken`` fails instead
# of answering 0 (a capacity could then go below the students enrolled).
_seat_counter = {"count": None}


def count_seats_with(counter):
    """``counter(offering)`` → the seats taken in the offering (a capacity never goes below it)."""
    _seat_counter["count"] = counter


def seats_taken(offering):
    count = _seat_counter["count"]
    if count is None:
        raise RuntimeError("no seat counter: enrolment gives teaching its count at app creation "
                           "(diploma.create_app)")
    return count(offering)


# --- materials -----------------------------------------------------------------------------------

def _check_material(kind, values):
    if kind == "link" and not (values.get("url") or "").lower().startswith(("http://", "https://")):
        raise RuleViolation(_l("Enter a web address starting with http:// or https://."), field="url")
    if kind == "text" and not (values.get("body") or "").strip():
        raise RuleViolation(_l("Write the text of the note."), field="body")


def _material_for_audit(material):
    return {"kind": material.kind, "title": material.title, "week": material.week, "topic": material.topic,
            "url": material.url, "original_name": material.original_name, "size": material.size,
            "sha256": material.sha256, "hidden": material.hidden}


def add_material(actor, offering, kind, values, upload=None):
    """Post a file, a link or a text note; a file is checked and stored first."""
    if kind not in ("file", "link", "text"):
        raise RuleViolation(_l("Unknown kind of material."))
    _check_material(kind, values)
    material = Material(offering=offering, kind=kind, author_id=getattr(actor, "id", None),
                        **{name: values.get(name) for name in MATERIAL_FIELDS})
    if kind != "link":
        material.url = None
    if kind != "text":
        material.body = None
    if kind == "file":
        stored = uploads.store_upload(upload)
        material.stored_name, material.original_name = stored.stored_name, stored.original_name
        material.content_type, material.size = stored.content_type, stored.size
        material.sha256 = stored.sha256
    db.session.add(material)
    try:
        db.session.flush()
    except Exception:
        uploads.delete_stored(material.stored_name)
        raise
    audit.record(actor, "material.created", material, _material_for_audit(material))
    return material


def update_material(actor, material, values):
    """Edit the title, week, topic and (for links and notes) the address or text; files stay."""
    _check_material(material.kind, values)
    before = _material_for_audit(material)
    material.title, material.week, material.topic = values["title"], values.get("week"), values.get("topic")
    if material.kind == "link":
        material.url = values["url"]
    if material.kind == "text":
        material.body = values["body"]
    db.session.flush()
    audit.record(actor, "material.updated", material,
                 {"before": before, "after": _material_for_audit(material)})
    return material


def set_material_hidden(actor, material, hidden):
    material.hidden = hidden
    db.session.flush()
    audit.record(actor, "material.hidden" if hidden else "material.shown", material)
    return material


def delete_material(actor, material):
    """Delete a material (its file is removed once the deletion is committed; the audit log keeps what it
    was)."""
    audit.record(actor, "material.deleted", material, _material_for_audit(material))
    stored_name = material.stored_name
    db.session.delete(material)
    db.session.flush()
    return stored_name


@cache
def _materials_statement(include_hidden):
    query = db.select(Material).where(Material.offering_id == db.bindparam("offering_id"))
    if not include_hidden:
        query = query.where(Material.hidden.is_(False))
    return query.order_by(Material.week.is_(None), Material.week, Material.topic, Material.created_at)


def materials_of(offering, include_hidden=False):
    """An offering's materials by week, topic and date (without the hidden ones unless ``include_hidden``),
    by a statement built once per variant (SQLAlchemy reuses its cache key and SQL)."""
    return db.session.scalars(_materials_statement(include_hidden), {"offering_id": offering.id}).all()


def group_by_week(materials):
    """[(week or None, topic or None, [materials])] in the order given."""
    groups = []
    for material in materials:
        key = (material.week, material.topic)
        if not groups or groups[-1][:2] != key:
            groups.append((material.week, material.topic, []))
        groups[-1][2].append(material)
    return groups


# --- announcements -------------------------------------------------------------------------------

def post_announcement(actor, offering, title, body):
    if not (title or "").strip() or not (body or "").strip():
        raise RuleViolation(_l("Give the announcement a title and a text."))
    announcement = Announcement(offering=offering, title=title, body=body,
                                author_id=getattr(actor, "id", None))
    db.session.add(announcement)
    db.session.flush()
    audit.record(actor, "announcement.created", announcement, {"title": title})
    return announcement


def delete_announcement(actor, announcement):
    audit.record(actor, "announcement.deleted", announcement, {"title": announcement.title,
                                                               "body": announcement.body})
    db.session.delete(announcement)
    db.session.flush()


def visible_materials_count(offering_id, since=None):
    """A count correlated to a query of offerings (``offering_id``: its column): the materials students see
    in each offering; with ``since`` (a value or a bind parameter), those posted since then."""
    query = db.select(db.func.count(Material.id)) \
        .where(Material.offering_id == offering_id, Material.hidden.is_(False))
    if since is not None:
        query = query.where(Material.created_at >= since)
    return query.scalar_subquery()


def latest_announcement_title(offering_id):
    """The title of each offering's latest announcement (None without one), correlated to a query of
    offerings (``offering_id``: its column)."""
    return db.select(Announcement.title).where(Announcement.offering_id == offering_id) \
        .order_by(Announcement.created_at.desc(), Announcement.id.desc()).limit(1).scalar_subquery()


@cache
def _announcements_statement():
    """Built once. The pages show each author's name only: it comes in the same query (no account loaded
    in full, none loaded one by one)."""
    return db.select(Announcement).where(Announcement.offering_id == db.bindparam("offering_id")) \
        .order_by(Announcement.created_at.desc(), Announcement.id.desc()) \
        .options(db.joinedload(Announcement.author).load_only(User.name_ar, User.name_en))


def announcements_of(offering, limit=None):
    """An offering's announcements, the latest first; ``limit``: only that many."""
    query = _announcements_statement()
    if limit:
        query = query.limit(limit)
    return db.session.scalars(query, {"offering_id": offering.id}).all()
