"""Create the registry, policy documents, screening runs, leads and their hits.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 09:45:39.217300
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "policy_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_path", sa.Text(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_documents")),
        sa.UniqueConstraint(
            "region_code",
            "year",
            "content_hash",
            name=op.f("uq_policy_documents_region_code_year_content_hash"),
        ),
    )
    op.create_table(
        "regions",
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("parent_code", sa.String(length=12), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_code"], ["regions.code"], name=op.f("fk_regions_parent_code_regions")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_regions")),
    )
    op.create_index(op.f("ix_regions_parent_code"), "regions", ["parent_code"], unique=False)
    op.create_table(
        "screening_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.String(length=7), nullable=False),
        sa.Column("scope_code", sa.String(length=12), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("engine", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("households_screened", sa.Integer(), server_default="0", nullable=False),
        sa.Column("hits", sa.Integer(), server_default="0", nullable=False),
        sa.Column("leads_raised", sa.Integer(), server_default="0", nullable=False),
        sa.Column("leads_suppressed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("policies", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_runs")),
    )
    op.create_table(
        "households",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("household_no", sa.String(length=32), nullable=False),
        sa.Column("village_code", sa.String(length=12), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("household_type", sa.String(length=16), nullable=False),
        sa.Column("formerly_poor", sa.Boolean(), nullable=False),
        sa.Column("poverty_exit_year", sa.SmallInteger(), nullable=True),
        sa.Column("relocated", sa.Boolean(), nullable=False),
        sa.Column("no_labour_household", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["village_code"], ["regions.code"], name=op.f("fk_households_village_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_households")),
        sa.UniqueConstraint("household_no", name=op.f("uq_households_household_no")),
    )
    op.create_index(
        op.f("ix_households_village_code"), "households", ["village_code"], unique=False
    )
    op.create_table(
        "household_guarantees",
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("food_clothing_insecure", sa.Boolean(), nullable=False),
        sa.Column("housing_unsafe", sa.Boolean(), nullable=False),
        sa.Column("water_unsafe", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_household_guarantees_household_id_households"),
        ),
        sa.PrimaryKeyConstraint("household_id", "year", name=op.f("pk_household_guarantees")),
    )
    op.create_table(
        "household_incomes",
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("wage", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("business", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("property", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("transfer_dibao", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("transfer_tekun", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("transfer_pension", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("transfer_eco", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("transfer_other", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("production_costs", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("medical_oop", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("education_oop", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_household_incomes_household_id_households"),
        ),
        sa.PrimaryKeyConstraint("household_id", "year", name=op.f("pk_household_incomes")),
    )
    op.create_table(
        "leads",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("cycle", sa.String(length=7), nullable=False),
        sa.Column("channel", sa.String(length=16), server_default="screening", nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("risk_types", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=8), server_default="open", nullable=False),
        sa.Column("policy_ref", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_leads_household_id_households")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["screening_runs.id"], name=op.f("fk_leads_run_id_screening_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
    )
    op.create_index(
        "ix_leads_household_id_status", "leads", ["household_id", "status"], unique=False
    )
    op.create_index(op.f("ix_leads_run_id"), "leads", ["run_id"], unique=False)
    op.create_table(
        "members",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("id_number", sa.String(length=32), nullable=False),
        sa.Column("id_kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("relationship", sa.String(length=16), nullable=False),
        sa.Column("sex", sa.String(length=8), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("ethnicity", sa.String(length=2), nullable=False),
        sa.Column("education", sa.String(length=16), nullable=False),
        sa.Column("schooling", sa.String(length=16), nullable=False),
        sa.Column("health", sa.String(length=16), nullable=False),
        sa.Column("disability_grade", sa.SmallInteger(), nullable=True),
        sa.Column("labour_capacity", sa.String(length=16), nullable=False),
        sa.Column("migrant_months", sa.SmallInteger(), nullable=False),
        sa.Column("migrant_place", sa.String(length=12), nullable=True),
        sa.Column("insured_medical", sa.Boolean(), nullable=False),
        sa.Column("insured_serious_illness", sa.Boolean(), nullable=False),
        sa.Column("insured_pension", sa.Boolean(), nullable=False),
        sa.Column("dibao", sa.Boolean(), nullable=False),
        sa.Column("tekun", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_members_household_id_households")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("id_number", name=op.f("uq_members_id_number")),
    )
    op.create_index(op.f("ix_members_household_id"), "members", ["household_id"], unique=False)
    op.create_table(
        "lead_hits",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("lead_id", sa.BigInteger(), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("policy_ref", sa.String(length=64), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], name=op.f("fk_lead_hits_lead_id_leads")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_hits")),
    )
    op.create_index(op.f("ix_lead_hits_lead_id"), "lead_hits", ["lead_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_lead_hits_lead_id"), table_name="lead_hits")
    op.drop_table("lead_hits")
    op.drop_index(op.f("ix_members_household_id"), table_name="members")
    op.drop_table("members")
    op.drop_index(op.f("ix_leads_run_id"), table_name="leads")
    op.drop_index("ix_leads_household_id_status", table_name="leads")
    op.drop_table("leads")
    op.drop_table("household_incomes")
    op.drop_table("household_guarantees")
    op.drop_index(op.f("ix_households_village_code"), table_name="households")
    op.drop_table("households")
    op.drop_table("screening_runs")
    op.drop_index(op.f("ix_regions_parent_code"), table_name="regions")
    op.drop_table("regions")
    op.drop_table("policy_documents")
