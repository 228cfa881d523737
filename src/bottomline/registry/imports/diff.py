"""The diff: new, changed, removed and unchanged households and members, as a plan to write."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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
from bottomline.registry.imports.report import DiffCount, RegistryDiff, change_table
from bottomline.registry.imports.store import State
from bottomline.registry.national_export import as_mask

HOUSEHOLD, MEMBER, NEW = "户 household", "人 member", "新增 new"


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
    # The changes rows of new households and members, built column-wise (a first import has
    # one per record); ``changes`` holds the rest (changed, removed, conflicts).
    new_changes: list[pa.Table] = field(default_factory=list)
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


def _stored_at(keys: pa.Array | pa.ChunkedArray, stored: dict[str, Any]) -> np.ndarray:
    """Per row of ``keys``: whether the store holds a record of that key."""
    if not stored:
        return np.zeros(len(keys), dtype=bool)
    return as_mask(pc.is_in(keys, value_set=pa.array(list(stored), pa.string())))


def _plan_households(
    checked: Checked, state: State, plan: Plan, count: DiffCount, partial: bool
) -> None:
    present = plan.household_fields
    pick = _picker(HOUSEHOLD_FIELDS, present)
    numbers = plan.households["household_no"]
    known = _stored_at(numbers, state.households)
    new = np.flatnonzero(~known)
    count.new += len(new)
    plan.new_households += new.tolist()
    plan.new_changes.append(change_table(HOUSEHOLD, NEW, numbers.take(pa.array(new))))
    matched = np.flatnonzero(known)
    rows = _tuples(plan.households.take(pa.array(matched)), ("household_no", *present))
    for index, (number, *values) in zip(matched.tolist(), rows, strict=True):
        stored = state.households[number]
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
        plan.changes.append((HOUSEHOLD, "变更 changed", number, "", "", " ".join(changed)))
    if partial:
        return
    for number, stored in state.households.items():
        if stored.in_scope and not stored.removed and number not in checked.listed_households:
            count.removed += 1
            plan.removed_households.append(stored.id)
            plan.changes.append((HOUSEHOLD, "移除 removed", number, "", "", ""))


def _plan_members(
    checked: Checked, state: State, plan: Plan, count: DiffCount, partial: bool
) -> None:
    present = plan.member_fields
    pick = _picker(MEMBER_FIELDS, present)
    homes = plan.homes
    at_number, at_name = present.index("id_number"), present.index("name")
    people = pc.utf8_slice_codeunits(plan.members["id_number"], 0, 18)
    known = _stored_at(people, state.members)
    new = np.flatnonzero(~known)
    count.new += len(new)
    plan.new_members += new.tolist()
    added = plan.members.take(pa.array(new))
    plan.new_changes.append(
        change_table(
            MEMBER,
            NEW,
            added["household_no"],
            masked_ids(added["id_number"]),
            _masked_names(added["name"]),
        )
    )
    matched = np.flatnonzero(known)
    rows = _tuples(plan.members.take(pa.array(matched)), ("household_no", *present))
    for index, (number, *values) in zip(matched.tolist(), rows, strict=True):
        stored = state.members[values[at_number][:18]]
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
        shown = _shown(values[at_number], values[at_name])
        plan.changes.append((MEMBER, "变更 changed", number, *shown, " ".join(changed)))
    if not partial:
        _plan_member_removals(checked, state, plan, count)


def masked_ids(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """``ids.mask_id`` of every value, column-wise (first 4 and last 2 characters kept)."""
    length = pc.utf8_length(values)
    long = pc.greater(length, 6)
    stars = pc.binary_repeat(pa.scalar("*"), pc.if_else(long, pc.subtract(length, 6), length))
    first, last = pc.utf8_slice_codeunits(values, 0, 4), pc.utf8_slice_codeunits(values, -2)
    both = pc.binary_join_element_wise(first, stars, last, "")
    masked = pc.fill_null(pc.if_else(long, both, stars), "")
    return masked.combine_chunks() if isinstance(masked, pa.ChunkedArray) else masked


def _masked_names(names: pa.ChunkedArray) -> pa.Array:
    """Names as the changes report shows them (``张*``), column-wise."""
    first = pc.utf8_slice_codeunits(names, 0, 1)
    masked = pc.binary_join_element_wise(first, "*", "")
    return pc.if_else(pc.equal(pc.fill_null(first, ""), ""), "", masked).combine_chunks()


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
            plan.changes.append((MEMBER, "移除 removed", number, *shown, ""))


def _shown(number: str, name: str | None) -> tuple[str, str]:
    """A person as the changes report shows them: number and name masked."""
    return mask_id(number), (name[0] + "*") if name else ""
