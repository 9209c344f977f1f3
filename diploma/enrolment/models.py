"""Student profiles and their enrolments in offerings."""
from diploma.clock import utcnow
from diploma.columns import reference
from diploma.extensions import db

GENDERS = ("m", "f")


class Student(db.Model):
    """The student side of a ``User`` with the role 'student'."""

    __tablename__ = "student"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, unique=True)
    university_id = reference("university", index=True)
    cohort_id = reference("cohort", index=True)
    student_number = db.Column(db.String(30), nullable=False)
    gender = db.Column(db.String(1), nullable=False)

    # One way: a student knows its account; an account's student is enrolment.services.student_of(user).
    user = db.relationship("User", lazy="joined")
    university = db.relationship("University")
    cohort = db.relationship("Cohort", lazy="joined")

    __table_args__ = (
        db.UniqueConstraint("university_id", "student_number"),
        db.CheckConstraint("gender IN ('m', 'f')", name="gender_known"),
        # The students search also matches part of a student number (ILIKE): a trigram index on PostgreSQL.
        db.Index("ix_student_number_trgm", "student_number", postgresql_using="gin",
                 postgresql_ops={"student_number": "gin_trgm_ops"}, postgresql_with={"fastupdate": "off"}),
        # The students of one university by cohort (the certificates list, the registrar's dashboard).
        db.Index("ix_student_university_cohort", "university_id", "cohort_id"),
    )


class Enrolment(db.Model):
    """A student in an offering; withdrawing keeps the row (status 'withdrawn')."""

    __tablename__ = "enrolment"

    id = db.Column(db.Integer, primary_key=True)
    student_id = reference("student")
    offering_id = reference("offering", index=True)
    status = db.Column(db.String(10), nullable=False, default="active")
    enrolled_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    withdrawn_at = db.Column(db.DateTime)
    # When the student last saw the course's page (posted by the page itself, never written by a GET):
    # the dashboard's "New materials" counts what was posted after it (issue 24).
    materials_seen_at = db.Column(db.DateTime)

    student = db.relationship("Student", lazy="joined")
    offering = db.relationship("Offering")

    __table_args__ = (
        db.UniqueConstraint("student_id", "offering_id"),
        db.CheckConstraint("status IN ('active', 'withdrawn')", name="status_known"),
    )

    @property
    def is_active(self):
        """The student follows the offering (else withdrawn)."""
        return self.status == "active"
