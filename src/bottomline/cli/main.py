"""The ``bottomline`` command line: thin, every step a domain call.

A user mistake (missing file, bad policy, unknown region, wrong period) prints what is wrong
and how to fix it, with exit code 2 — never a traceback.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from bottomline.cli import (
    assist_cmd,
    audit_cmd,
    batches_cmd,
    cases_cmd,
    check_cmd,
    clue_cmd,
    decide_cmd,
    export_cmd,
    feeds_cmd,
    household_cmd,
    incomes_cmd,
    month_cmd,
    notice_cmd,
    odk_cmd,
    overview_cmd,
    registry_cmd,
    serve_cmd,
    users_cmd,
)
from bottomline.cli.demo_cases import DEMO_PASSWORD, run_cases
from bottomline.cli.screen_view import print_summary, print_top_leads
from bottomline.cli.ui import console, print_error
from bottomline.cli.ui import done as _done
from bottomline.cli.ui import say as _say
from bottomline.cli.ui import step as _step
from bottomline.errors import BottomlineError, UserError
from bottomline.ingest.catalogue import period_end, period_index, period_of
from bottomline.registry.divisions import division
from bottomline.users.actor import SYSTEM

if TYPE_CHECKING:  # the store, screening and ingest are imported by the commands that use them
    from sqlalchemy import Engine

    from bottomline.ingest.actions import ImportReport

app = typer.Typer(
    help="bottomline — 防止返贫致贫动态监测 / monitoring against (return to) poverty.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
policy_app = typer.Typer(
    help="监测标准 / monitoring standards (policy as data).", no_args_is_help=True
)
app.add_typer(policy_app, name="policy")
import_app = typer.Typer(
    help="导入 / import department feeds and the registry (every row accounted for).",
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")

DEMO_COUNTY = "532328000000"  # 元谋县, Yunnan
DEFAULT_POLICIES = Path("policies")

PoliciesOpt = Annotated[Path, typer.Option("--policies", help="Directory of policy TOML files.")]


def _generate(
    scope: str, households: int, seed: int, cycle: str, months: int, out: Path
) -> tuple[Any, Any, list[Path], Path]:
    from bottomline.synth import population_for, simulate_panel, write_feeds, write_snapshot

    year = int(cycle[:4])
    start = _step(f"生成模拟人口 / generating a synthetic population of {households:,} households")
    pop = population_for(scope=scope, households=households, seed=seed, year=year)
    snapshot = out / "synthetic-snapshot"
    write_snapshot(pop, snapshot)
    n_members = pop.tables["members"].num_rows
    _done(
        start,
        f"{households:,} 户、{n_members:,} 人，{len(pop.county_codes)} 个县 / {households:,} "
        f"households, {n_members:,} people in {len(pop.county_codes)} county(ies)",
    )
    start = _step(f"模拟部门数据 / simulating {months} month(s) of department data up to {cycle}")
    first = period_of(period_index(cycle) - months + 1)
    panel = simulate_panel(pop, first_period=first, months=months, seed=seed)
    files = write_feeds(panel, pop, out / "raw")
    _done(start, f"{len(files)} 个部门文件 / {len(files)} department files")
    return pop, panel, files, snapshot


def _import_all(files: list[Path], engine: Engine, store: Path) -> list[ImportReport]:
    """Import every department file as a batch into ``<store>/feeds``, reports in ``<store>/reports``."""
    from bottomline.ingest.actions import import_feed, open_feed_file, registry_members

    start = _step("导入部门数据 / importing department files (validate, match by ID number)")
    members = registry_members(engine)
    reports = []
    for path in files:
        source = open_feed_file(path, feed=path.stem)
        reports.append(
            import_feed(
                source,
                engine=engine,
                actor=SYSTEM,
                feed=path.stem,
                period=path.parent.name,
                members=members,
                feeds_dir=store / "feeds",
                reports_dir=store / "reports",
            )
        )
    rows_in = sum(r.rows_in for r in reports)
    accepted = sum(r.accepted for r in reports)
    rejected = sum(r.rejected for r in reports)
    unmatched = sum(r.unmatched for r in reports)
    _done(
        start,
        f"{len(reports)} 个批次：读入 {rows_in:,} 行 = 接收 {accepted:,} + 拒收 {rejected:,} + 不在登记库 "
        f"{unmatched:,} / {len(reports)} batches: {rows_in:,} rows in = {accepted:,} accepted + "
        f"{rejected:,} rejected + {unmatched:,} not in the registry",
    )
    return reports


def _write_exports(pop: Any, year: int, inbox: Path) -> tuple[Path, Path]:
    """What the county downloads from the national system: the member export (year ``year``'s
    incomes on every row) and the previous year's income collection."""
    from bottomline.synth import write_income_collection, write_registry_export

    export = (
        inbox / "家庭成员信息导出.csv"
    )  # XLSX reads too (bench/results/xlsx.md); CSV is quicker
    write_registry_export(pop, export)
    collection = inbox / f"{year - 1}年度收入采集.csv"
    write_income_collection(pop, collection, year - 1)
    return export, collection


