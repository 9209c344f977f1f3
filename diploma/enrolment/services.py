"""Students of a university: their accounts and profiles."""
from datetime import timedelta
from functools import cache
from typing import NamedTuple

from flask_babel import lazy_gettext as _l

from diploma import audit
from diploma.access import ADMIN, LECTURER, REGISTRAR, STUDENT
from diploma.arabic import fold_for_search
from diploma.auth import services as accounts
from diploma.auth.models import User
from diploma.clock import today, utcnow
from diploma.curriculum.models import Cohort, Course, Term
from diploma.enrolment.models import GENDERS, Enrolment, Student
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.teaching import services as teaching
from diploma.teaching.models import Offering

PROFILE_FIELDS = ("student_number", "gender", "cohort_id")


def students_query(university_id=None, search="", cohort_id=None):
    """Students, by name; limited to one university unless ``university_id`` is None (admin). The account is
    joined once, for the order and the page alike (not a second time by the relationship's eager load)."""
    query = db.select(Student).join(Student.user).options(db.contains_eager(Student.user)) \
        .order_by(User.name_ar, User.id)  # the index ix_user_name_ar_id: a page read in order, no full sort
    return _matching(_scoped(query, university_id, cohort_id), search, university_id)


def count_students(university_id=None, search="", cohort_id=None):
    """How many students ``students_query`` finds, counted on the student table alone: the accounts are
    reached only through the search's index, never read again to count a page."""
    query = db.select(db.func.count(Student.id))
    return db.session.scalar(_matching(_scoped(query, university_id, cohort_id), search, university_id))


def _scoped(query, university_id, cohort_id):
    if university_id is not None:
        query = query.where(Student.university_id == university_id)
    if cohort_id is not None:
        query = query.where(Student.cohort_id == cohort_id)
    return query


def _like_pattern(word):
    escaped = word.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


def _students_matching(word, university_id):
    """The ids of the students (of the university, unless None) whose folded names or e-mail
    (``User.search_text``), or student number, contain ``word``: each side answered by its own trigram
    index on PostgreSQL (see the migration 9b5d3f7c2e14), whatever the number of students; SQLite reads
    the university's students."""
    pattern = _like_pattern(word)
    by_account = db.select(Student.id).join(User, User.id == Student.user_id) \
        .where(User.search_text.like(pattern, escape="/"))
    by_number = db.select(Student.id).where(Student.student_number.ilike(pattern, escape="/"))
    if university_id is not None:
        by_account = by_account.where(Student.university_id == university_id)
        by_number = by_number.where(Student.university_id == university_id)
    return db.union(by_account, by_number)


def _matching(query, search, university_id=None):
    """Narrow a query of students to those whose name (Arabic or English), e-mail or student number
    contains every word typed, Arabic spelling variants folded (أ/إ/آ/ا, ة/ه, ى/ي, tatweel, marks)."""
    for word in fold_for_search(search).split()[:8]:
        query = query.where(Student.id.in_(_students_matching(word, university_id)))
    return query


def _check_profile(university_id, values, student=None):
    if values["gender"] not in GENDERS:
        raise RuleViolation(_l("Choose the student's gender."), field="gender")
    if values["cohort_id"] is None or db.session.get(Cohort, values["cohort_id"]) is None:
        raise RuleViolation(_l("Choose a cohort."), field="cohort_id")
    clash = db.session.scalar(db.select(Student).where(
        Student.university_id == university_id, Student.student_number == values["student_number"],
        Student.id != getattr(student, "id", None)))
    if clash is not None:
        raise RuleViolation(_l("Another student of this university has this student number."),
                            field="student_number")


def _profile_values(student):
    return {"email": student.user.email, "name_ar": student.user.name_ar, "name_en": student.user.name_en,
            **{name: getattr(student, name) for name in PROFILE_FIELDS}}


def create_student(actor, university_id, *, email, name_ar, name_en, student_number, gender, cohort_id):
    """A student account (without a password) and its profile."""
    values = {"student_number": student_number, "gender": gender, "cohort_id": cohort_id}
    _check_profile(university_id, values)
    user = accounts.create_user(actor, email=email, name_ar=name_ar, name_en=name_en, role=STUDENT,
                                university_id=university_id)
    student = Student(user=user, university_id=university_id, **values)
    db.session.add(student)
    db.session.flush()
    audit.record(actor, "student.created", student, _profile_values(student))
    return student


def create_student_account(actor, university_id, **values):
    """A new student (account and profile) and the secret of the account's first set-password link."""
    student = create_student(actor, university_id, **values)
    return student, accounts.make_password_token(actor, student.user)


