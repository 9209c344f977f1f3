"""Accounts: who can log in, with which role, at which university."""
import secrets
from datetime import UTC, datetime

from flask_login import UserMixin
from sqlalchemy import event

from diploma.arabic import fold_for_search
from diploma.extensions import db


def utcnow():
    return datetime.now(UTC).replace(tzinfo=None)


def new_session_token():
    return secrets.token_urlsafe(16)


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id = db.Column(db.Integer, primary_key=True)
    # Stored lower-cased, so the unique constraint is case-insensitive.
    email = db.Column(db.String(254), nullable=False, unique=True)
    password_hash = db.Column(db.String(255))  # None until the person chooses a password
    name_ar = db.Column(db.String(200), nullable=False)
    name_en = db.Column(db.String(200), nullable=False)
    role = db.Column(db.String(20), nullable=False)
    university_id = db.Column(db.Integer, db.ForeignKey("university.id", ondelete="RESTRICT"), index=True)
    locale = db.Column(db.String(5))
    active = db.Column(db.Boolean, nullable=False, default=True)
    # Changing it ends every other session of the user (it is part of the login cookie's id).
    session_token = db.Column(db.String(32), nullable=False, default=new_session_token)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_login_at = db.Column(db.DateTime)
    # Both names and the e-mail, folded (see arabic.fold_for_search): searched the same way on every database.
    search_text = db.Column(db.String(700), nullable=False, default="")

    university = db.relationship("University", lazy="joined")

    __table_args__ = (
        db.CheckConstraint("role IN ('admin', 'registrar', 'lecturer', 'student')", name="role_known"),
        db.CheckConstraint("role = 'admin' OR university_id IS NOT NULL", name="university_unless_admin"),
    )

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        return f"{self.id}:{self.session_token}"

    def display_name(self, language):
        return self.name_ar if language == "ar" else self.name_en

    def __repr__(self):
        return f"<User {self.id} {self.email} {self.role}>"


@event.listens_for(User, "before_insert")
@event.listens_for(User, "before_update")
def _fill_search_text(mapper, connection, user):
    user.search_text = fold_for_search(f"{user.name_ar} {user.name_en} {user.email}")[:700]
