"""one revision per inspection: replaces_id is unique

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 07:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    # Revisions duplicated by the race this constraint closes must be resolved by hand first: say which.
    duplicates = op.get_bind().execute(sa.text(
        "SELECT replaces_id, COUNT(*) FROM inspection WHERE replaces_id IS NOT NULL "
        "GROUP BY replaces_id HAVING COUNT(*) > 1")).all()
    if duplicates:
        listed = ", ".join(f"inspection {replaced} ({count} revisions)" for replaced, count in duplicates)
        raise RuntimeError(f"several revisions replace the same inspection: {listed}; keep one of each and retry")
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_inspection_replaces_id'), ['replaces_id'])


def downgrade():
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_inspection_replaces_id'), type_='unique')