def update_student(actor, student, *, email, name_ar, name_en, student_number, gender, cohort_id):
    values = {"student_number": student_number, "gender": gender, "cohort_id": cohort_id}
    _check_profile(student.university_id, values, student)
    before = _profile_values(student)
    accounts.update_user(actor, student.user, email=email, name_ar=name_ar, name_en=name_en)
    for name, value in values.items():
        setattr(student, name, value)
    db.session.flush()
    audit.record(actor, "student.updated", student, {"before": before, "after": _profile_values(student)})
    return student


def count_by_cohort(university_id, newest=None):
    """[(cohort, number of active students)] for one university, the oldest cohort first; ``newest``: only
    that many of its newest cohorts (a dashboard), so that twenty years of cohorts are not all counted."""
    query = db.select(Cohort, db.func.count(Student.id)) \
        .join(Student, Student.cohort_id == Cohort.id) \
        .join(User, User.id == Student.user_id) \
        .where(Student.university_id == university_id, User.active.is_(True)) \
        .group_by(Cohort.id).order_by(Cohort.start_year, Cohort.id)
    if newest is not None:
        query = query.where(Cohort.id.in_(_newest_cohorts_at(university_id, newest)))
    return [(cohort, count) for cohort, count in db.session.execute(query).all()]


def _newest_cohorts_at(university_id, limit):
    """The ids of the newest ``limit`` cohorts with students at the university (a subquery)."""
    has_students = db.select(Student.id).where(Student.cohort_id == Cohort.id,
                                               Student.university_id == university_id).exists()
    return db.select(Cohort.id).where(has_students) \
        .order_by(Cohort.start_year.desc(), Cohort.id.desc()).limit(limit).scalar_subquery()


# --- enrolments ----------------------------------------------------------------------------------

def _locked_offering(offering_id):
    """The offering, its row locked until the transaction ends (PostgreSQL), so that two registrars
    enrolling at the same moment are counted one after the other."""
    return db.session.scalar(
        # OF offering: PostgreSQL refuses to lock the outer-joined rows of the eagerly loaded course and term.
        db.select(Offering).where(Offering.id == offering_id).with_for_update(of=Offering).execution_options(
            populate_existing=True)
    )


def _check_can_enrol(offering, student):
    if not offering.is_open:
        raise RuleViolation(_l("This course offering is closed to new enrolments."))
    if student.university_id != offering.university_id:
        raise RuleViolation(_l("The student belongs to another university."))
    if not student.user.active:
        raise RuleViolation(_l("The student's account is deactivated."))
    if active_enrolment_count(offering) >= offering.capacity:
        raise RuleViolation(_l("The course offering is full (%(capacity)s students).",
                               capacity=offering.capacity))


def active_enrolment_count(offering):
    return db.session.scalar(db.select(db.func.count()).select_from(Enrolment).where(
        Enrolment.offering_id == offering.id, Enrolment.status == "active"))


def connect_to_teaching():
    """At app creation: teaching counts an offering's seats taken (its capacity never goes below them) with
    the active enrolments."""
    teaching.count_seats_with(active_enrolment_count)


def student_of(user):
    """The student profile of an account (None for staff)."""
    if user is None or user.role != STUDENT:
        return None
    # The account is ``user`` (in the session already): not joined again.
    return db.session.scalar(db.select(Student).where(Student.user_id == user.id)
                             .options(db.lazyload(Student.user)))


def find_enrolment(student, offering):
    return db.session.scalar(db.select(Enrolment).where(Enrolment.student_id == student.id,
                                                        Enrolment.offering_id == offering.id))


def enrol_student(actor, offering, student):
    """Enrol a student (again, after a withdrawal) in an offering, within its capacity."""
    offering = _locked_offering(offering.id)
    enrolment = find_enrolment(student, offering)
    if enrolment is not None and enrolment.is_active:
        raise RuleViolation(_l("The student is already enrolled."))
    _check_can_enrol(offering, student)
    if enrolment is None:
        enrolment = Enrolment(student=student, offering=offering)
        db.session.add(enrolment)
    enrolment.status, enrolment.withdrawn_at, enrolment.enrolled_at = "active", None, utcnow()
    db.session.flush()
    audit.record(actor, "enrolment.enrolled", enrolment, {"student_id": student.id,
                                                          "offering_id": offering.id})
    return enrolment


def withdraw_student(actor, enrolment):
    """Withdraw: the enrolment stays in the history with its date."""
    if not enrolment.is_active:
        raise RuleViolation(_l("The student is not enrolled."))
    enrolment.status, enrolment.withdrawn_at = "withdrawn", utcnow()
    db.session.flush()
    audit.record(actor, "enrolment.withdrawn", enrolment, {"student_id": enrolment.student_id,
                                                           "offering_id": enrolment.offering_id})
    return enrolment


def enrolments_of(offering):
    """Everyone ever enrolled in an offering, active first, by Arabic name."""
    return db.session.scalars(
        db.select(Enrolment).join(Enrolment.student).join(Student.user)
        .where(Enrolment.offering_id == offering.id)
        .order_by(Enrolment.status, User.name_ar)
    ).all()


