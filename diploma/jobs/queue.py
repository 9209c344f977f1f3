"""The task queue (Huey): it only carries "run job <id>" from the web to a worker. Storage: a SQLite file
beside the database by default (``make run`` needs no other service), Redis when ``REDIS_URL`` is set or
``JOBS_BACKEND=redis`` (production, several app servers), memory in the test app (nothing runs unless a
test starts a worker). The state, progress and result of a job live in the ``job`` table (models.py).

Three tasks are registered on every Huey built here, under fixed names, so that the web (which enqueues)
and the worker (``flask --app wsgi jobs worker``, which runs them) agree on them:

- ``run_job(job_id)``: claims the job's row and runs it (runner.py).
- ``sweep_jobs``, every minute: jobs whose worker died are marked failed, expired results removed, then
  the domains' periodic steps (registry.register_periodic_step), cheap when there is nothing to do: the
  programme's CRL and the status lists signed anew before they lapse, certificates' files signed and kept,
  time stamps renewed.
- ``periodic_steps``: the same steps at once (``run_periodic_steps_soon``: e.g. after issuing, the new
  certificates' files are signed and kept without waiting for the minute).
"""
from pathlib import Path

from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab

BACKENDS = ("sqlite", "redis", "memory")
EXTENSION_KEY = "diploma_jobs_queue"
# The app the worker's tasks run in (set by the worker command before it starts consuming).
_worker_app = None


def build_huey(config):
    """A Huey for these settings, with the project's tasks registered."""
    backend, name = config["JOBS_BACKEND"], config["JOBS_QUEUE_NAME"]
    if backend == "redis":
        huey = RedisHuey(name, url=config.get("REDIS_URL") or "redis://127.0.0.1:6379/0", results=False)
    elif backend == "sqlite":
        path = Path(config["JOBS_SQLITE_PATH"])
        path.parent.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey(name, filename=str(path), results=False)
    elif backend == "memory":
        huey = MemoryHuey(name, results=False)
    else:
        raise ValueError(f"JOBS_BACKEND must be one of {BACKENDS}, not {backend!r}")
    run = huey.task(name="run_job")(_run_job)
    huey.periodic_task(crontab(minute="*"), name="sweep_jobs")(_sweep_jobs)
    huey.diploma_periodic_steps = huey.task(name="periodic_steps")(_periodic_steps)
    huey.diploma_run_job = run
    return huey


def huey_of(app):
    """The app's Huey, built once from its configuration."""
    huey = app.extensions.get(EXTENSION_KEY)
    if huey is None:
        huey = app.extensions[EXTENSION_KEY] = build_huey(app.config)
    return huey


def enqueue(app, job_id):
    huey_of(app).diploma_run_job(job_id)


def run_periodic_steps_soon(app):
    """Ask a worker to run the periodic steps now (e.g. from ``commit_point.after_commit``)."""
    huey_of(app).diploma_periodic_steps()


def set_worker_app(app):
    global _worker_app
    _worker_app = app


def _run_job(job_id):
    from diploma.jobs import runner

    with _worker_app.app_context():
        runner.run_job(job_id)


def _sweep_jobs():
    from diploma.jobs import runner

    with _worker_app.app_context():
        runner.housekeeping()
        runner.run_periodic_steps()


def _periodic_steps():
    from diploma.jobs import runner

    with _worker_app.app_context():
        runner.run_periodic_steps()
