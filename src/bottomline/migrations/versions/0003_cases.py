"""Add cases, visits, notices, campaigns, assistance, users and the audit log

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 15:22:31.645994
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    audit_head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_action"), ["action"], unique=False)
    # The chain's head exists from the start, so writers always have a row to lock.
    op.bulk_insert(audit_head, [{"id": 1, "seq": 0, "hash": "0" * 64}])

    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("scope_code", sa.String(length=12), nullable=False),
        sa.Column("population", sa.String(length=32), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_code", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("round_no", sa.SmallInteger(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("html_path", sa.Text(), nullable=True),
        sa.Column("pdf_path", sa.Text(), nullable=True),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint(
            "village_code",
            "kind",
            "year",
            "round_no",
            name=op.f("uq_notices_village_code_kind_year_round_no"),
        ),
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notices_village_code"), ["village_code"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "visit_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_name", sa.String(length=255), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("rows_in", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("already_imported", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("unmatched", sa.Integer(), nullable=False),
        sa.Column("leads_raised", sa.Integer(), nullable=False),
        sa.Column("report_dir", sa.Text(), nullable=True),
        sa.Column("imported_by", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_imports")),
    )
    with op.batch_alter_table("visit_imports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_visit_imports_content_sha256"), ["content_sha256"], unique=False
        )

    op.create_table(
        "cases",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("village_code", sa.String(length=12), nullable=False),
        sa.Column("stage", sa.String(length=24), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=True),
        sa.Column("risk_types", sa.JSON(), nullable=False),
        sa.Column("assist_first", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("first_lead_on", sa.Date(), nullable=False),
        sa.Column("deadline_on", sa.Date(), nullable=False),
        sa.Column("deadline_provisional", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("policy_ref", sa.String(length=64), nullable=True),
        sa.Column("notice_days", sa.SmallInteger(), nullable=False),
        sa.Column("deadline_days", sa.SmallInteger(), nullable=False),
        sa.Column("day_count", sa.String(length=8), nullable=False),
        sa.Column("stage_since", sa.Date(), nullable=False),
        sa.Column("identified_on", sa.Date(), nullable=True),
        sa.Column("eliminated_on", sa.Date(), nullable=True),
        sa.Column("elimination_method", sa.String(length=16), nullable=True),
        sa.Column("closed_reason", sa.Text(), nullable=True),
        sa.Column("reopened_from_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_cases_household_id_households")
        ),
        sa.ForeignKeyConstraint(
            ["reopened_from_id"], ["cases.id"], name=op.f("fk_cases_reopened_from_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_household_id"), ["household_id"], unique=False)
        batch_op.create_index("ix_cases_village_stage", ["village_code", "stage"], unique=False)
        batch_op.create_index(
            "uq_cases_active_household",
            ["household_id"],
            unique=True,
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        )

    op.create_table(
        "helper_assignments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("unit", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_helper_assignments_household_id_households"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_helper_assignments")),
    )
    with op.batch_alter_table("helper_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_helper_assignments_household_id"), ["household_id"], unique=False
        )

    op.create_table(
        "income_followups",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("followed_on", sa.Date(), nullable=False),
        sa.Column("per_capita_income", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_income_followups_household_id_households"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_income_followups")),
    )
    with op.batch_alter_table("income_followups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_income_followups_household_id"), ["household_id"], unique=False
        )

    op.create_table(
        "visits",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("village_code", sa.String(length=12), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("visitor_name", sa.String(length=64), nullable=False),
        sa.Column("visitor_unit", sa.String(length=100), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("source_ref", sa.String(length=128), nullable=True),
        sa.Column("household_present", sa.Boolean(), nullable=True),
        sa.Column("authorization_signed", sa.Boolean(), nullable=False),
        sa.Column("household_size", sa.SmallInteger(), nullable=True),
        sa.Column("income_estimate", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("medical_expense", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("education_expense", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("hardships", sa.JSON(), nullable=False),
        sa.Column("risk_types", sa.JSON(), nullable=False),
        sa.Column("suggest_monitoring", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_visits_household_id_households")
        ),
        sa.ForeignKeyConstraint(
            ["import_id"], ["visit_imports.id"], name=op.f("fk_visits_import_id_visit_imports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
        sa.UniqueConstraint("source_ref", name=op.f("uq_visits_source_ref")),
    )
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visits_household_id"), ["household_id"], unique=False)

    op.create_table(
        "campaign_tasks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=True),
        sa.Column("village_code", sa.String(length=12), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("done_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_tasks_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_campaign_tasks_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_campaign_tasks_household_id_households"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_tasks")),
        sa.UniqueConstraint(
            "campaign_id", "household_id", name=op.f("uq_campaign_tasks_campaign_id_household_id")
        ),
    )
    with op.batch_alter_table("campaign_tasks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_campaign_tasks_campaign_village", ["campaign_id", "village_code"], unique=False
        )

    op.create_table(
        "case_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("from_stage", sa.String(length=24), nullable=True),
        sa.Column("to_stage", sa.String(length=24), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_events_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
    )
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_events_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_leads",
        sa.Column("lead_id", sa.BigInteger(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_leads_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_case_leads_lead_id_leads")
        ),
        sa.PrimaryKeyConstraint("lead_id", name=op.f("pk_case_leads")),
    )
    with op.batch_alter_table("case_leads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_leads_case_id"), ["case_id"], unique=False)

    op.create_table(
        "measures",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("measure_type", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_measures_household_id_households")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_measures_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measures")),
    )
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_measures_household_id"), ["household_id"], unique=False
        )

    op.create_table(
        "notice_cases",
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_notice_cases_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.id"], name=op.f("fk_notice_cases_notice_id_notices")
        ),
        sa.PrimaryKeyConstraint("notice_id", "case_id", name=op.f("pk_notice_cases")),
    )
    op.create_table(
        "objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("upheld", sa.Boolean(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_objections_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.id"], name=op.f("fk_objections_notice_id_notices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objections")),
    )
    with op.batch_alter_table("objections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_objections_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_objections_notice_id"), ["notice_id"], unique=False)

    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reported_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("reported_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("evidence", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("source_ref", sa.String(length=128), nullable=True))
        batch_op.alter_column("category", existing_type=sa.VARCHAR(length=32), nullable=True)
        batch_op.alter_column("policy_ref", existing_type=sa.VARCHAR(length=64), nullable=True)
        batch_op.create_unique_constraint(
            batch_op.f("uq_leads_channel_source_ref"), ["channel", "source_ref"]
        )


def downgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_leads_channel_source_ref"), type_="unique")
        batch_op.alter_column("policy_ref", existing_type=sa.VARCHAR(length=64), nullable=False)
        batch_op.alter_column("category", existing_type=sa.VARCHAR(length=32), nullable=False)
        batch_op.drop_column("source_ref")
        batch_op.drop_column("evidence")
        batch_op.drop_column("reported_by")
        batch_op.drop_column("reported_on")

    with op.batch_alter_table("objections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_objections_notice_id"))
        batch_op.drop_index(batch_op.f("ix_objections_case_id"))

    op.drop_table("objections")
    op.drop_table("notice_cases")
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measures_household_id"))

    op.drop_table("measures")
    with op.batch_alter_table("case_leads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_leads_case_id"))

    op.drop_table("case_leads")
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_events_case_id"))

    op.drop_table("case_events")
    with op.batch_alter_table("campaign_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_tasks_campaign_village")

    op.drop_table("campaign_tasks")
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visits_household_id"))

    op.drop_table("visits")
    with op.batch_alter_table("income_followups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_income_followups_household_id"))

    op.drop_table("income_followups")
    with op.batch_alter_table("helper_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_helper_assignments_household_id"))

    op.drop_table("helper_assignments")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_cases_active_household",
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        )
        batch_op.drop_index("ix_cases_village_stage")
        batch_op.drop_index(batch_op.f("ix_cases_household_id"))

    op.drop_table("cases")
    with op.batch_alter_table("visit_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_imports_content_sha256"))

    op.drop_table("visit_imports")
    op.drop_table("users")
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notices_village_code"))

    op.drop_table("notices")
    op.drop_table("campaigns")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_action"))

    op.drop_table("audit_log")
    op.drop_table("audit_head")
