"""Incomes and guarantees per household and year: the file's records, the diff, the writes.

Both imports end here: the registry export (source ``export``) and the yearly collection
(source ``collection``). A record is compared with the stored one of its household and year on
the fields the file gives (amounts and flags, not where or when they came from): the same
figures again change nothing; changed ones replace the stored row's fields and its source,
source_ref and as_of.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Table, and_, bindparam, insert, select, update

from bottomline.db import chunks
from bottomline.registry import columns
from bottomline.registry.imports.report import DiffCount
from bottomline.registry.incomes.check import as_of_days, figures, guarantee_flags, stored_fields
from bottomline.registry.incomes.read import any_figure
from bottomline.registry.snapshot import store_table

Change = tuple[str, str, str, str, str, str]  # as the changes report's rows


@dataclass(slots=True)
class Records:
    """One row per household and year: 户编号, year, the stored fields the file gives, as_of."""

    table: pa.Table
    income_fields: tuple[str, ...]
    guarantee_fields: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not (self.income_fields or self.guarantee_fields) or not self.table.num_rows


def build_records(
    household_no: pa.Array,
    year: pa.Array,
    values: dict[str, pa.Array],
    present: Iterable[str],
    today: dt.date,
) -> Records:
    present = set(present)
    income_fields, guarantee_fields = stored_fields(present)
    given = pa.array(any_figure(values, len(household_no)))  # no figures: no record
    values = {name: pc.filter(array, given) for name, array in values.items()}
    household_no, year = pc.filter(household_no, given), pc.filter(year, given)
    n = len(household_no)
    data: dict[str, pa.Array] = {"household_no": household_no, "year": year}
    if n:
        data |= figures(values, present, income_fields)
        data |= guarantee_flags(values, guarantee_fields)
    else:
        data |= {name: pa.array([], pa.decimal128(14, 2)) for name in income_fields}
        data |= {name: pa.array([], pa.bool_()) for name in guarantee_fields}
    data["as_of"] = as_of_days(values, today, n)
    return Records(pa.table(data), income_fields, guarantee_fields)


@dataclass(slots=True)
class AnnualPlan:
    records: Records
    incomes: DiffCount = field(default_factory=DiffCount)
    guarantees: DiffCount = field(default_factory=DiffCount)
    new_incomes: list[int] = field(default_factory=list)  # rows of records.table
    changed_incomes: list[int] = field(default_factory=list)
    new_guarantees: list[int] = field(default_factory=list)
    changed_guarantees: list[int] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)


def plan_annual(connection: Connection, records: Records, homes: dict[str, int]) -> AnnualPlan:
    """Compare the records with the store; ``homes``: 户编号 -> stored household id (a
    household not in it is new, so are its records)."""
    plan = AnnualPlan(records)
    if records.empty:
        return plan
    rows = _rows(records.table)
    ids = sorted({homes[r["household_no"]] for r in rows if r["household_no"] in homes})
    for kind, names, count, new, changed, label in (
        ("incomes", records.income_fields, plan.incomes, plan.new_incomes,
         plan.changed_incomes, "收入 income"),
        ("guarantees", records.guarantee_fields, plan.guarantees, plan.new_guarantees,
         plan.changed_guarantees, "三保障 guarantees"),
    ):  # fmt: skip
        if not names:
            continue
        stored = _stored(connection, store_table(kind), names, ids)
        for index, row in enumerate(rows):
            home = homes.get(row["household_no"])
            old = stored.get((home, row["year"])) if home is not None else None
            if old is None:
                count.new += 1
                new.append(index)
                plan.changes.append(
                    (label, "新增 new", row["household_no"], "", "", str(row["year"]))
                )
                continue
            differs = [name for name, value in zip(names, old, strict=True) if row[name] != value]
            if not differs:
                count.unchanged += 1
                continue
            count.changed += 1
            count.fields.update(differs)
            changed.append(index)
            shown = f"{row['year']}: {' '.join(differs)}"
            plan.changes.append((label, "变更 changed", row["household_no"], "", "", shown))
    return plan


def _rows(table: pa.Table) -> list[dict[str, Any]]:
    """The table's rows as dicts (column by column: quicker than ``Table.to_pylist``)."""
    names = table.column_names
    columns = [table[name].to_pylist() for name in names]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def _stored(
    connection: Connection, table: Table, names: Sequence[str], ids: Sequence[int]
) -> dict[tuple[int, int], tuple[Any, ...]]:
    out: dict[tuple[int, int], tuple[Any, ...]] = {}
    for part in chunks(list(ids)):
        stmt = select(table.c.household_id, table.c.year, *(table.c[n] for n in names)).where(
            table.c.household_id.in_(part)
        )
        for row in connection.execute(stmt):
            out[(row[0], row[1])] = tuple(_normal(v) for v in row[2:])
    return out


