"""The worker's care of what is kept for life (registered as upkeep steps, diploma.jobs.registry), each
cheap when there is nothing to do, run every minute and soon after a certificate is issued or corrected:

- the programme's CRL renewed before it lapses (``diploma.signing.crl``);
- the files of new certificates (and of corrections' new editions) signed and kept
  (``documents.keep_missing``), so that issuing a cohort of hundreds commits at once and the signing
  happens after the commit;
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


def keep_new_documents():
    done = documents.keep_missing()
    if done:
        log.info("signed and kept the files of %s certificates", len(done))


def renew_timestamps(timestamper=None, tsa_roots=()):
    """Document time stamps for the kept files that need one (none without a time-stamp server). When the
    server's own certificate would not carry a file past the margin either, the step stops and says so:
    time-stamping again would only add revisions (choose a server whose certificate lasts)."""
    if timestamper is None and not current_app.config.get("SIGNING_TSA_URL"):
        return []
    stamped = []
    for kept in documents.timestamps_due(ARCHIVE_MARGIN):
        documents.add_archive_timestamp(kept, timestamper=timestamper, tsa_roots=tsa_roots)
        stamped.append(kept)
        if kept.timestamp_until is None or kept.timestamp_until < clock.utcnow() + ARCHIVE_MARGIN:
            log.error("the time-stamp server's certificate ends on %s, within the renewal margin: "
                      "configure a time-stamp server whose certificate lasts", kept.timestamp_until)
            break
    return stamped


def register_upkeep(app):
    from diploma.jobs.registry import register_upkeep as register

    for step in (renew_crl, keep_new_documents, renew_timestamps):
        register(app, step)


def keep_soon():
    """After this request's commit, ask a worker to sign and keep the new files at once (the upkeep)."""
    from diploma.commit_point import after_commit
    from diploma.jobs import queue

    app = current_app._get_current_object()
    after_commit(lambda: queue.upkeep_soon(app))
