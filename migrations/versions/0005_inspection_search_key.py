"""inspection search key: names without diacritics, so "phuc xa" finds "Phường Phúc Xá"

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 07:00:00

"""
from alembic import op
import sqlalchemy as sa

from inspect_app.domain.text import search_key


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_key', sa.String(length=260), nullable=True))

    # Backfill from each row's snapshot names, the same way the model's default computes it.
    inspection = sa.table('inspection', sa.column('id', sa.Integer), sa.column('commune_name', sa.String),
                          sa.column('commune_code', sa.String), sa.column('district_name', sa.String),
                          sa.column('search_key', sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(inspection.c.id, inspection.c.commune_name, inspection.c.commune_code,
                                        inspection.c.district_name)).all()
    if rows:
        connection.execute(
            inspection.update().where(inspection.c.id == sa.bindparam('row_id'))
            .values(search_key=sa.bindparam('key')),
            [{'row_id': row.id, 'key': search_key((row.commune_name, row.commune_code, row.district_name))}
             for row in rows])

    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.alter_column('search_key', existing_type=sa.String(length=260), nullable=False)
        batch_op.create_index(batch_op.f('ix_inspection_search_key'), ['search_key'], unique=False)


def downgrade():
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_search_key'))
        batch_op.drop_column('search_key')
