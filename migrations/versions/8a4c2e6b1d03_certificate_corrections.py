"""certificate corrections and re-issue; the key that signed each certificate

Revision ID: 8a4c2e6b1d03
Revises: 7c13a5e1f0b2
Create Date: 2026-12-01 22:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '8a4c2e6b1d03'
down_revision = '7c13a5e1f0b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificate') as batch:
        batch.add_column(sa.Column('signing_key_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('edition', sa.Integer(), nullable=False, server_default='1'))
        batch.add_column(sa.Column('replaces_id', sa.Integer(), nullable=True))
    # The certificates issued so far: the key their university signs with now (None if it has none).
    op.execute("UPDATE certificate SET signing_key_id = (SELECT max(signing_key.id) FROM signing_key "
               "WHERE signing_key.university_id = certificate.university_id "
               "AND signing_key.retired_at IS NULL)")
    with op.batch_alter_table('certificate') as batch:
        batch.alter_column('edition', server_default=None)
        batch.drop_constraint('uq_certificate_student_id', type_='unique')
        batch.create_unique_constraint(op.f('uq_certificate_student_id'),
                                       ['student_id', 'programme_id', 'edition'])
        batch.create_unique_constraint(op.f('uq_certificate_replaces_id'), ['replaces_id'])
        batch.create_foreign_key(op.f('fk_certificate_signing_key_id_signing_key'), 'signing_key',
                                 ['signing_key_id'], ['id'], ondelete='RESTRICT')
        batch.create_foreign_key(op.f('fk_certificate_replaces_id_certificate'), 'certificate',
                                 ['replaces_id'], ['id'])


def downgrade():
    # Corrected certificates (edition > 1) cannot fit the older schema (one certificate per student).
    with op.batch_alter_table('certificate') as batch:
        batch.drop_constraint('fk_certificate_replaces_id_certificate', type_='foreignkey')
        batch.drop_constraint('fk_certificate_signing_key_id_signing_key', type_='foreignkey')
        batch.drop_constraint('uq_certificate_replaces_id', type_='unique')
        batch.drop_constraint('uq_certificate_student_id', type_='unique')
        batch.create_unique_constraint(op.f('uq_certificate_student_id'), ['student_id', 'programme_id'])
        batch.drop_column('replaces_id')
        batch.drop_column('edition')
        batch.drop_column('signing_key_id')
