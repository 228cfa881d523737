"""``bottomline clue``: the county's queue of screening clues, and their triage.

``clue list`` shows pending clues (or dispatched / dismissed ones) in the acting user's region
with their reasons in plain words, filtered, sorted and paged, and exports the whole filtered
list to Excel (masked). ``clue dispatch`` sends clues for verification — the household's case
opens and its clock starts that day — and ``clue dismiss`` dismisses them with a reason; both
take clue numbers or ``--all`` with the list's filters, in one transaction.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from bottomline.cases.enums import Channel, DismissReason
from bottomline.cli import params as p
from bottomline.cli.params import DEFAULT_POLICIES, AsOpt, DateOpt, PoliciesOpt
from bottomline.cli.ui import console
from bottomline.errors import UserError
from bottomline.screening.enums import Category, RiskType, Triage
from bottomline.users.actor import Actor

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bottomline.cases.clues.queries import ClueFilter, CluePage

# The queue's sort keys (cases.clues.queries.SORTS, which needs the store's tables: spelled out
# here so that the CLI starts without them; tests/cli/test_startup.py checks they agree).
SORT_NAMES = ("oldest", "newest", "village", "household", "hits")

clue_app = typer.Typer(
    help="线索 / screening clues: the queue, dispatch for verification, dismiss, reopen.",
    no_args_is_help=True,
)

TownshipOpt = Annotated[
    str | None, typer.Option("--township", help="乡镇 / 12-digit township code.")
]
VillageOpt = Annotated[str | None, typer.Option("--village", help="村 / 12-digit village code.")]
RuleOpt = Annotated[
    str | None, typer.Option("--rule", help="规则 / rule id, e.g. income.within_range.")
]
CategoryOpt = Annotated[
    str | None,
    typer.Option("--category", help="监测类型 / unstable, marginal, sudden (or 边缘易致贫户 …)."),
]
RiskOpt = Annotated[
    str | None, typer.Option("--risk", help="风险类型 / risk type: illness or 因病, housing …")
]
ChannelOpt = Annotated[
    str | None, typer.Option("--channel", help="来源 / channel, e.g. screening.")
]
IdsArg = Annotated[list[int] | None, typer.Argument(help="线索编号 / clue numbers.")]
AllOpt = Annotated[
    bool, typer.Option("--all", help="全部 / every pending clue the filters select.")
]


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add this module's commands to the ``bottomline`` app."""
    app.add_typer(clue_app, name="clue")


def _filters(
    township: str | None,
    village: str | None,
    rule: str | None,
    category: str | None,
    risk: str | None,
    channel: str | None,
    status: str | None = None,
) -> ClueFilter:
    from bottomline.cases.clues.queries import ClueFilter
    from bottomline.screening.rules import RULES_BY_ID

    if rule is not None and rule not in RULES_BY_ID:
        raise UserError(
            f"--rule {rule!r} 不是筛查规则 / is not a screening rule",
            hint=f"筛查规则 / rules: {', '.join(RULES_BY_ID)}",
        )
    return ClueFilter(
        township=p.region_code(township) if township else None,
        village=p.region_code(village) if village else None,
        rule=rule,
        category=p.choice(Category, category, option="--category") if category else None,
        risk=p.choice(RiskType, risk, option="--risk") if risk else None,
        channel=p.choice(Channel, channel, option="--channel").value if channel else None,
        status=p.choice(Triage, status, option="--status") if status else Triage.pending,
    )


