"""What the worker does for signing by itself (a periodic step, every minute): the revocation status
lists that are missing or have less than two days left before their validUntil are signed anew
(status_lists.renew_due). Signing has no job kind that people start."""
from diploma.jobs.registry import PeriodicStep, register_periodic_step
from diploma.signing import status_lists

RENEW_STATUS_LISTS = "renew_status_lists"


def register_job_kinds(app):
    register_periodic_step(app, PeriodicStep(RENEW_STATUS_LISTS, status_lists.renew_due))