def candidates_for(offering, search, limit=30):
    """Students of the offering's university matching a search, who are not actively enrolled in it."""
    enrolled = db.select(Enrolment.student_id).where(Enrolment.offering_id == offering.id,
                                                     Enrolment.status == "active")
    query = students_query(university_id=offering.university_id, search=search) \
        .where(Student.id.not_in(enrolled), User.active.is_(True))
    return db.session.scalars(query.limit(limit)).all()


@cache
def _active_enrolments_statement():
    """Built once (a course page asks on every visit): SQLAlchemy reuses its cache key and SQL."""
    return db.select(db.func.count()).select_from(Enrolment) \
        .join(Student, Student.id == Enrolment.student_id) \
        .where(Student.user_id == db.bindparam("user_id"), Enrolment.status == "active",
               Enrolment.offering_id == db.bindparam("offering_id"))


def is_enrolled(user, offering):
    """Whether the account's student is actively enrolled in the offering."""
    return db.session.scalar(_active_enrolments_statement(),
                             {"user_id": user.id, "offering_id": offering.id}) > 0


def can_follow(user, offering):
    """Who may open an offering's page and files: the administrator, the registrar of its university,
    its lecturers, and its actively enrolled students."""
    if user.role == ADMIN:
        return True
    if user.university_id != offering.university_id:
        return False
    if user.role == REGISTRAR:
        return True
    if user.role == LECTURER:
        return teaching.is_lecturer_of(user, offering)
    return is_enrolled(user, offering)


class CourseSummary(NamedTuple):
    """What a student's course card shows, as plain values (no ORM object is loaded for a card)."""

    offering_id: int
    title: teaching.Names
    term: teaching.Names
    materials: int  # that students see
    new_materials: int  # of them, posted since the student last saw the course (``_new_since``)
    latest_announcement: str | None  # its title
    lecturers: list  # [teaching.Names]


NEW_MATERIALS_DAYS = 14


def _new_since():
    """From when a material counts as new on a student's course card: posted after the student last saw the
    course's page (``mark_course_seen``), or in the last ``NEW_MATERIALS_DAYS`` days when never seen."""
    return db.func.coalesce(Enrolment.materials_seen_at, db.bindparam("new_since"))


def mark_course_seen(user, offering):
    """The student has seen the course's page now: its materials are no longer new on the dashboard. False
    (nothing written) when the account has no active enrolment in the offering."""
    enrolment = db.session.scalar(
        db.select(Enrolment).join(Student, Student.id == Enrolment.student_id)
        .where(Student.user_id == user.id, Enrolment.offering_id == offering.id,
               Enrolment.status == "active"))
    if enrolment is None:
        return False
    enrolment.materials_seen_at = utcnow()
    db.session.flush()
    return True


@cache
def _course_summaries_statement(current_only):
    """A student's active enrolments' offerings with what their cards show, the latest term first, in one
    statement built once per variant (SQLAlchemy then reuses its cache key and SQL); ``current_only``: the
    offerings whose term has not ended."""
    query = db.select(Offering.id, Course.title_ar, Course.title_en, Term.name_ar, Term.name_en,
                      teaching.visible_materials_count(Offering.id),
                      teaching.visible_materials_count(Offering.id, since=_new_since()),
                      teaching.latest_announcement_title(Offering.id)) \
        .join(Enrolment, Enrolment.offering_id == Offering.id) \
        .join(Student, Student.id == Enrolment.student_id) \
        .join(Term, Term.id == Offering.term_id).join(Course, Course.id == Offering.course_id) \
        .where(Student.user_id == db.bindparam("user_id"), Enrolment.status == "active") \
        .order_by(Term.starts_on.desc(), Offering.id)
    if current_only:
        query = query.where(Term.ends_on >= db.bindparam("today"))
    return query


def course_summaries(user, current_only=False):
    """Each of a student's courses (active enrolments, the latest term first; ``current_only``: those whose
    term has not ended) with its term, lecturers, latest announcement and the number of materials the
    student has not seen yet (``_new_since``): two queries, whatever the number of courses."""
    rows = db.session.execute(_course_summaries_statement(current_only), {
        "user_id": user.id, "today": today(),
        "new_since": utcnow() - timedelta(days=NEW_MATERIALS_DAYS)}).all()
    lecturers = teaching.lecturer_names([row[0] for row in rows])
    return [CourseSummary(offering_id, teaching.Names(title_ar, title_en), teaching.Names(term_ar, term_en),
                          materials, new_materials, latest, lecturers.get(offering_id, []))
            for offering_id, title_ar, title_en, term_ar, term_en, materials, new_materials, latest in rows]
