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

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Numeric, Table, select

from bottomline.db import chunks, driver_rows
from bottomline.registry import columns
from bottomline.registry.imports.report import DiffCount, change_table
from bottomline.registry.imports.write import home_ids, insert_rows, update_rows
from bottomline.registry.incomes.check import as_of_days, figures, guarantee_flags, stored_fields
from bottomline.registry.incomes.read import any_figure
from bottomline.registry.national_export import MONEY_TYPE, as_mask
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
    changes: list[Change] = field(default_factory=list)  # changed records
    new_changes: list[pa.Table] = field(default_factory=list)  # new ones, column-wise


def plan_annual(connection: Connection, records: Records, homes: dict[str, int]) -> AnnualPlan:
    """Compare the records with the store; ``homes``: 户编号 -> stored household id (a
    household not in it is new, so are its records).

    Records of households or years the store does not hold are new, found column-wise; the
    others are compared field by field (amounts as floats: two amounts of at most two
    decimals below 10^13 yuan are equal exactly when their floats are)."""
    plan = AnnualPlan(records)
    if records.empty:
        return plan
    table = records.table
    home = home_ids(table["household_no"], homes)
    key = _key(home, table["year"])
    ids = pc.unique(home.drop_null()).to_pylist()
    for kind, names, count, new, changed, label in (
        ("incomes", records.income_fields, plan.incomes, plan.new_incomes,
         plan.changed_incomes, "收入 income"),
        ("guarantees", records.guarantee_fields, plan.guarantees, plan.new_guarantees,
         plan.changed_guarantees, "三保障 guarantees"),
    ):  # fmt: skip
        if not names:
            continue
        stored = _stored(connection, store_table(kind), names, sorted(ids))
        known = as_mask(pc.is_in(key, value_set=pa.array(list(stored), pa.int64())))
        added = np.flatnonzero(~known)
        count.new += len(added)
        new += added.tolist()
        rows = table.take(pa.array(added))
        years = pc.cast(rows["year"], pa.string())
        plan.new_changes.append(change_table(label, "新增 new", rows["household_no"], fields=years))
        matched = np.flatnonzero(known)
        _compare(table, names, matched, key, stored, plan, count, changed, label)
    return plan


def _key(home: pa.Array, year: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One int64 per (household id, year): null for a household the store does not hold."""
    return pc.add(pc.multiply(home, 10_000), pc.cast(year, pa.int64()))


def _compare(
    table: pa.Table,
    names: Sequence[str],
    matched: np.ndarray,
    key: pa.Array,
    stored: dict[int, tuple[Any, ...]],
    plan: AnnualPlan,
    count: DiffCount,
    changed: list[int],
    label: str,
) -> None:
    """The records ``matched`` against their stored rows, field by field."""
    picked = table.take(pa.array(matched))
    columns = [_comparable(picked[name]) for name in names]
    keys = key.take(pa.array(matched)).to_pylist()
    numbers = picked["household_no"].to_pylist()
    years = picked["year"].to_pylist()
    for at, index in enumerate(matched.tolist()):
        old = stored[keys[at]]
        differs = [name for name, column, value in zip(names, columns, old, strict=True)
                   if column[at] != value]  # fmt: skip
        if not differs:
            count.unchanged += 1
            continue
        count.changed += 1
        count.fields.update(differs)
        changed.append(index)
        shown = f"{years[at]}: {' '.join(differs)}"
        plan.changes.append((label, "变更 changed", numbers[at], "", "", shown))


def _comparable(values: pa.ChunkedArray) -> list[Any]:
    """A records column as compared with stored values: amounts as floats."""
    if pa.types.is_decimal(values.type):
        return values.cast(pa.float64()).to_pylist()
    return values.to_pylist()


def _stored(
    connection: Connection, table: Table, names: Sequence[str], ids: Sequence[int]
) -> dict[int, tuple[Any, ...]]:
    """The stored rows of the households ``ids`` by :func:`_key`, amounts as floats and flags
    as booleans (as the driver gives them: SQLite has no decimals nor booleans)."""
    out: dict[int, tuple[Any, ...]] = {}
    kinds = [float if isinstance(table.c[n].type, Numeric) else bool for n in names]
    for part in chunks(list(ids)):
        stmt = select(table.c.household_id, table.c.year, *(table.c[n] for n in names)).where(
            table.c.household_id.in_(part)
        )
        for rows in driver_rows(connection, stmt, 50_000):
            for row in rows:
                out[row[0] * 10_000 + row[1]] = tuple(
                    kind(v) for kind, v in zip(kinds, row[2:], strict=True)
                )
    return out


def apply_annual(
    connection: Connection,
    plan: AnnualPlan,
    home_of: Callable[[Sequence[str]], dict[str, int]],
    source: str,
    source_ref: int | None,
) -> None:
    """Write the plan: ``home_of`` gives the stored ids of 户编号 (new households included).
    Rows are written column-wise in bulk (``imports.write``: COPY on PostgreSQL)."""
    records = plan.records
    if records.empty:
        return
    table = records.table
    touched = sorted(
        {*plan.new_incomes, *plan.changed_incomes, *plan.new_guarantees,
         *plan.changed_guarantees}
    )  # fmt: skip
    if not touched:
        return
    numbers = pc.unique(table["household_no"].take(pa.array(touched, pa.int64())))
    homes = home_of(sorted(numbers.to_pylist()))
    n = table.num_rows
    common = {
        "household_id": home_ids(table["household_no"], homes),
        "year": table["year"],
    }
    after = {
        "source": pa.repeat(pa.scalar(source, pa.string()), n),
        "source_ref": pa.repeat(pa.scalar(source_ref, pa.int64()), n),
        "as_of": table["as_of"],
    }
    for kind, names, new, changed in (
        ("incomes", records.income_fields, plan.new_incomes, plan.changed_incomes),
        ("guarantees", records.guarantee_fields, plan.new_guarantees, plan.changed_guarantees),
    ):
        store = store_table(kind)
        given = {name: table[name] for name in names} | after
        if new:
            data = pa.table(common | given | _defaults(kind, names, n))
            insert_rows(connection, store, data.take(pa.array(new, pa.int64())), kind, None)
        if changed:
            data = pa.table(common | given)
            update_rows(
                connection,
                store,
                data.take(pa.array(changed, pa.int64())),
                kind,
                None,
                keys=("household_id", "year"),
            )


def _defaults(kind: str, names: Sequence[str], n: int) -> dict[str, pa.Array]:
    """Fields a new row needs that the file does not give: 0 yuan, no problem."""
    if kind == "incomes":
        zero = pa.scalar(0, MONEY_TYPE)
        return {name: pa.repeat(zero, n) for name in columns.MONEY_COLUMNS if name not in names}
    no = pa.scalar(False, pa.bool_())
    return {name: pa.repeat(no, n) for name in ("food_clothing_insecure", "housing_unsafe",
            "water_unsafe") if name not in names}  # fmt: skip
