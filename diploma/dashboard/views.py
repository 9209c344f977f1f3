from flask import abort, redirect, render_template, url_for
from flask_login import current_user

from diploma.access import public, signed_in
from diploma.auth.forms import ConfirmForm
from diploma.dashboard import bp, services
from diploma.dashboard.models import DASHBOARD, GRADES
from diploma.web import seen_answer

# Where each page's "seen" POST goes back to, without JavaScript.
VISITED_PAGES = {DASHBOARD: "dashboard.dashboard", GRADES: "grading.my_grades"}


@bp.route("/")
@public
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("dashboard.dashboard"))


@bp.route("/dashboard")
@signed_in
def dashboard():
    """Each role lands on its own dashboard."""
    return render_template(f"dashboard/{current_user.role}.html", **services.summary_for(current_user))


@bp.route("/visits/<page>", methods=["POST"])
@signed_in
def record_visit(page):
    """The page was seen (its script posts this once shown; a button without JavaScript): what it shows no
    longer counts as new on the dashboard. A GET never records a visit."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if page not in VISITED_PAGES or not services.record_visit(current_user, page):
        abort(404)
    return seen_answer(url_for(VISITED_PAGES[page]))