def _normal(value: Any) -> Any:
    """A stored value as the file's records hold it (SQLite gives booleans as 0 and 1)."""
    if isinstance(value, int) and not isinstance(value, bool) and value in (0, 1):
        return bool(value)
    return value


def apply_annual(
    connection: Connection,
    plan: AnnualPlan,
    home_of: Callable[[Sequence[str]], dict[str, int]],
    source: str,
    source_ref: int | None,
) -> None:
    """Write the plan: ``home_of`` gives the stored ids of 户编号 (new households included)."""
    records = plan.records
    if records.empty:
        return
    rows = _rows(records.table)
    touched = {
        rows[i]["household_no"]
        for i in (*plan.new_incomes, *plan.changed_incomes, *plan.new_guarantees,
                  *plan.changed_guarantees)
    }  # fmt: skip
    homes = home_of(sorted(touched))
    for kind, names, new, changed in (
        ("incomes", records.income_fields, plan.new_incomes, plan.changed_incomes),
        ("guarantees", records.guarantee_fields, plan.new_guarantees, plan.changed_guarantees),
    ):
        table = store_table(kind)
        defaults = _defaults(kind, names)

        def values(i: int, names: Sequence[str] = names) -> dict[str, Any]:
            row = rows[i]
            return {
                "household_id": homes[row["household_no"]],
                "year": row["year"],
                **{name: row[name] for name in names},
                "source": source,
                "source_ref": source_ref,
                "as_of": row["as_of"],
            }

        for part in chunks([values(i) | defaults for i in new]):
            connection.execute(insert(table), list(part))
        if changed:
            stmt = (
                update(table)
                .where(
                    and_(
                        table.c.household_id == bindparam("b_household"),
                        table.c.year == bindparam("b_year"),
                    )
                )
                .values({n: bindparam(f"b_{n}") for n in (*names, "source", "source_ref", "as_of")})
            )
            params = []
            for i in changed:
                row = values(i)
                params.append(
                    {"b_household": row.pop("household_id"), "b_year": row.pop("year")}
                    | {f"b_{k}": v for k, v in row.items()}
                )
            for part in chunks(params):
                connection.execute(stmt, list(part))


def _defaults(kind: str, names: Sequence[str]) -> dict[str, Any]:
    """Fields a new row needs that the file does not give: 0 yuan, no problem."""
    if kind == "incomes":
        from decimal import Decimal

        return {n: Decimal(0) for n in columns.MONEY_COLUMNS if n not in names}
    return {n: False for n in ("food_clothing_insecure", "housing_unsafe", "water_unsafe")
            if n not in names}  # fmt: skip


def homes_of(connection: Connection) -> Callable[[Sequence[str]], dict[str, int]]:
    """A lookup of stored household ids by 户编号, in chunks."""
    h = store_table("households")

    def lookup(numbers: Sequence[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for part in chunks(list(numbers)):
            stmt = select(h.c.household_no, h.c.id).where(h.c.household_no.in_(part))
            out.update({row[0]: row[1] for row in connection.execute(stmt)})
        return out

    return lookup