@clue_app.command("list")
def clue_list(
    as_: AsOpt = None,
    township: TownshipOpt = None,
    village: VillageOpt = None,
    rule: RuleOpt = None,
    category: CategoryOpt = None,
    risk: RiskOpt = None,
    channel: ChannelOpt = None,
    status: Annotated[
        str | None,
        typer.Option("--status", help="状态 / pending (default), dispatched, dismissed."),
    ] = None,
    sort: Annotated[
        str, typer.Option("--sort", help=f"排序 / {', '.join(SORT_NAMES)} (default oldest).")
    ] = "oldest",
    page: Annotated[int, typer.Option("--page", min=1, help="页 / page number.")] = 1,
    page_size: Annotated[
        int, typer.Option("--page-size", min=1, max=1000, help="每页 / clues per page.")
    ] = 20,
    export: Annotated[
        Path | None,
        typer.Option("--export", help="导出 / write the whole filtered list to this .xlsx file."),
    ] = None,
) -> None:
    """线索队列 / The clues waiting for triage in your region, with their reasons."""
    from bottomline.cases.clues.export import write_clues
    from bottomline.cases.clues.queries import all_clues, clue_page
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, session_scope

    filters = _filters(township, village, rule, category, risk, channel, status)
    if export is not None and export.suffix.lower() != ".xlsx":
        raise UserError(
            f"--export {export} 须为 .xlsx / must be an .xlsx file",
            hint="例如 / e.g. --export clues.xlsx",
        )
    with session_scope(open_store()) as session:
        actor = acting(session, as_)
        found = clue_page(
            session, actor=actor, filters=filters, sort=sort, page=page, page_size=page_size
        )
        rows = None
        if export is not None:
            rows = write_clues(export, all_clues(session, actor=actor, filters=filters, sort=sort))
    _print_page(found, filters.status)
    if rows is not None:
        console.print(f"导出 / exported {rows:,} clues to {export} (户主姓名已脱敏 / names masked)")


def _print_page(found: CluePage, status: Triage) -> None:
    first = (found.page - 1) * found.page_size + 1
    last = min(found.total, found.page * found.page_size)
    shown = f"{first}–{last}" if found.rows else "0"
    table = Table(
        title=f"线索 / clues ({status.zh}): {shown} of {found.total:,} · "
        f"page {found.page} of {found.pages}",
        show_lines=True,
    )
    for column in (
        "线索\nclue",
        "户编号\nhousehold",
        "户主\nhead",
        "村\nvillage",
        "类型\ncategory",
    ):
        table.add_column(column, no_wrap=True)
    table.add_column("风险类型\nrisk types", overflow="fold", min_width=8)
    table.add_column("来源\nchannel", overflow="fold")
    table.add_column("日期\nday", no_wrap=True)
    table.add_column("理由\nreasons", overflow="fold", min_width=30)
    table.add_column("在办案件\ncase", no_wrap=True)
    for row in found.rows:
        table.add_row(
            str(row.id),
            row.household_no,
            row.head or "—",
            f"{row.township} {row.village}",
            Category(row.category).zh if row.category else "—",
            p.labels(RiskType, row.risk_types),
            p.labels(Channel, [row.channel]),
            str(row.reported_on),
            "\n".join(f"• {p.shown(r)}" for r in row.reasons) or "—",
            str(row.active_case or "—"),
        )
    console.print(table)


def _selection(
    session: Session, actor: Actor, ids: list[int] | None, all_: bool, filters: ClueFilter
) -> list[int]:
    from bottomline.cases.clues.queries import clue_ids

    if ids and all_:
        raise UserError(
            "给出线索编号或 --all，不能两者都给 / give clue numbers or --all, not both",
            hint="例如 / e.g. `bottomline clue dispatch 12 13 --as wang` "
            "或 / or `… --all --township CODE`",
        )
    if not ids and not all_:
        raise UserError(
            "没有选择线索 / no clues chosen",
            hint="给出线索编号（见 `bottomline clue list`），或 --all 加筛选条件 / "
            "give clue numbers (see `bottomline clue list`) or --all with filters",
        )
    if ids:
        return list(ids)
    selected = clue_ids(session, actor=actor, filters=filters)
    if not selected:
        raise UserError(
            "筛选条件下没有待研判线索 / no pending clue matches the filters",
            hint="用 `bottomline clue list` 查看 / check them with `bottomline clue list`",
        )
    return selected


