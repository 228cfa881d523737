"""``bottomline lead | visit | case``: leads become cases and move on.

Each write opens one transaction (``write_scope``), looks up the acting user given with
``--as`` and calls one domain action; the domain checks the role, the region and the rules and
raises a domain error that ``main`` prints with exit code 2.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from bottomline.cases.enums import Channel, EliminationMethod, Stage
from bottomline.cli import params as p
from bottomline.cli.case_view import print_case_file, print_next
from bottomline.cli.params import DEFAULT_POLICIES, AsOpt, DateOpt, PoliciesOpt, ScopeOpt
from bottomline.cli.ui import console
from bottomline.errors import UserError
from bottomline.screening.enums import Category, RiskType

HouseholdOpt = Annotated[str, typer.Option("--household", help="户编号 / the household number.")]
RiskOpt = Annotated[
    list[str] | None,
    typer.Option("--risk", help="风险类型 / risk type, repeatable: illness, schooling …"),
]
CategoryOpt = Annotated[
    str | None, typer.Option("--category", help="监测类型 / unstable, marginal or sudden.")
]
CaseArg = Annotated[int, typer.Argument(help="案件编号 / the case number.")]
MANUAL_CHANNELS = (Channel.self_declaration, Channel.cadre_visit, Channel.department)

lead_app = typer.Typer(
    help="线索 / leads: report one, take stored leads in, the queue of cases at lead.",
    no_args_is_help=True,
)
visit_app = typer.Typer(help="入户走访 / home visits.", no_args_is_help=True)
case_app = typer.Typer(
    help="案件 / cases: list, show, move through the workflow, check exit.", no_args_is_help=True
)


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add this module's commands to the ``bottomline`` app."""
    app.add_typer(lead_app, name="lead")
    app.add_typer(visit_app, name="visit")
    app.add_typer(case_app, name="case")


# --- leads -------------------------------------------------------------------------------------


@lead_app.command("add")
def lead_add(
    household: HouseholdOpt,
    channel: Annotated[
        str, typer.Option(help="来源 / self_declaration, cadre_visit or department.")
    ],
    as_: AsOpt = None,
    risk: RiskOpt = None,
    category: CategoryOpt = None,
    note: Annotated[str | None, typer.Option(help="说明 / what was reported.")] = None,
    date: DateOpt = None,
    policies: PoliciesOpt = DEFAULT_POLICIES,
) -> None:
    """登记线索 / Report a lead; it opens the household's case or joins the one under way."""
    from bottomline.cases.leads import NewLead, record_lead
    from bottomline.cases.queries import household_id_for
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, write_scope

    on = p.day(date)
    new_channel = p.choice(Channel, channel, option="--channel", allowed=MANUAL_CHANNELS)
    risks = tuple(p.choices(RiskType, risk, option="--risk"))
    suggested = p.choice(Category, category, option="--category") if category else None
    index = p.policies(policies)
    with write_scope(open_store()) as session:
        actor = acting(session, as_)
        lead = NewLead(
            household_id=household_id_for(session, household, actor),
            channel=new_channel,
            reported_on=on,
            risk_types=risks,
            category=suggested,
            evidence={"note": note} if note else {},
        )
        row, case = record_lead(session, lead, actor=actor, policies=index)
    console.print(
        f"线索 / lead {row.id} → 案件 / case {case.id} ({Stage(case.stage).label}), "
        f"首次线索 / first lead {case.first_lead_on}, 期限 / deadline {case.deadline_on}"
    )


@lead_app.command("intake")
def lead_intake(
    as_: AsOpt = None,
    region: ScopeOpt = None,
    policies: PoliciesOpt = DEFAULT_POLICIES,
) -> None:
    """接收线索 / Take in leads stored without a case (not screening clues: `clue dispatch`)."""
    from bottomline.cases.clues.queries import ClueFilter, clue_ids
    from bottomline.cases.leads import intake_leads
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, write_scope

    index = p.policies(policies)
    with write_scope(open_store()) as session:
        actor = acting(session, as_)
        scope = p.scope(session, actor, region).region_code
        intake = intake_leads(session, actor=actor, policies=index, scope_code=scope)
        waiting = len(clue_ids(session, actor=actor, filters=ClueFilter()))
    console.print(
        f"{intake.leads:,} 条线索 / leads → {intake.cases_opened:,} new cases "
        f"({intake.reopened:,} re-opened after elimination), {intake.merged:,} merged into cases "
        "under way"
    )
    if waiting:
        console.print(
            f"{waiting:,} 条筛查线索待研判 / screening clues wait for triage: "
            "`bottomline clue list`, then `clue dispatch` or `clue dismiss`"
        )


