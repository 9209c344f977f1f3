"""Student profiles (enrolments in offerings come with the teaching domain)."""
from diploma.extensions import db

GENDERS = ("m", "f")


class Student(db.Model):
    """The student side of a ``User`` with the role 'student'."""

    __tablename__ = "student"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, unique=True)
    university_id = db.Column(db.Integer, db.ForeignKey("university.id", ondelete="RESTRICT"), nullable=False,
                              index=True)
    cohort_id = db.Column(db.Integer, db.ForeignKey("cohort.id", ondelete="RESTRICT"), nullable=False,
                          index=True)
    student_number = db.Column(db.String(30), nullable=False)
    gender = db.Column(db.String(1), nullable=False)

    user = db.relationship("User", lazy="joined", backref=db.backref("student", uselist=False))
    university = db.relationship("University")
    cohort = db.relationship("Cohort", lazy="joined")

    __table_args__ = (
        db.UniqueConstraint("university_id", "student_number"),
        db.CheckConstraint("gender IN ('m', 'f')", name="gender_known"),
    )
