"""what waits since the last visit: a course's materials seen by the student, a user's last visit to a page

The dashboards say what waits for each role (issue 24): a student's "New materials" counts what was posted
after the student last saw the course's page (enrolment.materials_seen_at), the registrar's finished jobs
and a student's newly published marks count from the last visit to the dashboard or the grades page
(page_visit). Both are written by a POST the page sends once shown, never by a GET.

Revision ID: f4a9c2d7e813
Revises: d3e8b1f6a072
Create Date: 2026-12-07 18:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f4a9c2d7e813'
down_revision = 'd3e8b1f6a072'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("enrolment") as batch:
        batch.add_column(sa.Column("materials_seen_at", sa.DateTime(), nullable=True))
    op.create_table(
        "page_visit",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("page", sa.String(length=20), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("page IN ('dashboard', 'grades')", name=op.f("ck_page_visit_page_known")),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_page_visit_user_id_user"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "page", name=op.f("pk_page_visit")),
    )


def downgrade():
    op.drop_table("page_visit")
    with op.batch_alter_table("enrolment") as batch:
        batch.drop_column("materials_seen_at")
