"""The gradebook (lecturer, registrar), the registrar's queue, and the student's grades."""
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from diploma.access import ADMIN, LECTURER, REGISTRAR, STUDENT, covered_university_id, roles
from diploma.auth.forms import ConfirmForm
from diploma.commit_point import commit_despite_status
from diploma.enrolment.services import student_of
from diploma.errors import RuleViolation
from diploma.extensions import db
from diploma.grading import bp, rules, services
from diploma.grading.forms import AssessmentsForm, MarksForm, ReturnForm, read_mark_cells
from diploma.grading.models import Score
from diploma.i18n import current_language, isolate
from diploma.teaching.views import offering_words, staff_offering_or_404
from diploma.web import change_or_flash, confirmation_page, confirmed, save_or_show

STAFF = (ADMIN, REGISTRAR, LECTURER)


def _gradebook_page(offering, marks_form=None, results=None, typed=None, status=200):
    sheet = services.load_sheet(offering)
    actions = services.gradebook_actions(current_user, sheet)
    deciding = actions.publish or actions.return_to_lecturer  # only then the page shows the return form
    return render_template(
        "grading/gradebook.html", offering=offering, sheet=sheet, marks_form=marks_form or MarksForm(),
        actions=actions, editable=actions.editable_attempts, results=results or {}, typed=typed or {},
        distribution=services.distribution(sheet) if actions.see_distribution else None,
        return_form=ReturnForm() if deciding else None, cell_key=services.cell_key,
        show_mark=rules.format_mark), status


@bp.route("/offerings/<int:offering_id>/gradebook")
@roles(*STAFF)
def gradebook(offering_id):
    return _gradebook_page(staff_offering_or_404(offering_id))


@bp.route("/offerings/<int:offering_id>/gradebook", methods=["POST"])
@roles(*STAFF)
def post_marks(offering_id):
    offering = staff_offering_or_404(offering_id)
    form = MarksForm()
    if not services.gradebook_actions(current_user, services.load_sheet(offering)).give_reason:
        del form.reason  # shown only where a published mark changes: never an unseen error
    if not form.validate_on_submit():
        if set(form.errors) != {"reason"}:
            abort(400)
        return _gradebook_page(offering, form, status=400)  # e.g. a reason longer than allowed
    entries = read_mark_cells(request.form)
    try:
        results = services.save_marks(current_user, offering, entries,
                                      reason=form.reason.data if "reason" in form else None)
    except RuleViolation as violation:
        db.session.rollback()
        if violation.field == "reason":
            form.reason.errors = [str(violation.message)]
        else:  # the gradebook is locked: no field to show it beside, and the page must say why
            flash(str(violation.message), "error")
        return _gradebook_page(offering, form, status=400)
    saved = sum(1 for result in results.values() if result.status == "saved")
    refused = {key: result for key, result in results.items() if result.status in ("error", "stale")}
    if refused:
        typed = {services.cell_key(e["enrolment_id"], e["assessment_id"], e["attempt"]): e["text"]
                 for e in entries}
        flash(_("%(saved)s marks saved; %(refused)s refused — see the marked cells.", saved=saved,
                refused=len(refused)), "error")
        commit_despite_status()  # the saved marks stand beside the refused cells
        return _gradebook_page(offering, form, results=refused, typed=typed, status=422)
    flash(_("%(saved)s marks saved.", saved=saved), "success")
    return redirect(url_for("grading.gradebook", offering_id=offering.id))


@bp.route("/offerings/<int:offering_id>/gradebook/assessments", methods=["GET", "POST"])
@roles(ADMIN, LECTURER)
def edit_assessments(offering_id):
    offering = staff_offering_or_404(offering_id)
    sheet = services.load_sheet(offering)
    if not services.can_edit_assessments(current_user, sheet):
        abort(403)
    form = AssessmentsForm(data={"assessments": [
        {"name_ar": a.name_ar, "name_en": a.name_en, "weight": a.weight, "max_score": a.max_score,
         "is_final": a.is_final} for a in sheet.assessments]} if request.method == "GET" else None)
    if form.validate_on_submit():
        entries = [entry.data for entry in form.assessments]
        saved, _assessments = save_or_show(form, lambda: services.save_assessments(current_user, offering,
                                                                                   entries))
        if saved:
            flash(_("The assessments were saved."), "success")
            return redirect(url_for("grading.gradebook", offering_id=offering.id))
    return render_template("grading/assessments.html", offering=offering, form=form)


def _workflow_step(offering, step, success_message, **kwargs):
    if change_or_flash(lambda: step(current_user, offering, **kwargs)):
        flash(success_message, "success")
    return redirect(url_for("grading.gradebook", offering_id=offering.id))


def _confirm_or_step(offering_id, allowed, confirmation, step, success_message, **kwargs):
    """A gradebook's irreversible step (submit, publish, return, second round): its confirmation page until
    the user confirms it, then the step. ``allowed(actions)`` says whether the step is open to the user
    now; ``confirmation(offering, sheet)`` gives the page's words."""
    offering = staff_offering_or_404(offering_id)
    if confirmed():
        if not ConfirmForm().validate_on_submit():
            abort(400)
        return _workflow_step(offering, step, success_message, **kwargs)
    sheet = services.load_sheet(offering)
    if not allowed(services.gradebook_actions(current_user, sheet)):
        flash(_("This step is not open for this gradebook now."), "error")
        return redirect(url_for("grading.gradebook", offering_id=offering.id))
    title, sentence, details = confirmation(offering, sheet)
    return confirmation_page(title=title, sentence=sentence, details=details, button=title,
                             cancel_url=url_for("grading.gradebook", offering_id=offering.id),
                             carry=request.form if request.method == "POST" else None)


