"""signing keys: each university key's Ed25519 twin (the Open Badges Data Integrity proof)

The Open Badges 3.0 credential carries an ``eddsa-rdfc-2022`` Data Integrity proof, made with an Ed25519
key kept beside the university's P-256 key: its public key as a Multikey and its private key wrapped like
the others. Keys made before are given one by ``flask --app wsgi keys ed25519``.

Revision ID: 28d3d0c5a003
Revises: 28b1d0c5a001
Create Date: 2026-12-07 23:58:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '28d3d0c5a003'
down_revision = '28b1d0c5a001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("signing_key") as batch:
        batch.add_column(sa.Column("ed25519_public_key", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("ed25519_encrypted_key_pem", sa.Text(), nullable=True))
        batch.create_unique_constraint("uq_signing_key_ed25519_public_key", ["ed25519_public_key"])


def downgrade():
    with op.batch_alter_table("signing_key") as batch:
        batch.drop_constraint("uq_signing_key_ed25519_public_key", type_="unique")
        batch.drop_column("ed25519_encrypted_key_pem")
        batch.drop_column("ed25519_public_key")
