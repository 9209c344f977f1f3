"""The app's one clock, for every "now" and "today": ``utcnow()`` gives naive UTC datetimes, as the database
stores them; ``now()`` the same moment with its time zone (for what is written out: a file's date, a
token's); ``today()`` the date in Iraq. ``as_of(moment)`` sets the clock for the code run inside — the demo
loads a cohort's history through the real services that way (marks entered, submitted and published on
their days), without writing timestamps behind the services' backs."""
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

# The universities are all in Iraq (UTC+3 the whole year): "today" is their date, not the server's, so a
# graduation dated today in Baghdad is not refused as "in the future" between 21:00 and midnight UTC.
PROGRAMME_TIME_ZONE = ZoneInfo("Asia/Baghdad")

_fixed_moment = ContextVar("diploma_clock", default=None)


def utcnow():
    """Now, as a naive UTC datetime (the database's columns)."""
    return _fixed_moment.get() or datetime.now(UTC).replace(tzinfo=None)


def now():
    """Now, as an aware UTC datetime."""
    return utcnow().replace(tzinfo=UTC)


def today():
    """Today's date in Iraq by the app's clock (``as_of`` moves it for the demo and the tests)."""
    return now().astimezone(PROGRAMME_TIME_ZONE).date()


@contextmanager
def as_of(moment):
    """Inside the block, ``utcnow()`` is ``moment`` (a naive UTC datetime)."""
    token = _fixed_moment.set(moment)
    try:
        yield moment
    finally:
        _fixed_moment.reset(token)
