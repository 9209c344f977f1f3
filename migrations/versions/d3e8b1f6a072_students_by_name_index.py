"""the students list in name order from an index: user (name_ar, id)

The registrar's students list is sorted by Arabic name (ties by the account), a page at a time. Without an
index the database sorted every student of the university to show one page (issue 15); with it, it reads
the names in order and stops once the page is full.

Revision ID: d3e8b1f6a072
Revises: ac6e4a8d3f25
Create Date: 2026-12-02 04:25:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd3e8b1f6a072'
down_revision = 'ac6e4a8d3f25'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_user_name_ar_id", "user", ["name_ar", "id"])


def downgrade():
    op.drop_index("ix_user_name_ar_id", table_name="user")
