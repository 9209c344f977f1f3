"""The app's one clock: naive UTC datetimes, as the database stores them. ``as_of(moment)`` sets it for the
code run inside — the demo loads a cohort's history through the real services that way (marks entered,
submitted and published on their days), without writing timestamps behind the services' backs."""
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_fixed_moment = ContextVar("diploma_clock", default=None)


def utcnow():
    return _fixed_moment.get() or datetime.now(UTC).replace(tzinfo=None)


@contextmanager
def as_of(moment):
    """Inside the block, ``utcnow()`` is ``moment`` (a naive UTC datetime)."""
    token = _fixed_moment.set(moment)
    try:
        yield moment
    finally:
        _fixed_moment.reset(token)
