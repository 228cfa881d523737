"""Where incomes and guarantees came from; relief, insurance, claims; monitoring as recorded

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 05:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(precision=14, scale=2)


def _sources(table: str) -> None:
    """source / source_ref / as_of; rows stored before are 'load' as of their year's end."""
    with op.batch_alter_table(table) as batch:
        batch.add_column(sa.Column("source", sa.String(16), server_default="load", nullable=False))
        batch.add_column(sa.Column("source_ref", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("as_of", sa.Date(), nullable=True))
    year_end = (
        "make_date(year, 12, 31)"
        if op.get_context().dialect.name == "postgresql"
        else "printf('%04d-12-31', year)"
    )
    op.execute(f"UPDATE {table} SET as_of = {year_end}")
    with op.batch_alter_table(table) as batch:
        batch.alter_column("as_of", existing_type=sa.Date(), nullable=False)


def upgrade() -> None:
    with op.batch_alter_table("households") as batch:
        batch.add_column(sa.Column("monitoring_category", sa.String(16), nullable=True))
        batch.add_column(
            sa.Column("monitoring_risks", sa.JSON(), server_default="[]", nullable=False)
        )
        batch.add_column(sa.Column("monitored_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("risk_eliminated_on", sa.Date(), nullable=True))
    with op.batch_alter_table("household_incomes") as batch:
        for name in ("transfer_relief", "transfer_insurance", "insurance_claims"):
            batch.add_column(sa.Column(name, MONEY, server_default="0", nullable=False))
    _sources("household_incomes")
    _sources("household_guarantees")


def downgrade() -> None:
    with op.batch_alter_table("households") as batch:
        for name in (
            "risk_eliminated_on",
            "monitored_on",
            "monitoring_risks",
            "monitoring_category",
        ):
            batch.drop_column(name)
    for table in ("household_incomes", "household_guarantees"):
        with op.batch_alter_table(table) as batch:
            for name in ("as_of", "source_ref", "source"):
                batch.drop_column(name)
    with op.batch_alter_table("household_incomes") as batch:
        for name in ("insurance_claims", "transfer_insurance", "transfer_relief"):
            batch.drop_column(name)
