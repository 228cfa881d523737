"""How ``bottomline household show`` gathers and prints a household: ID numbers masked, names
masked, free text through ``params.shown``; department rows by feed, period and batch only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table

from bottomline.cases.enums import Stage
from bottomline.cli import params as p
from bottomline.cli.ui import console
from bottomline.registry.enums import (
    Category,
    Health,
    HouseholdType,
    IncomeSource,
    LabourCapacity,
    MemberEventKind,
    MoveReason,
    Relationship,
    RiskType,
    Schooling,
    Sex,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bottomline.registry.models import Household


@dataclass(slots=True)
class HouseholdRecord:
    household: Household
    village: str
    today: dt.date
    sections: dict[str, list[Any]] = field(default_factory=dict)


def gather(session: Session, household: Household, today: dt.date) -> HouseholdRecord:
    from bottomline.assistance.queries import followups_of, helpers_of, measures_of
    from bottomline.cases.queries import cases_of
    from bottomline.registry.records import events_of, guarantees_of, incomes_of, pending_edits_of

    names = p.region_names(session, {household.village_code})
    record = HouseholdRecord(household, names.get(household.village_code, ""), today)
    hid = household.id
    record.sections = {
        "members": list(household.members),
        "incomes": incomes_of(session, hid),
        "guarantees": guarantees_of(session, hid),
        "events": events_of(session, hid),
        "pending": pending_edits_of(session, hid),
        "measures": measures_of(session, hid),
        "helpers": helpers_of(session, hid),
        "followups": followups_of(session, hid),
        "cases": cases_of(session, hid),
    }
    return record


def print_household(record: HouseholdRecord) -> None:
    _header(record)
    _members(record)
    _incomes(record)
    _guarantees(record)
    _events(record)
    _assistance(record)
    _cases(record)


def _header(record: HouseholdRecord) -> None:
    from bottomline.ids import mask_phone

    h = record.household
    removed = f" · [red]已移除 / removed {h.removed_at:%Y-%m-%d}[/red]" if h.removed_at else ""
    console.print(
        f"[bold]户 / household {h.household_no}[/bold] (id {h.id}) · {record.village} "
        f"({h.village_code}) · {HouseholdType(h.household_type).label}{removed}"
    )
    console.print(
        f"脱贫户 / formerly poor {p.yes_no(h.formerly_poor)} (exit {h.poverty_exit_year or '—'}) · "
        f"易地搬迁 / relocated {p.yes_no(h.relocated)} · 整户无劳动力 / no labour "
        f"{p.yes_no(h.no_labour_household)} · 电话 / phone {mask_phone(h.phone) or '—'}"
    )
    category = (
        Category(h.monitoring_category).label if h.monitoring_category else "未监测 / not monitored"
    )
    console.print(
        f"国家系统监测 / monitoring (national system): {category} · 风险 / risks "
        f"{p.labels(RiskType, h.monitoring_risks)} · 纳入 / since {h.monitored_on or '—'} · "
        f"风险消除 / eliminated {h.risk_eliminated_on or '—'}"
    )
    pending = record.sections["pending"]
    if pending:
        fields = sorted({e.field for e in pending})
        console.print(
            f"[yellow]本地修改待国家系统确认 / local edits pending: {', '.join(fields)}[/yellow]"
        )


def _section(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def _print(table: Table) -> None:
    console.print(table if table.row_count else f"[dim]{table.title}: —[/dim]")


def _age(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _members(record: HouseholdRecord) -> None:
    from bottomline.ids import mask_id, mask_name

    table = Table(title="家庭成员 / members", title_justify="left")
    headers = (
        "成员\nid", "证件号码\nID", "姓名\nname", "关系\nrelation", "性别\nsex", "年龄\nage",
        "在校\nschooling", "健康\nhealth", "劳动\nlabour", "医保·大病·养老\ninsured",
        "低保·特困\ndibao·tekun", "状态\nstatus",
    )  # fmt: skip
    for header in headers:
        table.add_column(header, no_wrap=header.startswith(("证件", "成员")))
    for m in record.sections["members"]:
        status = "在户 present" if m.removed_at is None else f"减员 removed {m.removed_at:%Y-%m-%d}"
        table.add_row(
            str(m.id), mask_id(m.id_number), mask_name(m.name), Relationship(m.relationship).zh,
            Sex(m.sex).zh, str(_age(m.birth_date, record.today)), Schooling(m.schooling).zh,
            Health(m.health).zh, LabourCapacity(m.labour_capacity).zh,
            "".join(p.yes_no(v) for v in (m.insured_medical, m.insured_serious_illness, m.insured_pension)),
            "".join(p.yes_no(v) for v in (m.dibao, m.tekun)), status,
        )  # fmt: skip
    _print(table)


def _incomes(record: HouseholdRecord) -> None:
    size = sum(1 for m in record.sections["members"] if m.removed_at is None)
    table = _section(
        f"收入 / incomes (per capita over {size} present members)", "年度 / year",
        "纯收入 / net", "人均 / per capita", "工资 / wage", "经营 / business", "财产 / property",
        "转移 / transfers", "经营支出 / costs", "医疗·教育自付 / oop", "来源 / source", "采集 / as of",
    )  # fmt: skip
    for i in record.sections["incomes"]:
        per_capita = str(i.per_capita_net_income(size)) if size else "—"
        table.add_row(
            str(i.year), str(i.net_income), per_capita, str(i.wage), str(i.business),
            str(i.property), str(i.transfers), str(i.production_costs),
            f"{i.medical_oop} · {i.education_oop}", IncomeSource(i.source).label, str(i.as_of),
        )  # fmt: skip
    for f in record.sections["followups"]:
        table.add_row(
            str(f.followed_on.year), "", str(f.per_capita_income), "", "", "", "", "", "",
            IncomeSource.followup.label, str(f.followed_on),
        )  # fmt: skip
    _print(table)


def _guarantees(record: HouseholdRecord) -> None:
    table = _section(
        "两不愁三保障 / guarantees (✗ = problem)", "年度 / year", "吃穿 / food", "住房 / housing",
        "饮水 / water", "来源 / source", "采集 / as of",
    )  # fmt: skip
    for g in record.sections["guarantees"]:
        table.add_row(
            str(g.year), p.yes_no(not g.food_clothing_insecure), p.yes_no(not g.housing_unsafe),
            p.yes_no(not g.water_unsafe), IncomeSource(g.source).label, str(g.as_of),
        )  # fmt: skip
    _print(table)


def _events(record: HouseholdRecord) -> None:
    from bottomline.ids import mask_id

    ids = {m.id: mask_id(m.id_number) for m in record.sections["members"]}
    table = _section("人口变更 / member events", "日期 / on", "变更 / event", "成员 / member",
                     "原因 / reason", "经办 / by")  # fmt: skip
    for e in record.sections["events"]:
        reason = MoveReason(e.reason).zh if e.reason else "—"
        table.add_row(str(e.occurred_on), MemberEventKind(e.kind).label,
                      ids.get(e.member_id, str(e.member_id)), reason, e.recorded_by)  # fmt: skip
    _print(table)


def _assistance(record: HouseholdRecord) -> None:
    from bottomline.ids import mask_phone

    table = _section("帮扶措施 / measures", "编号 / id", "类型 / type", "状态 / status",
                     "开始 / start", "结束 / end", "金额 / amount")  # fmt: skip
    for m in record.sections["measures"]:
        table.add_row(str(m.id), m.measure_type, m.status, str(m.start_on), str(m.end_on or "—"),
                      str(m.amount or "—"))  # fmt: skip
    _print(table)
    table = _section("帮扶责任人 / helpers", "姓名 / name", "单位 / unit", "电话 / phone",
                     "开始 / start", "结束 / end")  # fmt: skip
    for h in record.sections["helpers"]:
        table.add_row(p.shown(h.name), p.shown(h.unit), mask_phone(h.phone) or "—",
                      str(h.start_on), str(h.end_on or "—"))  # fmt: skip
    _print(table)


def _cases(record: HouseholdRecord) -> None:
    table = _section("案件 / cases", "案件 / case", "阶段 / stage", "类型 / category",
                     "风险 / risks", "首条线索 / first lead", "时限 / deadline")  # fmt: skip
    for c in record.sections["cases"]:
        category = Category(c.category).zh if c.category else "—"
        table.add_row(str(c.id), Stage(c.stage).label, category, p.labels(RiskType, c.risk_types),
                      str(c.first_lead_on), str(c.deadline_on))  # fmt: skip
    _print(table)


def print_department_rows(household_id: int, feeds_dir: Path, today: dt.date, months: int) -> None:
    """The rows of every department feed matched to the household in the last ``months``."""
    from bottomline.ingest.catalogue import FEEDS, period_index, period_of
    from bottomline.ingest.queries import department_rows

    last = today.strftime("%Y-%m")
    first = period_of(period_index(last) - months + 1)
    table = _section(f"部门数据 / department rows {first} … {last}", "数据 / feed",
                     "期间 / period", "批次 / batch", "来源行 / source row", "成员 / member")  # fmt: skip
    for feed in FEEDS.values():
        rows = department_rows(
            feeds_dir=feeds_dir, household_id=household_id, feed=feed.name, first=first, last=last
        )
        for row in rows.select(_present(rows.column_names)).to_pylist():
            table.add_row(
                feed.label, str(row.get("period", "")), str(row.get("batch_id", "")),
                f"{row.get('source_file') or ''} {row.get('source_row') or ''}".strip() or "—",
                str(row.get("member_id") or "—"),
            )  # fmt: skip
    _print(table)


def _present(names: list[str]) -> list[str]:
    wanted = ("period", "batch_id", "source_file", "source_row", "member_id")
    return [n for n in wanted if n in names]
