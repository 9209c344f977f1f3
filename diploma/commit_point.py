"""The one commit point of a request, as Indico's request handler has it.

Views and services only change the session (add, flush); ``end_request_transaction``, an after-request step,
ends the transaction before the answer is sent (so a redirect's next page and a flashed message see what was
committed):

* committed when the request may write (not GET, HEAD, OPTIONS, nor a view marked ``web.writes_nothing``)
  and its view answered normally with a status below 400;
* rolled back otherwise: any exception (an ``abort``, an error handler's page), an error status (a form shown
  again with its errors: nothing was written there anyway), and every GET: a GET writes nothing;
* a view that answers an error status beside changes that stand (a gradebook saved but for some cells) says
  so with ``commit_despite_status()``;
* what must happen only once the changes are committed (deleting a file no row names any more) is handed to
  ``after_commit``;
* a commit that fails on a conflict with another request (a unique key taken at the same moment, a
  serialization failure or deadlock on PostgreSQL, SQLite busy too long) is rolled back and answered with the
  view's own conflict page (``on_conflict``), else with the generic translated 409 page, never a 500.

The one exception, ``commit_now(reason)``: a request that must end its transaction before something slow
(checking an uploaded PDF holds no lock of the database meanwhile). The verification page's count has its
own transaction (certificates.public_views).
"""
from flask import current_app, g, make_response, session
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from diploma.extensions import db
from diploma.system import render_error
from diploma.web import request_may_write

# PostgreSQL's answers to two transactions that wanted the same rows: serialization failure, deadlock,
# lock not available.
CONFLICT_STATES = frozenset({"40001", "40P01", "55P03"})
SQLITE_BUSY = ("database is locked", "database table is locked")
# A required value missing or a CHECK rule broken is a fault of the code, never another request's work.
FAULT_STATES = frozenset({"23502", "23514"})
SQLITE_FAULTS = ("NOT NULL constraint failed", "CHECK constraint failed")


def after_commit(action):
    """Run ``action`` (no arguments) once this request's changes are committed; never if they are not."""
    g.setdefault("after_commit", []).append(action)


def on_conflict(answer):
    """The answer (a callable returning a response) to give if the commit fails on a conflict with another
    request, in place of the generic 409 page: the view's own words for it."""
    g.conflict_answer = answer


def commit_despite_status():
    """This request's answer has an error status, yet the changes it made stand (saved in part, the refused
    part shown): commit them all the same."""
    g.commit_despite_status = True


def commit_now(reason):
    """End the request's transaction here, before something slow that must not hold the database. The one
    exception to the commit point: ``reason`` says why, for the reader and the debug log."""
    current_app.logger.debug("committed before the end of the request: %s", reason)
    db.session.commit()


def is_conflict(error):
    """Whether a database error is another request's work meeting this one's (try again), not a fault."""
    original = getattr(error, "orig", None)
    state = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if isinstance(error, IntegrityError):  # a key taken at the same moment, a row deleted meanwhile
        return state not in FAULT_STATES and not any(fault in str(original) for fault in SQLITE_FAULTS)
    if isinstance(error, StaleDataError):
        return True
    return state in CONFLICT_STATES or any(busy in str(original) for busy in SQLITE_BUSY)


def _request_writes(response):
    if not request_may_write():
        return False
    return response.status_code < 400 or g.get("commit_despite_status", False)


def register(app):
    """The commit point (an after-request step, registered last so that it runs first: its own answer gets
    the security headers too), and the answer to a conflict met while the view ran (at a flush)."""
    app.after_request(end_request_transaction)
    for error in (IntegrityError, StaleDataError, OperationalError):
        app.register_error_handler(error, answer_database_error)


def end_request_transaction(response):
    """The after-request step: commit or roll back (see the module's text); a failed commit's answer."""
    if not _request_writes(response):
        db.session.rollback()
        g.pop("after_commit", None)
        return response
    try:
        db.session.commit()
    except Exception as error:  # a conflict (409), or the database gone (500): never a commit half-noticed
        return make_response(answer_database_error(error))
    for action in g.pop("after_commit", []):
        try:
            action()
        except Exception:  # the changes stand: the answer says so, the log says what was left behind
            current_app.logger.exception("an action after a request's commit failed")
    return response


def answer_database_error(error):
    """Nothing of the request is saved (rolled back, its flashed messages withdrawn). A conflict with
    another request: the view's own answer (``on_conflict``) or the generic 409 page; any other fault: the
    500 page."""
    db.session.rollback()
    g.pop("after_commit", None)
    session.pop("_flashes", None)
    if not is_conflict(error):
        current_app.logger.error("unhandled error", exc_info=error)
        return render_error(500)
    current_app.logger.warning("a request met another's changes: %s", error.__class__.__name__)
    answer = g.pop("conflict_answer", None)
    page = answer() if answer is not None else render_error(409)
    db.session.rollback()  # what the page read
    return page
