"""``bottomline audit | lookback``: the record of what users did, and look-backs.

``audit verify`` recomputes the hash chain of the audit log. A log that does not verify is not
a user mistake: the command lists every finding and exits with code 1 (user mistakes exit 2).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from bottomline.cases.enums import TaskResult, TaskStatus
from bottomline.cli import params as p
from bottomline.cli.params import DEFAULT_POLICIES, AsOpt, DateOpt, PoliciesOpt, RegionOpt, ScopeOpt
from bottomline.cli.ui import console

TaskArg = Annotated[int, typer.Argument(help="核查任务编号 / the task.")]
CampaignArg = Annotated[int, typer.Argument(help="回头看编号 / the campaign.")]

audit_app = typer.Typer(help="审计日志 / the audit log.", no_args_is_help=True)
lookback_app = typer.Typer(
    help="回头看 / look-back campaigns: re-screen and verify a population.", no_args_is_help=True
)


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add this module's commands to the ``bottomline`` app."""
    app.add_typer(audit_app, name="audit")
    app.add_typer(lookback_app, name="lookback")


# --- audit log ---------------------------------------------------------------------------------


@audit_app.command("verify")
def audit_verify(as_: AsOpt = None) -> None:
    """校验审计日志 / Recompute the audit log's hash chain (auditors, administrators).

    Exit code 0 when every row matches; 1 when any row was changed, removed or reordered (each
    finding is listed with its row number). That is not a user mistake: keep the store as it is
    and report it to whoever keeps the database.
    """
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, session_scope
    from bottomline.users.audit_log import verify_log

    with session_scope(open_store()) as session:
        result = verify_log(session, actor=acting(session, as_))
    if result.intact:
        console.print(f"审计日志完好 / audit log intact: {result.rows:,} rows checked")
        return
    table = Table(title="审计日志校验未通过 / the audit log does not verify")
    table.add_column("行 / row", justify="right")
    table.add_column("问题 / problem")
    table.add_column("说明 / detail")
    for finding in result.findings:
        table.add_row(str(finding.seq), finding.problem, finding.detail)
    console.print(table)
    console.print(
        f"[bold red]错误 / error:[/bold red] {result.rows:,} rows checked, "
        f"{len(result.findings)} finding(s); the first bad row is {result.first_bad_seq}"
    )
    console.print(
        "  → 审计日志在 bottomline 之外被改动，请上报，不要自行修复 / "
        "the log was changed outside bottomline; report it, do not repair it"
    )
    sys.exit(1)


@audit_app.command("list")
def audit_list(
    as_: AsOpt = None,
    action: Annotated[
        str | None,
        typer.Option(help='操作 / e.g. case.transition; ending in "." a family, e.g. clue.'),
    ] = None,
    entity: Annotated[str | None, typer.Option(help="对象 / e.g. case, lead, user.")] = None,
    entity_id: Annotated[str | None, typer.Option("--id", help="对象编号 / its id.")] = None,
    by: Annotated[str | None, typer.Option(help="经办人 / the user who acted.")] = None,
    since: Annotated[str | None, typer.Option(help="起 / from this day, YYYY-MM-DD (UTC).")] = None,
    until: Annotated[str | None, typer.Option(help="止 / to this day, YYYY-MM-DD (UTC).")] = None,
    page: Annotated[int, typer.Option(min=1, help="页 / page.")] = 1,
    page_size: Annotated[int, typer.Option(min=1, max=1000, help="每页行数 / rows a page.")] = 50,
) -> None:
    """审计日志 / The audit log of your region, newest first (auditors)."""
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, session_scope
    from bottomline.users.audit_log import AuditFilter, audit_page

    filters = AuditFilter(
        action=action,
        entity=entity,
        entity_id=entity_id,
        actor=by,
        since=p.optional_day(since, option="--since"),
        until=p.optional_day(until, option="--until"),
    )
    with session_scope(open_store()) as session:
        actor = acting(session, as_)
        found = audit_page(session, actor=actor, filters=filters, page=page, page_size=page_size)
    table = Table(
        title=f"审计日志 / audit log of {actor.region_code}: {found.total:,} rows, "
        f"page {found.page} of {found.pages}"
    )
    for column in ("行 / row", "时间 / at (UTC)", "经办人 / by", "操作 / action", "对象 / entity"):
        table.add_column(column, no_wrap=True)
    table.add_column("区划 / region", no_wrap=True)
    table.add_column("理由 / reason")
    for row in found.rows:
        table.add_row(
            str(row.seq),
            row.at.strftime("%Y-%m-%d %H:%M:%S"),
            f"{row.actor} ({row.role})",
            row.action,
            f"{row.entity} {row.entity_id}",
            row.region_code or "—",
            p.shown(row.reason),
        )
    console.print(table)


# --- look-back campaigns -----------------------------------------------------------------------