def _load_store(path: Path, export: Path, collection: Path, year: int, reports: Path) -> Engine:
    """The store filled as a user fills it: the registry import, then the income collection."""
    from bottomline.db import make_engine, upgrade
    from bottomline.registry.imports import import_registry
    from bottomline.registry.incomes.run import import_incomes

    start = _step(f"导入登记库 / importing the registry from {export.name} (the national export)")
    engine = make_engine(f"sqlite:///{path.resolve()}")
    upgrade(engine)
    report = import_registry(engine=engine, actor=SYSTEM, path=export, report_dir=reports)
    counts = report.diff.as_dict()
    _done(
        start,
        f"读入 {report.rows_in:,} 行 = 接收 {report.accepted:,} + 拒收 {report.rejected:,}；新增 "
        f"{counts['households']['new']:,} 户、{counts['members']['new']:,} 人 / "
        f"{report.rows_in:,} rows in = {report.accepted:,} accepted + {report.rejected:,} rejected; "
        f"{counts['households']['new']:,} households, {counts['members']['new']:,} members",
    )
    start = _step(
        f"导入年度收入采集 / importing the {year - 1} income collection ({collection.name})"
    )
    collected = import_incomes(
        engine=engine, actor=SYSTEM, path=collection, report_dir=reports, year=year - 1
    )
    _done(
        start,
        f"读入 {collected.rows_in:,} 行 = 接收 {collected.accepted:,} + 拒收 {collected.rejected:,} / "
        f"{collected.rows_in:,} rows in = {collected.accepted:,} accepted + "
        f"{collected.rejected:,} rejected",
    )
    return engine


