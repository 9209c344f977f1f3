"""Issued certificates, frozen at issue, and the gap-free serial counters."""
import functools

from diploma.clock import utcnow
from diploma.extensions import db


class SerialCounter(db.Model):
    """The last serial number used per university and year: locked while issuing, so serials are
    gap-free and unique even when two registrars issue at the same moment."""

    __tablename__ = "serial_counter"

    university_id = db.Column(db.Integer, db.ForeignKey("university.id", ondelete="RESTRICT"),
                              primary_key=True)
    year = db.Column(db.Integer, primary_key=True)
    last_number = db.Column(db.Integer, nullable=False, default=0)


VALID, REVOKED = "valid", "revoked"


class Certificate(db.Model):
    __tablename__ = "certificate"

    id = db.Column(db.Integer, primary_key=True)
    serial = db.Column(db.String(30), nullable=False, unique=True)
    university_id = db.Column(db.Integer, db.ForeignKey("university.id", ondelete="RESTRICT"), nullable=False)
    year = db.Column(db.Integer, nullable=False)
    number = db.Column(db.Integer, nullable=False)
    # Random, at least 128 bits: printed in the QR code's URL; a serial alone reveals nothing.
    verification_code = db.Column(db.String(40), nullable=False)
    student_id = db.Column(db.Integer, db.ForeignKey("student.id", ondelete="RESTRICT"), nullable=False)
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id", ondelete="RESTRICT"), nullable=False)
    cohort_id = db.Column(db.Integer, db.ForeignKey("cohort.id", ondelete="RESTRICT"), nullable=False)
    issued_on = db.Column(db.Date, nullable=False)
    issued_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    status = db.Column(db.String(10), nullable=False, default=VALID)
    revoked_at = db.Column(db.DateTime)
    revoked_reason = db.Column(db.Text)
    revoked_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    # Everything the certificate states, frozen at issue: reprints never read today's data.
    snapshot = db.Column(db.JSON, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    # The university's key that was current when the certificate was issued (None: issued before the
    # university had a key). Its files are signed once and kept (KeptDocument, which records their key).
    signing_key_id = db.Column(db.Integer, db.ForeignKey("signing_key.id", ondelete="RESTRICT"))
    # 1 when first issued, one more for each correction. Unique with the student: a student has one
    # certificate per edition, so two corrections of the same certificate cannot both be stored.
    edition = db.Column(db.Integer, nullable=False, default=1)
    # The certificate this one corrects (it was revoked, "replaced by a corrected certificate").
    replaces_id = db.Column(db.Integer, db.ForeignKey("certificate.id"), unique=True)
    # Its place in the university's revocation status list: drawn at random among the list's unused
    # places at issue (issuing.draw_status_indexes), so that it tells nothing of the order or the number
    # of issues. Certificates issued before the draw keep their database id there.
    status_index = db.Column(db.Integer, nullable=False)

    student = db.relationship("Student")
    university = db.relationship("University")
    signing_key = db.relationship("SigningKey")
    replaces = db.relationship("Certificate", remote_side=[id],
                               backref=db.backref("replaced_by", uselist=False))

    __table_args__ = (
        db.UniqueConstraint("student_id", "programme_id", "edition"),
        db.UniqueConstraint("university_id", "year", "number"),
        db.UniqueConstraint("university_id", "status_index", name="uq_certificate_status_index"),
        db.CheckConstraint("status IN ('valid', 'revoked')", name="status_known"),
        # The certificates list counts a page of cohorts at one university from this index alone (issue 15).
        db.Index("ix_certificate_university_cohort", "university_id", "cohort_id"),
    )

    @property
    def printable(self):
        """The one rule of what may be printed (web, command line, the graduate's own page): a valid
        certificate; a revoked one is never printed again."""
        return self.status == VALID

    @property
    def revoked(self):
        return self.status == REVOKED

    @property
    def replaced(self):
        """Revoked because a corrected certificate replaced it (``replaced_by``; revoked_at says when)."""
        return self.replaced_by is not None

    @classmethod
    def current(cls):
        """SQL condition: not replaced by a corrected certificate (a student's current certificate)."""
        newer = _newer_edition()
        return ~db.select(newer.id).where(newer.replaces_id == cls.id).exists()


@functools.cache
def _newer_edition():
    """The certificate table under a second name, for ``Certificate.current``: made once per process (an
    alias is costly to make, about a millisecond, and the same alias serves every query)."""
    return db.aliased(Certificate, name="newer_edition")


CERTIFICATE_DOCUMENT, TRANSCRIPT_DOCUMENT = "certificate", "transcript"
KEPT_KINDS = (CERTIFICATE_DOCUMENT, TRANSCRIPT_DOCUMENT)


class KeptDocument(db.Model):
    """A certificate's signed PDF (the certificate or its transcript, in one language), signed once and kept
    for life: every download hands out these very bytes, and the upload check knows them by their SHA-256.
    Re-signed (replaced) only when the key that signed it is disowned; a document time stamp added before
    the last one lapses (B-LTA) changes the bytes, and the hash with them."""

    __tablename__ = "kept_document"

    id = db.Column(db.Integer, primary_key=True)
    certificate_id = db.Column(db.Integer, db.ForeignKey("certificate.id", ondelete="CASCADE"),
                               nullable=False)
    kind = db.Column(db.String(12), nullable=False)
    language = db.Column(db.String(2), nullable=False)
    # SHA-256 of ``data`` in hex: the register's record of the file handed out.
    sha256 = db.Column(db.String(64), nullable=False, index=True)
    data = db.Column(db.LargeBinary, nullable=False)
    signed_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    signing_key_id = db.Column(db.Integer, db.ForeignKey("signing_key.id", ondelete="RESTRICT"),
                               nullable=False)
    # When the TSA certificate of the file's last time stamp ends (None: no time stamp): the worker adds a
    # document time stamp before then (B-LTA), where a time-stamp server is configured.
    timestamp_until = db.Column(db.DateTime)

    certificate = db.relationship("Certificate")
    signing_key = db.relationship("SigningKey")

    __table_args__ = (
        db.UniqueConstraint("certificate_id", "kind", "language"),
        db.CheckConstraint("kind IN ('certificate', 'transcript')", name="kept_kind_known"),
        db.CheckConstraint("language IN ('ar', 'en')", name="kept_language_known"),
    )
