from flask import redirect, render_template, url_for
from flask_login import current_user

from diploma.access import public, signed_in
from diploma.dashboard import bp, services


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
