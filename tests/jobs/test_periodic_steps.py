"""The worker's periodic steps: registered by the domains at app creation (signing renews the status lists),
run every minute by the worker's scheduler (Huey's periodic task ``sweep_jobs``), at once after a request
asks (the task ``periodic_steps``) or by ``flask --app wsgi jobs periodic``, each in a unit of work of its
own: a step that fails is rolled back and logged, and the others still run."""
import logging
from datetime import datetime

import pytest

from diploma.extensions import db
from diploma.jobs import queue
from diploma.jobs.registry import PeriodicStep, periodic_steps, register_periodic_step
from diploma.jobs.runner import run_periodic_steps
from diploma.partners.models import University
from diploma.signing.jobs import RENEW_STATUS_LISTS
from tests import factories


def test_signing_registers_the_renewal_of_the_status_lists(app):
    assert RENEW_STATUS_LISTS in periodic_steps(app)
    with pytest.raises(ValueError, match="registered twice"):
        register_periodic_step(app, PeriodicStep(RENEW_STATUS_LISTS, lambda: None))


def test_the_worker_sweeps_every_minute_and_the_steps_can_be_asked_for_at_once(app):
    huey = queue.build_huey({**app.config, "JOBS_BACKEND": "memory"})
    at_17 = [task.name for task in huey.read_periodic(datetime(2026, 12, 7, 10, 17))]
    at_18 = [task.name for task in huey.read_periodic(datetime(2026, 12, 7, 10, 18))]
    assert at_17 == at_18 == ["sweep_jobs"]
    huey.diploma_periodic_steps()  # what run_periodic_steps_soon sends after a request's commit
    assert [task.name for task in huey.pending()] == ["periodic_steps"]


def test_a_step_that_says_there_is_more_is_called_again_within_a_bound(app, monkeypatch):
    calls = []

    def three_rounds():
        calls.append(1)
        return len(calls) < 3

    def endless():
        calls.append(2)
        return True

    steps = {"three": PeriodicStep("three", three_rounds), "endless": PeriodicStep("endless", endless)}
    monkeypatch.setitem(app.extensions, "diploma_periodic_steps", steps)
    assert run_periodic_steps(rounds=5) == ["three", "endless"]
    assert calls == [1, 1, 1, 2, 2, 2, 2, 2]


def test_a_failing_step_is_rolled_back_and_logged_and_the_others_still_run(app, monkeypatch, caplog):
    factories.university(code="ZZA")
    db.session.commit()

    def zza():
        return db.session.scalar(db.select(University).where(University.code == "ZZA"))

    def failing():
        zza().name_en = "Changed, then failed"
        raise RuntimeError("broken step")

    def renaming():
        zza().city_en = "Renamed"

    steps = {"failing": PeriodicStep("failing", failing), "renaming": PeriodicStep("renaming", renaming)}
    monkeypatch.setitem(app.extensions, "diploma_periodic_steps", steps)
    with caplog.at_level(logging.ERROR, logger="diploma.jobs.runner"):
        assert run_periodic_steps() == ["renaming"]

    assert "the periodic step failing failed" in caplog.text
    db.session.expire_all()
    university = db.session.scalar(db.select(University).where(University.code == "ZZA"))
    assert university.city_en == "Renamed" and university.name_en != "Changed, then failed"


def test_the_command_runs_the_steps_now(app, runner):
    result = runner.invoke(args=["jobs", "periodic"])

    assert result.exit_code == 0, result.output
    assert RENEW_STATUS_LISTS in result.output.split()