def _load_snapshot(path: Path, pop: Any) -> Engine:
    """A generated population straight into a new store (a generator's shortcut, for sizes the
    registry import is not meant for; the demo imports the export files as a county does)."""
    from bottomline.db import make_engine, upgrade
    from bottomline.registry.actions import load_snapshot_tables

    start = _step("建立登记库 / loading the generated registry into the store (SQLite)")
    engine = make_engine(f"sqlite:///{path.resolve()}")
    upgrade(engine)
    counts = load_snapshot_tables(engine=engine, tables=pop.tables)
    _done(start, ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    return engine


def _period(value: str) -> str:
    from bottomline.ingest.catalogue import parse_period

    return parse_period(value)


@app.command()
def demo(
    households: Annotated[
        int, typer.Option(min=100, help="Households in the synthetic county.")
    ] = 100_000,
    cycle: Annotated[str, typer.Option(help="Screening month, YYYY-MM.")] = "2025-10",
    months: Annotated[
        int, typer.Option(min=1, max=24, help="Months of department data to simulate.")
    ] = 3,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic data.")] = 20251023,
    top: Annotated[int, typer.Option(min=0, help="Leads to show with their reasons.")] = 10,
    policies: PoliciesOpt = DEFAULT_POLICIES,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve",
            help="演示后提供接口服务 / then serve the demo's store over the REST API "
            "(log in as any demo user).",
        ),
    ] = False,
    port: Annotated[int, typer.Option(min=1, max=65535, help="--serve 的端口 / its port.")] = 8000,
) -> None:
    """演示 / Screen a fresh synthetic county (元谋县) under its monitoring policy."""
    from bottomline.assistance.queries import followups_snapshot
    from bottomline.config import get_settings
    from bottomline.policy import load_directory, resolve
    from bottomline.screening.cycle import run_cycle
    from bottomline.users.scope import Scope

    t0 = time.perf_counter()
    cycle = _period(cycle)
    documents = load_directory(policies)
    resolve(documents, DEMO_COUNTY, int(cycle[:4]))  # fail early on an incomplete policy
    demo_dir = get_settings().data_dir / "demo"
    if demo_dir.exists():
        shutil.rmtree(demo_dir)  # the demo always starts from a fresh store
    demo_dir.mkdir(parents=True)
    console.print(
        f"[bold]bottomline demo[/bold] — {division(DEMO_COUNTY).name} ({DEMO_COUNTY})，周期 / cycle {cycle}，数据目录 / data in {demo_dir}"
    )
    pop, _panel, files, _synthetic = _generate(
        DEMO_COUNTY, households, seed, cycle, months, demo_dir
    )
    year = int(cycle[:4])
    export, collection = _write_exports(pop, year, demo_dir / "inbox")
    engine = _load_store(demo_dir / "bottomline.db", export, collection, year, demo_dir / "reports")
    _import_all(files, engine, demo_dir)
    start = _step(f"筛查 / screening cycle {cycle} with {len(documents)} policy documents")
    outcome = run_cycle(
        engine=engine,
        data_dir=demo_dir,
        cycle=cycle,
        scope_code=DEMO_COUNTY,
        documents=documents,
        staged_dir=demo_dir / "feeds",
        actor=SYSTEM,
        progress=_say,
        extra_tables={"followups": followups_snapshot()},
    )
    res = outcome.result
    assert res is not None  # a fresh store has no earlier run
    _done(
        start,
        f"{res.households:,} 户 → {res.hits.num_rows:,} 条命中 → {res.leads.num_rows:,} 条线索（"
        f"{res.suppressed:,} 户已在监测或处理中）/ {res.households:,} households → "
        f"{res.hits.num_rows:,} hits → {res.leads.num_rows:,} leads ({res.suppressed:,} already "
        "covered)",
    )
    print_summary(res)
    if top:
        print_top_leads(res, outcome.results_dir / "snapshot", top)
    start = _step("检查问题数据 / checking data quality (the problem-data queue)")
    quality = check_cmd.run_with_progress(
        engine, Scope.of(SYSTEM).narrowed(DEMO_COUNTY), demo_dir / "feeds", period_end(cycle)
    )
    _done(
        start,
        f"{len(quality.rules)} 条规则 → {quality.open:,} 个未整改问题 / {len(quality.rules)} rules → "
        f"{quality.open:,} open issues",
    )
    check_cmd.print_rules(quality, only_found=True)
    run_cases(engine, documents, DEMO_COUNTY, demo_dir)
    console.print(
        f"结果 / results: {outcome.results_dir} · 数据库 / store: {demo_dir / 'bottomline.db'} · 筛查 / run #{outcome.run_id} · 共计 / total {time.perf_counter() - t0:.1f} s"
    )
    engine.dispose()
    if serve:
        _serve_demo(demo_dir, policies, port)


