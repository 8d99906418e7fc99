"""The initial schema: councils, people and roles, single-use links, schemes and rounds, the expert
pool, the audit trail and worker heartbeats.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "councils",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gss_code", sa.String(length=9), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "tier",
            sa.Enum(
                "county",
                "district",
                "unitary",
                "metropolitan",
                "london_borough",
                "welsh_principal_area",
                name="council_tier",
                native_enum=False,
                create_constraint=True,
                length=28,
            ),
            nullable=False,
        ),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["parent_id"], ["councils.id"], name=op.f("fk_councils_parent_id_councils")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_councils")),
        sa.UniqueConstraint("gss_code", name=op.f("uq_councils_gss_code")),
    )
    with op.batch_alter_table("councils", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_councils_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_councils_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "experts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("organisation", sa.String(length=160), nullable=False),
        sa.Column("biography", sa.Text(), nullable=False),
        sa.Column("day_rate_pence", sa.BigInteger(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column(
            "vetting_status",
            sa.Enum(
                "applied",
                "vetted",
                "suspended",
                name="vetting_status",
                native_enum=False,
                create_constraint=True,
                length=17,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("capacity >= 0", name=op.f("ck_experts_capacity_not_negative")),
        sa.CheckConstraint("day_rate_pence > 0", name=op.f("ck_experts_day_rate_positive")),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_experts_email_lower_case")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experts")),
        sa.UniqueConstraint("email", name=op.f("uq_experts_email")),
    )
    op.create_table(
        "schemes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "fixed_grant",
                "match_funding",
                "matchmaking",
                name="scheme_kind",
                native_enum=False,
                create_constraint=True,
                length=21,
            ),
            nullable=False,
        ),
        sa.Column("fixed_amount_pence", sa.BigInteger(), nullable=True),
        sa.Column("max_amount_pence", sa.BigInteger(), nullable=True),
        sa.Column("match_ratio_percent", sa.Integer(), nullable=False),
        sa.Column("uses_experts", sa.Boolean(), nullable=False),
        sa.Column("allows_partners", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "fixed_amount_pence IS NULL OR fixed_amount_pence > 0", name=op.f("ck_schemes_fixed_amount_positive")
        ),
        sa.CheckConstraint("match_ratio_percent >= 0", name=op.f("ck_schemes_match_ratio_not_negative")),
        sa.CheckConstraint(
            "max_amount_pence IS NULL OR max_amount_pence > 0", name=op.f("ck_schemes_max_amount_positive")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schemes")),
        sa.UniqueConstraint("code", name=op.f("uq_schemes_code")),
    )
    op.create_table(
        "worker_heartbeats",
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("beats", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hostname", name=op.f("pk_worker_heartbeats")),
    )
    op.create_table(
        "expert_regions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column(
            "region",
            sa.Enum(
                "north_east",
                "north_west",
                "yorkshire_and_the_humber",
                "east_midlands",
                "west_midlands",
                "east_of_england",
                "london",
                "south_east",
                "south_west",
                "wales",
                name="region",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["experts.id"], name=op.f("fk_expert_regions_expert_id_experts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_regions")),
        sa.UniqueConstraint("expert_id", "region", name="uq_expert_regions_pair"),
    )
    with op.batch_alter_table("expert_regions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_expert_regions_expert_id"), ["expert_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_expert_regions_region"), ["region"], unique=False)

    op.create_table(
        "expert_specialisms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column(
            "specialism",
            sa.Enum(
                "procurement",
                "commercialisation",
                "digital",
                "adult_social_care",
                "childrens_services",
                "shared_services",
                "asset_management",
                "finance",
                "behavioural_insights",
                "waste_and_environment",
                "housing",
                "workforce",
                name="specialism",
                native_enum=False,
                create_constraint=True,
                length=29,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["experts.id"], name=op.f("fk_expert_specialisms_expert_id_experts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_specialisms")),
        sa.UniqueConstraint("expert_id", "specialism", name="uq_expert_specialisms_pair"),
    )
    with op.batch_alter_table("expert_specialisms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_expert_specialisms_expert_id"), ["expert_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_expert_specialisms_specialism"), ["specialism"], unique=False)

    op.create_table(
        "funding_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("budget_pence", sa.BigInteger(), nullable=False),
        sa.Column("committed_pence", sa.BigInteger(), nullable=False),
        sa.Column("target_councils", sa.Integer(), nullable=True),
        sa.Column("target_savings_pence", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("budget_pence >= 0", name=op.f("ck_funding_rounds_budget_not_negative")),
        sa.CheckConstraint("closes_on >= opens_on", name=op.f("ck_funding_rounds_closes_after_opening")),
        sa.CheckConstraint(
            "committed_pence >= 0 AND committed_pence <= budget_pence",
            name=op.f("ck_funding_rounds_committed_within_budget"),
        ),
        sa.ForeignKeyConstraint(["scheme_id"], ["schemes.id"], name=op.f("fk_funding_rounds_scheme_id_schemes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funding_rounds")),
    )
    with op.batch_alter_table("funding_rounds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_funding_rounds_scheme_id"), ["scheme_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("council_id", sa.Integer(), nullable=True),
        sa.Column("expert_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("session_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_signed_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_users_email_lower_case")),
        sa.ForeignKeyConstraint(["council_id"], ["councils.id"], name=op.f("fk_users_council_id_councils")),
        sa.ForeignKeyConstraint(["expert_id"], ["experts.id"], name=op.f("fk_users_expert_id_experts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint("expert_id", name=op.f("uq_users_expert_id")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_council_id"), ["council_id"], unique=False)

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_audit_events_actor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_events_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_events_occurred_at"), ["occurred_at"], unique=False)
        batch_op.create_index("ix_audit_events_subject", ["subject_type", "subject_id", "occurred_at"], unique=False)

    op.create_table(
        "user_roles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "council_officer",
                "programme_officer",
                "assessor",
                "approver",
                "expert",
                "administrator",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=25,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_roles_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_roles")),
        sa.UniqueConstraint("user_id", "role", name="uq_user_roles_user_role"),
    )
    with op.batch_alter_table("user_roles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_roles_user_id"), ["user_id"], unique=False)

    op.create_table(
        "user_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "invitation",
                "password_reset",
                name="token_purpose",
                native_enum=False,
                create_constraint=True,
                length=22,
            ),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_tokens_token_hash")),
    )
    with op.batch_alter_table("user_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_tokens_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("user_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_tokens_user_id"))

    op.drop_table("user_tokens")
    with op.batch_alter_table("user_roles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_roles_user_id"))

    op.drop_table("user_roles")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_subject")
        batch_op.drop_index(batch_op.f("ix_audit_events_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_audit_events_actor_id"))
        batch_op.drop_index(batch_op.f("ix_audit_events_action"))

    op.drop_table("audit_events")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_council_id"))

    op.drop_table("users")
    with op.batch_alter_table("funding_rounds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funding_rounds_scheme_id"))

    op.drop_table("funding_rounds")
    with op.batch_alter_table("expert_specialisms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expert_specialisms_specialism"))
        batch_op.drop_index(batch_op.f("ix_expert_specialisms_expert_id"))

    op.drop_table("expert_specialisms")
    with op.batch_alter_table("expert_regions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expert_regions_region"))
        batch_op.drop_index(batch_op.f("ix_expert_regions_expert_id"))

    op.drop_table("expert_regions")
    op.drop_table("worker_heartbeats")
    op.drop_table("schemes")
    op.drop_table("experts")
    with op.batch_alter_table("councils", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_councils_parent_id"))
        batch_op.drop_index(batch_op.f("ix_councils_name"))

    op.drop_table("councils")
