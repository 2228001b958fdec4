"""photo client key: a photo uploaded again from a tablet's queue is stored once

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 15:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_photo_inspection_id', ['inspection_id', 'client_key'])


def downgrade():
    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.drop_constraint('uq_photo_inspection_id', type_='unique')
        batch_op.drop_column('client_key')
