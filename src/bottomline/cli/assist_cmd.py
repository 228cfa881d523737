"""``bottomline measure | helper | income``: a household's assistance (帮扶) and follow-ups."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from bottomline.assistance.enums import MeasureStatus
from bottomline.cli import params as p
from bottomline.cli.params import AsOpt, DateOpt
from bottomline.cli.ui import console
from bottomline.screening.enums import RiskType

HouseholdOpt = Annotated[str, typer.Option("--household", help="户编号 / the household number.")]
StartOpt = Annotated[str, typer.Option("--start", help="开始日期 / first day, YYYY-MM-DD.")]
EndOpt = Annotated[
    str | None, typer.Option("--end", help="结束日期 / last day, YYYY-MM-DD (open if not given).")
]

measure_app = typer.Typer(help="帮扶措施 / assistance measures.", no_args_is_help=True)
helper_app = typer.Typer(help="帮扶责任人 / helpers assigned to households.", no_args_is_help=True)
income_app = typer.Typer(help="收入跟踪 / income follow-ups.", no_args_is_help=True)


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add this module's commands to the ``bottomline`` app."""
    app.add_typer(measure_app, name="measure")
    app.add_typer(helper_app, name="helper")
    app.add_typer(income_app, name="income")


@measure_app.command("add")
def measure_add(
    household: HouseholdOpt,
    type_: Annotated[
        str, typer.Option("--type", help="措施类型 / catalogue code (`bottomline measure types`).")
    ],
    start: StartOpt,
    as_: AsOpt = None,
    end: EndOpt = None,
    amount: Annotated[str | None, typer.Option(help="金额 / amount in yuan.")] = None,
    status: Annotated[
        str, typer.Option(help="状态 / planned, in_progress, implemented, ended or cancelled.")
    ] = MeasureStatus.planned.value,
    member: Annotated[
        int | None, typer.Option(help="受益人 / the member it is for (member id), if one.")
    ] = None,
    note: Annotated[str | None, typer.Option(help="备注 / note.")] = None,
) -> None:
    """添加措施 / Add an assistance measure; refused with the rule when it breaks its type's rules."""
    from bottomline.assistance.actions import NewMeasure, add_measure
    from bottomline.assistance.catalogue import load_catalogue
    from bottomline.cases.queries import case_by_household_no, household_id_for
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, write_scope

    kind = load_catalogue().get(type_)
    new_status = p.choice(MeasureStatus, status, option="--status")
    start_on, end_on = p.day(start, option="--start"), p.optional_day(end, option="--end")
    yuan = p.money(amount, option="--amount")
    with write_scope(open_store()) as session:
        actor = acting(session, as_)
        household_id = household_id_for(session, household, actor, removed=True)
        case = case_by_household_no(session, household)
        new = NewMeasure(
            household_id=household_id,
            measure_type=kind.code,
            start_on=start_on,
            end_on=end_on,
            amount=yuan,
            status=new_status,
            member_id=member,
            note=note,
            monitored=bool(case and case.active and case.identified_on is not None),
        )
        measure = add_measure(session, new, actor=actor)
    console.print(
        f"措施 / measure {measure.id}: {kind.label} for household {household}, "
        f"{new_status.label}, from {start_on}"
    )


@measure_app.command("status")
def measure_status(
    measure_id: Annotated[int, typer.Argument(help="措施编号 / the measure.")],
    status: Annotated[
        str, typer.Argument(help="planned, in_progress, implemented, ended or cancelled.")
    ],
    as_: AsOpt = None,
) -> None:
    """措施状态 / Set a measure's status."""
    from bottomline.assistance.actions import set_measure_status
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, write_scope

    new_status = p.choice(MeasureStatus, status, option="STATUS")
    with write_scope(open_store()) as session:
        measure = set_measure_status(session, measure_id, new_status, actor=acting(session, as_))
    console.print(f"措施 / measure {measure.id}: {new_status.label}")


@measure_app.command("types")
def measure_types() -> None:
    """措施类型 / The catalogue of measure types and the risks each addresses."""
    from bottomline.assistance.catalogue import load_catalogue

    catalogue = load_catalogue()
    table = Table(title=f"帮扶措施类型 / measure types ({len(catalogue)})")
    table.add_column("代码 / code", no_wrap=True)
    table.add_column("类别 / category")
    table.add_column("名称 / name")
    table.add_column("针对风险 / risk types")
    for kind in catalogue:
        table.add_row(
            kind.code,
            kind.category.zh,
            f"{kind.zh}\n[dim]{kind.en}[/dim]",
            p.labels(RiskType, [r.value for r in kind.risks]),
        )
    console.print(table)


@helper_app.command("add")
def helper_add(
    household: HouseholdOpt,
    name: Annotated[str, typer.Option(help="姓名 / the helper's name.")],
    unit: Annotated[str, typer.Option(help="派出单位 / the helper's unit.")],
    start: StartOpt,
    as_: AsOpt = None,
    phone: Annotated[str | None, typer.Option(help="电话 / phone (shown masked).")] = None,
    end: EndOpt = None,
) -> None:
    """结对帮扶 / Assign a helper (帮扶责任人) to a household."""
    from bottomline.assistance.actions import assign_helper
    from bottomline.cases.queries import household_id_for
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, write_scope
    from bottomline.ids import mask_phone

    start_on, end_on = p.day(start, option="--start"), p.optional_day(end, option="--end")
    with write_scope(open_store()) as session:
        actor = acting(session, as_)
        helper = assign_helper(
            session,
            household_id=household_id_for(session, household, actor, removed=True),
            name=name,
            unit=unit,
            phone=phone,
            start_on=start_on,
            end_on=end_on,
            actor=actor,
        )
    console.print(
        f"帮扶责任人 / helper {helper.id}: {p.shown(helper.name)} ({p.shown(helper.unit)}"
        f"{', ' + mask_phone(helper.phone) if helper.phone else ''}) for household {household} "
        f"from {start_on}"
    )


@income_app.command("add")
def income_add(
    household: HouseholdOpt,
    per_capita: Annotated[
        str, typer.Option("--per-capita", help="人均纯收入 / yuan per person per year.")
    ],
    as_: AsOpt = None,
    note: Annotated[str | None, typer.Option(help="备注 / note.")] = None,
    date: DateOpt = None,
) -> None:
    """收入跟踪 / Record a follow-up of the household's per-capita income (annualised)."""
    from bottomline.assistance.actions import add_followup
    from bottomline.cases.queries import household_id_for
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, write_scope

    on = p.day(date)
    income = p.amount(per_capita, option="--per-capita")
    with write_scope(open_store()) as session:
        actor = acting(session, as_)
        followup = add_followup(
            session,
            household_id=household_id_for(session, household, actor, removed=True),
            followed_on=on,
            per_capita_income=income,
            note=note,
            actor=actor,
        )
    console.print(
        f"收入跟踪 / follow-up {followup.id}: household {household}, {income:,} yuan per person "
        f"per year on {on}"
    )
