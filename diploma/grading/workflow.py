"""Who may do what on a gradebook, and its workflow: draft (the lecturer enters marks) → submitted →
published (the registration office), returned with a comment, and the second round. The page shows
``gradebook_actions``; the steps refuse anything else by the same predicates."""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from diploma import audit
from diploma.access import ADMIN, LECTURER, REGISTRAR, STUDENT
from diploma.clock import utcnow
from diploma.curriculum.services import the_programme
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.grading import rules
from diploma.grading.models import FIRST_ROUND, SECOND_ROUND, Gradebook
from diploma.grading.table import gradebook_of, load_sheet
from diploma.teaching import services as teaching
from diploma.teaching.models import Offering


def editor_kind(user, gradebook):
    """'lecturer' (draft, current round), 'registrar' (after publication, with a reason), or None."""
    if user.role == LECTURER and gradebook.status == "draft" \
            and teaching.is_lecturer_of(user, gradebook.offering):
        return "lecturer"
    if user.role in (REGISTRAR, ADMIN) and gradebook.status == "published":
        return "registrar"
    return None


def editable_attempts(user, sheet):
    """The rounds whose cells this user may change now: {1}, {2}, {1, 2} or set()."""
    return _editable_attempts(editor_kind(user, sheet.gradebook), sheet)


def _editable_attempts(kind, sheet):
    if kind == "lecturer":
        return {sheet.gradebook.current_round}
    if kind == "registrar":
        return {FIRST_ROUND, SECOND_ROUND} if sheet.gradebook.current_round == SECOND_ROUND else {FIRST_ROUND}
    return set()


def can_edit_assessments(user, sheet):
    """Only the lecturer, in the first round's draft, before any mark exists (also a withdrawn student's,
    which replacing the assessments would delete)."""
    return _can_edit_assessments(editor_kind(user, sheet.gradebook), sheet)


def _can_edit_assessments(kind, sheet):
    return kind == "lecturer" and sheet.gradebook.current_round == FIRST_ROUND and not sheet.has_scores


def _may_submit(user, gradebook):
    return editor_kind(user, gradebook) == "lecturer"


def _is_office(user):
    """The registration office: the university's registrar, or the programme's administrator."""
    return user is not None and user.role in (REGISTRAR, ADMIN)


def _may_decide_on_submission(user, gradebook):
    """Publishing or returning a submitted gradebook."""
    return _is_office(user) and gradebook.status == "submitted"


def _second_round_can_open(sheet):
    """The first round is published and at least one student failed it."""
    gradebook = sheet.gradebook
    return (gradebook.status == "published" and gradebook.current_round == FIRST_ROUND
            and any(row.first_passed is False for row in sheet.rows))


@dataclass(frozen=True)
class GradebookActions:
    """What one user may do on one gradebook now: the page shows exactly these, and the services refuse
    anything else by the same rules."""

    editable_attempts: frozenset
    edit_assessments: bool
    submit: bool
    publish: bool
    return_to_lecturer: bool
    open_second_round: bool
    give_reason: bool  # a published mark changes only with a reason
    see_distribution: bool
    see_history: bool

    @property
    def edit_marks(self):
        return bool(self.editable_attempts)


def gradebook_actions(user, sheet):
    gradebook = sheet.gradebook
    kind = editor_kind(user, gradebook)  # once: the same answer for every action below
    deciding = _may_decide_on_submission(user, gradebook)
    return GradebookActions(
        editable_attempts=frozenset(_editable_attempts(kind, sheet)),
        edit_assessments=_can_edit_assessments(kind, sheet),
        submit=kind == "lecturer",  # as _may_submit
        publish=deciding, return_to_lecturer=deciding,
        open_second_round=_is_office(user) and _second_round_can_open(sheet),
        give_reason=kind == "registrar",
        see_distribution=_is_office(user),
        see_history=user is not None and user.role != STUDENT,
    )


def _incomplete_rows(sheet):
    if sheet.gradebook.current_round == FIRST_ROUND:
        return [row for row in sheet.rows if not row.complete]
    return [row for row in sheet.rows if row.first_passed is False
            and (row.second is None or (row.second.value is None and not row.second.absent))]


def submit_gradebook(actor, offering):
    sheet = load_sheet(offering)
    gradebook = sheet.gradebook
    if not _may_submit(actor, gradebook):
        raise RuleViolation(_l("Only the course's lecturer submits a draft gradebook."))
    if not sheet.rows:
        raise RuleViolation(_l("No students are enrolled."))
    missing = _incomplete_rows(sheet)
    if missing:
        raise RuleViolation(_l("%(count)s students still have missing marks: give a mark or absent for "
                               "every assessment.", count=len(missing)))
    _change_status(actor, gradebook, "submitted", "gradebook.submitted")
    gradebook.submitted_at, gradebook.submitted_by_id, gradebook.return_comment = utcnow(), actor.id, None
    return gradebook


def return_gradebook(actor, offering, comment):
    gradebook = gradebook_of(offering)
    if not _may_decide_on_submission(actor, gradebook):
        raise RuleViolation(_l("Only a submitted gradebook can be returned."))
    if not (comment or "").strip():
        raise RuleViolation(_l("Write a comment for the lecturer."), field="comment")
    gradebook.return_comment = comment.strip()
    _change_status(actor, gradebook, "draft", "gradebook.returned", {"comment": gradebook.return_comment})
    return gradebook


def publish_gradebook(actor, offering):
    gradebook = gradebook_of(offering)
    if not _may_decide_on_submission(actor, gradebook):
        raise RuleViolation(_l("Only a submitted gradebook can be published."))
    gradebook.published_at, gradebook.published_by_id = utcnow(), actor.id
    gradebook.published_round = gradebook.current_round
    if gradebook.published_rules is None:  # the first round's publication: the second keeps the same rules
        gradebook.published_rules = rules.GradingRules.of_programme(the_programme()).as_json()
    _change_status(actor, gradebook, "published", "gradebook.published", {"round": gradebook.current_round})
    return gradebook


def open_second_round(actor, offering):
    """After the first round is published, open the second round for the students who failed."""
    sheet = load_sheet(offering)
    gradebook = sheet.gradebook
    if not _is_office(actor) or gradebook.status != "published" or gradebook.current_round != FIRST_ROUND:
        raise RuleViolation(_l("The second round opens once the first round is published."))
    if not _second_round_can_open(sheet):
        raise RuleViolation(_l("No student failed this course: there is no second round."))
    gradebook.current_round = SECOND_ROUND
    _change_status(actor, gradebook, "draft", "gradebook.second_round_opened")
    return gradebook


def _change_status(actor, gradebook, status, action, data=None):
    before = gradebook.status
    gradebook.status = status
    db.session.flush()
    audit.record(actor, action, gradebook, {"before": before, "after": status, **(data or {})})


def submitted_gradebooks(university_id=None):
    """The registrar's queue: submitted gradebooks, oldest submission first."""
    query = db.select(Gradebook).join(Gradebook.offering).where(Gradebook.status == "submitted") \
        .order_by(Gradebook.submitted_at)
    if university_id is not None:
        query = query.where(Offering.university_id == university_id)
    return db.session.scalars(query).all()
