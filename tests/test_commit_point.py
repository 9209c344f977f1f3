"""One commit point per request (diploma.commit_point) and one unit of work per command (diploma.cli).

Routes of their own on a second app (``another_app``) change the session as a view calling a service does,
then answer in each way a view can; what the database holds is read back through a fresh connection, as
another request would see it. Real commits (``another_app`` implies it; the others are marked).
"""
import re
from pathlib import Path

import pytest
from flask import flash, redirect
from werkzeug.exceptions import Conflict

from diploma.access import public
from diploma.commit_point import after_commit, commit_despite_status, commit_now, on_conflict
from diploma.extensions import db
from diploma.i18n import LANGUAGE_COOKIE
from diploma.partners.models import University
from diploma.transactions import unit_of_work

DIPLOMA = Path(__file__).resolve().parent.parent / "diploma"
# The only places that end a transaction with session.commit(), each with its reason.
COMMITTING_FILES = {
    "commit_point.py": "the commit point of every request, and commit_now(reason), its one exception",
    "transactions.py": "the unit of work of every command that writes and of every step of the worker",
    "certificates/public_views.py": "the verification page's count, in a transaction of its own",
}
COMMIT_CALL = re.compile(r"\bsession\.commit\(")


def university(code):
    return University(code=code, slug=f"test-{code.lower()}", name_ar=f"جامعة {code}",
                      name_en=f"University {code}", city_ar="بغداد", city_en="Baghdad")


def saved_codes():
    """The universities' codes as another connection sees them (committed rows only)."""
    with db.engine.connect() as connection:
        return set(connection.scalars(db.select(University.code)))


def changes(app, path, answer, methods=("POST",)):
    """A route that adds the university ``path`` names (as a service would: no commit) and answers with
    ``answer()``."""

    def view():
        db.session.add(university(path.strip("/").upper()[:3]))
        db.session.flush()
        return answer()

    view.__name__ = f"changes_{path.strip('/')}"
    app.add_url_rule(path, view.__name__, public(view), methods=list(methods))


@pytest.fixture
def other(another_app):
    db.session.rollback()  # SQLite: this session holds no read while the other app writes
    return another_app


def test_a_successful_post_is_committed_before_its_answer_is_sent(other):
    seen_after_commit = []

    def answer():
        after_commit(lambda: seen_after_commit.append(saved_codes()))
        flash("saved")
        return redirect("/somewhere")

    changes(other, "/aaa", answer)
    client = other.test_client()
    assert client.post("/aaa").status_code == 302
    with client.session_transaction() as session:
        assert session["_flashes"] == [("message", "saved")]
    assert seen_after_commit == [{"AAA"}]  # committed while the request was still being answered
    assert saved_codes() == {"AAA"}


def test_a_view_that_raises_after_its_change_leaves_nothing(other):
    def answer():
        raise RuntimeError("a fault after the service changed the session")

    changes(other, "/bbb", answer)
    changes(other, "/ccc", lambda: ("", 204))
    client = other.test_client()
    assert client.post("/bbb").status_code == 500
    assert client.post("/ccc").status_code == 204  # the next request's commit carries nothing of the first
    assert saved_codes() == {"CCC"}


@pytest.mark.parametrize("answer", [
    lambda: ("the form again, with its errors", 422),
    lambda: ("refused", 400),
    Conflict,  # an abort(409): an HTTP error raised by the view
], ids=["422", "400", "abort"])
def test_an_error_answer_rolls_back(other, answer):
    def view_answer():
        if isinstance(answer, type):
            raise answer()
        return answer()

    changes(other, "/ddd", view_answer)
    assert other.test_client().post("/ddd").status_code >= 400
    assert saved_codes() == set()


def test_an_error_answer_beside_changes_that_stand_commits_them(other):
    def answer():
        commit_despite_status()
        return "saved, but for the refused cells", 422

    changes(other, "/eee", answer)
    assert other.test_client().post("/eee").status_code == 422
    assert saved_codes() == {"EEE"}


def test_a_get_writes_nothing(other):
    changes(other, "/fff", lambda: "a page", methods=("GET",))
    assert other.test_client().get("/fff").status_code == 200
    assert saved_codes() == set()


