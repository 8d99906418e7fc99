"""One move out of each version of an application: the timeline records the version a status
change made, and a unique index refuses a second change from the same version, so two decisions
taken at once cannot both be stored.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("application_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=True))
        batch_op.create_index(
            "uq_application_events_one_move_per_version",
            ["application_id", "version"],
            unique=True,
            postgresql_where=sa.text("version IS NOT NULL"),
            sqlite_where=sa.text("version IS NOT NULL"),
        )


def downgrade():
    with op.batch_alter_table("application_events", schema=None) as batch_op:
        batch_op.drop_index("uq_application_events_one_move_per_version")
        batch_op.drop_column("version")
