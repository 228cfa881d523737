"""Reads of the "problem data" work queue: counts by rule and region, open issues, the export.

Every read takes the :class:`~bottomline.users.scope.Scope` of the acting user (the region
it answers for, made by ``registry.access.access_region``). ID numbers leave only masked
(``ids.mask_id``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from bottomline import regions
from bottomline.errors import UserError
from bottomline.ids import mask_id
from bottomline.quality.models import QualityIssue, QualityRun
from bottomline.quality.rules import RULES_BY_CODE
from bottomline.registry.models import Household, Member, Region
from bottomline.spreadsheet import ReportWriter
from bottomline.users.scope import Scope
from bottomline.workdays import day_in_china

OPEN = "open"
# The level a region's queue is broken down by: the level below it.
CHILD_LEVEL = {
    "nation": "county",
    "province": "city",
    "city": "county",
    "county": "township",
    "township": "village",
    "village": "village",
}
EXPORT_HEADER = (
    "户编号 household_no",
    "村 village",
    "村代码 village_code",
    "规则 rule",
    "级别 severity",
    "问题",
    "problem",
    "整改要求",
    "fix",
    "成员证件号（脱敏） member ID (masked)",
    "详情 detail",
    "首次发现 first seen",
)
EXPORT_CHUNK_ROWS = 10_000


@dataclass(frozen=True, slots=True)
class QueueCount:
    region_code: str
    region_name: str
    rule_code: str
    open: int


@dataclass(frozen=True, slots=True)
class OpenIssue:
    id: int
    rule_code: str
    household_id: int
    household_no: str
    member_id: int | None
    masked_id: str  # "" for a household issue
    village_code: str
    village_name: str
    detail: dict[str, Any]
    first_seen: dt.datetime


def breakdown_level(scope: Scope) -> str:
    """The level the queue of a scope is broken down by (counties for the nation)."""
    return CHILD_LEVEL[scope.level]


def queue_counts(*, session: Session, scope: Scope, level: str | None = None) -> list[QueueCount]:
    """Open issues by region (at ``level``, default the level below the scope) and rule."""
    level = level or breakdown_level(scope)
    if level not in regions.LEVEL_DIGITS:
        raise UserError(
            f"未知的区域层级 / unknown region level {level!r}",
            hint=f"可选 / use one of {list(regions.LEVEL_DIGITS)}",
        )
    prefix = func.substr(QualityIssue.village_code, 1, regions.LEVEL_DIGITS[level]).label("prefix")
    stmt = (
        select(prefix, QualityIssue.rule_code, func.count())
        .where(QualityIssue.status == OPEN, scope.villages(QualityIssue.village_code))
        .group_by(prefix, QualityIssue.rule_code)
        .order_by(prefix, QualityIssue.rule_code)
    )
    rows = [(regions.padded(p), rule, n) for p, rule, n in session.execute(stmt)]
    names = _region_names(session, {code for code, _, _ in rows})
    return [QueueCount(code, names.get(code, ""), rule, n) for code, rule, n in rows]


def _region_names(session: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    stmt = select(Region.code, Region.name).where(Region.code.in_(sorted(codes)))
    return {code: name for code, name in session.execute(stmt)}


def open_issues(
    *, session: Session, scope: Scope, rule: str | None = None, limit: int = 100
) -> list[OpenIssue]:
    """Open issues of a scope (and rule), by village and household number."""
    if rule is not None and rule not in RULES_BY_CODE:
        raise UserError(
            f"未知的数据质量规则 / unknown quality rule {rule!r}",
            hint=f"可选 / use one of {list(RULES_BY_CODE)}",
        )
    stmt = _issues(scope)
    if rule is not None:
        stmt = stmt.where(QualityIssue.rule_code == rule)
    return [_open_issue(row) for row in session.execute(stmt.limit(limit))]


def _issues(scope: Scope) -> Select[Any]:
    """Open issues with their household, member, village and first run, in queue order."""
    village = aliased(Region)
    return (
        select(
            QualityIssue.id,
            QualityIssue.rule_code,
            QualityIssue.household_id,
            QualityIssue.member_id,
            QualityIssue.village_code,
            QualityIssue.detail,
            Household.household_no,
            Member.id_number,
            func.coalesce(village.name, "").label("village_name"),
            QualityRun.started_at,
        )
        .join(Household, Household.id == QualityIssue.household_id)
        .outerjoin(Member, Member.id == QualityIssue.member_id)
        .outerjoin(village, village.code == QualityIssue.village_code)
        .join(QualityRun, QualityRun.id == QualityIssue.first_run_id)
        .where(QualityIssue.status == OPEN, scope.villages(QualityIssue.village_code))
        .order_by(
            QualityIssue.village_code,
            Household.household_no,
            QualityIssue.rule_code,
            QualityIssue.subject,
        )
    )


def _open_issue(row: Any) -> OpenIssue:
    return OpenIssue(
        id=row.id,
        rule_code=row.rule_code,
        household_id=row.household_id,
        household_no=row.household_no,
        member_id=row.member_id,
        masked_id=mask_id(row.id_number),
        village_code=row.village_code,
        village_name=row.village_name,
        detail=dict(row.detail or {}),
        first_seen=row.started_at,
    )


def export_queue(*, session: Session, path: Path, scope: Scope) -> int:
    """Write the open issues of a scope as a CSV work queue; the number of issues written."""
    with ReportWriter(path, EXPORT_HEADER) as writer:
        for issue in _all_open(session, scope):
            writer.write(export_row(issue))
        return writer.rows


def _all_open(session: Session, scope: Scope) -> Iterator[OpenIssue]:
    stmt = _issues(scope).execution_options(yield_per=EXPORT_CHUNK_ROWS)
    for row in session.execute(stmt):
        yield _open_issue(row)


def export_row(issue: OpenIssue) -> tuple[object, ...]:
    rule = RULES_BY_CODE.get(issue.rule_code)
    texts = (rule.severity.value, rule.zh, rule.en, rule.fix_zh, rule.fix_en) if rule else ("",) * 5
    return (
        issue.household_no,
        issue.village_name,
        issue.village_code,
        issue.rule_code,
        *texts,
        issue.masked_id,
        describe(issue.detail),
        day_in_china(issue.first_seen).isoformat(),  # first-seen dates are days in China
    )


def describe(detail: dict[str, Any]) -> str:
    """``key=value; key=value`` for a report cell."""
    return "; ".join(f"{key}={value}" for key, value in detail.items())
