"""private, cacheable status lists: a certificate's random place in its university's list, and the lists
kept as signed

``certificate.status_index``: the certificates issued so far keep the place they had (their id); new ones
draw a random unused place at issue. ``status_list``: each university's list as signed, served as stored
until a change or the worker signs it anew.

Revision ID: 28e4d0c5a004
Revises: 28d3d0c5a003
Create Date: 2026-12-07 23:55:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '28e4d0c5a004'
down_revision = '28d3d0c5a003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("certificate") as batch:
        batch.add_column(sa.Column("status_index", sa.Integer(), nullable=True))
    op.execute("UPDATE certificate SET status_index = id")
    with op.batch_alter_table("certificate") as batch:
        batch.alter_column("status_index", existing_type=sa.Integer(), nullable=False)
        batch.create_unique_constraint("uq_certificate_status_index", ["university_id", "status_index"])
    op.create_table(
        "status_list",
        sa.Column("university_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("etag", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=False),
        sa.Column("valid_until", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["university_id"], ["university.id"],
                                name=op.f("fk_status_list_university_id_university"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("university_id", name=op.f("pk_status_list")),
    )


def downgrade():
    op.drop_table("status_list")
    with op.batch_alter_table("certificate") as batch:
        batch.drop_constraint("uq_certificate_status_index", type_="unique")
        batch.drop_column("status_index")
