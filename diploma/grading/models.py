"""Gradebooks: the assessments of an offering, the students' scores, and the gradebook's workflow."""
from flask_babel import lazy_gettext as _l

from diploma.clock import utcnow
from diploma.extensions import db
from diploma.i18n import NamedInBothLanguages

SCORE = db.Numeric(6, 2)
WEIGHT = db.Numeric(5, 2)
GRADEBOOK_STATUSES = ("draft", "submitted", "published")
FIRST_ROUND, SECOND_ROUND = 1, 2
STATUS_LABELS = {"draft": _l("Draft"), "submitted": _l("Submitted to the registration office"),
                 "published": _l("Approved and published")}


class Gradebook(db.Model):
    """The grading state of one offering: draft (lecturer edits) → submitted → published."""

    __tablename__ = "gradebook"

    id = db.Column(db.Integer, primary_key=True)
    offering_id = db.Column(db.Integer, db.ForeignKey("offering.id", ondelete="CASCADE"), nullable=False,
                            unique=True)
    status = db.Column(db.String(10), nullable=False, default="draft")
    # 1: the first round; 2: after publication, the second round (الدور الثاني) for those who failed.
    current_round = db.Column(db.Integer, nullable=False, default=1)
    return_comment = db.Column(db.Text)
    submitted_at = db.Column(db.DateTime)
    submitted_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    published_at = db.Column(db.DateTime)
    # The highest round whose marks students see: 0 none yet, 1 the first round, 2 the second round too.
    published_round = db.Column(db.Integer, nullable=False, default=0)
    published_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    # The programme's grading rules when the first round was published (rules.GradingRules.as_json): the
    # published results are computed with them, whatever the programme's settings become later.
    published_rules = db.Column(db.JSON)

    offering = db.relationship("Offering", lazy="joined")
    assessments = db.relationship("Assessment", back_populates="gradebook", order_by="Assessment.position",
                                  cascade="all, delete-orphan")

    __table_args__ = (
        db.CheckConstraint("status IN ('draft', 'submitted', 'published')", name="status_known"),
        db.CheckConstraint("current_round IN (1, 2)", name="round_known"),
    )

    @property
    def status_label(self):
        """The workflow step in words, in the page's language."""
        return STATUS_LABELS[self.status]

    @property
    def returned_comment(self):
        """The registration office's comment while the returned gradebook is back with its lecturer, else
        None."""
        return self.return_comment if self.status == "draft" else None


class Assessment(NamedInBothLanguages, db.Model):
    """A component of an offering's mark (coursework, midterm, final …) with its weight out of 100."""

    __tablename__ = "assessment"

    id = db.Column(db.Integer, primary_key=True)
    gradebook_id = db.Column(db.Integer, db.ForeignKey("gradebook.id", ondelete="CASCADE"), nullable=False,
                             index=True)
    position = db.Column(db.Integer, nullable=False)
    name_ar = db.Column(db.String(120), nullable=False)
    name_en = db.Column(db.String(120), nullable=False)
    weight = db.Column(WEIGHT, nullable=False)
    max_score = db.Column(SCORE, nullable=False)
    # The final exam: the one a second-round (الدور الثاني) attempt replaces.
    is_final = db.Column(db.Boolean, nullable=False, default=False)

    gradebook = db.relationship("Gradebook", back_populates="assessments")

    __table_args__ = (
        db.UniqueConstraint("gradebook_id", "position"),
        db.CheckConstraint("weight > 0 AND weight <= 100", name="weight_range"),
        db.CheckConstraint("max_score > 0", name="max_positive"),
    )


class Score(db.Model):
    """One student's result in one assessment and round: a value, or absent. ``version`` makes a stale
    save fail instead of overwriting someone else's."""

    __tablename__ = "score"

    id = db.Column(db.Integer, primary_key=True)
    enrolment_id = db.Column(db.Integer, db.ForeignKey("enrolment.id", ondelete="CASCADE"), nullable=False,
                             index=True)
    assessment_id = db.Column(db.Integer, db.ForeignKey("assessment.id", ondelete="CASCADE"), nullable=False,
                              index=True)
    attempt = db.Column(db.Integer, nullable=False, default=FIRST_ROUND)
    value = db.Column(SCORE)
    absent = db.Column(db.Boolean, nullable=False, default=False)
    version = db.Column(db.Integer, nullable=False)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    updated_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))

    assessment = db.relationship("Assessment")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        db.UniqueConstraint("enrolment_id", "assessment_id", "attempt"),
        db.CheckConstraint("attempt IN (1, 2)", name="attempt_known"),
        db.CheckConstraint("value IS NULL OR value >= 0", name="value_not_negative"),
        db.CheckConstraint("NOT (absent AND value IS NOT NULL)", name="absent_has_no_value"),
    )
