"""programme results (placeholder: removed if the results need no schema change)

Revision ID: bd7f5b9e4a36
Revises: ac6e4a8d3f25
Create Date: 2026-12-01 22:10:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'bd7f5b9e4a36'
down_revision = 'ac6e4a8d3f25'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