def test_commit_now_is_the_named_exception(other):
    def answer():
        commit_now("for the test: the change stands even though the answer is an error")
        return "", 500

    changes(other, "/ggg", answer)
    assert other.test_client().post("/ggg").status_code == 500
    assert saved_codes() == {"GGG"}


def taken_code_view(other, conflict_answer=None):
    """A POST that adds a university whose code is taken, left for the commit to find (no flush)."""

    @other.route("/taken", methods=["POST"])
    @public
    def taken():
        if conflict_answer is not None:
            on_conflict(conflict_answer)
        db.session.add(university("HHH"))
        db.session.add(University(code="HHH", slug="another-hhh", name_ar="ب", name_en="B", city_ar="ب",
                                  city_en="B"))
        after_commit(lambda: pytest.fail("ran although nothing was committed"))
        flash("Saved.")
        return redirect("/")


@pytest.mark.parametrize("language", ["ar", "en"])
def test_a_commit_that_fails_on_a_conflict_is_a_translated_409_not_a_500(other, language):
    taken_code_view(other)
    client = other.test_client()
    client.set_cookie(LANGUAGE_COOKIE, language)
    response = client.post("/taken")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    expected = ("لم يُحفظ شيء: غيّر شخص آخر السجلات نفسها في اللحظة نفسها" if language == "ar" else
                "Nothing was saved: someone else changed the same records at the same moment.")
    assert expected in page
    assert "Saved." not in page  # the view's flashed message is withdrawn
    assert "Content-Security-Policy" in response.headers
    assert saved_codes() == set()


def test_a_conflict_at_the_commit_gets_the_views_own_answer(other):
    taken_code_view(other, conflict_answer=lambda: ("this view's own words for it", 409))
    response = other.test_client().post("/taken")
    assert (response.status_code, response.get_data(as_text=True)) == (409, "this view's own words for it")
    assert saved_codes() == set()


def test_a_conflict_met_at_a_flush_in_the_view_is_a_409_too(other):
    def answer():
        db.session.add(university("III"))
        db.session.flush()  # the same code again: refused here, in the view
        return redirect("/")

    changes(other, "/iii", answer)
    assert other.test_client().post("/iii").status_code == 409
    assert saved_codes() == set()


def test_a_required_value_missing_at_the_commit_is_a_fault_not_a_conflict(other):
    """A NOT NULL rule broken is a bug of the code: the 500 page (logged whole), never the 409 that tells
    the user to try again; nothing is saved."""
    def answer():
        db.session.add(University(code="JJJ", slug="test-jjj", name_ar="ج", name_en=None, city_ar="ج",
                                  city_en="J"))
        return redirect("/")

    changes(other, "/jjj", answer)
    assert other.test_client().post("/jjj").status_code == 500
    assert saved_codes() == set()


@pytest.mark.commits
def test_the_unit_of_work_of_a_command_commits_at_its_end():
    with unit_of_work():
        db.session.add(university("JJJ"))
        db.session.flush()
        assert saved_codes() == set()  # not before the end
    assert saved_codes() == {"JJJ"}


@pytest.mark.commits
def test_the_unit_of_work_of_a_command_rolls_back_when_it_raises():
    with pytest.raises(KeyboardInterrupt), unit_of_work():
        db.session.add(university("KKK"))
        db.session.flush()
        raise KeyboardInterrupt
    assert saved_codes() == set()


def committing_files():
    files = {}
    for path in sorted(DIPLOMA.rglob("*.py")):
        name = path.relative_to(DIPLOMA).as_posix()
        if COMMIT_CALL.search(path.read_text(encoding="utf-8")):
            files[name] = COMMITTING_FILES.get(name, "not an allowed commit point")
    return files


@pytest.mark.engine_independent
def test_only_the_commit_points_call_commit():
    assert committing_files() == COMMITTING_FILES


@pytest.mark.engine_independent
def test_the_structure_check_finds_a_commit():
    assert COMMIT_CALL.search("        db.session.commit()  # here")
    assert not COMMIT_CALL.search("savepoint.commit()")
