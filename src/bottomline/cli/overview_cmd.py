"""``bottomline overdue | pipeline``: where a region's cases stand, for townships and counties."""

from __future__ import annotations

import typer
from rich.table import Table

from bottomline.cases.enums import Stage
from bottomline.cli import params as p
from bottomline.cli.case_view import days_left
from bottomline.cli.params import AsOpt, DateOpt, ScopeOpt
from bottomline.cli.ui import console


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add this module's commands to the ``bottomline`` app."""
    app.command("overdue")(overdue)
    app.command("pipeline")(pipeline_command)


def overdue(as_: AsOpt = None, region: ScopeOpt = None, date: DateOpt = None) -> None:
    """超期预警 / Cases due soon (township acts) or overdue (county acts), soonest first."""
    from bottomline.cases.clock import escalations
    from bottomline.db import open_store, session_scope

    today = p.day(date)
    with session_scope(open_store()) as session:
        scope = p.scope(session, as_, region)
        clocks = escalations(session, scope, today)
        names = p.region_names(session, {c.village_code for c in clocks})
    table = Table(
        title=f"超期预警 / escalations in {scope.region_code} on {today} ({len(clocks):,} cases)"
    )
    for column in ("案件 / case", "村 / village", "阶段 / stage", "首次线索 / first lead"):
        table.add_column(column, no_wrap=True)
    table.add_column("期限 / deadline", no_wrap=True)
    table.add_column("剩余 / left", justify="right")
    table.add_column("督办 / escalate to")
    for c in clocks:
        to = "县级 / county" if c.escalate_to == "county" else "乡镇 / township"
        table.add_row(
            str(c.case_id),
            names.get(c.village_code, c.village_code),
            c.stage.zh,
            str(c.first_lead_on),
            f"{c.deadline_on}{' （暂定 / provisional）' if c.provisional else ''}",
            days_left(c.days_left),
            f"[red]{to}[/red]" if c.overdue else to,
        )
    console.print(table)


def pipeline_command(
    as_: AsOpt = None,
    region: ScopeOpt = None,
    level: p.LevelOpt = "township",
) -> None:
    """进度 / Cases per region and stage, with totals (analysts too: counts, no record)."""
    from bottomline.cases.queries import pipeline
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, session_scope
    from bottomline.registry.access import access_count_region

    with session_scope(open_store()) as session:
        code = None if region is None else p.region_code(region)
        scope = access_count_region(session, actor=acting(session, as_), code=code)
        counts = pipeline(session, scope, level=p.level(level))
        names = p.region_names(session, set(counts))
    stages = [s for s in Stage if any(s.value in row for row in counts.values())]
    table = Table(title=f"案件进度 / cases by {level} and stage in {scope.region_code}")
    table.add_column("区域 / region")
    for s in stages:
        table.add_column(f"{s.zh}\n{s.value}", justify="right")
    table.add_column("合计 / total", justify="right")
    for code, row in counts.items():
        cells = [f"{row.get(s.value, 0):,}" for s in stages]
        table.add_row(f"{names.get(code, code)} ({code})", *cells, f"{sum(row.values()):,}")
    totals = [f"{sum(row.get(s.value, 0) for row in counts.values()):,}" for s in stages]
    grand = sum(sum(row.values()) for row in counts.values())
    table.add_row("[bold]合计 / total[/bold]", *totals, f"[bold]{grand:,}[/bold]")
    console.print(table)
