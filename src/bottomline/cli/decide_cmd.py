"""``bottomline case decide``: approve, reject or withdraw many cases, each its own move.

The cases are given by number or by ``--at STAGE --region CODE``; each goes through the one
transition function in its own savepoint, so a refused case (a guard, the stage, the region)
does not undo the others. The command lists what moved and what was refused and why; it exits
1 when any case was refused (2 for a mistake in the command itself, when nothing was done).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from bottomline.cases.enums import Stage
from bottomline.cli import params as p
from bottomline.cli.cases_cmd import CategoryOpt, RiskOpt, _evidence_options, case_app
from bottomline.cli.hints import cli_hint
from bottomline.cli.params import DEFAULT_POLICIES, AsOpt, DateOpt, PoliciesOpt
from bottomline.cli.ui import console
from bottomline.errors import UserError

if TYPE_CHECKING:
    from bottomline.cases.decisions import Decided

# The stages a bulk decision moves cases to (cases.decisions.DECISIONS, whose module needs the
# store: spelled out so that the CLI starts without it; tests/cli/test_startup.py compares them).
TARGETS = (Stage.monitored, Stage.rejected, Stage.withdrawn)


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add ``case decide`` to the ``case`` commands (cli.cases_cmd)."""
    case_app.command("decide")(case_decide)


def case_decide(
    to: Annotated[
        str,
        typer.Option(
            "--to", help="目标阶段 / " + ", ".join(f"{s.value} ({s.zh})" for s in TARGETS)
        ),
    ],
    as_: AsOpt = None,
    ids: Annotated[list[int] | None, typer.Argument(help="案件编号 / case numbers.")] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="当前阶段 / every case at this stage (with --region)."),
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="区域 / 12-digit code (with --at).")
    ] = None,
    reason: Annotated[
        str | None, typer.Option(help="理由 / why (rejecting and withdrawing need one).")
    ] = None,
    evidence: Annotated[
        list[str] | None, typer.Option(help="依据 / evidence as key=value, repeatable.")
    ] = None,
    risk: RiskOpt = None,
    category: CategoryOpt = None,
    date: DateOpt = None,
    policies: PoliciesOpt = DEFAULT_POLICIES,
) -> None:
    """批量决定 / Approve, reject or withdraw cases; each its own audited move."""
    from bottomline.cases.decisions import DECISIONS, cases_at, decide_cases
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, write_scope

    target = p.choice(Stage, to, option="--to", allowed=DECISIONS)
    given = _evidence_options(evidence, risk, category, None)
    on = p.day(date)
    index = p.policies(policies)
    with write_scope(open_store()) as session:
        actor = acting(session, as_)
        if ids and (at or region):
            raise UserError(
                "给出案件编号或 --at 与 --region / give case numbers or --at with --region",
                hint="例如 / e.g. `bottomline case decide --to monitored 3 4 5` "
                "或 / or `… --at county_approval --region CODE`",
            )
        if not ids:
            if not (at and region):
                raise UserError(
                    "没有选择案件 / no cases chosen",
                    hint="给出案件编号，或 --at 阶段加 --region 区划代码 / "
                    "give case numbers, or --at STAGE with --region CODE",
                )
            stage = p.choice(Stage, at, option="--at")
            ids = cases_at(session, scope=p.scope(session, as_, region), stage=stage)
        decided = decide_cases(
            session, ids, target, actor=actor, reason=reason, evidence=given, on=on,
            policies=index,
        )  # fmt: skip
    _print(decided, target)
    if any(not d.moved for d in decided):
        raise typer.Exit(1)


def _print(decided: list[Decided], target: Stage) -> None:
    table = Table(title=f"批量决定 / decisions: → {target.value} ({target.zh})")
    table.add_column("案件\ncase", no_wrap=True)
    table.add_column("原阶段\nfrom", no_wrap=True)
    table.add_column("结果\nresult", no_wrap=True)
    table.add_column("原因\nwhy refused", overflow="fold")
    for d in decided:
        result = "[green]✓ 已办理 / moved[/green]" if d.moved else "[red]✗ 未通过 / refused[/red]"
        hint = cli_hint(d.reason)
        why = p.shown(d.problem) + (f" → {hint}" if hint else "")
        table.add_row(str(d.case_id), d.from_stage or "—", result, why)
    console.print(table)
    moved = sum(d.moved for d in decided)
    console.print(
        f"{moved:,} 件已办理 / moved, {len(decided) - moved:,} 件未通过 / refused "
        f"(of {len(decided):,})"
    )
