"""signing keys: the date from which a key is disowned (compromised_at)

A university key that leaked is disowned from a date: what it signed from then on is refused (tokens,
PDFs), and the programme's CRL lists its certificate as revoked for key compromise from that date.

Revision ID: 28a0c0ffee01
Revises: 6d2f8a1c4b90
Create Date: 2026-12-07 23:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '28a0c0ffee01'
down_revision = '6d2f8a1c4b90'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("signing_key") as batch:
        batch.add_column(sa.Column("compromised_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("signing_key") as batch:
        batch.drop_column("compromised_at")