@lead_app.command("queue")
def lead_queue_command(as_: AsOpt = None, region: ScopeOpt = None, date: DateOpt = None) -> None:
    """待核实线索 / Cases waiting at the lead stage, oldest first, with their leads."""
    from bottomline.cases.clock import clock_of
    from bottomline.cases.queries import lead_queue
    from bottomline.db import open_store, session_scope

    today = p.day(date)
    with session_scope(open_store()) as session:
        scope = p.scope(session, as_, region)
        queued = lead_queue(session, scope)
        names = p.region_names(session, {q.case.village_code for q in queued})
    table = Table(title=f"待核实线索 / lead queue of {scope.region_code} ({len(queued):,} cases)")
    table.add_column("案件\ncase", no_wrap=True)
    table.add_column("户编号\nhousehold", no_wrap=True)
    table.add_column("村\nvillage", overflow="fold", min_width=6)
    table.add_column("首次\nfirst", no_wrap=True)
    table.add_column("剩余\nleft", justify="right", no_wrap=True)
    table.add_column("来源\nchannels", overflow="fold", min_width=8)
    table.add_column("风险类型\nrisk types", overflow="fold", min_width=8)
    for q in queued:
        table.add_row(
            str(q.case.id),
            q.household_no,
            names.get(q.case.village_code, q.case.village_code),
            str(q.case.first_lead_on),
            str(clock_of(q.case, today).days_left),
            p.labels(Channel, q.channels),
            p.labels(RiskType, sorted({r for lead in q.leads for r in lead.risk_types})),
        )
    console.print(table)


# --- visits ------------------------------------------------------------------------------------


@visit_app.command("add")
def visit_add(
    household: HouseholdOpt,
    visitor: Annotated[str, typer.Option(help="走访人 / who visited.")],
    as_: AsOpt = None,
    unit: Annotated[str | None, typer.Option(help="走访人单位 / the visitor's unit.")] = None,
    signed: Annotated[
        bool,
        typer.Option(
            "--signed/--not-signed", help="授权承诺书已签 / the household signed the authorization."
        ),
    ] = False,
    suggest: Annotated[
        bool, typer.Option("--suggest", help="建议纳入监测 / suggest monitoring (raises a lead).")
    ] = False,
    income: Annotated[
        str | None, typer.Option(help="人均纯收入估算 / estimated income per person, yuan/year.")
    ] = None,
    risk: RiskOpt = None,
    note: Annotated[str | None, typer.Option(help="备注 / notes.")] = None,
    date: DateOpt = None,
    policies: PoliciesOpt = DEFAULT_POLICIES,
) -> None:
    """登记走访 / Record a home visit; with --suggest it raises a lead."""
    from bottomline.cases.queries import household_id_for
    from bottomline.cases.visits import NewVisit, record_visit
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, write_scope

    on, estimate = p.day(date), p.money(income, option="--income")
    risks = tuple(p.choices(RiskType, risk, option="--risk"))
    index = p.policies(policies)
    with write_scope(open_store()) as session:
        actor = acting(session, as_)
        new = NewVisit(
            household_id=household_id_for(session, household, actor),
            visit_date=on,
            visitor_name=visitor,
            visitor_unit=unit,
            authorization_signed=signed,
            suggest_monitoring=suggest,
            income_estimate=estimate,
            risk_types=risks,
            notes=note,
        )
        visit, case = record_visit(session, new, actor=actor, policies=index)
    joined = f" → 案件 / case {case.id}" if case else ""
    console.print(
        f"走访 / visit {visit.id} recorded ({visit.visit_date}, authorization signed: "
        f"{p.yes_no(visit.authorization_signed)}){joined}"
    )


# --- cases -------------------------------------------------------------------------------------


@case_app.command("list")
def case_list(
    as_: AsOpt = None,
    region: ScopeOpt = None,
    stage: Annotated[str | None, typer.Option(help="阶段 / only cases at this stage.")] = None,
) -> None:
    """案件列表 / Cases in a region (the first 200 by number)."""
    from bottomline.cases.queries import cases_in
    from bottomline.db import open_store, session_scope

    at = p.choice(Stage, stage, option="--stage") if stage else None
    with session_scope(open_store()) as session:
        scope = p.scope(session, as_, region)
        cases = cases_in(session, scope, stage=at)
        names = p.region_names(session, {c.village_code for c in cases})
    table = Table(title=f"案件 / cases in {scope.region_code}" + (f" at {at.label}" if at else ""))
    for column in ("案件 / case", "村 / village", "阶段 / stage", "自 / since", "类型 / category"):
        table.add_column(column, no_wrap=True)
    table.add_column("风险类型 / risk types")
    table.add_column("期限 / deadline", no_wrap=True)
    for c in cases:
        table.add_row(
            str(c.id),
            names.get(c.village_code, c.village_code),
            Stage(c.stage).zh,
            str(c.stage_since),
            Category(c.category).zh if c.category else "—",
            p.labels(RiskType, c.risk_types),
            str(c.deadline_on),
        )
    console.print(table)


