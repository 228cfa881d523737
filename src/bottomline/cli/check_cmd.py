"""``bottomline check``: run the data-quality rules and show the "problem data" work queue."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from bottomline.cli import params as p
from bottomline.cli.params import AsOpt, ScopeOpt
from bottomline.cli.ui import console, done, progress_bar, step
from bottomline.errors import InputFileError, UnknownRegionError
from bottomline.registry.enums import RegionLevel

if TYPE_CHECKING:  # the quality package pulls in pyarrow and duckdb: import it when it runs
    from sqlalchemy import Engine

    from bottomline.quality.actions import QualityRunResult
    from bottomline.quality.queries import QueueCount
    from bottomline.users.scope import Scope

ExportOpt = Annotated[
    Path | None, typer.Option("--export", help="Write the region's open issues to this CSV file.")
]
DateOpt = Annotated[
    str | None,
    typer.Option("--date", help="Check date for ages, YYYY-MM-DD (default: today in China)."),
]
FeedsOpt = Annotated[
    Path | None,
    typer.Option("--feeds", help="Department feed store (default: <BOTTOMLINE_DATA_DIR>/feeds)."),
]


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add this module's commands to the ``bottomline`` app and its ``import`` group."""
    app.command("check")(check)


def check(
    as_: AsOpt = None,
    region: ScopeOpt = None,
    export: ExportOpt = None,
    feeds: FeedsOpt = None,
    date: DateOpt = None,
) -> None:
    """检查问题数据 / Check the registry's data quality and update the problem-data queue."""
    from bottomline.db import open_store, session_scope

    _check_region_code(region)
    _check_export_path(export)
    today = _check_date(date)
    feeds_dir = _feeds_dir(feeds)
    engine = open_store()
    with session_scope(engine) as session:
        scope = p.scope(session, as_, region)
    start = step(f"检查问题数据 / checking data quality of {scope.region_code}")
    result = run_with_progress(engine, scope, feeds_dir, today)
    done(
        start,
        f"{result.households:,} 户 {result.members:,} 人 → {result.open:,} 个未整改问题"
        f"（新增 {result.opened:,}，已整改 {result.resolved:,}）· 第 {result.run_id} 次检查 / "
        f"{result.households:,} households, {result.members:,} people → {result.open:,} open "
        f"issues ({result.opened:,} new, {result.resolved:,} resolved) · run #{result.run_id}",
    )
    print_rules(result)
    with session_scope(engine) as session:
        from bottomline.quality.queries import breakdown_level, export_queue, queue_counts

        level = breakdown_level(scope)
        _print_regions(queue_counts(session=session, scope=scope, level=level), level)
        if export is not None:
            written = export_queue(session=session, path=export, scope=scope)
            console.print(f"问题清单 / work queue: {written:,} open issues → {export}")


def _check_region_code(region: str | None) -> None:
    if region is not None and not re.fullmatch(r"\d{12}", region):
        raise UnknownRegionError(
            f"{region!r} 不是区划代码 / {region!r} is not a region code",
            hint="请用12位统计用区划代码，例如 532328000000（元谋县） / "
            "use the 12-digit statistical division code, e.g. 532328000000 (元谋县)",
        )


def _check_export_path(export: Path | None) -> None:
    if export is None:
        return
    if export.suffix.lower() != ".csv":
        raise InputFileError(
            f"问题清单只能写成 CSV，不能写到 {export.name!r} / "
            f"the work queue is written as CSV, not to {export.name!r}",
            hint="给出以 .csv 结尾的文件名（可用 Excel、WPS 打开） / "
            "give a file name ending in .csv (it opens in Excel and WPS)",
        )
    if export.is_dir():
        raise InputFileError(
            f"{export} 是目录 / {export} is a directory",
            hint="给出以 .csv 结尾的文件名 / give a file name ending in .csv",
        )


def _feeds_dir(feeds: Path | None) -> Path:
    from bottomline.config import get_settings

    if feeds is None:
        return get_settings().data_dir / "feeds"
    if not feeds.is_dir():
        raise InputFileError(
            f"部门数据目录 {feeds} 不存在 / the feed store {feeds} does not exist",
            hint="给出部门数据导入的目录，或不给 --feeds / "
            "give the directory department feeds are imported into, or leave --feeds out",
        )
    return feeds


def _check_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputFileError(
            f"{value!r} 不是日期 / {value!r} is not a date",
            hint="检查日期格式为 YYYY-MM-DD，例如 2025-10-31 / "
            "give the check date as YYYY-MM-DD, e.g. 2025-10-31",
        ) from None


def run_with_progress(
    engine: Engine,
    scope: Scope,
    feeds_dir: Path | None,
    today: dt.date | None,
    snapshot_dir: Path | None = None,
) -> QualityRunResult:
    """Run the checks with a progress bar over the rules."""
    from bottomline.quality.actions import run_checks
    from bottomline.quality.rules import RULES_BY_CODE

    with progress_bar() as bar:
        task = bar.add_task("rules", total=len(RULES_BY_CODE))

        def progress(message: str, step_no: int, steps: int) -> None:
            bar.update(task, description=message, completed=step_no, total=steps)

        return run_checks(
            engine=engine,
            scope=scope,
            feeds_dir=feeds_dir,
            today=today,
            progress=progress,
            snapshot_dir=snapshot_dir,
        )


def print_rules(result: QualityRunResult, *, only_found: bool = False) -> None:
    """The rules with their open, new and resolved issues (``only_found``: rules with any)."""
    from bottomline.quality.rules import RULES_BY_CODE

    table = Table(title=f"问题数据 / problem data by rule (check date {result.today})")
    table.add_column("规则 / rule", no_wrap=True)
    table.add_column("问题 / problem", overflow="fold")
    table.add_column("未整改 / open", justify="right")
    table.add_column("本次新增 / new", justify="right")
    table.add_column("本次整改 / resolved", justify="right")
    for outcome in result.rules:
        if only_found and not (outcome.open or outcome.opened or outcome.resolved):
            continue
        rule = RULES_BY_CODE[outcome.code]
        problem = f"{rule.zh}\n[dim]{rule.en}[/dim]"
        if outcome.skipped:
            problem += f"\n[yellow]未检查 / not checked: {outcome.skipped}[/yellow]"
        table.add_row(
            rule.code, problem, f"{outcome.open:,}", f"{outcome.opened:,}", f"{outcome.resolved:,}"
        )
    table.add_row(
        "[bold]合计 / total[/bold]",
        "",
        f"[bold]{result.open:,}[/bold]",
        f"{result.opened:,}",
        f"{result.resolved:,}",
    )
    console.print(table)


def _print_regions(counts: list[QueueCount], level: str) -> None:
    by_region: dict[tuple[str, str], dict[str, int]] = {}
    for row in counts:
        by_region.setdefault((row.region_code, row.region_name), {})[row.rule_code] = row.open
    label = RegionLevel(level)
    table = Table(title=f"按{label.zh}统计 / open issues by {label.en}")
    table.add_column("区域 / region")
    table.add_column("代码 / code", no_wrap=True)
    table.add_column("未整改 / open", justify="right")
    table.add_column("主要问题 / top rules")
    for (code, name), rules in sorted(by_region.items(), key=lambda kv: -sum(kv[1].values())):
        top = sorted(rules.items(), key=lambda kv: -kv[1])[:3]
        table.add_row(
            name, code, f"{sum(rules.values()):,}", ", ".join(f"{r} × {n:,}" for r, n in top)
        )
    if not by_region:
        table.add_row("—", "", "0", "")
    console.print(table)
