"""Add ingest batches, registry imports, the data-quality queue; mark removed households.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:53:46.483792
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ingest_batches",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("feed", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source_name", sa.String(length=255), nullable=False),
        sa.Column("source_format", sa.String(length=16), nullable=False),
        sa.Column("encoding", sa.String(length=16), nullable=True),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("rows_in", sa.BigInteger(), nullable=False),
        sa.Column("accepted", sa.BigInteger(), nullable=False),
        sa.Column("rejected", sa.BigInteger(), nullable=False),
        sa.Column("unmatched", sa.BigInteger(), nullable=False),
        sa.Column("needs_confirmation", sa.BigInteger(), nullable=False),
        sa.Column("staged_path", sa.Text(), nullable=True),
        sa.Column("report_dir", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_batches")),
    )
    with op.batch_alter_table("ingest_batches", schema=None) as batch_op:
        batch_op.create_index("ix_ingest_batches_feed_period", ["feed", "period"], unique=False)
        batch_op.create_index(
            "uq_ingest_batches_committed_content",
            ["feed", "period", "content_sha256"],
            unique=True,
            sqlite_where=sa.text("status = 'committed'"),
            postgresql_where=sa.text("status = 'committed'"),
        )

    op.create_table(
        "quality_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope_code", sa.String(length=12), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_runs")),
    )
    op.create_table(
        "registry_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_name", sa.String(length=255), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rows_in", sa.BigInteger(), nullable=False),
        sa.Column("accepted", sa.BigInteger(), nullable=False),
        sa.Column("rejected", sa.BigInteger(), nullable=False),
        sa.Column("diff", sa.JSON(), nullable=False),
        sa.Column("report_dir", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_imports")),
    )
    with op.batch_alter_table("registry_imports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_imports_content_sha256"), ["content_sha256"], unique=False
        )

    op.create_table(
        "ingest_reasons",
        sa.Column("batch_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("column", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["ingest_batches.id"],
            name=op.f("fk_ingest_reasons_batch_id_ingest_batches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("batch_id", "code", "column", name=op.f("pk_ingest_reasons")),
    )
    op.create_table(
        "quality_issues",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("rule_code", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=32), nullable=False),
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("village_code", sa.String(length=12), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("first_run_id", sa.Integer(), nullable=False),
        sa.Column("last_run_id", sa.Integer(), nullable=False),
        sa.Column("resolved_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["first_run_id"],
            ["quality_runs.id"],
            name=op.f("fk_quality_issues_first_run_id_quality_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["last_run_id"],
            ["quality_runs.id"],
            name=op.f("fk_quality_issues_last_run_id_quality_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["resolved_run_id"],
            ["quality_runs.id"],
            name=op.f("fk_quality_issues_resolved_run_id_quality_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_issues")),
    )
    with op.batch_alter_table("quality_issues", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quality_issues_household_id"), ["household_id"], unique=False
        )
        batch_op.create_index(
            "ix_quality_issues_subject", ["rule_code", "subject", "status"], unique=False
        )
        batch_op.create_index(
            "ix_quality_issues_village_status", ["village_code", "status"], unique=False
        )
        batch_op.create_index(
            "uq_quality_issues_open",
            ["rule_code", "subject"],
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )

    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("public_welfare_job", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("removed_at")
        batch_op.drop_column("public_welfare_job")

    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.drop_column("removed_at")

    with op.batch_alter_table("quality_issues", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_quality_issues_open",
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )
        batch_op.drop_index("ix_quality_issues_village_status")
        batch_op.drop_index("ix_quality_issues_subject")
        batch_op.drop_index(batch_op.f("ix_quality_issues_household_id"))

    op.drop_table("quality_issues")
    op.drop_table("ingest_reasons")
    with op.batch_alter_table("registry_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_imports_content_sha256"))

    op.drop_table("registry_imports")
    op.drop_table("quality_runs")
    with op.batch_alter_table("ingest_batches", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_ingest_batches_committed_content",
            sqlite_where=sa.text("status = 'committed'"),
            postgresql_where=sa.text("status = 'committed'"),
        )
        batch_op.drop_index("ix_ingest_batches_feed_period")

    op.drop_table("ingest_batches")