@lookback_app.command("create")
def lookback_create(
    name: Annotated[str, typer.Option(help="名称 / the campaign's name.")],
    region: RegionOpt,
    population: Annotated[
        str, typer.Option(help="对象 / eliminated (since --since) or monitored households.")
    ],
    as_: AsOpt = None,
    since: Annotated[
        str | None, typer.Option(help="消除日期起 / eliminated on or after, YYYY-MM-DD.")
    ] = None,
    date: DateOpt = None,
    policies: PoliciesOpt = DEFAULT_POLICIES,
) -> None:
    """发起回头看 / Create a look-back campaign: one verification task per household."""
    from bottomline.cases.campaigns import Population, create_campaign
    from bottomline.db import open_store, write_scope

    chosen = p.choice(Population, population, option="--population")
    on, since_day = p.day(date), p.optional_day(since, option="--since")
    index = p.policies(policies)
    with write_scope(open_store()) as session:
        campaign = create_campaign(
            session,
            scope=p.scope(session, as_, region),
            name=name,
            population=chosen,
            since=since_day,
            policies=index,
            on=on,
        )
    console.print(
        f"回头看 / campaign {campaign.id}: {chosen.label} in {region}, "
        f"{campaign.summary['tasks']:,} tasks, {campaign.summary['flagged']:,} flagged"
    )


@lookback_app.command("tasks")
def lookback_tasks(campaign_id: CampaignArg, as_: AsOpt = None, region: ScopeOpt = None) -> None:
    """核查任务 / A campaign's tasks in a region, flagged first."""
    from bottomline.cases.campaigns import tasks_in
    from bottomline.db import open_store, session_scope

    with session_scope(open_store()) as session:
        scope = p.scope(session, as_, region)
        rows = tasks_in(session, scope, campaign_id)
        region = scope.region_code
    table = Table(title=f"回头看 / tasks of campaign {campaign_id} in {region} ({len(rows):,})")
    for column in ("任务 / task", "户编号 / household", "案件 / case", "状态 / status"):
        table.add_column(column, no_wrap=True)
    table.add_column("发现 / findings")
    for task, household_no in rows:
        found = ", ".join(str(f.get("code") or f.get("kind")) for f in task.findings)
        status = TaskStatus(task.status).zh
        if task.result:
            status += f" · {TaskResult(task.result).zh}"
        table.add_row(
            str(task.id),
            household_no,
            str(task.case_id or "—"),
            status,
            f"[yellow]⚑ {found}[/yellow]" if task.flagged else "—",
        )
    console.print(table)


@lookback_app.command("progress")
def lookback_progress(
    campaign_id: CampaignArg,
    as_: AsOpt = None,
    region: ScopeOpt = None,
    level: p.LevelOpt = "township",
) -> None:
    """回头看进度 / Tasks done per region."""
    from bottomline.cases.campaigns import progress
    from bottomline.db import open_store, session_scope

    with session_scope(open_store()) as session:
        scope = p.scope(session, as_, region)
        rows = progress(session, scope, campaign_id, level=p.level(level))
        names = p.region_names(session, {r.region_code for r in rows})
    table = Table(title=f"回头看进度 / progress of campaign {campaign_id} by {level}")
    table.add_column("区域 / region")
    for column in (
        "任务 / tasks",
        "已核查 / done",
        "完成率 / share",
        "预警 / flagged",
        "发现风险 / risk",
    ):
        table.add_column(column, justify="right")
    for r in rows:
        table.add_row(
            f"{names.get(r.region_code, '')} ({r.region_code})",
            f"{r.tasks:,}",
            f"{r.done:,}",
            f"{r.share_done:.0%}",
            f"{r.flagged:,}",
            f"{r.risk_found:,}",
        )
    total, done = sum(r.tasks for r in rows), sum(r.done for r in rows)
    table.add_row("[bold]合计 / total[/bold]", f"{total:,}", f"{done:,}", "", "", "")
    console.print(table)


@lookback_app.command("done")
def lookback_done(
    task_id: TaskArg,
    result: Annotated[str, typer.Option(help="核查结果 / stable, risk_found or data_fixed.")],
    as_: AsOpt = None,
    note: Annotated[str | None, typer.Option(help="说明 / what the visit found.")] = None,
    date: DateOpt = None,
    policies: PoliciesOpt = DEFAULT_POLICIES,
) -> None:
    """完成核查 / Record a task's verification; "risk_found" raises a look-back lead."""
    from bottomline.cases.campaigns import complete_task
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, write_scope

    outcome = p.choice(TaskResult, result, option="--result")
    on = p.day(date)
    index = p.policies(policies)
    with write_scope(open_store()) as session:
        task = complete_task(
            session,
            actor=acting(session, as_),
            task_id=task_id,
            result=outcome,
            note=note,
            policies=index,
            on=on,
        )
    console.print(f"任务 / task {task.id}: {outcome.label} on {on}")
    if outcome is TaskResult.risk_found:
        console.print(
            "  → 已为该户生成回头看线索 / a look-back lead was raised for the household "
            "(`bottomline lead queue`)"
        )
