"""Column shapes that many tables share."""
from diploma.extensions import db


def reference(table, *, ondelete="RESTRICT", nullable=False, **options):
    """A reference to a row of ``table`` (its ``id``): required, and the row cannot be deleted while
    referenced, unless told otherwise (``ondelete``, ``nullable``; ``index=True`` …)."""
    return db.Column(db.Integer, db.ForeignKey(f"{table}.id", ondelete=ondelete), nullable=nullable,
                     **options)
