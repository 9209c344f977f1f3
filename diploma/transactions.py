"""The unit of work outside a request: what a command of the command line or a step of the job worker
writes, as one transaction. Requests have theirs in diploma.commit_point."""
from contextlib import contextmanager

from diploma.extensions import db


@contextmanager
def unit_of_work():
    """Committed when the block ends, rolled back when it raises (a refusal, an error, Ctrl+C, a worker's
    stop), so that a command or a worker's step (a claim, a job's work, its end, the housekeeping) does all
    its work or none."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
