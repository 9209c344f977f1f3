"""the grading rules a gradebook was published under

Revision ID: 3c1d2b7e9a40
Revises: fc66378925fd
Create Date: 2026-11-29 08:20:00

A published gradebook keeps a copy of the programme's grading rules (pass mark, rounding, second-round
rule, bands), so that changing them later changes no published result. Gradebooks published before this
revision get the programme's rules as they are now: the rules they were shown under until then.
"""
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '3c1d2b7e9a40'
down_revision = 'fc66378925fd'
branch_labels = None
depends_on = None

programme = sa.table("programme", sa.column("id", sa.Integer), sa.column("pass_mark", sa.Numeric(5, 2)),
                     sa.column("course_mark_rounding", sa.String), sa.column("second_round_rule", sa.String),
                     sa.column("second_round_deduction", sa.Numeric(5, 2)))
grade_band = sa.table("grade_band", sa.column("id", sa.Integer), sa.column("programme_id", sa.Integer),
                      sa.column("min_mark", sa.Numeric(5, 2)), sa.column("name_ar", sa.String),
                      sa.column("name_en", sa.String))
course = sa.table("course", sa.column("id", sa.Integer), sa.column("programme_id", sa.Integer))
offering = sa.table("offering", sa.column("id", sa.Integer), sa.column("course_id", sa.Integer))
gradebook = sa.table("gradebook", sa.column("id", sa.Integer), sa.column("offering_id", sa.Integer),
                     sa.column("published_round", sa.Integer), sa.column("published_rules", sa.JSON))


def _mark(value):
    return str(Decimal(value).quantize(Decimal("0.01")))


def _rules_of(connection, programme_id):
    """The same dictionary as diploma.grading.rules.GradingRules.as_json (copied here: a migration does not
    import the application, whose code changes after it)."""
    row = connection.execute(sa.select(programme).where(programme.c.id == programme_id)).one()
    bands = connection.execute(sa.select(grade_band).where(grade_band.c.programme_id == programme_id)
                               .order_by(grade_band.c.min_mark.desc())).all()
    return {"pass_mark": _mark(row.pass_mark), "course_mark_rounding": row.course_mark_rounding,
            "second_round_rule": row.second_round_rule,
            "second_round_deduction": _mark(row.second_round_deduction),
            "bands": [{"id": band.id, "min_mark": _mark(band.min_mark), "name_ar": band.name_ar,
                       "name_en": band.name_en} for band in bands]}


def upgrade():
    with op.batch_alter_table('gradebook', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_rules', sa.JSON(), nullable=True))

    connection = op.get_bind()
    published = connection.execute(
        sa.select(gradebook.c.id, course.c.programme_id)
        .join(offering, offering.c.id == gradebook.c.offering_id).join(course, course.c.id == offering.c.course_id)
        .where(gradebook.c.published_round > 0)).all()
    rules = {}
    for gradebook_id, programme_id in published:
        if programme_id not in rules:
            rules[programme_id] = _rules_of(connection, programme_id)
        connection.execute(gradebook.update().where(gradebook.c.id == gradebook_id)
                           .values(published_rules=rules[programme_id]))


def downgrade():
    with op.batch_alter_table('gradebook', schema=None) as batch_op:
        batch_op.drop_column('published_rules')
