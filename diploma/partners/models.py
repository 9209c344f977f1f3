"""The seven partner universities and who signs their certificates."""
from diploma.extensions import db

UNIVERSITY_CODES = ("BGD", "TIK", "ANB", "BSR", "KRB", "KUF", "MSL")


class University(db.Model):
    __tablename__ = "university"

    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(3), nullable=False, unique=True)
    slug = db.Column(db.String(40), nullable=False, unique=True)
    name_ar = db.Column(db.String(200), nullable=False)
    name_en = db.Column(db.String(200), nullable=False)
    city_ar = db.Column(db.String(100), nullable=False)
    city_en = db.Column(db.String(100), nullable=False)
    # Stored under UPLOAD_FOLDER/logos with a random name; the original name does not matter.
    logo_filename = db.Column(db.String(80))

    signatories = db.relationship("Signatory", back_populates="university", order_by="Signatory.position",
                                  cascade="all, delete-orphan")

    def name(self, language):
        return self.name_ar if language == "ar" else self.name_en

    def city(self, language):
        return self.city_ar if language == "ar" else self.city_en


class Signatory(db.Model):
    """A person whose title and name are printed under a university's certificates."""

    __tablename__ = "signatory"

    id = db.Column(db.Integer, primary_key=True)
    university_id = db.Column(db.Integer, db.ForeignKey("university.id", ondelete="CASCADE"), nullable=False)
    position = db.Column(db.Integer, nullable=False)
    title_ar = db.Column(db.String(200), nullable=False)
    title_en = db.Column(db.String(200), nullable=False)
    name_ar = db.Column(db.String(200), nullable=False)
    name_en = db.Column(db.String(200), nullable=False)

    university = db.relationship("University", back_populates="signatories")

    __table_args__ = (db.UniqueConstraint("university_id", "position"),)
