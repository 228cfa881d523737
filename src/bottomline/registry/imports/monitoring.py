"""Monitoring as the national system records it: category, risk types, dates (per household).

The export's 监测对象类别, 致贫返贫风险1–5, 识别监测时间 and 风险消除时间 are household fields.
They are compared and written apart from the other household fields because the risk types
are one JSON list in the store. A file without any of these columns leaves them as stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, select

from bottomline.db import chunks, utcnow
from bottomline.registry.enums import MAX_RISK_TYPES
from bottomline.registry.imports.report import DiffCount
from bottomline.registry.imports.write import update_rows
from bottomline.registry.snapshot import store_table

RISK_COLUMNS = tuple(f"risk_{i}" for i in range(1, MAX_RISK_TYPES + 1))
FIELDS = ("monitoring_category", "monitoring_risks", "monitored_on", "risk_eliminated_on")


def present_fields(headers: dict[str, str]) -> tuple[str, ...]:
    """The monitoring fields a file gives (any risk column gives the risk list)."""
    given = {name for name in FIELDS if name in headers}
    if any(name in headers for name in RISK_COLUMNS):
        given.add("monitoring_risks")
    return tuple(name for name in FIELDS if name in given)


@dataclass(slots=True)
class MonitoringPlan:
    fields: tuple[str, ...]
    count: DiffCount = field(default_factory=DiffCount)
    updates: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # 户编号, values
    changes: list[tuple[str, str, str, str, str, str]] = field(default_factory=list)


def _values(households: pa.Table, fields: tuple[str, ...]) -> list[tuple[str, dict[str, Any]]]:
    """Per household: its 户编号 and the monitoring fields the file gives."""
    n = households.num_rows
    column = {
        name: households[name].to_pylist() if name in households.column_names else [None] * n
        for name in ("household_no", *fields, *RISK_COLUMNS)
        if name != "monitoring_risks"
    }
    risks: list[list[str]] = [[] for _ in range(n)]
    if "monitoring_risks" in fields:
        for name in RISK_COLUMNS:
            for listed, risk in zip(risks, column[name], strict=True):
                if risk is not None and risk not in listed:
                    listed.append(risk)
    out = []
    for i, number in enumerate(column["household_no"]):
        values = {
            name: risks[i] if name == "monitoring_risks" else column[name][i] for name in fields
        }
        out.append((number, values))
    return out


def _worth_comparing(households: pa.Table, homes: dict[str, int]) -> pa.Table:
    """The households stored already, and the new ones the file records as monitored in any
    way (a new household with no monitoring value is neither written nor counted)."""
    given = pc.is_in(households["household_no"], value_set=pa.array(list(homes), pa.string()))
    for name in (*FIELDS, *RISK_COLUMNS):
        if name in households.column_names:
            given = pc.or_(given, pc.is_valid(households[name]))
    return households.filter(given)


def plan_monitoring(
    connection: Connection, households: pa.Table, headers: dict[str, str], homes: dict[str, int]
) -> MonitoringPlan:
    """``households``: one row per accepted household; ``homes``: stored ids by 户编号."""
    plan = MonitoringPlan(present_fields(headers))
    if not plan.fields:
        return plan
    wanted = _values(_worth_comparing(households, homes), plan.fields)
    stored = _stored(connection, plan.fields, [homes[n] for n, _v in wanted if n in homes])
    empty: dict[str, Any] = {"monitoring_category": None, "monitoring_risks": [], "monitored_on": None,
             "risk_eliminated_on": None}  # fmt: skip
    for number, values in wanted:
        home = homes.get(number)
        if home is None:  # a new household: written (and counted new) when it is monitored
            given = [n for n in plan.fields if values[n] != empty[n]]
            if given:
                plan.count.new += 1
                plan.updates.append((number, values))
                plan.changes.append(
                    ("监测 monitoring", "新增 new", number, "", "", " ".join(given))
                )
            continue
        old = stored.get(home, {})
        differs = [n for n in plan.fields if old.get(n, empty[n]) != values[n]]
        if not differs:
            plan.count.unchanged += 1
            continue
        plan.count.changed += 1
        plan.count.fields.update(differs)
        plan.updates.append((number, values))
        plan.changes.append(("监测 monitoring", "变更 changed", number, "", "", " ".join(differs)))
    return plan


def _stored(
    connection: Connection, fields: tuple[str, ...], ids: list[int]
) -> dict[int, dict[str, Any]]:
    h = store_table("households")
    out: dict[int, dict[str, Any]] = {}
    for part in chunks(sorted(ids)):
        stmt = select(h.c.id, *(h.c[n] for n in fields)).where(h.c.id.in_(part))
        for row in connection.execute(stmt):
            values = dict(zip(fields, row[1:], strict=True))
            if "monitoring_risks" in values:
                values["monitoring_risks"] = list(values["monitoring_risks"] or [])
            out[row[0]] = values
    return out


_TYPES = {
    "monitoring_category": pa.string(),
    "monitoring_risks": pa.list_(pa.string()),
    "monitored_on": pa.date32(),
    "risk_eliminated_on": pa.date32(),
}


def apply_monitoring(connection: Connection, plan: MonitoringPlan, homes: dict[str, int]) -> None:
    """Write the plan's households' monitoring fields in bulk (``imports.write.update_rows``)."""
    if not plan.updates:
        return
    data = {"id": pa.array([homes[number] for number, _values in plan.updates], pa.int64())}
    for name in plan.fields:
        data[name] = pa.array([values[name] for _n, values in plan.updates], _TYPES[name])
    now = pa.scalar(utcnow(), pa.timestamp("us", tz="UTC"))
    data["updated_at"] = pa.repeat(now, len(plan.updates))
    update_rows(connection, store_table("households"), pa.table(data), "monitoring", None)
