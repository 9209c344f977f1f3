"""When a user last looked at a page whose news the dashboard counts ("since your last visit")."""
from diploma.clock import utcnow
from diploma.extensions import db

# The pages whose last visit is kept: the dashboard (jobs finished since) and a student's grades (marks
# published since). A course's page keeps its own, per enrolment (``Enrolment.materials_seen_at``).
DASHBOARD, GRADES = "dashboard", "grades"
PAGES = (DASHBOARD, GRADES)


class PageVisit(db.Model):
    """A user's last visit to one of ``PAGES``, recorded by a POST the page sends once shown (a script,
    or a button without JavaScript): a GET never writes it."""

    __tablename__ = "page_visit"

    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    page = db.Column(db.String(20), primary_key=True)
    seen_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    __table_args__ = (db.CheckConstraint("page IN ('dashboard', 'grades')", name="page_known"),)
