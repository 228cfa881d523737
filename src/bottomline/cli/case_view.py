"""How ``bottomline case show`` prints a case file: every section, personal data kept out.

Free text (reasons, evidence, objections) passes :func:`bottomline.cli.params.shown`; a
helper's phone is masked; the household shows by its number, never by a member's name or ID.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.table import Table

from bottomline.assistance.enums import MeasureStatus
from bottomline.cases.enums import Channel, NoticeKind, Stage
from bottomline.cli import params as p
from bottomline.cli.ui import console
from bottomline.screening.enums import Category, RiskType

if TYPE_CHECKING:
    from bottomline.cases.queries import CaseFile

NEEDS = {"category": "--category …", "risk_types": "--risk …", "method": "--method …"}


def print_case_file(file: CaseFile, village: str) -> None:
    """Everything about the case (its clock as of the day it was read), then the next moves."""
    _print_header(file, village)
    _print_events(file)
    _print_leads_and_visits(file)
    _print_notices(file)
    _print_assistance(file)
    print_next(Stage(file.case.stage))


def _print_header(file: CaseFile, village: str) -> None:
    from bottomline.cases.clock import decided_in_time

    case, stage = file.case, Stage(file.case.stage)
    console.print(
        f"[bold]案件 / case {case.id}[/bold] · 户编号 / household {file.household.household_no} "
        f"· {village} ({case.village_code}) · version {case.version}"
    )
    console.print(
        f"阶段 / stage: {stage.label} since {case.stage_since} · 类型 / category: "
        f"{Category(case.category).label if case.category else '—'} · 风险类型 / risk types: "
        f"{p.labels(RiskType, case.risk_types)} · policy {case.policy_ref or '—'}"
    )
    clock = file.clock
    provisional = " （暂定 / provisional）" if clock.provisional else ""
    if stage.identification:
        console.print(
            f"时限 / clock: first lead {clock.first_lead_on}, deadline {clock.deadline_on}"
            f"{provisional}, {clock.days_used} days used, {days_left(clock.days_left)}"
        )
    elif case.identified_on:
        in_time = decided_in_time(case)
        console.print(
            f"时限 / clock: first lead {clock.first_lead_on}, county decision "
            f"{case.identified_on} (deadline {clock.deadline_on}{provisional}: "
            f"{'in time / 按时' if in_time else 'late / 超期'})"
        )


def days_left(days: int) -> str:
    return f"逾期 {-days} 天 / {-days} days overdue" if days < 0 else f"{days} days left"


def _section(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def _print(table: Table) -> None:
    if table.row_count:
        console.print(table)
    else:
        console.print(f"[dim]{table.title}: —[/dim]")


def _print_events(file: CaseFile) -> None:
    table = _section(
        "经过 / events",
        "日期 / day",
        "阶段 / move",
        "经办 / by",
        "理由 / reason",
        "依据 / evidence",
    )
    for e in file.events:
        move = f"{e.from_stage or '—'} → {e.to_stage}"
        table.add_row(
            str(e.occurred_on),
            move,
            f"{e.actor} ({e.role})",
            p.shown(e.reason),
            _evidence(e.evidence),
        )
    _print(table)


def _evidence(evidence: dict[str, Any] | None) -> str:
    parts = []
    for key, value in (evidence or {}).items():
        if isinstance(value, dict) or (
            isinstance(value, list) and value and isinstance(value[0], dict)
        ):
            parts.append(f"{key}=(record)")
        elif isinstance(value, list):
            parts.append(f"{key}={p.shown(', '.join(map(str, value)))}")
        else:
            parts.append(f"{key}={p.shown(value)}")
    return "\n".join(parts) or "—"


def _print_leads_and_visits(file: CaseFile) -> None:
    leads = _section(
        "线索 / leads",
        "线索 / lead",
        "日期 / day",
        "来源 / channel",
        "报告人 / by",
        "风险 / risks",
        "依据 / evidence",
    )
    for lead in file.leads:
        leads.add_row(
            str(lead.id),
            str(lead.reported_on or lead.cycle),
            p.labels(Channel, [lead.channel]),
            lead.reported_by or "—",
            p.labels(RiskType, lead.risk_types),
            "\n".join(f"• {r}" for r in file.reasons.get(lead.id, [])) or _evidence(lead.evidence),
        )
    _print(leads)
    visits = _section(
        "走访 / visits",
        "走访 / visit",
        "日期 / day",
        "走访人 / visitor",
        "授权 / signed",
        "建议监测 / suggests",
        "人均收入估算 / income",
    )
    for v in file.visits:
        visits.add_row(
            str(v.id),
            str(v.visit_date),
            p.shown(f"{v.visitor_name} ({v.visitor_unit})" if v.visitor_unit else v.visitor_name),
            p.yes_no(v.authorization_signed),
            p.yes_no(v.suggest_monitoring),
            str(v.income_estimate) if v.income_estimate is not None else "—",
        )
    _print(visits)


def _print_notices(file: CaseFile) -> None:
    notices = _section(
        "公示 / notices", "公示 / notice", "类型 / kind", "轮次 / round", "公示期 / period"
    )
    for n in file.notices:
        notices.add_row(
            str(n.id),
            NoticeKind(n.kind).zh,
            f"{n.year}-{n.round_no}",
            f"{n.starts_on} – {n.ends_on}",
        )
    _print(notices)
    objections = _section(
        "异议 / objections",
        "异议 / objection",
        "公示 / notice",
        "收到 / received",
        "内容 / summary",
        "处理 / resolution",
    )
    for o in file.objections:
        if o.resolved_on is None:
            outcome = "[yellow]未处理 / open[/yellow]"
        else:
            verdict = "成立 / upheld" if o.upheld else "不成立 / dismissed"
            outcome = f"{o.resolved_on} {verdict}: {p.shown(o.resolution)}"
        objections.add_row(
            str(o.id), str(o.notice_id), str(o.received_on), p.shown(o.summary), outcome
        )
    _print(objections)


def _print_assistance(file: CaseFile) -> None:
    from bottomline.assistance.catalogue import load_catalogue
    from bottomline.ids import mask_phone

    catalogue = load_catalogue()
    measures = _section(
        "帮扶措施 / measures",
        "措施 / measure",
        "类型 / type",
        "金额 / amount",
        "期间 / term",
        "状态 / status",
    )
    for m in file.measures:
        name = catalogue.get(m.measure_type).zh if m.measure_type in catalogue else m.measure_type
        measures.add_row(
            str(m.id),
            f"{name} ({m.measure_type})",
            str(m.amount or "—"),
            f"{m.start_on} – {m.end_on or ''}",
            MeasureStatus(m.status).zh,
        )
    _print(measures)
    helpers = _section(
        "帮扶责任人 / helpers", "姓名 / name", "单位 / unit", "电话 / phone", "期间 / term"
    )
    for h in file.helpers:
        helpers.add_row(
            p.shown(h.name),
            p.shown(h.unit),
            mask_phone(h.phone) or "—",
            f"{h.start_on} – {h.end_on or ''}",
        )
    _print(helpers)
    followups = _section(
        "收入跟踪 / income follow-ups", "日期 / day", "人均纯收入 / per capita, yuan"
    )
    for f in file.followups:
        followups.add_row(str(f.followed_on), f"{f.per_capita_income:,}")
    _print(followups)
    if not file.warnings:
        console.print("[dim]计划提示 / plan warnings: —[/dim]")
    for w in file.warnings:
        console.print(f"[yellow]⚠ {w.code} {w.zh} / {w.en}[/yellow]")


def print_next(stage: Stage) -> None:
    from bottomline.cases.transitions import MOVES

    moves = [m for m in MOVES.values() if m.source is stage]
    if not moves:
        console.print(f"下一步 / next: none — {stage.label} is final")
        return
    console.print("下一步 / next allowed stages:")
    for m in moves:
        needs = [NEEDS.get(k, f"--evidence {k}=…") for k in m.needs]
        needs += ["--reason …"] if m.reason else []
        console.print(
            f"  → {m.target.value} ({m.target.zh}) · 经办 / by {', '.join(sorted(m.roles))}"
            + (f" · 须提供 / needs {', '.join(needs)}" if needs else "")
        )
