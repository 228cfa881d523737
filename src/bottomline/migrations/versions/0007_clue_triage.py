"""Screening leads are clues: triage (pending / dispatched / dismissed), who and when, why
dismissed, and the fingerprint of the evidence a dismissal covers

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-02 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("triage", sa.String(12)),
    ("decided_by", sa.String(64)),
    ("decided_on", sa.Date()),
    ("dismiss_code", sa.String(24)),
    ("dismiss_reason", sa.Text()),
    ("evidence_fingerprint", sa.String(64)),
)


def upgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        # "dismissed" (cases.enums.LeadStatus) did not fit the old 8 characters.
        batch.alter_column(
            "status", existing_type=sa.String(8), type_=sa.String(12), existing_nullable=False
        )
        for name, type_ in COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
        batch.create_index("ix_leads_triage", ["triage"], unique=False)
    # Screening leads stored before: those already in a case were taken in (dispatched, by
    # nobody on no day: intake did it); open ones not in a case wait in the queue.
    op.execute(
        "UPDATE leads SET triage = 'dispatched' WHERE channel = 'screening' "
        "AND id IN (SELECT lead_id FROM case_leads)"
    )
    op.execute(
        "UPDATE leads SET triage = 'pending' WHERE channel = 'screening' AND status = 'open' "
        "AND id NOT IN (SELECT lead_id FROM case_leads)"
    )


def downgrade() -> None:
    op.execute("UPDATE leads SET status = 'closed' WHERE status = 'dismissed'")
    with op.batch_alter_table("leads") as batch:
        batch.drop_index("ix_leads_triage")
        for name, _type in reversed(COLUMNS):
            batch.drop_column(name)
        batch.alter_column(
            "status", existing_type=sa.String(12), type_=sa.String(8), existing_nullable=False
        )
