"""``bottomline month``: one month on the store — screen, check data quality, show the clues.

The month reads what the county has in its store: the registry and incomes as imported, the
committed department batches of the cycle (and the windows the rules look back over) and the
policies in force. Running it again over the same inputs changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bottomline.cli import check_cmd
from bottomline.cli import params as p
from bottomline.cli.params import DEFAULT_POLICIES, AsOpt, PoliciesOpt
from bottomline.cli.screen_view import print_summary, print_top_leads
from bottomline.cli.ui import console, done, say, step
from bottomline.ingest.catalogue import period_end

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from bottomline.screening.cycle import CycleOutcome
    from bottomline.users.actor import Actor

CycleOpt = Annotated[str, typer.Option("--cycle", help="筛查月份 / screening month, YYYY-MM.")]
TopOpt = Annotated[int, typer.Option("--top", min=0, help="Leads to show with their reasons.")]


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    app.command("month")(month)


def screen_store(
    engine: Engine, *, cycle: str, actor: Actor, region: str | None, policies: Path
) -> CycleOutcome:
    """Screen the store's registry and committed batches for ``cycle`` and record the run."""
    from bottomline.assistance.queries import followups_snapshot
    from bottomline.config import get_settings
    from bottomline.db import session_scope
    from bottomline.ingest.catalogue import parse_period
    from bottomline.policy import load_directory
    from bottomline.screening.cycle import run_cycle

    cycle = parse_period(cycle)
    documents = load_directory(policies)
    data_dir = get_settings().data_dir
    with session_scope(engine) as session:
        scope = p.scope(session, actor, region).region_code
    start = step(f"筛查 / screening the store for {cycle} under {len(documents)} policy documents")
    outcome = run_cycle(
        engine=engine,
        data_dir=data_dir,
        cycle=cycle,
        scope_code=scope,
        documents=documents,
        staged_dir=data_dir / "feeds",
        actor=actor,
        extra_tables={"followups": followups_snapshot()},
        progress=say,
    )
    if outcome.unchanged or outcome.result is None:
        done(
            start,
            f"未变：输入与第 {outcome.run_id} 次运行相同，未作记录 / "
            f"unchanged: the inputs are those of run #{outcome.run_id}; nothing recorded",
        )
        return outcome
    res = outcome.result
    zh, en = _not_raised(res.suppressed, res.suppressed_dismissed)
    done(
        start,
        f"第 {outcome.run_id} 次运行：{res.households:,} 户 → {res.hits.num_rows:,} 条命中 → "
        f"{res.leads.num_rows:,} 条线索（{zh}） / "
        f"run #{outcome.run_id}: {res.households:,} households → {res.hits.num_rows:,} hits → "
        f"{res.leads.num_rows:,} leads ({en})",
    )
    return outcome


def _not_raised(suppressed: int, dismissed: int) -> tuple[str, str]:
    """Households with hits but no new lead, in Chinese and English: covered, and (apart)
    dismissed before on the same evidence."""
    covered = suppressed - dismissed
    if not dismissed:
        return f"{covered:,} 户已有线索或案件", f"{covered:,} already covered"
    return (
        f"{covered:,} 户已有线索或案件，{dismissed:,} 户已排除且证据未变",
        f"{covered:,} already covered, {dismissed:,} dismissed before on the same evidence",
    )


def print_outcome(outcome: CycleOutcome, top: int) -> None:
    """A new run's leads by category and risk type, hits by rule and its ``top`` leads."""
    if outcome.result is not None:
        print_summary(outcome.result)
        if top:
            print_top_leads(outcome.result, outcome.results_dir / "snapshot", top)


def month(
    cycle: CycleOpt,
    as_: AsOpt = None,
    region: Annotated[
        str | None,
        typer.Option("--region", help="区域 / 12-digit code (default: the acting user's region)."),
    ] = None,
    policies: PoliciesOpt = DEFAULT_POLICIES,
    top: TopOpt = 10,
) -> None:
    """月度筛查 / Run the month on the store: screen, check data quality, list the new leads."""
    from bottomline.cli.credentials import acting
    from bottomline.config import get_settings
    from bottomline.db import open_store, session_scope

    engine = open_store()
    with session_scope(engine) as session:
        actor = acting(session, as_)
    outcome = screen_store(engine, cycle=cycle, actor=actor, region=region, policies=policies)
    print_outcome(outcome, top)
    start = step("检查问题数据 / checking data quality (the problem-data queue)")
    feeds = get_settings().data_dir / "feeds"
    with session_scope(engine) as session:
        scope = p.scope(session, actor, region)
    snapshot = outcome.results_dir / "snapshot"  # the store's registry, exported just now
    quality = check_cmd.run_with_progress(
        engine, scope, feeds, period_end(cycle), snapshot if snapshot.is_dir() else None
    )
    done(
        start,
        f"{len(quality.rules)} 条规则 → {quality.open:,} 个未整改问题 / "
        f"{len(quality.rules)} rules → {quality.open:,} open issues",
    )
    check_cmd.print_rules(quality, only_found=True)
    console.print(f"结果 / results: {outcome.results_dir} · 运行 / run #{outcome.run_id}")
