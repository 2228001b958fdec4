"""inspection plans: a period's plan with its scope, teams (and the decisions forming them) and planned inspections

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 15:06:31

"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('inspection_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('unit_report_due', sa.Date(), nullable=True),
    sa.Column('department_report_due', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_inspection_plan_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_plan')),
    sa.UniqueConstraint('number', name=op.f('uq_inspection_plan_number'))
    )
    op.create_table('plan_scope',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['inspection_plan.id'], name=op.f('fk_plan_scope_plan_id_inspection_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_scope')),
    sa.UniqueConstraint('plan_id', 'level', 'code', name=op.f('uq_plan_scope_plan_id'))
    )
    with op.batch_alter_table('plan_scope', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_scope_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_team',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('decision_number', sa.String(length=40), nullable=False),
    sa.Column('decision_date', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['inspection_plan.id'], name=op.f('fk_plan_team_plan_id_inspection_plan')),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_plan_team_team_id_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_team')),
    sa.UniqueConstraint('plan_id', 'team_id', name=op.f('uq_plan_team_plan_id'))
    )
    with op.batch_alter_table('plan_team', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_team_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_team_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_team_id', sa.Integer(), nullable=False),
    sa.Column('position_index', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('position', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['plan_team_id'], ['plan_team.id'], name=op.f('fk_plan_team_member_plan_team_id_plan_team')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_plan_team_member_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_team_member'))
    )
    with op.batch_alter_table('plan_team_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_team_member_plan_team_id'), ['plan_team_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_team_member_user_id'), ['user_id'], unique=False)

    op.create_table('planned_inspection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('plan_team_id', sa.Integer(), nullable=False),
    sa.Column('commune_code', sa.String(length=10), nullable=False),
    sa.Column('commune_name', sa.String(length=120), nullable=False),
    sa.Column('district_code', sa.String(length=10), nullable=True),
    sa.Column('district_name', sa.String(length=120), nullable=True),
    sa.Column('window_start', sa.Date(), nullable=False),
    sa.Column('window_end', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], name=op.f('fk_planned_inspection_inspection_id_inspection')),
    sa.ForeignKeyConstraint(['plan_id'], ['inspection_plan.id'], name=op.f('fk_planned_inspection_plan_id_inspection_plan')),
    sa.ForeignKeyConstraint(['plan_team_id'], ['plan_team.id'], name=op.f('fk_planned_inspection_plan_team_id_plan_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_planned_inspection')),
    sa.UniqueConstraint('inspection_id', name=op.f('uq_planned_inspection_inspection_id'))
    )
    with op.batch_alter_table('planned_inspection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_planned_inspection_commune_code'), ['commune_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_planned_inspection_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_planned_inspection_plan_team_id'), ['plan_team_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_planned_inspection_window_start'), ['window_start'], unique=False)



def downgrade():
    with op.batch_alter_table('planned_inspection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_planned_inspection_window_start'))
        batch_op.drop_index(batch_op.f('ix_planned_inspection_plan_team_id'))
        batch_op.drop_index(batch_op.f('ix_planned_inspection_plan_id'))
        batch_op.drop_index(batch_op.f('ix_planned_inspection_commune_code'))

    op.drop_table('planned_inspection')
    with op.batch_alter_table('plan_team_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_team_member_user_id'))
        batch_op.drop_index(batch_op.f('ix_plan_team_member_plan_team_id'))

    op.drop_table('plan_team_member')
    with op.batch_alter_table('plan_team', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_team_plan_id'))

    op.drop_table('plan_team')
    with op.batch_alter_table('plan_scope', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_scope_plan_id'))

    op.drop_table('plan_scope')
    op.drop_table('inspection_plan')
