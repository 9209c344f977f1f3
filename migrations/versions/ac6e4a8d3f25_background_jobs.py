"""background jobs: who started which job, its progress and result

Revision ID: ac6e4a8d3f25
Revises: 9b5d3f7c2e14
Create Date: 2026-12-01 22:10:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'ac6e4a8d3f25'
down_revision = '9b5d3f7c2e14'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
