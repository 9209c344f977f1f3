"""The jobs core at the bottom: it imports no domain, each domain registers its own kinds at app creation,
an unknown kind is refused loudly (at start, and by the worker), and one function owns the inline limit."""
import ast
import logging
from pathlib import Path

import pytest
from flask import Flask

from diploma.certificates.jobs import ISSUE, PRINT
from diploma.enrolment.jobs import IMPORT_STUDENTS
from diploma.extensions import db
from diploma.grading.jobs import IMPORT_MARKS
from diploma.jobs import registry, services
from diploma.jobs.backup_job import BACKUP
from diploma.jobs.models import FAILED, Job
from diploma.jobs.registry import JobKind, UnknownJobKind, job_kind, register_job_kind
from diploma.jobs.runner import run_job
from diploma.jobs.web import run_now_or_defer

JOBS_PACKAGE = Path(__file__).resolve().parents[2] / "diploma" / "jobs"
DOMAINS = ("certificates", "curriculum", "dashboard", "enrolment", "grading", "partners", "results",
           "signing", "teaching", "auth")


def _imported_modules(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):  # imports inside functions too
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


@pytest.mark.engine_independent
def test_the_jobs_package_imports_no_domain():
    domains = tuple(f"diploma.{domain}" for domain in DOMAINS)
    found = {f"{path.name}: {module}" for path in JOBS_PACKAGE.glob("*.py")
             for module in _imported_modules(path) if module.startswith(domains)}
    assert found == set()


def test_each_domain_registers_its_kinds_at_app_creation(app):
    kinds = registry.registered_kinds(app)

    assert set(kinds) == {PRINT, ISSUE, IMPORT_STUDENTS, IMPORT_MARKS, BACKUP}
    assert {name for name, kind in kinds.items() if kind.writes} == {ISSUE, IMPORT_STUDENTS, IMPORT_MARKS}
    assert all(str(kind.label) for kind in kinds.values())


@pytest.mark.engine_independent
def test_a_kind_registered_twice_is_refused():
    other = Flask("other")
    kind = JobKind("report", "Report", lambda job, progress: None)
    register_job_kind(other, kind)

    with pytest.raises(ValueError, match="registered twice"):
        register_job_kind(other, kind)
    with pytest.raises(UnknownJobKind, match="'print_certificates'"):
        job_kind(PRINT, other)  # the other app registered only its own


def test_an_unknown_kind_is_refused_when_a_job_starts(app, make):
    user = make.user(role="admin")

    with pytest.raises(UnknownJobKind, match="'reindex'"):
        services.start_job(user, "reindex", None, {})
    assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 0


@pytest.mark.commits  # the worker's heartbeat thread reads on a connection of its own
def test_the_worker_fails_a_job_of_a_kind_nobody_registered_and_says_so(app, make, caplog):
    user = make.user(role="admin")
    job = services.start_job(user, BACKUP, None, {})
    job.kind = "reindex"  # a row written by another version of the app
    db.session.commit()

    with caplog.at_level(logging.ERROR, logger="diploma.jobs.runner"):
        assert run_job(job.id) == FAILED

    db.session.expire_all()
    assert db.session.get(Job, job.id).state == FAILED
    assert "no job kind 'reindex' is registered" in caplog.text


@pytest.mark.parametrize(("items", "deferred"), [(3, False), (4, True)])
def test_run_now_or_defer_defers_only_above_the_inline_limit(app, make, monkeypatch, items, deferred):
    monkeypatch.setitem(app.config, "JOBS_INLINE_MAX_ITEMS", 3)
    user = make.user(role="admin")

    with app.test_request_context(), monkeypatch.context() as patch:
        patch.setattr("diploma.jobs.web.current_user", user)
        response = run_now_or_defer(items, BACKUP, None, {"language": "en"})

    jobs = db.session.scalars(db.select(Job)).all()
    assert (response is not None, len(jobs)) == (deferred, int(deferred))
    if deferred:
        assert response.status_code == 302 and response.headers["Location"] == f"/jobs/{jobs[0].id}"
        assert (jobs[0].kind, jobs[0].total) == (BACKUP, items)
