"""The kinds of job the worker knows. The jobs core names none of them: each domain registers its own at
app creation (``register_job_kinds(app)`` in its jobs.py, called by ``create_app``), and asking for a kind
nobody registered raises ``UnknownJobKind`` at once: never a silent default.

A kind says how to do the work (``work(job, progress)`` returns a runner.Outcome or raises
runner.JobFailed), whether it writes to the database (then in one transaction, committed with the job's
end), how the pages name it, and what its finished page shows (a template of the domain's, and a link
back to the domain's page)."""
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

EXTENSION_KEY = "diploma_job_kinds"


class UnknownJobKind(LookupError):
    """A job kind that no domain registered in this app."""


@dataclass(frozen=True)
class JobKind:
    name: str
    label: object  # a lazy translated string
    work: Callable
    writes: bool = False
    # Included by the job's page once the job is done and has a summary (``job`` in its context).
    summary_template: str | None = None
    # ``back_link(job, user)``: the URL of the page the finished job leads back to, or None.
    back_link: Callable | None = None


def register_job_kind(app, kind):
    """Add ``kind`` to the app's job kinds; a name registered twice is a mistake and raises."""
    kinds = app.extensions.setdefault(EXTENSION_KEY, {})
    if kind.name in kinds:
        raise ValueError(f"the job kind {kind.name!r} is registered twice")
    kinds[kind.name] = kind


def job_kind(name, app=None):
    """The registered kind called ``name`` (UnknownJobKind if there is none)."""
    kinds = (app or current_app).extensions.get(EXTENSION_KEY, {})
    try:
        return kinds[name]
    except KeyError:
        raise UnknownJobKind(f"no job kind {name!r} is registered (known: {', '.join(sorted(kinds))})") \
            from None


def registered_kinds(app=None):
    return dict((app or current_app).extensions.get(EXTENSION_KEY, {}))


# --- periodic steps ------------------------------------------------------------------------------------

PERIODIC_KEY = "diploma_periodic_steps"


@dataclass(frozen=True)
class PeriodicStep:
    """Work the worker does by itself every minute (queue.py), beside the jobs people start: ``action()``
    runs in the app's context, in a unit of work of its own (runner.run_periodic_steps), and is called
    again while it answers True (more to do), at most ``runner.ROUNDS`` times a run; it is cheap when there
    is nothing to do."""

    name: str
    action: Callable


def register_periodic_step(app, step):
    """Add ``step`` to the app's periodic steps; a name registered twice is a mistake and raises."""
    steps = app.extensions.setdefault(PERIODIC_KEY, {})
    if step.name in steps:
        raise ValueError(f"the periodic step {step.name!r} is registered twice")
    steps[step.name] = step


def periodic_steps(app=None):
    return dict((app or current_app).extensions.get(PERIODIC_KEY, {}))
