"""The diff: new, changed, removed and unchanged households and members, as a plan to write."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from bottomline.ids import mask_id
from bottomline.registry.imports.check import Checked, first_rows
from bottomline.registry.imports.conflicts import PendingEdit, reconcile
from bottomline.registry.imports.fields import (
    DERIVED,
    HOUSEHOLD_FIELDS,
    MEMBER_FIELDS,
    MOVED,
    RESTORED,
)
from bottomline.registry.imports.report import DiffCount, RegistryDiff
from bottomline.registry.imports.store import State


@dataclass(slots=True)
class Plan:
    """What the import will write: rows of the file's tables by index, stored records by id."""

    households: pa.Table  # one row per accepted household (its first row)
    members: pa.Table  # the accepted rows
    household_fields: tuple[str, ...]  # the fields the file gives (and updates write)
    member_fields: tuple[str, ...]
    homes: dict[str, int]  # 户编号 -> id of the stored households
    new_households: list[int] = field(default_factory=list)
    changed_households: list[tuple[int, int]] = field(default_factory=list)  # (row, id)
    removed_households: list[int] = field(default_factory=list)
    new_members: list[int] = field(default_factory=list)
    changed_members: list[tuple[int, int]] = field(default_factory=list)
    removed_members: list[int] = field(default_factory=list)
    changes: list[tuple[str, str, str, str, str, str]] = field(default_factory=list)
    settled_edits: list[int] = field(default_factory=list)  # local edits the file agrees with


def plan_changes(
    checked: Checked,
    state: State,
    headers: dict[str, str],
    pending: Sequence[PendingEdit] = (),
    *,
    partial: bool = False,
) -> tuple[RegistryDiff, Plan]:
    """The diff and the plan; ``partial``: the file lists only some households, so what it does
    not list is left as it is (nothing removed)."""
    diff = RegistryDiff()
    plan = Plan(
        households=first_rows(checked.accepted),
        members=checked.accepted,
        household_fields=tuple(f for f in HOUSEHOLD_FIELDS if f in headers),
        member_fields=tuple(f for f in MEMBER_FIELDS if f in headers or f in DERIVED),
        homes={number: stored.id for number, stored in state.households.items()},
    )
    _plan_households(checked, state, plan, diff.households, partial)
    _plan_members(checked, state, plan, diff.members, partial)
    reconcile(plan, diff, state, pending)  # pending local edits the file disagrees with
    return diff, plan


def _tuples(table: pa.Table, names: Sequence[str]) -> Iterator[tuple[Any, ...]]:
    """The table's rows as tuples of the columns ``names``."""
    for batch in table.select(list(names)).to_batches(max_chunksize=50_000):
        yield from zip(*(column.to_pylist() for column in batch.columns), strict=True)


def _picker(
    names: Sequence[str], present: Sequence[str]
) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """Takes the present fields out of a stored record of all ``names``."""
    if tuple(present) == tuple(names):
        return tuple
    return operator.itemgetter(*(names.index(name) for name in present))


def _differing(present: Sequence[str], old: Sequence[Any], new: Sequence[Any]) -> list[str]:
    return [name for name, a, b in zip(present, old, new, strict=True) if a != b]


def _plan_households(
    checked: Checked, state: State, plan: Plan, count: DiffCount, partial: bool
) -> None:
    present = plan.household_fields
    pick = _picker(HOUSEHOLD_FIELDS, present)
    rows = _tuples(plan.households, ("household_no", *present))
    for index, (number, *values) in enumerate(rows):
        stored = state.households.get(number)
        if stored is None:
            count.new += 1
            plan.new_households.append(index)
            plan.changes.append(("户 household", "新增 new", number, "", "", ""))
            continue
        old = pick(stored.values)
        changed = [] if old == tuple(values) else _differing(present, old, values)
        if stored.removed:
            changed.append(RESTORED)
        if not changed:
            count.unchanged += 1
            continue
        count.changed += 1
        count.fields.update(changed)
        plan.changed_households.append((index, stored.id))
        plan.changes.append(("户 household", "变更 changed", number, "", "", " ".join(changed)))
    if partial:
        return
    for number, stored in state.households.items():
        if stored.in_scope and not stored.removed and number not in checked.listed_households:
            count.removed += 1
            plan.removed_households.append(stored.id)
            plan.changes.append(("户 household", "移除 removed", number, "", "", ""))


def _plan_members(
    checked: Checked, state: State, plan: Plan, count: DiffCount, partial: bool
) -> None:
    present = plan.member_fields
    pick = _picker(MEMBER_FIELDS, present)
    homes = plan.homes
    at_number, at_name = present.index("id_number"), present.index("name")
    rows = _tuples(plan.members, ("household_no", *present))
    for index, (number, *values) in enumerate(rows):
        stored = state.members.get(values[at_number][:18])
        shown = _shown(values[at_number], values[at_name])
        if stored is None:
            count.new += 1
            plan.new_members.append(index)
            plan.changes.append(("人 member", "新增 new", number, *shown, ""))
            continue
        old = pick(stored.values)
        changed = [] if old == tuple(values) else _differing(present, old, values)
        if homes.get(number) != stored.household_id:
            changed.insert(0, MOVED)
        if stored.removed:
            changed.append(RESTORED)
        if not changed:
            count.unchanged += 1
            continue
        count.changed += 1
        count.fields.update(changed)
        plan.changed_members.append((index, stored.id))
        plan.changes.append(("人 member", "变更 changed", number, *shown, " ".join(changed)))
    if not partial:
        _plan_member_removals(checked, state, plan, count)


def _plan_member_removals(checked: Checked, state: State, plan: Plan, count: DiffCount) -> None:
    """Members of the file's counties (and households) it no longer lists — except in the
    households it rejected: those are left as they are."""
    kept = {plan.homes[n] for n in checked.rejected_households if n in plan.homes}
    numbers = {s.id: n for n, s in state.households.items()}
    at_number, at_name = MEMBER_FIELDS.index("id_number"), MEMBER_FIELDS.index("name")
    for key, stored in state.members.items():
        if (
            stored.in_scope
            and not stored.removed
            and key not in checked.listed_people
            and stored.household_id not in kept
        ):
            count.removed += 1
            plan.removed_members.append(stored.id)
            shown = _shown(stored.values[at_number], stored.values[at_name])
            number = numbers.get(stored.household_id, "")
            plan.changes.append(("人 member", "移除 removed", number, *shown, ""))


def _shown(number: str, name: str | None) -> tuple[str, str]:
    """A person as the changes report shows them: number and name masked."""
    return mask_id(number), (name[0] + "*") if name else ""
