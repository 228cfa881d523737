"""Row-level security on PostgreSQL: a transaction confined to a region sees only its rows

The second wall behind the access layer (docs/access.md, "Row-level security"). A transaction
that sets ``bottomline.scope_from`` / ``bottomline.scope_to`` (``SET LOCAL``, as every API
request of a logged-in user does: ``bottomline.db.confine``) reads, changes and adds rows of the
protected tables only inside that range of village codes; a transaction that sets nothing (the
CLI, migrations, the server's own bookkeeping) is unconfined. ``FORCE`` makes the tables' owner
(the role the server connects as) subject to the policies too. SQLite has no row-level
security: the access layer is its only wall.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 20:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each setting in its own scalar subquery: an InitPlan the planner evaluates once per query,
# not once per row (and a parameter an index on the code can use).
UNCONFINED = "(SELECT coalesce(current_setting('bottomline.scope_from', true), '') = '')"
FROM = "(SELECT current_setting('bottomline.scope_from', true))"
TO = "(SELECT current_setting('bottomline.scope_to', true))"

# Tables whose rows carry their village (or, for the audit log, their region).
BY_CODE = {
    "households": "village_code",
    "cases": "village_code",
    "visits": "village_code",
    "notices": "village_code",
    "campaign_tasks": "village_code",
    "leads": "village_code",
    "quality_issues": "village_code",
    "audit_log": "region_code",
}
# Tables whose rows belong to a row of a table above: visible when that row is (the subquery
# runs under that table's own policy).
BY_PARENT = {
    "members": ("household_id", "households"),
    "household_incomes": ("household_id", "households"),
    "household_guarantees": ("household_id", "households"),
    "member_events": ("household_id", "households"),
    "local_edits": ("household_id", "households"),
    "measures": ("household_id", "households"),
    "helper_assignments": ("household_id", "households"),
    "income_followups": ("household_id", "households"),
    "case_leads": ("case_id", "cases"),
    "case_events": ("case_id", "cases"),
    "objections": ("case_id", "cases"),
    "notice_cases": ("notice_id", "notices"),
    "lead_hits": ("lead_id", "leads"),
}
POLICY = "bottomline_scope"


def _condition(table: str) -> str:
    if table in BY_CODE:
        return f"{UNCONFINED} OR {BY_CODE[table]} BETWEEN {FROM} AND {TO}"
    column, parent = BY_PARENT[table]
    return f"{UNCONFINED} OR EXISTS (SELECT 1 FROM {parent} AS p WHERE p.id = {table}.{column})"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in [*BY_CODE, *BY_PARENT]:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        condition = _condition(table)
        if table != "audit_log":
            op.execute(
                f"CREATE POLICY {POLICY} ON {table} FOR ALL "
                f"USING ({condition}) WITH CHECK ({condition})"
            )
            continue
        # The audit log: a confined transaction reads its region's rows and appends rows (an
        # action's region is the action's to decide; the hash chain keeps the log honest); it
        # changes and deletes none.
        op.execute(f"CREATE POLICY {POLICY} ON {table} FOR SELECT USING ({condition})")
        op.execute(f"CREATE POLICY {POLICY}_append ON {table} FOR INSERT WITH CHECK (true)")
        op.execute(f"CREATE POLICY {POLICY}_change ON {table} FOR UPDATE USING ({UNCONFINED})")
        op.execute(f"CREATE POLICY {POLICY}_delete ON {table} FOR DELETE USING ({UNCONFINED})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in [*BY_CODE, *BY_PARENT]:
        for suffix in ("", "_append", "_change", "_delete"):
            op.execute(f"DROP POLICY IF EXISTS {POLICY}{suffix} ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
