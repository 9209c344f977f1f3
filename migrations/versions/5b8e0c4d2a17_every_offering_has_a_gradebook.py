"""every offering has its gradebook (created with the offering from now on, never by reading a page)

Revision ID: 5b8e0c4d2a17
Revises: 2f1222230e02
Create Date: 2026-12-01 18:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b8e0c4d2a17'
down_revision = '2f1222230e02'
branch_labels = None
depends_on = None

# The default assessments as they were when this migration was written (grading.table.DEFAULT_ASSESSMENTS).
DEFAULT_ASSESSMENTS = (
    {"position": 1, "name_ar": "السعي", "name_en": "Coursework", "weight": 40, "max_score": 100,
     "is_final": False},
    {"position": 2, "name_ar": "الامتحان النهائي", "name_en": "Final exam", "weight": 60, "max_score": 100,
     "is_final": True},
)


def upgrade():
    connection = op.get_bind()
    offering = sa.table("offering", sa.column("id", sa.Integer))
    gradebook = sa.table("gradebook", sa.column("id", sa.Integer), sa.column("offering_id", sa.Integer),
                         sa.column("status", sa.String), sa.column("current_round", sa.Integer),
                         sa.column("published_round", sa.Integer))
    assessment = sa.table("assessment", sa.column("gradebook_id", sa.Integer), sa.column("position", sa.Integer),
                          sa.column("name_ar", sa.String), sa.column("name_en", sa.String),
                          sa.column("weight", sa.Numeric), sa.column("max_score", sa.Numeric),
                          sa.column("is_final", sa.Boolean))
    missing = connection.execute(
        sa.select(offering.c.id).where(~sa.exists().where(gradebook.c.offering_id == offering.c.id))
        .order_by(offering.c.id)).scalars().all()
    for offering_id in missing:
        connection.execute(gradebook.insert().values(offering_id=offering_id, status="draft", current_round=1,
                                                     published_round=0))
        gradebook_id = connection.execute(sa.select(gradebook.c.id)
                                          .where(gradebook.c.offering_id == offering_id)).scalar_one()
        connection.execute(assessment.insert(), [{"gradebook_id": gradebook_id, **values}
                                                 for values in DEFAULT_ASSESSMENTS])


def downgrade():
    # The gradebooks stay: before this revision they were created on first sight, as these would have been.
    pass
