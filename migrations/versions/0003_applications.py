"""Applications: partners, the timeline, assessments, awards and payments; assessment criteria,
eligibility rules and service levels on schemes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "scheme_criteria",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("guidance", sa.Text(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint("weight > 0", name=op.f("ck_scheme_criteria_weight_positive")),
        sa.ForeignKeyConstraint(
            ["scheme_id"], ["schemes.id"], name=op.f("fk_scheme_criteria_scheme_id_schemes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheme_criteria")),
        sa.UniqueConstraint("scheme_id", "code", name="uq_scheme_criteria_scheme_code"),
    )
    op.create_table(
        "applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=24), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("lead_council_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "in_assessment",
                "awaiting_decision",
                "changes_requested",
                "offered",
                "expert_matching",
                "in_delivery",
                "outcomes_reported",
                "evaluated",
                "closed",
                "rejected",
                "ineligible",
                "withdrawn",
                name="application_status",
                native_enum=False,
                create_constraint=True,
                length=25,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("sections_done", sa.JSON(), nullable=False),
        sa.Column("amount_requested_pence", sa.BigInteger(), nullable=True),
        sa.Column("match_pence", sa.BigInteger(), nullable=True),
        sa.Column("savings_cashable_pence", sa.BigInteger(), nullable=True),
        sa.Column("savings_income_pence", sa.BigInteger(), nullable=True),
        sa.Column("savings_avoided_pence", sa.BigInteger(), nullable=True),
        sa.Column("eligibility_passed", sa.Boolean(), nullable=True),
        sa.Column("eligibility_results", sa.JSON(), nullable=False),
        sa.Column("eligibility_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stage_entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stage_due_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "amount_requested_pence IS NULL OR amount_requested_pence >= 0",
            name=op.f("ck_applications_amount_not_negative"),
        ),
        sa.CheckConstraint("match_pence IS NULL OR match_pence >= 0", name=op.f("ck_applications_match_not_negative")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_applications_created_by_id_users")),
        sa.ForeignKeyConstraint(
            ["lead_council_id"], ["councils.id"], name=op.f("fk_applications_lead_council_id_councils")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["funding_rounds.id"], name=op.f("fk_applications_round_id_funding_rounds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("reference", name=op.f("uq_applications_reference")),
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index("ix_applications_lead_council_status", ["lead_council_id", "status"], unique=False)
        batch_op.create_index("ix_applications_round_status", ["round_id", "status"], unique=False)
        batch_op.create_index("ix_applications_status_stage_due_on", ["status", "stage_due_on"], unique=False)

    op.create_table(
        "application_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("from_status", sa.String(length=30), nullable=True),
        sa.Column("to_status", sa.String(length=30), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_application_events_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_events_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_events")),
    )
    with op.batch_alter_table("application_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_application_events_application_occurred_at", ["application_id", "occurred_at"], unique=False
        )

    op.create_table(
        "application_partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "invited",
                "confirmed",
                "declined",
                name="partner_status",
                native_enum=False,
                create_constraint=True,
                length=17,
            ),
            nullable=False,
        ),
        sa.Column("match_share_pence", sa.BigInteger(), nullable=False),
        sa.Column("responded_by_id", sa.Integer(), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("match_share_pence >= 0", name=op.f("ck_application_partners_match_share_not_negative")),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_partners_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["council_id"], ["councils.id"], name=op.f("fk_application_partners_council_id_councils")
        ),
        sa.ForeignKeyConstraint(
            ["responded_by_id"], ["users.id"], name=op.f("fk_application_partners_responded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_partners")),
        sa.UniqueConstraint("application_id", "council_id", name="uq_application_partners_application_council"),
    )
    with op.batch_alter_table("application_partners", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_application_partners_council_id"), ["council_id"], unique=False)

    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("assessor_id", sa.Integer(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("weighted_score_tenths", sa.Integer(), nullable=False),
        sa.Column("recommendation", sa.String(length=20), nullable=False),
        sa.Column("comments", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_assessments_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["assessor_id"], ["users.id"], name=op.f("fk_assessments_assessor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
        sa.UniqueConstraint("application_id", "assessor_id", name="uq_assessments_application_assessor"),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessments_assessor_id"), ["assessor_id"], unique=False)

    op.create_table(
        "awards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.Column("match_pence", sa.BigInteger(), nullable=False),
        sa.Column("paid_pence", sa.BigInteger(), nullable=False),
        sa.Column("approved_by_id", sa.Integer(), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_by_id", sa.Integer(), nullable=True),
        sa.Column("signatory_name", sa.String(length=120), nullable=True),
        sa.Column("signatory_role", sa.String(length=120), nullable=True),
        sa.CheckConstraint("amount_pence > 0", name=op.f("ck_awards_amount_positive")),
        sa.CheckConstraint("paid_pence >= 0 AND paid_pence <= amount_pence", name=op.f("ck_awards_paid_within_amount")),
        sa.ForeignKeyConstraint(["accepted_by_id"], ["users.id"], name=op.f("fk_awards_accepted_by_id_users")),
        sa.ForeignKeyConstraint(
            ["application_id"], ["applications.id"], name=op.f("fk_awards_application_id_applications")
        ),
        sa.ForeignKeyConstraint(["approved_by_id"], ["users.id"], name=op.f("fk_awards_approved_by_id_users")),
        sa.ForeignKeyConstraint(["round_id"], ["funding_rounds.id"], name=op.f("fk_awards_round_id_funding_rounds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_awards")),
        sa.UniqueConstraint("application_id", name=op.f("uq_awards_application_id")),
    )
    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_awards_round_id"), ["round_id"], unique=False)

    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=80), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_pence > 0", name=op.f("ck_payments_amount_positive")),
        sa.ForeignKeyConstraint(["award_id"], ["awards.id"], name=op.f("fk_payments_award_id_awards")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], name=op.f("fk_payments_recorded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_award_id"), ["award_id"], unique=False)

    with op.batch_alter_table("schemes", schema=None) as batch_op:
        # Existing schemes get the defaults: no extra eligibility rules, two assessors, no service levels.
        batch_op.add_column(
            sa.Column("one_per_council_per_round", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("eligible_tiers", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("assessments_required", sa.Integer(), nullable=False, server_default="2"))
        batch_op.add_column(sa.Column("service_levels", sa.JSON(), nullable=False, server_default="{}"))


def downgrade():
    with op.batch_alter_table("schemes", schema=None) as batch_op:
        batch_op.drop_column("service_levels")
        batch_op.drop_column("assessments_required")
        batch_op.drop_column("eligible_tiers")
        batch_op.drop_column("one_per_council_per_round")

    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_award_id"))

    op.drop_table("payments")
    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_awards_round_id"))

    op.drop_table("awards")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessments_assessor_id"))

    op.drop_table("assessments")
    with op.batch_alter_table("application_partners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_partners_council_id"))

    op.drop_table("application_partners")
    with op.batch_alter_table("application_events", schema=None) as batch_op:
        batch_op.drop_index("ix_application_events_application_occurred_at")

    op.drop_table("application_events")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index("ix_applications_status_stage_due_on")
        batch_op.drop_index("ix_applications_round_status")
        batch_op.drop_index("ix_applications_lead_council_status")

    op.drop_table("applications")
    op.drop_table("scheme_criteria")