@clue_app.command("dispatch")
def clue_dispatch(
    as_: AsOpt = None,
    ids: IdsArg = None,
    all_: AllOpt = False,
    township: TownshipOpt = None,
    village: VillageOpt = None,
    rule: RuleOpt = None,
    category: CategoryOpt = None,
    risk: RiskOpt = None,
    channel: ChannelOpt = None,
    date: DateOpt = None,
    policies: PoliciesOpt = DEFAULT_POLICIES,
) -> None:
    """派发核实 / Send clues for verification: the case opens, its clock starts that day."""
    from bottomline.cases.clues.actions import dispatch_clues
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, write_scope

    filters = _filters(township, village, rule, category, risk, channel)
    on = p.day(date)
    index = p.policies(policies)
    with write_scope(open_store()) as session:
        actor = acting(session, as_)
        chosen = _selection(session, actor, ids, all_, filters)
        intake = dispatch_clues(session, chosen, actor=actor, policies=index, on=on)
    console.print(
        f"派发 / dispatched {intake.leads:,} clues on {on} → {intake.cases_opened:,} new cases "
        f"({intake.reopened:,} re-opened after elimination), {intake.merged:,} joined cases "
        f"under way; 时限自派发日起算 / the clock starts on {on}"
    )


@clue_app.command("dismiss")
def clue_dismiss(
    as_: AsOpt = None,
    ids: IdsArg = None,
    all_: AllOpt = False,
    reason: Annotated[
        str | None, typer.Option("--reason", help="理由 / why the clue is dismissed.")
    ] = None,
    code: Annotated[
        str,
        typer.Option(
            "--code",
            help="常见理由 / "
            + ", ".join(f"{r.value} ({r.zh})" for r in DismissReason)
            + "; other needs --reason.",
        ),
    ] = DismissReason.other.value,
    township: TownshipOpt = None,
    village: VillageOpt = None,
    rule: RuleOpt = None,
    category: CategoryOpt = None,
    risk: RiskOpt = None,
    channel: ChannelOpt = None,
    date: DateOpt = None,
) -> None:
    """排除 / Dismiss clues with a reason; not raised again on the same evidence."""
    from bottomline.cases.clues.actions import dismiss_clues
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, write_scope

    filters = _filters(township, village, rule, category, risk, channel)
    why = p.choice(DismissReason, code, option="--code")
    on = p.day(date)
    if why is DismissReason.other and not (reason and reason.strip()):
        raise UserError(
            "排除线索须说明理由 / dismissing a clue needs a reason",
            hint="给出 --reason 理由，或用 --code 选常见理由 / "
            "give --reason TEXT, or --code with a common reason: "
            + ", ".join(r.value for r in DismissReason if r is not DismissReason.other),
        )
    with write_scope(open_store()) as session:
        actor = acting(session, as_)
        chosen = _selection(session, actor, ids, all_, filters)
        count = dismiss_clues(session, chosen, actor=actor, code=why, reason=reason, on=on)
    console.print(
        f"排除 / dismissed {count:,} clues on {on} ({why.label}); 相同证据不再预警 / not raised "
        "again on the same evidence"
    )


@clue_app.command("reopen")
def clue_reopen(
    ids: Annotated[list[int], typer.Argument(help="线索编号 / numbers of dismissed clues.")],
    reason: Annotated[
        str, typer.Option("--reason", help="理由 / why the dismissal is undone (audited).")
    ],
    as_: AsOpt = None,
    date: DateOpt = None,
) -> None:
    """撤销排除 / Undo a dismissal: the clue is pending again, to be dispatched or dismissed."""
    from bottomline.cases.clues.actions import reopen_clues
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, write_scope

    on = p.day(date)
    with write_scope(open_store()) as session:
        actor = acting(session, as_)
        count = reopen_clues(session, ids, actor=actor, reason=reason, on=on)
    console.print(
        f"撤销排除 / reopened {count:,} clues on {on}: 待研判 / pending again; 筛查不再按原证据"
        "跳过 / screening no longer skips their evidence"
    )
