"""Offerings (a course taught at one university in one term), their lecturers, materials and
announcements."""
from sqlalchemy.orm import declared_attr

from diploma.clock import utcnow
from diploma.columns import reference
from diploma.extensions import db
from diploma.uploads import download_name

OFFERING_STATUSES = ("open", "closed")
MATERIAL_KINDS = ("file", "link", "text")


offering_lecturer = db.Table(
    "offering_lecturer",
    db.Column("offering_id", db.Integer, db.ForeignKey("offering.id", ondelete="CASCADE"), primary_key=True),
    db.Column("user_id", db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
)


class Offering(db.Model):
    __tablename__ = "offering"

    id = db.Column(db.Integer, primary_key=True)
    course_id = reference("course")
    university_id = reference("university", index=True)
    term_id = reference("term", index=True)
    capacity = db.Column(db.Integer, nullable=False)
    status = db.Column(db.String(10), nullable=False, default="open")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    course = db.relationship("Course", lazy="joined")
    university = db.relationship("University", lazy="joined")
    term = db.relationship("Term", lazy="joined")
    lecturers = db.relationship("User", secondary=offering_lecturer, order_by="User.name_en")

    __table_args__ = (
        db.UniqueConstraint("course_id", "university_id", "term_id"),
        db.CheckConstraint("capacity > 0", name="capacity_positive"),
        db.CheckConstraint("status IN ('open', 'closed')", name="status_known"),
    )

    def title(self, language):
        return self.course.title(language)

    @property
    def is_open(self):
        """Open to enrolment (else closed)."""
        return self.status == "open"


class PostedToOffering:
    """What a material and an announcement share: the offering posted to, who posted it (kept when the
    account goes) and when."""

    id = db.Column(db.Integer, primary_key=True)
    offering_id = reference("offering", ondelete="CASCADE", index=True)
    author_id = reference("user", ondelete="SET NULL", nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    @declared_attr
    def offering(cls):
        return db.relationship("Offering")

    @declared_attr
    def author(cls):
        return db.relationship("User")


class Material(PostedToOffering, db.Model):
    """A file, a link or a text note posted to an offering."""

    __tablename__ = "material"

    kind = db.Column(db.String(10), nullable=False)
    title = db.Column(db.String(200), nullable=False)
    week = db.Column(db.Integer)
    topic = db.Column(db.String(200))
    url = db.Column(db.String(2000))
    body = db.Column(db.Text)
    # Files: stored under UPLOAD_FOLDER/materials with a random name; served under the original one.
    stored_name = db.Column(db.String(80), unique=True)
    original_name = db.Column(db.String(255))
    content_type = db.Column(db.String(120))
    size = db.Column(db.BigInteger)
    sha256 = db.Column(db.String(64))
    hidden = db.Column(db.Boolean, nullable=False, default=False)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        db.CheckConstraint("kind IN ('file', 'link', 'text')", name="kind_known"),
        db.CheckConstraint("week IS NULL OR (week >= 1 AND week <= 60)", name="week_range"),
    )

    @property
    def file_name(self):
        """The name the file is shown and sent under: ending in its checked type's extension (also for
        rows stored before names were made so)."""
        return download_name(self.original_name, self.content_type) if self.kind == "file" else None


class Announcement(PostedToOffering, db.Model):
    __tablename__ = "announcement"

    title = db.Column(db.String(200), nullable=False)
    body = db.Column(db.Text, nullable=False)