def _submit_words(offering, sheet):
    return (_("Submit the marks"),
            _("Submit the marks of {course} at {university}, {term}, to the registration office. "
              "Students in the gradebook: {count}.").format(count=len(sheet.rows),
                                                              **offering_words(offering)),
            [_("Once submitted, you can no longer change the marks, unless the registration office returns "
               "the gradebook to you.")])


def _publish_words(offering, sheet):
    return (_("Approve and publish the marks"),
            _("Publish the marks of {course} at {university}, {term}: {count} students will see them.")
            .format(count=len(sheet.rows), **offering_words(offering)),
            [_("Once published, a mark changes only by the registration office, with a reason kept in the "
               "mark's history.")])


def _second_round_words(offering, sheet):
    return (_("Open the second round"),
            _("Open the second round of {course} at {university}, {term}: the gradebook goes back to the "
              "lecturer for the second-round marks of the students who failed.")
            .format(**offering_words(offering)),
            [])


def _return_words(comment):
    def words(offering, sheet):
        return (_("Return to the lecturer"),
                _("Return the gradebook of {course} at {university}, {term}, to the lecturer, with this "
                  "comment:").format(**offering_words(offering)), [isolate(comment)])
    return words


# The steps taken through a confirmation page alone: whether the step is open to the user now, the page's
# words, the service, and what is said once it is done.
_STEPS = {
    "submit": (lambda actions: actions.submit, _submit_words, services.submit_gradebook,
               _l("The gradebook was submitted to the registration office.")),
    "publish": (lambda actions: actions.publish, _publish_words, services.publish_gradebook,
                _l("The marks are approved and published to the students.")),
    "second_round": (lambda actions: actions.open_second_round, _second_round_words,
                     services.open_second_round,
                     _l("The second round is open: the lecturer can enter the second-round marks.")),
}


def _step(offering_id, name):
    allowed, words, step, done = _STEPS[name]
    return _confirm_or_step(offering_id, allowed, words, step, str(done))


@bp.route("/offerings/<int:offering_id>/gradebook/submit", methods=["GET", "POST"])
@roles(LECTURER)
def submit(offering_id):
    return _step(offering_id, "submit")


@bp.route("/offerings/<int:offering_id>/gradebook/publish", methods=["GET", "POST"])
@roles(ADMIN, REGISTRAR)
def publish(offering_id):
    return _step(offering_id, "publish")


@bp.route("/offerings/<int:offering_id>/gradebook/return", methods=["POST"])
@roles(ADMIN, REGISTRAR)
def return_to_lecturer(offering_id):
    offering = staff_offering_or_404(offering_id)  # before the form: no message on another's 404 page
    form = ReturnForm()
    if not form.validate_on_submit():
        flash(_("Write a comment for the lecturer."), "error")
        return redirect(url_for("grading.gradebook", offering_id=offering.id))
    return _confirm_or_step(offering_id, lambda actions: actions.return_to_lecturer,
                            _return_words(form.comment.data), services.return_gradebook,
                            _("The gradebook was returned to the lecturer."), comment=form.comment.data)


@bp.route("/offerings/<int:offering_id>/gradebook/second-round", methods=["GET", "POST"])
@roles(ADMIN, REGISTRAR)
def second_round(offering_id):
    return _step(offering_id, "second_round")


@bp.route("/offerings/<int:offering_id>/gradebook/scores/<int:score_id>/history")
@roles(*STAFF)
def mark_history(offering_id, score_id):
    offering = staff_offering_or_404(offering_id)
    score = db.session.get(Score, score_id)
    if score is None or score.assessment.gradebook.offering_id != offering.id:
        abort(404)
    return render_template("grading/history.html", offering=offering, score=score,
                           events=services.mark_history(score))


@bp.route("/grades/queue")
@roles(ADMIN, REGISTRAR)
def queue():
    university_id = covered_university_id(None)
    return render_template("grading/queue.html", gradebooks=services.submitted_gradebooks(university_id))


# --- the student's grades ----------------------------------------------------------------------------

@bp.route("/grades/")
@roles(STUDENT)
def my_grades():
    results, average = services.published_results(student_of(current_user))
    return render_template("grading/my_grades.html", results=results, average=average,
                           show_mark=rules.format_mark)


@bp.route("/grades/transcript")
@roles(STUDENT)
def transcript():
    results, average = services.published_results(student_of(current_user))
    return render_template("grading/transcript.html", results=results, average=average,
                           student=student_of(current_user), show_mark=rules.format_mark)


@bp.route("/grades.json")
@roles(STUDENT)
def my_grades_json():
    results, average = services.published_results(student_of(current_user))
    language = current_language()
    return jsonify(average=str(average) if average is not None else None, results=[
        {"course": r.offering.course.code, "title": r.offering.title(language),
         "term": r.offering.term.name(language), "credits": r.credits, "mark": str(r.mark),
         "band": r.band.name(language) if r.band else None, "round": r.round, "passed": r.passed}
        for r in results])
