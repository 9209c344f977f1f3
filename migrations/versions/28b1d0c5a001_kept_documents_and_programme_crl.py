"""signed PDFs kept for life (kept_document) and the programme's CRL (programme_crl)

Revision ID: 28b1d0c5a001
Revises: 28a0c0ffee01
Create Date: 2026-12-07 23:55:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '28b1d0c5a001'
down_revision = '28a0c0ffee01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'kept_document',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('certificate_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('signed_at', sa.DateTime(), nullable=False),
        sa.Column('signing_key_id', sa.Integer(), nullable=False),
        sa.Column('timestamp_until', sa.DateTime(), nullable=True),
        sa.CheckConstraint("kind IN ('certificate', 'transcript')", name=op.f('ck_kept_document_kept_kind_known')),
        sa.CheckConstraint("language IN ('ar', 'en')", name=op.f('ck_kept_document_kept_language_known')),
        sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'],
                                name=op.f('fk_kept_document_certificate_id_certificate'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['signing_key_id'], ['signing_key.id'],
                                name=op.f('fk_kept_document_signing_key_id_signing_key'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kept_document')),
        sa.UniqueConstraint('certificate_id', 'kind', 'language', name=op.f('uq_kept_document_certificate_id')),
    )
    with op.batch_alter_table('kept_document') as batch:
        batch.create_index(batch.f('ix_kept_document_sha256'), ['sha256'], unique=False)
    op.create_table(
        'programme_crl',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('der', sa.LargeBinary(), nullable=False),
        sa.Column('this_update', sa.DateTime(), nullable=False),
        sa.Column('next_update', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_crl')),
        sa.UniqueConstraint('number', name=op.f('uq_programme_crl_number')),
    )


def downgrade():
    op.drop_table('programme_crl')
    with op.batch_alter_table('kept_document') as batch:
        batch.drop_index(batch.f('ix_kept_document_sha256'))
    op.drop_table('kept_document')
