"""Accounts: who can log in, with which role, at which university."""
import hashlib
import secrets

from flask_login import UserMixin
from sqlalchemy import event

from diploma.arabic import fold_for_search
from diploma.clock import utcnow
from diploma.extensions import db


def new_session_token():
    return secrets.token_urlsafe(16)


def new_secret():
    """A random secret for a cookie or a link (256 bits), and the digest under which it is stored: the
    database never holds a secret that would work if the database leaked."""
    secret = secrets.token_urlsafe(32)
    return secret, secret_digest(secret)


def secret_digest(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


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

    # No relationship to University (partners comes after auth): ask partners.services.university_of.

    __table_args__ = (
        db.CheckConstraint("role IN ('admin', 'registrar', 'lecturer', 'student')", name="role_known"),
        db.CheckConstraint("role = 'admin' OR university_id IS NOT NULL", name="university_unless_admin"),
        # Name search (``LIKE '%word%'`` on the folded text) served by a trigram index on PostgreSQL (pg_trgm;
        # SQLite gets a plain index of the same name, which it does not use for such a search).
        db.Index("ix_user_search_text_trgm", "search_text", postgresql_using="gin",
                 postgresql_ops={"search_text": "gin_trgm_ops"}, postgresql_with={"fastupdate": "off"}),
        # Lists by name a page at a time (the students list): read in order, not sorted in full.
        db.Index("ix_user_name_ar_id", "name_ar", "id"),
    )

    @property
    def is_active(self):
        return self.active

    # The secret of the login session this object was loaded for (see LoginSession); not a column.
    login_secret = ""

    def get_id(self):
        """What the session and "keep me logged in" cookies carry: the user, the user's session token
        (rotated to end every session at once) and the secret of this one login session."""
        return f"{self.id}:{self.session_token}:{self.login_secret}"

    def display_name(self, language):
        return self.name_ar if language == "ar" else self.name_en

    def __repr__(self):
        return f"<User {self.id} {self.email} {self.role}>"


class LoginSession(db.Model):
    """One login on one device. Logging out ends it on the server, so that a cookie copied before the
    logout no longer works; it also ends by itself after its lifetime (see auth.services)."""

    __tablename__ = "login_session"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    secret_digest = db.Column(db.String(64), nullable=False, unique=True)
    remember = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    ended_at = db.Column(db.DateTime)


class PasswordLink(db.Model):
    """A one-time set-password link. The link carries only a random secret (nothing to decode); the
    row says whose it is, when it was made (it lasts PASSWORD_TOKEN_HOURS) and whether it was used."""

    __tablename__ = "password_link"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    secret_digest = db.Column(db.String(64), nullable=False, unique=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    used_at = db.Column(db.DateTime)


@event.listens_for(User, "before_insert")
@event.listens_for(User, "before_update")
def _fill_search_text(mapper, connection, user):
    user.search_text = fold_for_search(f"{user.name_ar} {user.name_en} {user.email}")[:700]
