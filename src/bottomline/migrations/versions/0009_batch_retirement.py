"""Batches superseded by a corrected file or withdrawn: who, when, why, by which batch

Revision ID: 0009
Revises: 0004
Create Date: 2026-12-02 06:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ingest_batches") as batch:
        batch.add_column(sa.Column("superseded_by", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("retired_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("retired_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ingest_batches") as batch:
        for column in ("retired_reason", "retired_at", "retired_by", "superseded_by"):
            batch.drop_column(column)
