"""The store as it is: the households and members the file is compared with."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import ARRAY, Connection, Table, any_, bindparam, func, not_, or_, select

from bottomline.db import KEY_CHUNK, chunks, driver_rows
from bottomline.registry.imports.check import Checked, first_rows
from bottomline.registry.imports.fields import HOUSEHOLD_FIELDS, MEMBER_FIELDS, TEXT_FIELDS
from bottomline.registry.snapshot import store_table


class StoredHousehold(NamedTuple):
    id: int
    removed: bool
    in_scope: bool
    values: tuple[Any, ...]  # HOUSEHOLD_FIELDS


class StoredMember(NamedTuple):
    id: int
    household_id: int
    removed: bool
    in_scope: bool
    values: tuple[Any, ...]  # MEMBER_FIELDS


@dataclass(slots=True)
class State:
    households: dict[str, StoredHousehold]  # by 户编号
    members: dict[str, StoredMember]  # by person number (first 18 characters)


def _county_range(table: Table, counties: Iterable[str]) -> Any:
    return or_(
        *(table.c.village_code.between(c[:6] + "000000", c[:6] + "999999") for c in counties)
    )


def load_state(connection: Connection, checked: Checked) -> State:
    """The stored households and members the file is compared with: all of its counties', and
    those of its accepted households and people that are registered elsewhere."""
    if not checked.counties:  # nothing accepted: nothing to compare, nothing to remove
        return State({}, {})
    state = _load_counties(connection, checked.counties)
    h = store_table("households")
    outside = select(h.c.id).where(not_(_county_range(h, checked.counties))).limit(1)
    if connection.execute(outside).first() is None:
        return state  # the store holds only the file's counties
    _load_elsewhere(connection, checked, state)
    return state


def _household_columns(h: Table) -> list[Any]:
    return [h.c.id, h.c.removed_at, h.c.household_no, *_compared(h, HOUSEHOLD_FIELDS)]


def _member_columns(m: Table) -> list[Any]:
    return [m.c.id, m.c.removed_at, m.c.household_id, *_compared(m, MEMBER_FIELDS)]


def _load_counties(connection: Connection, counties: list[str]) -> State:
    """Every stored household and member of the counties, removed ones too."""
    h, m = store_table("households"), store_table("members")
    state = State({}, {})
    stmt = select(*_household_columns(h)).where(_county_range(h, counties))
    _add_households(state.households, _rows(connection, stmt), in_scope=True)
    stmt = (
        select(*_member_columns(m))
        .join(h, h.c.id == m.c.household_id)
        .where(_county_range(h, counties))
    )
    _add_members(state.members, _rows(connection, stmt), in_scope=True)
    return state


def _load_elsewhere(connection: Connection, checked: Checked, state: State) -> None:
    """The file's accepted households and people that are registered outside its counties."""
    h, m = store_table("households"), store_table("members")
    households, members = state.households, state.members
    size = _key_chunk(connection)
    numbers = sorted(
        set(first_rows(checked.accepted)["household_no"].to_pylist()) - households.keys()
    )
    for part in chunks(numbers, size):
        stmt = select(*_household_columns(h)).where(_among(connection, h.c.household_no, part))
        _add_households(households, _rows(connection, stmt), in_scope=False)
    # Accepted households found outside the file's counties (they moved): their members are in
    # scope too.
    moved = [households[n].id for n in numbers if n in households]
    for part in chunks(moved, size):
        stmt = select(*_member_columns(m)).where(_among(connection, m.c.household_id, part))
        _add_members(members, _rows(connection, stmt), in_scope=True)
    # People of the file registered elsewhere: by their number, and by its first 18 characters.
    given = [n for n in checked.accepted["id_number"].to_pylist() if n[:18] not in members]
    for part in chunks(sorted(set(given) | {n[:18] for n in given}), size):
        stmt = select(*_member_columns(m)).where(_among(connection, m.c.id_number, part))
        _add_members(members, _rows(connection, stmt), in_scope=False)


def _key_chunk(connection: Connection) -> int:
    return 50_000 if connection.dialect.name == "postgresql" else KEY_CHUNK


def _among(connection: Connection, column: Any, values: Sequence[Any]) -> Any:
    """``column IN values``: one array parameter on PostgreSQL (no huge statement to parse)."""
    if connection.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def _compared(table: Table, names: Sequence[str]) -> list[Any]:
    """The columns as compared with the file: empty text is no value."""
    return [func.nullif(table.c[n], "").label(n) if n in TEXT_FIELDS else table.c[n] for n in names]


def _rows(connection: Connection, stmt: Any) -> Iterator[tuple[Any, ...]]:
    """Rows as the driver returns them (``db.driver_rows``), as tuples: SQLite gives booleans
    as 0 and 1 (equal to False and True) and dates as text."""
    for rows in driver_rows(connection, stmt, 50_000):
        yield from (row if type(row) is tuple else tuple(row) for row in rows)


def _add_households(
    households: dict[str, StoredHousehold], rows: Iterable[tuple[Any, ...]], *, in_scope: bool
) -> None:
    for row in rows:
        households[row[2]] = StoredHousehold(row[0], row[1] is not None, in_scope, row[3:])


def _add_members(
    members: dict[str, StoredMember], rows: Iterable[tuple[Any, ...]], *, in_scope: bool
) -> None:
    born = 3 + MEMBER_FIELDS.index("birth_date")
    for row in rows:
        key = row[3][:18]
        found = members.get(key)
        if found is not None and not (found.removed and row[1] is None):
            continue  # seen already; a second record of a person counts only if not removed
        values = row[3:]
        if isinstance(row[born], str):  # SQLite
            values = (*row[3:born], dt.date.fromisoformat(row[born]), *row[born + 1 :])
        members[key] = StoredMember(row[0], row[2], row[1] is not None, in_scope, values)
