"""certificate corrections and re-issue; the key that signed each certificate

Revision ID: 8a4c2e6b1d03
Revises: 7c13a5e1f0b2
Create Date: 2026-12-01 22:10:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '8a4c2e6b1d03'
down_revision = '7c13a5e1f0b2'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
