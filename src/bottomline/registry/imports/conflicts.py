"""Local edits against an import: a file that disagrees with a pending local edit keeps the edit.

A local edit (``registry.edits``: a death, a birth, a move, a field) stays *pending* until an
import's file agrees with it; then it is *settled*. While it is pending, an import whose file
says otherwise does not write that field (or, for a member's household, that member's row):
the store keeps the local value and the diff lists a conflict — a ``冲突 conflict`` row in
``changes.csv`` and a count per kind. The national system stays the system of record for every
field nobody edited here; an edit is a claim that the export has not caught up yet (a death
recorded yesterday is not resurrected by last month's export). A file that says nothing about
the record (another county, a column it lacks) leaves the edit pending.

Hooks: ``diff.plan_changes`` calls :func:`reconcile` on its plan; ``write.apply_plan`` calls
:func:`settle`. docs/households.md describes the rule for users.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, select, update

from bottomline.db import chunks, utcnow
from bottomline.ids import mask_id
from bottomline.registry.imports.fields import HOUSEHOLD_FIELDS, MEMBER_FIELDS, TEXT_FIELDS
from bottomline.registry.imports.report import RegistryDiff
from bottomline.registry.models import Household, LocalEdit, Member

CONFLICT = "冲突 conflict"
CHANGED = "变更 changed"
REMOVED = "移除 removed"
HOUSEHOLD_KIND, MEMBER_KIND = "户 household", "人 member"
MEMBERSHIP, LISTED = "household_no", "listed"  # as registry.edits writes them
KEPT = "保留本地修改 local edit kept"


@dataclass(frozen=True, slots=True)
class PendingEdit:
    id: int
    household_no: str
    person: str | None  # the member's person number (first 18 characters); None: household
    field: str
    value: Any


def load_pending(connection: Connection) -> list[PendingEdit]:
    """The latest pending edit of every (household or member, field)."""
    stmt = (
        select(
            LocalEdit.id,
            Household.household_no,
            Member.id_number,
            LocalEdit.field,
            LocalEdit.value,
            LocalEdit.household_id,
            LocalEdit.member_id,
        )
        .join(Household, Household.id == LocalEdit.household_id)
        .outerjoin(Member, Member.id == LocalEdit.member_id)
        .where(LocalEdit.settled_at.is_(None))
        .order_by(LocalEdit.id)
    )
    latest: dict[tuple[Any, ...], PendingEdit] = {}
    for row in connection.execute(stmt):
        person = row.id_number[:18] if row.id_number else None
        key = (row.member_id or row.household_id, row.member_id is None, row.field)
        latest[key] = PendingEdit(row.id, row.household_no, person, row.field, row.value)
    return list(latest.values())


def _same(name: str, a: Any, b: Any) -> bool:
    if name in TEXT_FIELDS:
        return (a or None) == (b or None)
    return bool(a == b)


def _rows_of(values: pa.ChunkedArray, wanted: set[str], width: int | None = None) -> dict[str, int]:
    """The first row of each wanted key in a column of the file."""
    if not wanted:
        return {}
    keys = pc.utf8_slice_codeunits(values, 0, width) if width else values
    index = pc.indices_nonzero(pc.is_in(keys, value_set=pa.array(sorted(wanted)))).to_pylist()
    found: dict[str, int] = {}
    for row in index:
        found.setdefault(str(keys[row].as_py()), row)
    return found


class _Reconciler:
    def __init__(self, plan: Any, diff: RegistryDiff, state: Any) -> None:
        self.plan, self.diff, self.state = plan, diff, state
        self.patches: dict[tuple[str, str], dict[int, Any]] = {}  # (table, field) -> row -> value

    def run(self, pending: Sequence[PendingEdit]) -> None:
        plan = self.plan
        homes = _rows_of(plan.households["household_no"], {e.household_no for e in pending})
        people = _rows_of(
            plan.members["id_number"], {e.person for e in pending if e.person}, width=18
        )
        for edit in pending:
            if edit.person is None:
                self._household(edit, homes.get(edit.household_no))
            else:
                self._member(edit, people.get(edit.person))
        self._patch()

    # households ---------------------------------------------------------------------------

    def _household(self, edit: PendingEdit, row: int | None) -> None:
        stored = self.state.households.get(edit.household_no)
        if edit.field == LISTED:
            if row is None:
                self._settle_if(edit, stored is not None and stored.in_scope)
            elif stored is not None:
                self._drop(HOUSEHOLD_KIND, stored.id, edit.household_no, "")
                self._conflict(HOUSEHOLD_KIND, edit, "", "", "removed_at")
            return
        if row is None or edit.field not in self.plan.household_fields:
            return
        file_value = self.plan.households[edit.field][row].as_py()
        if _same(edit.field, file_value, edit.value):
            self.plan.settled_edits.append(edit.id)
            return
        self.patches.setdefault(("households", edit.field), {})[row] = edit.value
        self._conflict(HOUSEHOLD_KIND, edit, "", "", edit.field)

    # members ------------------------------------------------------------------------------

    def _member(self, edit: PendingEdit, row: int | None) -> None:
        assert edit.person is not None
        stored = self.state.members.get(edit.person)
        if stored is None:
            return
        name = self._name(stored)
        shown = mask_id(edit.person), name
        if edit.field == MEMBERSHIP:
            self._membership(edit, row, stored, shown)
            return
        if row is None or edit.field not in self.plan.member_fields:
            return
        file_value = self.plan.members[edit.field][row].as_py()
        if _same(edit.field, file_value, edit.value):
            self.plan.settled_edits.append(edit.id)
            return
        self.patches.setdefault(("members", edit.field), {})[row] = edit.value
        self._conflict(MEMBER_KIND, edit, *shown, edit.field)

    def _membership(
        self, edit: PendingEdit, row: int | None, stored: Any, shown: tuple[str, str]
    ) -> None:
        file_home = None if row is None else self.plan.members["household_no"][row].as_py()
        if row is None and not stored.in_scope:
            return  # the file does not cover the member's county: it says nothing
        if file_home == edit.value:
            self.plan.settled_edits.append(edit.id)
            return
        self._drop(MEMBER_KIND, stored.id, file_home or edit.household_no, shown[0])
        self._conflict(MEMBER_KIND, edit, *shown, MEMBERSHIP)

    def _name(self, stored: Any) -> str:
        name = stored.values[MEMBER_FIELDS.index("name")]
        return (name[0] + "*") if name else ""

    # the plan -----------------------------------------------------------------------------

    def _settle_if(self, edit: PendingEdit, agreed: bool) -> None:
        if agreed:
            self.plan.settled_edits.append(edit.id)

    def _conflict(self, kind: str, edit: PendingEdit, number: str, name: str, field: str) -> None:
        count = self.diff.households if kind == HOUSEHOLD_KIND else self.diff.members
        count.conflicts += 1
        self.plan.changes.append(
            (kind, CONFLICT, edit.household_no, number, name, f"{field}: {KEPT}")
        )

    def _drop(self, kind: str, record_id: int, number: str, masked: str) -> None:
        """Leave the record as it is: out of the plan's changes and removals, and the diff."""
        plan = self.plan
        count = self.diff.households if kind == HOUSEHOLD_KIND else self.diff.members
        changed = plan.changed_households if kind == HOUSEHOLD_KIND else plan.changed_members
        removed = plan.removed_households if kind == HOUSEHOLD_KIND else plan.removed_members
        if any(record == record_id for _row, record in changed):
            changed[:] = [(r, i) for r, i in changed if i != record_id]
            count.changed -= 1
            self._forget(kind, CHANGED, number, masked, count)
        elif record_id in removed:
            removed.remove(record_id)
            count.removed -= 1
            self._forget(kind, REMOVED, number, masked, count)

    def _forget(self, kind: str, change: str, number: str, masked: str, count: Any) -> None:
        for at, row in enumerate(self.plan.changes):
            if row[:4] == (kind, change, number, masked):
                count.fields.subtract(row[5].split())
                del self.plan.changes[at]
                return

    def _patch(self) -> None:
        """Write the local values into the file's rows, and take out records left unchanged."""
        for (table, name), rows in self.patches.items():
            data = getattr(self.plan, table)
            values = data[name].to_pylist()
            for row, value in rows.items():
                values[row] = value
            column = pa.array(values, data.schema.field(name).type)
            setattr(
                self.plan, table, data.set_column(data.schema.get_field_index(name), name, column)
            )
        self._recount()

    def _recount(self) -> None:
        touched = {(t, r) for (t, _n), rows in self.patches.items() for r in rows}
        plan, state = self.plan, self.state
        names: tuple[str, ...]
        for table, row in sorted(touched):
            if table == "households":
                number = plan.households["household_no"][row].as_py()
                stored = state.households[number]
                names, present, count = (
                    HOUSEHOLD_FIELDS,
                    plan.household_fields,
                    self.diff.households,
                )
                kind, changed, masked = HOUSEHOLD_KIND, plan.changed_households, ""
                same_home = True
            else:
                number = plan.members["household_no"][row].as_py()
                key = plan.members["id_number"][row].as_py()[:18]
                stored = state.members[key]
                names, present, count = MEMBER_FIELDS, plan.member_fields, self.diff.members
                kind, changed, masked = MEMBER_KIND, plan.changed_members, mask_id(key)
                same_home = plan.homes.get(number) == stored.household_id
            data = plan.households if table == "households" else plan.members
            new = [data[n][row].as_py() for n in present]
            old = [stored.values[names.index(n)] for n in present]
            differing = [n for n, a, b in zip(present, old, new, strict=True) if not _same(n, a, b)]
            if differing or stored.removed or not same_home:
                self._refields(kind, number, masked, differing, count)
                continue
            if any(record == stored.id for _r, record in changed):
                changed[:] = [(r, i) for r, i in changed if i != stored.id]
                count.changed -= 1
                count.unchanged += 1
                self._forget(kind, CHANGED, number, masked, count)

    def _refields(
        self, kind: str, number: str, masked: str, differing: list[str], count: Any
    ) -> None:
        for at, row in enumerate(self.plan.changes):
            if row[:4] == (kind, CHANGED, number, masked):
                flags = [f for f in row[5].split() if f not in MEMBER_FIELDS + HOUSEHOLD_FIELDS]
                fields = " ".join([*differing, *flags])
                count.fields.subtract(set(row[5].split()) - set(fields.split()))
                self.plan.changes[at] = (*row[:5], fields)
                return


def reconcile(plan: Any, diff: RegistryDiff, state: Any, pending: Sequence[PendingEdit]) -> None:
    """Keep pending local edits the file disagrees with; note the ones it agrees with."""
    if pending:
        _Reconciler(plan, diff, state).run(pending)
        for counts in (diff.households, diff.members):
            counts.fields = +counts.fields  # drop fields no record changes any more


def settle(connection: Connection, edit_ids: Sequence[int]) -> None:
    """Mark the edits the import's file agreed with as settled."""
    now = utcnow()
    for part in chunks(list(edit_ids)):
        connection.execute(update(LocalEdit).where(LocalEdit.id.in_(part)).values(settled_at=now))
