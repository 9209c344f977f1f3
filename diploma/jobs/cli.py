"""``flask --app wsgi jobs …``: the worker that runs background jobs, and its housekeeping.

    flask --app wsgi jobs worker [--workers 2]   # runs until Ctrl+C (finishes its jobs) or SIGTERM
    flask --app wsgi jobs sweep                  # fail the jobs of dead workers, remove expired results
    flask --app wsgi jobs periodic               # the worker's periodic steps, now (lists, CRL, files)

The worker is Huey's consumer (``huey.create_consumer``) on the queue the settings name (JOBS_BACKEND), in
this app: the jobs it runs use the app's database and settings.
"""
import logging
import os

import click
from flask import current_app
from flask.cli import AppGroup

from diploma.extensions import db
from diploma.jobs import queue, runner, services
from diploma.transactions import unit_of_work

jobs_cli = AppGroup("jobs", help="Background jobs: run a worker, sweep finished ones.")


@jobs_cli.command("worker")
@click.option("--workers", type=int, default=None, help="Jobs at once (threads); JOBS_WORKERS by default.")
def worker_command(workers):
    """Run background jobs until stopped (Ctrl+C lets running jobs finish; SIGTERM stops at once, and the
    jobs it interrupts are failed, their work rolled back)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # its steps, seven lines per PDF
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    app = current_app._get_current_object()
    _yield_cpu_to_the_site(app.config["JOBS_NICE"])
    queue.set_worker_app(app)
    _sqlite_in_wal_mode()
    runner.housekeeping()
    huey = queue.huey_of(app)
    consumer = huey.create_consumer(workers=workers or app.config["JOBS_WORKERS"], worker_type="thread",
                                    periodic=True, initial_delay=0.05, backoff=1.15, max_delay=0.5,
                                    check_worker_health=True)
    consumer.run()


def _yield_cpu_to_the_site(niceness):
    """Lower this process's priority before any job runs, so that the processes it starts (a print's PDF
    pool) inherit it: while a job renders on every core, the web server's requests still get the CPU first.
    A print holds no write lock while it renders (it reads, and writes its progress in short transactions);
    an issue or import job on SQLite holds the one write lock for its whole transaction, as it did in the
    request, and may take longer on a busy site."""
    if niceness > 0 and hasattr(os, "nice"):
        os.nice(min(niceness, 19))


def _sqlite_in_wal_mode():
    """SQLite: write-ahead logging, which the database file keeps. A job that reads for minutes (printing)
    must not stop the site's writes meanwhile: in SQLite's default journal mode an open read transaction
    makes every writer wait for it; with a write-ahead log, readers and the one writer never wait for each
    other."""
    if db.engine.dialect.name == "sqlite":
        connection = db.engine.raw_connection()  # outside a transaction, which SQLAlchemy would begin
        try:
            connection.driver_connection.execute("PRAGMA journal_mode=WAL")
        finally:
            connection.close()


@jobs_cli.command("sweep")
def sweep_command():
    """Mark failed the jobs whose worker died, and remove the results past JOB_RESULT_HOURS."""
    with unit_of_work():
        services.fail_abandoned_jobs()
        services.expire_results()


@jobs_cli.command("periodic")
def periodic_command():
    """Run the worker's periodic steps now (each domain's periodic step: signing anew the revocation status
    lists before their validUntil): for a site without a running worker, from cron."""
    for name in runner.run_periodic_steps():
        click.echo(name)
