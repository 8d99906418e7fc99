"""Indexes in the order the busiest lists are read: the staff queue (and the API's list of
applications), due soonest first; outcome reports, latest filed first. A page of either is then
read from the index and stops at the page's end, where the whole table was sorted before.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index("ix_applications_queue_order", ["stage_due_on", "submitted_at", "id"], unique=False)
    with op.batch_alter_table("outcome_reports", schema=None) as batch_op:
        batch_op.create_index("ix_outcome_reports_submitted_at", ["submitted_at", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("outcome_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_outcome_reports_submitted_at")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index("ix_applications_queue_order")
