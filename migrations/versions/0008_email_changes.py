"""Changing the email address of an account: a single-use link (its own token purpose) carries
the new address until the person proves it is theirs.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

PURPOSES = ("invitation", "password_reset")


def _purpose_check(purposes):
    listed = ", ".join(f"'{p}'" for p in purposes)
    return f"purpose IN ({listed})"


def upgrade():
    with op.batch_alter_table("user_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("new_email", sa.String(length=254), nullable=True))
        batch_op.drop_constraint(op.f("ck_user_tokens_token_purpose"), type_="check")
        batch_op.create_check_constraint("token_purpose", _purpose_check((*PURPOSES, "email_change")))


def downgrade():
    op.execute("DELETE FROM user_tokens WHERE purpose = 'email_change'")
    with op.batch_alter_table("user_tokens", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_user_tokens_token_purpose"), type_="check")
        batch_op.create_check_constraint("token_purpose", _purpose_check(PURPOSES))
        batch_op.drop_column("new_email")