@case_app.command("find")
def case_find(
    household_no: Annotated[str, typer.Argument(help="户编号 / the household number.")],
    as_: AsOpt = None,
) -> None:
    """查找案件 / The household's active case, or else its latest one."""
    from bottomline.cases.queries import access_case, case_by_household_no, household_id_for
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, session_scope

    with session_scope(open_store()) as session:
        actor = acting(session, as_)
        household_id_for(session, household_no, actor)
        found = case_by_household_no(session, household_no)
        case = access_case(session, found.id, actor) if found else None
    if case is None:
        console.print(f"户 / household {household_no} has no case")
        return
    console.print(f"案件 / case {case.id}: {Stage(case.stage).label} since {case.stage_since}")


@case_app.command("show")
def case_show(case_id: CaseArg, as_: AsOpt = None, date: DateOpt = None) -> None:
    """案件详情 / Everything about one case, and the steps it may take next."""
    from bottomline.cases.queries import access_case, case_file
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, session_scope

    today = p.day(date)
    with session_scope(open_store()) as session:
        case = access_case(session, case_id, acting(session, as_))
        file = case_file(session, case, today)
        names = p.region_names(session, {case.village_code})
    print_case_file(file, names.get(case.village_code, case.village_code))


@case_app.command("move")
def case_move(
    case_id: CaseArg,
    stage: Annotated[str, typer.Argument(help="目标阶段 / the stage to move to.")],
    as_: AsOpt = None,
    reason: Annotated[str | None, typer.Option(help="理由 / why (some moves need one).")] = None,
    evidence: Annotated[
        list[str] | None,
        typer.Option(help="依据 / evidence as key=value, repeatable, e.g. township_opinion=…"),
    ] = None,
    risk: RiskOpt = None,
    category: CategoryOpt = None,
    method: Annotated[
        str | None, typer.Option(help="消除方式 / assisted or natural (elimination).")
    ] = None,
    version: Annotated[
        int | None, typer.Option(help="案件版本 / the version you decided on (`case show`).")
    ] = None,
    date: DateOpt = None,
    policies: PoliciesOpt = DEFAULT_POLICIES,
) -> None:
    """流转 / Move a case to its next stage; refused with the reason when not allowed."""
    from bottomline.cases.queries import access_case
    from bottomline.cases.workflow import transition
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, write_scope

    target = p.choice(Stage, stage, option="STAGE")
    given = _evidence_options(evidence, risk, category, method)
    on = p.day(date)
    index = p.policies(policies)
    with write_scope(open_store()) as session:
        actor = acting(session, as_)
        case = access_case(session, case_id, actor)
        event = transition(
            session,
            case,
            target,
            actor=actor,
            reason=reason,
            evidence=given,
            on=on,
            policies=index,
            expected_version=version,
        )
    console.print(
        f"案件 / case {case.id}: {event.from_stage} → [bold]{target.value}[/bold] "
        f"({target.zh}) on {on} · version {case.version}"
    )
    print_next(target)


def _evidence_options(
    pairs: list[str] | None, risk: list[str] | None, category: str | None, method: str | None
) -> dict[str, Any]:
    given: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UserError(
                f"--evidence {pair!r} 应为 键=值 / --evidence {pair!r} is not key=value",
                hint="例如 / e.g. --evidence township_opinion=经审核符合条件",
            )
        given[key.strip()] = value.strip()
    if risk:
        given["risk_types"] = [r.value for r in p.choices(RiskType, risk, option="--risk")]
    if category:
        given["category"] = p.choice(Category, category, option="--category").value
    if method:
        given["method"] = p.choice(EliminationMethod, method, option="--method").value
    return given


@case_app.command("check-exit")
def case_check_exit(
    case_id: CaseArg,
    as_: AsOpt = None,
    method: Annotated[
        str | None, typer.Option(help="消除方式 / assisted or natural (default: the case's).")
    ] = None,
    date: DateOpt = None,
    policies: PoliciesOpt = DEFAULT_POLICIES,
) -> None:
    """风险消除条件 / Check the exit conditions, each with its explanation (a report: exit 0)."""
    from bottomline.cases.elimination import evaluate_case
    from bottomline.cases.queries import access_case
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, session_scope

    on = p.day(date)
    how = p.choice(EliminationMethod, method, option="--method") if method else None
    index = p.policies(policies)
    with session_scope(open_store()) as session:
        case = access_case(session, case_id, acting(session, as_))
        chosen = (how or EliminationMethod(case.elimination_method or "assisted")).value
        evaluation = evaluate_case(session, case, on=on, policies=index, method=chosen)
    console.print(
        f"案件 / case {case_id} · 风险消除条件 / exit rules {evaluation.version} as of {on} · "
        f"{EliminationMethod(chosen).label}"
    )
    for r in evaluation.results:
        mark = "[green]✓[/green]" if r.passed else "[red]✗[/red]"
        console.print(f"{mark} {r.code} {r.zh} / {r.en}")
        console.print(
            f"    {p.shown(r.explanation_zh)}\n    [dim]{p.shown(r.explanation_en)}[/dim]"
        )
    failed = len(evaluation.failed)
    if failed:
        console.print(f"[red]{failed} 项未满足 / {failed} condition(s) not met[/red]")
    else:
        console.print("[green]全部满足 / every condition is met[/green]")
