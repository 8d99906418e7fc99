"""The shared-services register's history: an arrangement's savings by financial year (April to
March, named by the calendar year it starts in), and the date an arrangement ended with the reason.

The data step keeps what is already recorded: until now an arrangement held one set of annual
savings (estimated, claimed, verified), with no year attached. The assumption made here is that
those figures held in every financial year of the arrangement's life, so each arrangement gets a
row for each financial year from the year it started to the financial year in which the migration
runs, each carrying its annual figures. Staff then correct the years that differed. The annual
figures stay on the arrangement as they were. The downgrade drops the history (the annual figures
were never changed by it).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-10
"""

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _financial_year_of(day: date) -> int:
    """1 April 2026 to 31 March 2027 is 2026 (as workflows.reporting.periods counts it)."""
    return day.year if day.month >= 4 else day.year - 1


def upgrade():
    with op.batch_alter_table("shared_arrangements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ended_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("end_reason", sa.Text(), nullable=True))
        batch_op.create_check_constraint("ends_after_start", "ended_on IS NULL OR ended_on >= started_on")

    years = op.create_table(
        "shared_arrangement_years",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("arrangement_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("estimated_savings_pence", sa.BigInteger(), nullable=True),
        sa.Column("claimed_savings_pence", sa.BigInteger(), nullable=True),
        sa.Column("verified_savings_pence", sa.BigInteger(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(estimated_savings_pence IS NULL OR estimated_savings_pence >= 0) AND "
            "(claimed_savings_pence IS NULL OR claimed_savings_pence >= 0) AND "
            "(verified_savings_pence IS NULL OR verified_savings_pence >= 0)",
            name=op.f("ck_shared_arrangement_years_savings_not_negative"),
        ),
        sa.CheckConstraint("year >= 1974 AND year <= 9998", name=op.f("ck_shared_arrangement_years_year_in_range")),
        sa.ForeignKeyConstraint(
            ["arrangement_id"],
            ["shared_arrangements.id"],
            name=op.f("fk_shared_arrangement_years_arrangement_id_shared_arrangements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_shared_arrangement_years_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shared_arrangement_years")),
        sa.UniqueConstraint("arrangement_id", "year", name="uq_shared_arrangement_years_year"),
    )
    with op.batch_alter_table("shared_arrangement_years", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shared_arrangement_years_year"), ["year"], unique=False)

    # Each arrangement's annual figures, for every financial year from its start to this one.
    this_year = _financial_year_of(date.today())
    now = datetime.now(UTC)
    arrangements = op.get_bind().execute(
        sa.text(
            "SELECT id, started_on, estimated_annual_savings_pence, claimed_annual_savings_pence, "
            "verified_annual_savings_pence, recorded_by_id FROM shared_arrangements ORDER BY id"
        )
    )
    rows = []
    for arrangement_id, started_on, estimated, claimed, verified, recorded_by_id in arrangements:
        if isinstance(started_on, str):  # SQLite hands dates back as text
            started_on = date.fromisoformat(started_on)
        for year in range(_financial_year_of(started_on), this_year + 1):
            rows.append(
                {
                    "arrangement_id": arrangement_id,
                    "year": year,
                    "estimated_savings_pence": estimated,
                    "claimed_savings_pence": claimed,
                    "verified_savings_pence": verified,
                    "recorded_by_id": recorded_by_id,
                    "recorded_at": now,
                }
            )
    if rows:
        op.bulk_insert(years, rows)


def downgrade():
    with op.batch_alter_table("shared_arrangement_years", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shared_arrangement_years_year"))
    op.drop_table("shared_arrangement_years")
    with op.batch_alter_table("shared_arrangements", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_shared_arrangements_ends_after_start"), type_="check")
        batch_op.drop_column("end_reason")
        batch_op.drop_column("ended_on")
