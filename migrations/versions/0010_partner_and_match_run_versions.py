"""A version on a joint bid's partner and on a matching run, as on every other record with a
lifecycle: each change of status goes through the one door, which bumps it. Rows already there
start at 1.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("application_partners", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("match_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade():
    with op.batch_alter_table("match_runs", schema=None) as batch_op:
        batch_op.drop_column("version")
    with op.batch_alter_table("application_partners", schema=None) as batch_op:
        batch_op.drop_column("version")
