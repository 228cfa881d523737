"""Local edits of households: member events (deaths, births, moves) and the edits' fields

Revision ID: 0008
Revises: 0004
Create Date: 2026-12-02 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "member_events",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(16), nullable=True),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_member_events_member_id", "member_events", ["member_id"])
    op.create_index("ix_member_events_household_id", "member_events", ["household_id"])
    op.create_table(
        "local_edits",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_local_edits_household_id", "local_edits", ["household_id"])
    op.create_index("ix_local_edits_settled_at", "local_edits", ["settled_at"])


def downgrade() -> None:
    op.drop_index("ix_local_edits_settled_at", table_name="local_edits")
    op.drop_index("ix_local_edits_household_id", table_name="local_edits")
    op.drop_table("local_edits")
    op.drop_index("ix_member_events_household_id", table_name="member_events")
    op.drop_index("ix_member_events_member_id", table_name="member_events")
    op.drop_table("member_events")