def _serve_demo(demo_dir: Path, policies: Path, port: int) -> None:
    """`bottomline serve` over the demo's store: the same server, told where the store is."""
    import os

    from bottomline.cli.serve_cmd import serve
    from bottomline.config import get_settings

    os.environ["BOTTOMLINE_DATA_DIR"] = str(demo_dir)
    os.environ["BOTTOMLINE_DATABASE_URL"] = f"sqlite:///{demo_dir / 'bottomline.db'}"
    os.environ["BOTTOMLINE_POLICIES_DIR"] = str(policies)
    get_settings.cache_clear()
    console.print(
        f"登录 / log in: POST http://127.0.0.1:{port}/api/v1/session "
        f'{{"username": "demo.county", "password": "{DEMO_PASSWORD}"}} (docs/api.md)'
    )
    serve(host="127.0.0.1", port=port, workers=1)


@app.command()
def generate(
    scope: Annotated[
        str, typer.Option(help="12-digit county, city or province code.")
    ] = DEMO_COUNTY,
    households: Annotated[int, typer.Option(min=100)] = 100_000,
    cycle: Annotated[str, typer.Option(help="Last month of the panel, YYYY-MM.")] = "2025-10",
    months: Annotated[int, typer.Option(min=1, max=24)] = 3,
    seed: Annotated[int, typer.Option()] = 20251023,
    out: Annotated[Path, typer.Option(help="Output directory.")] = Path("data/synthetic"),
    line: Annotated[float, typer.Option(help="Income line for the ground truth, yuan.")] = 8700.0,
) -> None:
    """生成 / Write a synthetic snapshot, department files (raw and staged) and ground truth."""
    from bottomline.synth import write_truth

    cycle = _period(cycle)
    division(scope)
    if (out / "bottomline.db").exists() or (out / "feeds").exists():
        raise UserError(
            f"{out} 已有生成的数据 / {out} already holds generated data",
            hint="另选 --out 目录，或删除此目录 / choose another --out directory or delete this one",
        )
    pop, panel, files, snapshot = _generate(scope, households, seed, cycle, months, out)
    engine = _load_snapshot(out / "bottomline.db", pop)
    _import_all(files, engine, out)
    write_truth(panel, pop, out / "truth" / "truth.parquet", line=line)
    console.print(
        f"快照 / snapshot: {snapshot}\n数据库 / store: {out / 'bottomline.db'}\n"
        f"部门文件 / department files: {out / 'raw'}\n已导入部门数据 / imported feeds: {out / 'feeds'}\n"
        f"真值（筛查不读取）/ ground truth (never read by screening): {out / 'truth'}"
    )


@app.command()
def screen(
    cycle: Annotated[str, typer.Option(help="Screening month, YYYY-MM.")],
    snapshot: Annotated[
        Path | None,
        typer.Option(
            help="A registry snapshot directory (five Parquet files) to screen instead of the store."
        ),
    ] = None,
    staged: Annotated[
        Path | None,
        typer.Option(
            help="With --snapshot: the feed store (the feeds directory imports write to)."
        ),
    ] = None,
    as_: Annotated[
        str | None,
        typer.Option(
            "--as", help="经办人 / the acting user: screens the store and records the run."
        ),
    ] = None,
    region: Annotated[
        str | None, typer.Option(help="区域 / 12-digit code (default: the acting user's region).")
    ] = None,
    policies: PoliciesOpt = DEFAULT_POLICIES,
    out: Annotated[
        Path, typer.Option(help="With --snapshot: where hits.parquet and leads.parquet go.")
    ] = Path("data/results"),
    top: Annotated[int, typer.Option(min=0)] = 10,
) -> None:
    """筛查 / Screen the store (with --as) or a registry snapshot for one cycle."""
    import pyarrow.parquet as pq

    from bottomline.policy import load_directory

    if snapshot is None:
        _screen_store(cycle, as_, region, policies, top)
        return
    from bottomline.screening.cycle import village_policies
    from bottomline.screening.engine import screen as run_screen

    cycle = _period(cycle)
    documents = load_directory(policies)
    table, _used = village_policies(snapshot, documents, int(cycle[:4]))
    start = _step(f"筛查 / screening {snapshot} for {cycle}")
    result = run_screen(
        snapshot_dir=snapshot, staged_dir=staged, policy=table, cycle=cycle, progress=_say
    )
    _done(
        start,
        f"{result.households:,} 户 → {result.leads.num_rows:,} 条线索 / {result.households:,} "
        f"households → {result.leads.num_rows:,} leads",
    )
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(result.hits, out / "hits.parquet")
    pq.write_table(result.leads, out / "leads.parquet")
    print_summary(result)
    if top:
        print_top_leads(result, snapshot, top)
    console.print(f"结果 / results: {out}")


