"""The export for the national system (全国防返贫监测信息系统): a period's monitoring objects.

:func:`export_national` writes the monitored, newly identified and eliminated households of a
month — those identified on or before its last day whose risk was not eliminated before its
first — in the member-row layout the national system's import expects and ``bottomline import
registry`` reads (``registry.member_file``): a title row, the headers of
``registry.national_export`` and the income columns, one row per member with the household's
fields repeated. Its monitoring columns are the county's decisions: the household's latest case
approved in bottomline (identified_on, category, risk types, eliminated_on), else what the
registry records. The title row carries ``national_export.PARTIAL_MARK``: the file lists only
some households, so importing it back removes nothing.

The file holds full ID numbers and other personal data (it is for the national system, not a
masked list): only county users and above may write it, for a region they cover, and every
export is an audited action.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from bottomline import audit
from bottomline.cases.models import Case
from bottomline.db import chunks, publish_on_commit, staged_path
from bottomline.errors import PermissionDenied
from bottomline.ingest.catalogue import period_end
from bottomline.regions import prefix
from bottomline.registry.columns import MONEY_COLUMNS
from bottomline.registry.imports.fields import HOUSEHOLD_FIELDS, MEMBER_FIELDS
from bottomline.registry.incomes.catalogue import GUARANTEE_FIELDS
from bottomline.registry.member_file import (
    HEADER,
    income_texts,
    member_rows,
    scope_text,
    write_rows,
)
from bottomline.registry.models import (
    Household,
    HouseholdGuarantee,
    HouseholdIncome,
    Member,
    Region,
)
from bottomline.registry.national_export import COLUMNS, PARTIAL_MARK, TITLE
from bottomline.users.actor import Actor
from bottomline.users.enums import Role

EXPORTERS = frozenset({Role.county, Role.city, Role.province, Role.system})
MONITORING = ("monitoring_category", "monitoring_risks", "monitored_on", "risk_eliminated_on")
_HOUSEHOLD = ("household_no", *HOUSEHOLD_FIELDS, *MONITORING)
_MEMBER = MEMBER_FIELDS


@dataclass(frozen=True, slots=True)
class NationalExport:
    path: Path
    period: str
    region_code: str
    households: int
    members: int  # the file's data rows
    identified: int  # households identified in the period
    eliminated: int  # households whose risk was eliminated in the period
    from_cases: int  # households whose monitoring comes from a case decided in bottomline


def export_national(
    session: Session, *, actor: Actor, period: str, out: Path, region_code: str | None = None
) -> NationalExport:
    """Write the period's monitoring objects in ``region_code`` (default: the actor's region)
    to ``out`` (XLSX, or CSV for a ``.csv`` path); audited. ``period``: ``YYYY-MM``.

    The file is written beside ``out`` and takes its name only when ``session``'s transaction
    commits, with the audit row: an export that is not in the audit log leaves no file."""
    region = region_code or actor.region_code
    _check_actor(actor, region)
    last = period_end(period)
    first = last.replace(day=1)
    households, decided = _households(session, region, first, last)
    ids = households["household_id"].to_pylist()
    members = _members(session, ids)
    sizes = Counter(members["household_id"].to_pylist())
    figures = _figures(session, ids, last.year, sizes)
    table = member_rows(households, members, _region_names(session, region), figures)
    counties = sorted({code[:6] + "000000" for code in households["village_code"].to_pylist()})
    title = f"{TITLE}（{scope_text(counties) or region}，{period} 监测对象，{PARTIAL_MARK}）"
    staged = staged_path(out)
    publish_on_commit(session, staged, out)  # first: a write that fails half-way is removed too
    write_rows(table, staged, HEADER, title)
    result = NationalExport(
        path=out,
        period=period,
        region_code=region,
        households=households.num_rows,
        members=table.num_rows,
        identified=_within(households["monitored_on"], first, last),
        eliminated=_within(households["risk_eliminated_on"], first, last),
        from_cases=decided,
    )
    _record(session, actor, result)
    return result


def _check_actor(actor: Actor, region: str) -> None:
    if actor.role not in EXPORTERS:
        raise PermissionDenied(
            f"{actor} 无权导出报送全国系统的个人信息 / "
            f"{actor} may not export personal data for the national system",
            hint="县级及以上用户导出 / a county, city or province user exports it",
        )
    if not actor.covers(region):
        raise PermissionDenied(
            f"区域 {region} 不在 {actor} 的辖区内 / region {region} is outside the region of {actor}",
            hint="导出本辖区或其中一部分 / export your own region, or a part of it",
        )


def _households(
    session: Session, region: str, first: dt.date, last: dt.date
) -> tuple[pa.Table, int]:
    """The region's monitoring objects of the period, their monitoring overlaid with the cases'
    decisions; and how many took it from a case."""
    h = Household
    stmt = (
        select(h.id, *(getattr(h, name) for name in _HOUSEHOLD))
        .where(h.village_code.startswith(prefix(region)), h.removed_at.is_(None))
        .order_by(h.id)
    )
    rows = [dict(zip(("household_id", *_HOUSEHOLD), r, strict=True)) for r in session.execute(stmt)]
    decisions = _decisions(session, region)
    kept = []
    for row in rows:
        row |= decisions.get(row["household_id"], {})
        row["monitoring_risks"] = list(row["monitoring_risks"] or [])
        if _in_period(row, first, last):
            kept.append(row)
    decided = sum(1 for row in kept if row["household_id"] in decisions)
    return _table(kept, ("household_id", *_HOUSEHOLD)), decided


def _decisions(session: Session, region: str) -> dict[int, dict[str, Any]]:
    """Per household, the monitoring its latest case approved by the county records."""
    latest = (
        select(Case.household_id, func.max(Case.id).label("case_id"))
        .where(Case.identified_on.is_not(None), Case.village_code.startswith(prefix(region)))
        .group_by(Case.household_id)
        .subquery()
    )
    stmt = select(
        Case.household_id, Case.category, Case.risk_types, Case.identified_on, Case.eliminated_on
    ).join(latest, and_(Case.id == latest.c.case_id))
    return {
        hid: {
            "monitoring_category": category,
            "monitoring_risks": sorted(set(risks or [])),
            "monitored_on": identified,
            "risk_eliminated_on": eliminated,
        }
        for hid, category, risks, identified, eliminated in session.execute(stmt)
    }


def _in_period(row: dict[str, Any], first: dt.date, last: dt.date) -> bool:
    """Monitored at some time in the period: identified by its end, not eliminated before it."""
    if row["monitoring_category"] is None or row["monitored_on"] is None:
        return False
    eliminated = row["risk_eliminated_on"]
    return bool(row["monitored_on"] <= last and (eliminated is None or eliminated >= first))


def _within(values: pa.ChunkedArray, first: dt.date, last: dt.date) -> int:
    return sum(1 for v in values.to_pylist() if v is not None and first <= v <= last)


def _members(session: Session, ids: list[int]) -> pa.Table:
    names = ("household_id", "member_id", *_MEMBER)
    rows: list[dict[str, Any]] = []
    for part in chunks(ids):
        stmt = select(Member.household_id, Member.id, *(getattr(Member, n) for n in _MEMBER)).where(
            Member.household_id.in_(part), Member.removed_at.is_(None)
        )
        rows.extend(dict(zip(names, r, strict=True)) for r in session.execute(stmt))
    return _table(rows, names)


def _figures(session: Session, ids: list[int], year: int, sizes: Counter[int]) -> pa.Table:
    """The income and guarantee columns of each household's latest year up to ``year``."""
    latest: dict[int, dict[str, Any]] = {}
    flags: dict[tuple[int, int], dict[str, Any]] = {}
    for part in chunks(ids):
        stmt = select(
            HouseholdIncome.household_id,
            HouseholdIncome.year,
            *(getattr(HouseholdIncome, n) for n in MONEY_COLUMNS),
        ).where(HouseholdIncome.household_id.in_(part), HouseholdIncome.year <= year)
        for r in session.execute(stmt):
            row = dict(zip(("household_id", "year", *MONEY_COLUMNS), r, strict=True))
            found = latest.get(row["household_id"])
            if found is None or found["year"] < row["year"]:
                latest[row["household_id"]] = row
        stmt2 = select(
            HouseholdGuarantee.household_id,
            HouseholdGuarantee.year,
            *(getattr(HouseholdGuarantee, n) for n in GUARANTEE_FIELDS),
        ).where(HouseholdGuarantee.household_id.in_(part))
        for g in session.execute(stmt2):
            flags[(g[0], g[1])] = dict(zip(GUARANTEE_FIELDS, g[2:], strict=True))
    given = {
        hid: flags[(hid, row["year"])] for hid, row in latest.items() if (hid, row["year"]) in flags
    }
    incomes = [row for hid, row in latest.items() if sizes[hid]]
    return income_texts(incomes, sizes, given)


def _region_names(session: Session, region: str) -> dict[str, str]:
    stmt = select(Region.code, Region.name).where(Region.code.startswith(prefix(region)))
    return {code: name for code, name in session.execute(stmt)}


def _table(rows: list[dict[str, Any]], names: tuple[str, ...]) -> pa.Table:
    return pa.table({name: pa.array([r[name] for r in rows], _type(name)) for name in names})


def _type(name: str) -> pa.DataType:
    if name in ("household_id", "member_id"):
        return pa.int64()
    if name == "monitoring_risks":
        return pa.list_(pa.string())
    return COLUMNS[name].arrow_type


def _record(session: Session, actor: Actor, result: NationalExport) -> None:
    change = audit.Change(
        "registry.national_export",
        "region",
        result.region_code,
        region_code=result.region_code,
        after={
            "period": result.period,
            "file": result.path.name,
            "households": result.households,
            "members": result.members,
            "identified": result.identified,
            "eliminated": result.eliminated,
        },
        reason="全国系统导入（含完整证件号码） / for the national system (full ID numbers)",
    )
    audit.record(session, change, actor=actor.name, role=actor.role.value)
