"""registry_imports.kind: registry exports and yearly income collections

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 06:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("registry_imports") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(16), server_default="registry", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("registry_imports") as batch:
        batch.drop_column("kind")
