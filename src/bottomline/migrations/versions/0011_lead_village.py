"""Leads carry their village: the clue queue is counted and scoped on the lead's own index

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 17:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.add_column(sa.Column("village_code", sa.String(12), nullable=True))
    # Every lead so far belongs to its household's village as the registry holds it now.
    op.execute(
        "UPDATE leads SET village_code = "
        "(SELECT households.village_code FROM households WHERE households.id = leads.household_id)"
    )
    with op.batch_alter_table("leads") as batch:
        batch.alter_column("village_code", existing_type=sa.String(12), nullable=False)
        batch.drop_index("ix_leads_triage")
        batch.create_index("ix_leads_triage_village", ["triage", "village_code"])


def downgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.drop_index("ix_leads_triage_village")
        batch.create_index("ix_leads_triage", ["triage"])
        batch.drop_column("village_code")
