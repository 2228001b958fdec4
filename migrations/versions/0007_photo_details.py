"""photo caption, time taken and opt-in location

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 07:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.add_column(sa.Column('keep_photo_location', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.add_column(sa.Column('caption', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('taken_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('taken_at_source', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('latitude', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('longitude', sa.Double(), nullable=True))


def downgrade():
    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.drop_column('longitude')
        batch_op.drop_column('latitude')
        batch_op.drop_column('taken_at_source')
        batch_op.drop_column('taken_at')
        batch_op.drop_column('caption')
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.drop_column('keep_photo_location')
