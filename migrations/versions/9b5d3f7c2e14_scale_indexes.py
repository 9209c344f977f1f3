"""indexes for flat cost at scale: audit record, folded search text

Revision ID: 9b5d3f7c2e14
Revises: 8a4c2e6b1d03
Create Date: 2026-12-01 22:10:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '9b5d3f7c2e14'
down_revision = '8a4c2e6b1d03'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
