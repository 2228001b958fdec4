"""criteria versions: checklist versions made by the department, drafts and published, in the database

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 15:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'criteria_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('checklist_id', sa.String(length=64), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('checklist_yaml', sa.Text(), nullable=False),
        sa.Column('rules_yaml', sa.Text(), nullable=False),
        sa.Column('effective_from', sa.Date(), nullable=False),
        sa.Column('left_out', sa.JSON(), nullable=False),
        sa.Column('source_name', sa.String(length=255), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.Column('published_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_criteria_version_created_by_id_user_account')),
        sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'],
                                name=op.f('fk_criteria_version_published_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_criteria_version')),
        sa.UniqueConstraint('checklist_id', 'version', name='uq_criteria_version'),
    )
    with op.batch_alter_table('criteria_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_criteria_version_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('criteria_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_criteria_version_status'))
    op.drop_table('criteria_version')
