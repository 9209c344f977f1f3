"""The worker's care of what is kept for life (registered as periodic steps, diploma.jobs.registry), each
cheap when there is nothing to do, run every minute and soon after a certificate is issued or corrected:

- the programme's CRL renewed before it lapses (``diploma.signing.crl``);
- the files of new certificates (and of corrections' new editions) signed and kept
  (``documents.keep_missing``), so that issuing a cohort of hundreds commits at once and the signing
  happens after the commit;

Each step does one thing (one certificate's files, one time stamp) per unit of work and says whether there
may be more (``diploma.jobs.runner.run_periodic_steps`` calls it again, up to a bound per run): no write
lock is held for long, and a failure loses one step's work.
- where a time-stamp server is configured (SIGNING_TSA_URL), a document time stamp added to the kept files
  whose last time stamp's TSA certificate ends within ARCHIVE_MARGIN, or that have none (PAdES B-LTA): each
  time stamp proves the file and its validation data existed while the previous one could still be
  trusted, so the chain of time stamps carries the signature past the end of every key and certificate.
"""
import logging
from datetime import timedelta

from flask import current_app

from diploma import clock
from diploma.certificates import documents
from diploma.signing import crl

log = logging.getLogger(__name__)

ARCHIVE_MARGIN = timedelta(days=365)


def renew_crl():
    renewed = crl.renew_crl_if_due()
    if renewed is not None:
        log.info("the programme's CRL number %s was published", renewed.number)
    return False


def keep_new_documents():
    """One certificate's files signed and kept; True while there may be more."""
    return bool(documents.keep_missing(limit=1))


def renew_timestamps(timestamper=None, tsa_roots=()):
    """A document time stamp for one kept file that needs one (none without a time-stamp server); True
    while there may be more. When the server's own certificate would not carry the file past the margin
    either, it stops and says so: time-stamping again would only add revisions (choose a server whose
    certificate lasts)."""
    if timestamper is None and not current_app.config.get("SIGNING_TSA_URL"):
        return False
    for kept in documents.timestamps_due(ARCHIVE_MARGIN, limit=1):
        documents.add_archive_timestamp(kept, timestamper=timestamper, tsa_roots=tsa_roots)
        if kept.timestamp_until is None or kept.timestamp_until < clock.utcnow() + ARCHIVE_MARGIN:
            log.error("the time-stamp server's certificate ends on %s, within the renewal margin: "
                      "configure a time-stamp server whose certificate lasts", kept.timestamp_until)
            return False
        return True
    return False


def register_periodic_steps(app):
    from diploma.jobs.registry import PeriodicStep, register_periodic_step

    for step in (renew_crl, keep_new_documents, renew_timestamps):
        register_periodic_step(app, PeriodicStep(f"certificates.{step.__name__}", step))


def keep_soon():
    """After this request's commit, ask a worker to sign and keep the new files at once (the periodic
    steps)."""
    from diploma.commit_point import after_commit
    from diploma.jobs import queue

    app = current_app._get_current_object()
    after_commit(lambda: queue.run_periodic_steps_soon(app))
