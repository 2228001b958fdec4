"""verify comment: what the reviewer wrote when confirming a remediation

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 07:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('remediation_action', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verify_comment', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('remediation_action', schema=None) as batch_op:
        batch_op.drop_column('verify_comment')
