"""signing keys: the programme's root and the universities' keys (private keys encrypted)

Revision ID: 7c13a5e1f0b2
Revises: 5b8e0c4d2a17
Create Date: 2026-12-01 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c13a5e1f0b2'
down_revision = '5b8e0c4d2a17'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'signing_key',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('university_id', sa.Integer(), nullable=True),
        sa.Column('kid', sa.String(length=64), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('certificate_pem', sa.Text(), nullable=False),
        sa.Column('encrypted_key_pem', sa.Text(), nullable=False),
        sa.Column('not_before', sa.DateTime(), nullable=False),
        sa.Column('not_after', sa.DateTime(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('retired_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("kind IN ('root', 'university')", name=op.f('ck_signing_key_kind_known')),
        sa.CheckConstraint("(kind = 'root') = (university_id IS NULL)",
                           name=op.f('ck_signing_key_university_key_has_university')),
        sa.ForeignKeyConstraint(['university_id'], ['university.id'],
                                name=op.f('fk_signing_key_university_id_university'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_signing_key')),
        sa.UniqueConstraint('fingerprint', name=op.f('uq_signing_key_fingerprint')),
        sa.UniqueConstraint('kid', name=op.f('uq_signing_key_kid')),
    )


def downgrade():
    op.drop_table('signing_key')
