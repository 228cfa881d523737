"""Checking income rows: stated totals against their parts, and the figures the store keeps.

Vectorised over a file's rows. A total that disagrees with its parts by more than a fen is a
reject whose detail shows both numbers; an empty amount counts as 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bottomline.registry import columns
from bottomline.registry.imports.read import Problem
from bottomline.registry.incomes.catalogue import GUARANTEE_FIELDS, OOP_ITEMS, TRANSFER_ITEMS
from bottomline.registry.national_export import MONEY_TYPE, RejectCode, as_mask

TOLERANCE = 0.01 + 1e-9  # yuan: a stated total may differ from its parts by rounding to the fen
ZERO = pa.scalar(0, MONEY_TYPE)


def _amount(values: dict[str, pa.Array], name: str, n: int) -> np.ndarray:
    """Yuan as float64 (for the checks), an empty or missing amount as 0."""
    if name not in values:
        return np.zeros(n)
    return np.asarray(pc.fill_null(pc.cast(values[name], pa.float64()), 0.0).to_numpy())


def _given(values: dict[str, pa.Array], name: str, n: int) -> np.ndarray:
    if name not in values:
        return np.zeros(n, dtype=bool)
    return as_mask(pc.is_valid(values[name]))


def _shown(value: float) -> str:
    return f"{value:,.2f}"


def _mismatch(
    where: np.ndarray,
    column: str,
    code: RejectCode,
    stated: np.ndarray,
    computed: np.ndarray,
    *,
    offset: int = 0,
) -> list[Problem]:
    return [
        Problem(
            offset + int(i),
            column,
            code,
            f"填报 stated {_shown(stated[i])}，计算 computed {_shown(computed[i])}",
        )
        for i in np.flatnonzero(where)
    ]


def income_problems(
    values: dict[str, pa.Array], present: Collection[str], sizes: np.ndarray
) -> list[Problem]:
    """Rows whose stated totals disagree with their parts (``sizes``: household size per row,
    0 where unknown: no per-capita check)."""
    n = len(sizes)
    problems: list[Problem] = []
    items = [name for name in TRANSFER_ITEMS if name in present]
    item_sum = sum((_amount(values, name, n) for name in items), np.zeros(n))
    total = _amount(values, "transfer_total", n)
    stated = _given(values, "transfer_total", n)
    if items and "transfer_total" in present:
        if "transfer_other" in present:
            wrong = stated & (np.abs(total - item_sum) > TOLERANCE)
        else:  # the rest of the total is 其他转移性收入: it cannot be negative
            wrong = stated & (item_sum - total > TOLERANCE)
        problems += _mismatch(
            wrong, "transfer_total", RejectCode.transfer_mismatch, total, item_sum
        )
    transfers = np.where(stated, total, item_sum) if "transfer_total" in present else item_sum
    oop = [name for name in OOP_ITEMS if name in present]
    if oop and "oop_total" in present:
        oop_sum = sum((_amount(values, name, n) for name in oop), np.zeros(n))
        oop_total = _amount(values, "oop_total", n)
        given = _given(values, "oop_total", n)
        if len(oop) == len(OOP_ITEMS):
            wrong = given & (np.abs(oop_total - oop_sum) > TOLERANCE)
        else:
            wrong = given & (oop_sum - oop_total > TOLERANCE)
        problems += _mismatch(wrong, "oop_total", RejectCode.oop_mismatch, oop_total, oop_sum)
    parts = ("wage", "business", "property")
    # Parts the file does not have count as 0; with none of them there is nothing to check.
    computable = any(p in present for p in parts) or bool(items) or "transfer_total" in present
    net = sum((_amount(values, p, n) for p in parts), np.zeros(n)) + transfers
    net -= _amount(values, "production_costs", n)
    net_given = _given(values, "net_income", n)
    stated_net = _amount(values, "net_income", n)
    if computable and "net_income" in present:
        wrong = net_given & (np.abs(stated_net - net) > TOLERANCE)
        problems += _mismatch(wrong, "net_income", RejectCode.net_income_mismatch, stated_net, net)
    if "per_capita_net" in present and ("net_income" in present or computable):
        base = np.where(net_given, stated_net, net) if "net_income" in present else net
        known = net_given if not computable else np.ones(n, dtype=bool)
        per_capita = _amount(values, "per_capita_net", n)
        with np.errstate(divide="ignore", invalid="ignore"):
            expected = np.where(sizes > 0, base / np.maximum(sizes, 1), 0.0)
        wrong = (
            _given(values, "per_capita_net", n)
            & known
            & (sizes > 0)
            & (np.abs(per_capita - expected) > TOLERANCE)
        )
        problems += _mismatch(
            wrong, "per_capita_net", RejectCode.per_capita_mismatch, per_capita, expected
        )
    return problems


def stored_fields(present: Collection[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The income and guarantee fields of the store that a file with ``present`` columns gives:
    all transfer items once it gives any (or the total), both out-of-pocket items likewise."""
    given: set[str] = {name for name in columns.MONEY_COLUMNS if name in present}
    if "transfer_total" in present or given & set(TRANSFER_ITEMS):
        given |= set(TRANSFER_ITEMS)
    if "oop_total" in present or given & set(OOP_ITEMS):
        given |= set(OOP_ITEMS)
    income = tuple(name for name in columns.MONEY_COLUMNS if name in given)
    guarantee = tuple(name for name in GUARANTEE_FIELDS if name in present)
    return income, guarantee


def figures(
    values: dict[str, pa.Array], present: Collection[str], income_fields: Collection[str]
) -> dict[str, pa.Array]:
    """The stored amounts of every row: empty as 0; without 其他转移性收入 it is the stated total
    less the items; 合规自付支出 alone is medical, with one item the other is the rest."""
    n = len(next(iter(values.values())))
    out: dict[str, pa.Array] = {}
    for name in income_fields:
        out[name] = pc.fill_null(values[name], ZERO) if name in values else pa.repeat(ZERO, n)
    if "transfer_total" in present and "transfer_other" not in present:
        items = [out[name] for name in TRANSFER_ITEMS if name in present]
        rest = _rest(values["transfer_total"], items, n)
        out["transfer_other"] = rest
    if "oop_total" in present:
        given = [name for name in OOP_ITEMS if name in present]
        if not given:
            out["medical_oop"] = _rest(values["oop_total"], [], n)
        elif len(given) == 1:
            other = next(name for name in OOP_ITEMS if name not in given)
            out[other] = _rest(values["oop_total"], [out[given[0]]], n)
    return out


def _rest(total: pa.Array, parts: list[pa.Array], n: int) -> pa.Array:
    """``total`` less ``parts`` (money), 0 where the total is empty."""
    rest: pa.Array = pc.fill_null(total, ZERO)
    for part in parts:
        rest = pc.subtract(rest, part)
    rest = pc.cast(rest, MONEY_TYPE)
    stated = pc.is_valid(total)
    return pc.if_else(stated, rest, pa.repeat(ZERO, n))


def guarantee_flags(values: dict[str, pa.Array], fields: Collection[str]) -> dict[str, pa.Array]:
    """The guarantee flags of every row: empty as 否 (no problem)."""
    return {name: pc.fill_null(values[name], False) for name in fields}


def as_of_days(values: dict[str, pa.Array], today: dt.date, n: int) -> pa.Array:
    """采集日期 where given, else ``today`` (the import day in China)."""
    day = pa.scalar(today, pa.date32())
    if "collected_on" not in values:
        return pa.repeat(day, n)
    return pc.fill_null(values["collected_on"], day)
