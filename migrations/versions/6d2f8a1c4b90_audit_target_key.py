"""audit log: the target's id as a number (target_key), indexed with the target's type

The log named its record by model and id as text only, so a query joining it to a table (the verification
counts by university) compared ``CAST(certificate.id AS VARCHAR)`` with the text, which no index serves.
``target_key`` holds the same id as an integer; ``(target_type, target_key)`` replaces the index on
``(target_type, target_id)`` (a record's trail is found through the new one). Existing events get their key
from their text id (every record's id is a number).

Revision ID: 6d2f8a1c4b90
Revises: f4a9c2d7e813
Create Date: 2026-12-07 21:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '6d2f8a1c4b90'
down_revision = 'f4a9c2d7e813'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("target_key", sa.Integer(), nullable=True))
    digits_only = ("target_id ~ '^[0-9]{1,9}$'" if op.get_bind().dialect.name == "postgresql"
                   else "target_id NOT GLOB '*[^0-9]*' AND length(target_id) BETWEEN 1 AND 9")
    op.execute(f"UPDATE audit_event SET target_key = CAST(target_id AS INTEGER) WHERE {digits_only}")
    op.drop_index("ix_audit_event_target", table_name="audit_event")
    op.create_index("ix_audit_event_target_key", "audit_event", ["target_type", "target_key"])


def downgrade():
    op.drop_index("ix_audit_event_target_key", table_name="audit_event")
    op.create_index("ix_audit_event_target", "audit_event", ["target_type", "target_id"])
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("target_key")
