"""Append-only audit log: who did what to which record, when, with the values involved.

A record is named by its model (``target_type``) and id: as text (``target_id``, shown in the history) and as
a number (``target_key``, indexed), so that a query joins the log to a table with ``about(Model)`` — a typed
comparison on the index, no CAST and no model name spelt out by the caller."""
from functools import cache

from flask import has_request_context, request
from sqlalchemy import event

from diploma.clock import utcnow
from diploma.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id = db.Column(db.Integer, primary_key=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    actor_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    action = db.Column(db.String(60), nullable=False, index=True)
    target_type = db.Column(db.String(60))
    target_id = db.Column(db.String(60))
    target_key = db.Column(db.Integer)  # the same id as a number: every record's id is one
    data = db.Column(db.JSON, nullable=False, default=dict)
    ip_address = db.Column(db.String(45))

    # Not loaded with every event: ``events_for`` asks for it, as the history page shows it.
    actor = db.relationship("User")

    # A record's trail (``events_for``) and a table's events (``about``) are found through this index, not by
    # reading the whole log.
    __table_args__ = (db.Index("ix_audit_event_target_key", "target_type", "target_key"),)


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target):
    raise RuntimeError("audit events are append-only")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise RuntimeError("audit events are append-only")


def record(actor, action, target=None, data=None, *, keep_address=True):
    """Add an audit event to the session (flushed with the change it describes, never on its own).
    ``keep_address=False``: the requester's IP address is not kept (an anonymous visitor's look-up)."""
    audit_event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        target_type=type(target).__name__ if target is not None else None,
        target_id=str(target.id) if target is not None and target.id is not None else None,
        target_key=target.id if target is not None else None,
        data=data or {},
        ip_address=request.remote_addr if keep_address and has_request_context() else None,
    )
    db.session.add(audit_event)
    return audit_event


def record_at_once(action, target_model, target_id):
    """Write an anonymous event about a record (its model and id) at once, with no actor, data nor
    address: one INSERT, without the session's unit of work, for a page that writes nothing else (the
    verification page counts each look). Committed by the caller, as every event."""
    db.session.execute(_anonymous_insert(), {"action": action, "target_type": target_model.__name__,
                                             "target_id": str(target_id), "target_key": target_id,
                                             "data": {}})


@cache
def _anonymous_insert():
    return db.insert(AuditEvent.__table__)  # the table, not the entity: no ORM bulk-insert machinery


def about(model):
    """The condition that joins the log to ``model``'s table: the events whose target is one of its rows
    (``select(...).join(Certificate, audit.about(Certificate))``)."""
    return db.and_(AuditEvent.target_type == model.__name__, AuditEvent.target_key == model.id)


def events_for(target):
    """The audit trail of one record, oldest first."""
    return db.session.scalars(
        db.select(AuditEvent)
        .where(AuditEvent.target_type == type(target).__name__, AuditEvent.target_key == target.id)
        .order_by(AuditEvent.id).options(db.joinedload(AuditEvent.actor))
    ).all()
