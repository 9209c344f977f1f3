"""The job table: who started which long piece of work, for which university, and how far it got. The pages
read this table, never the queue's own storage (Huey's), which only carries "run job <id>" to a worker."""
from diploma.clock import utcnow
from diploma.extensions import db

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
STATES = (QUEUED, RUNNING, DONE, FAILED, CANCELLED)
FINISHED = (DONE, FAILED, CANCELLED)


class Job(db.Model):
    __tablename__ = "job"

    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(40), nullable=False)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    # The university the work concerns (None: programme-wide, the administrator's backups).
    university_id = db.Column(db.Integer, db.ForeignKey("university.id", ondelete="CASCADE"))
    parameters = db.Column(db.JSON, nullable=False, default=dict)
    state = db.Column(db.String(10), nullable=False, default=QUEUED, index=True)
    done = db.Column(db.Integer, nullable=False, default=0)
    total = db.Column(db.Integer, nullable=False, default=0)
    cancel_requested = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    started_at = db.Column(db.DateTime)
    finished_at = db.Column(db.DateTime)
    # host:pid of the worker process that claimed the job.
    worker = db.Column(db.String(120))
    # Written every few seconds by the worker running the job: a job whose heartbeat stops was killed.
    heartbeat_at = db.Column(db.DateTime)
    # The reason of a failure (already translated into the language the job was started in).
    error = db.Column(db.Text)
    # [{"item": "...", "reason": "..."}] — the items that made the job fail.
    failed_items = db.Column(db.JSON)
    # What a finished job reports (counts, serials), for its page.
    summary = db.Column(db.JSON)
    result_path = db.Column(db.String(255))
    result_name = db.Column(db.String(255))
    result_expires_at = db.Column(db.DateTime)

    user = db.relationship("User")

    @property
    def finished(self):
        return self.state in FINISHED

    @property
    def percent(self):
        return int(self.done * 100 / self.total) if self.total else 0
