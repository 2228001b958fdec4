"""audit hash chain: each entry holds the previous entry's hash and its own

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 12:30:00

"""
from alembic import op
import sqlalchemy as sa

from inspect_app.domain.audit_chain import GENESIS, entry_hash


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('entry_hash', sa.String(length=64), nullable=True))

    # Chain the entries already there, in id order, as services.audit chains new ones.
    audit = sa.table('audit_log', sa.column('id', sa.Integer), sa.column('at', sa.DateTime),
                     sa.column('user_id', sa.Integer), sa.column('username', sa.String),
                     sa.column('action', sa.String), sa.column('entity', sa.String),
                     sa.column('entity_id', sa.Integer), sa.column('details', sa.JSON),
                     sa.column('prev_hash', sa.String), sa.column('entry_hash', sa.String))
    connection = op.get_bind()
    previous, chained = GENESIS, []
    for row in connection.execute(sa.select(audit).order_by(audit.c.id)):
        own = entry_hash(id=row.id, at=row.at, user_id=row.user_id, username=row.username, action=row.action,
                         entity=row.entity, entity_id=row.entity_id,
                         details=row.details if row.details is not None else {}, prev_hash=previous)
        chained.append({'row_id': row.id, 'prev': previous, 'own': own})
        previous = own
    if chained:
        connection.execute(audit.update().where(audit.c.id == sa.bindparam('row_id'))
                           .values(prev_hash=sa.bindparam('prev'), entry_hash=sa.bindparam('own')), chained)

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_audit_prev_hash', ['prev_hash'])


def downgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_constraint('uq_audit_prev_hash', type_='unique')
        batch_op.drop_column('entry_hash')
        batch_op.drop_column('prev_hash')