def _screen_store(
    cycle: str, as_: str | None, region: str | None, policies: Path, top: int
) -> None:
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, session_scope

    engine = open_store()
    with session_scope(engine) as session:
        actor = acting(session, as_)
    outcome = month_cmd.screen_store(
        engine, cycle=cycle, actor=actor, region=region, policies=policies
    )
    month_cmd.print_outcome(outcome, top)


@policy_app.command("validate")
def policy_validate(
    path: Annotated[Path, typer.Argument(help="A policy file or directory.")] = DEFAULT_POLICIES,
) -> None:
    """检查 / Check policy files; lists every problem with the fix."""
    from bottomline.policy import load_directory, load_document

    documents = load_directory(path) if path.is_dir() else [load_document(path)]
    for doc in documents:
        console.print(f"[green]✓[/green] {doc.source_path}  {doc.region} {doc.year}  {doc.title}")
    console.print(f"{len(documents)} 个文件有效 / {len(documents)} document(s) valid")


@policy_app.command("show")
def policy_show(
    region: Annotated[str, typer.Argument(help="12-digit region code, e.g. 532328000000.")],
    year: Annotated[int, typer.Option(help="Policy year.")],
    policies: PoliciesOpt = DEFAULT_POLICIES,
) -> None:
    """显示 / Show the effective policy of a region and year, with where each value comes from."""
    from bottomline.policy import load_directory, resolve, value_sources

    documents = load_directory(policies)
    effective = resolve(documents, region, year)
    citations = {(d.region, d.year): d.source for d in documents}
    table = Table(title=f"{region} · {year} · ref {effective.ref}")
    table.add_column("key")
    table.add_column("value", justify="right")
    table.add_column("from / 来源文件", overflow="fold")
    table.add_column("source / 依据", overflow="fold")
    for item in value_sources(effective, citations):
        if item.document is None:
            table.add_row(item.flat_key, "—", "未设置 / not set", "")
            continue
        doc = item.document
        table.add_row(
            item.flat_key,
            str(item.value),
            f"{doc.region}/{doc.year} ({doc.source_path})",
            item.citation,
        )
    console.print(table)


check_cmd.register(app, import_app)
feeds_cmd.register(app, import_app)
batches_cmd.register(app, import_app)
registry_cmd.register(app, import_app)
incomes_cmd.register(app, import_app)
cases_cmd.register(app, import_app)
overview_cmd.register(app, import_app)
notice_cmd.register(app, import_app)
assist_cmd.register(app, import_app)
audit_cmd.register(app, import_app)
household_cmd.register(app, import_app)
odk_cmd.register(app, import_app)
month_cmd.register(app, import_app)
clue_cmd.register(app, import_app)
decide_cmd.register(app, import_app)
export_cmd.register(app, import_app)
users_cmd.register(app, import_app)
serve_cmd.register(app, import_app)


def main() -> None:
    """Run the app in Typer's standalone mode (usage errors: message and exit 2; exit codes
    kept); our own errors become a message with a hint and exit 2, never a traceback."""
    try:
        app()
    except BottomlineError as err:
        print_error(err)
        sys.exit(2)
    except KeyboardInterrupt:
        console.print("已中止 / aborted")
        sys.exit(130)
