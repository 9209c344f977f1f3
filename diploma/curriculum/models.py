"""The programme, its grading scale, cohorts, courses and terms."""
from decimal import Decimal

from diploma.extensions import db
from diploma.i18n import NamedInBothLanguages

MARK = db.Numeric(5, 2)
ROUNDING_CHOICES = ("none", "whole")
SECOND_ROUND_RULES = ("no_cap", "cap_at_pass", "deduction")
DIGIT_STYLES = ("arabic_indic", "western")


class Programme(NamedInBothLanguages, db.Model):
    __tablename__ = "programme"

    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(10), nullable=False, unique=True)
    name_ar = db.Column(db.String(200), nullable=False)
    name_en = db.Column(db.String(200), nullable=False)
    required_credits = db.Column(db.Integer, nullable=False)
    pass_mark = db.Column(MARK, nullable=False, default=Decimal(50))
    # 'whole': a course mark is rounded half-up to a whole mark; 'none': kept with two decimals.
    course_mark_rounding = db.Column(db.String(10), nullable=False, default="none")
    second_round_rule = db.Column(db.String(20), nullable=False, default="cap_at_pass")
    second_round_deduction = db.Column(MARK, nullable=False, default=Decimal(0))
    certificate_digits = db.Column(db.String(20), nullable=False, default="arabic_indic")

    bands = db.relationship("GradeBand", back_populates="programme", order_by="GradeBand.min_mark.desc()",
                            cascade="all, delete-orphan")

    __table_args__ = (
        db.CheckConstraint("required_credits > 0", name="credits_positive"),
        db.CheckConstraint("pass_mark >= 0 AND pass_mark <= 100", name="pass_mark_range"),
    )


class GradeBand(NamedInBothLanguages, db.Model):
    """One step of the grading scale: marks from ``min_mark`` up to the next band's minimum."""

    __tablename__ = "grade_band"

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id", ondelete="CASCADE"), nullable=False)
    min_mark = db.Column(MARK, nullable=False)
    name_ar = db.Column(db.String(60), nullable=False)
    name_en = db.Column(db.String(60), nullable=False)

    programme = db.relationship("Programme", back_populates="bands")

    __table_args__ = (db.UniqueConstraint("programme_id", "min_mark"),)


class Cohort(NamedInBothLanguages, db.Model):
    __tablename__ = "cohort"

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id", ondelete="RESTRICT"), nullable=False)
    name_ar = db.Column(db.String(120), nullable=False)
    name_en = db.Column(db.String(120), nullable=False)
    start_year = db.Column(db.Integer, nullable=False)
    end_year = db.Column(db.Integer, nullable=False)

    programme = db.relationship("Programme")

    __table_args__ = (
        db.UniqueConstraint("programme_id", "name_en"),
        db.CheckConstraint("end_year >= start_year", name="years_ordered"),
    )


class Course(db.Model):
    __tablename__ = "course"

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id", ondelete="RESTRICT"), nullable=False)
    code = db.Column(db.String(20), nullable=False)
    title_ar = db.Column(db.String(200), nullable=False)
    title_en = db.Column(db.String(200), nullable=False)
    credits = db.Column(db.Integer, nullable=False)
    semester = db.Column(db.Integer, nullable=False)
    required = db.Column(db.Boolean, nullable=False, default=True)

    programme = db.relationship("Programme")

    __table_args__ = (
        db.UniqueConstraint("programme_id", "code"),
        db.CheckConstraint("credits > 0", name="credits_positive"),
        db.CheckConstraint("semester BETWEEN 1 AND 8", name="semester_range"),
    )

    def title(self, language):
        return self.title_ar if language == "ar" else self.title_en


class Term(NamedInBothLanguages, db.Model):
    __tablename__ = "term"

    id = db.Column(db.Integer, primary_key=True)
    name_ar = db.Column(db.String(120), nullable=False)
    name_en = db.Column(db.String(120), nullable=False, unique=True)
    starts_on = db.Column(db.Date, nullable=False)
    ends_on = db.Column(db.Date, nullable=False)

    __table_args__ = (db.CheckConstraint("ends_on > starts_on", name="dates_ordered"),)
