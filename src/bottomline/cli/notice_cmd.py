"""``bottomline notice | objection``: village public notices (公示) and objections (异议)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from bottomline.cases.enums import NoticeKind
from bottomline.cli import params as p
from bottomline.cli.params import AsOpt, DateOpt, ScopeOpt
from bottomline.cli.ui import console

notice_app = typer.Typer(help="公示 / village public notices.", no_args_is_help=True)
objection_app = typer.Typer(help="异议 / objections raised during a notice.", no_args_is_help=True)


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add this module's commands to the ``bottomline`` app."""
    app.add_typer(notice_app, name="notice")
    app.add_typer(objection_app, name="objection")


@notice_app.command("publish")
def notice_publish(
    village: Annotated[str, typer.Option(help="村 / the village's 12-digit code.")],
    kind: Annotated[str, typer.Option(help="公示类型 / identification or elimination.")],
    as_: AsOpt = None,
    date: Annotated[
        str | None,
        typer.Option("--date", help="公示首日 / first notice day, YYYY-MM-DD (default: today)."),
    ] = None,
    pdf: Annotated[
        bool, typer.Option("--pdf/--no-pdf", help="同时生成 PDF / also write the PDF.")
    ] = True,
) -> None:
    """发布公示 / Put the village's waiting cases on a new notice and write it (HTML, PDF)."""
    from bottomline.cases.notices.actions import publish_notice
    from bottomline.cli.credentials import acting
    from bottomline.config import get_settings
    from bottomline.db import open_store, write_scope

    starts_on = p.day(date)
    notice_kind = p.choice(NoticeKind, kind, option="--kind")
    out_dir = get_settings().data_dir / "notices"
    with write_scope(open_store()) as session:
        published = publish_notice(
            session,
            actor=acting(session, as_),
            village_code=p.region_code(village),
            kind=notice_kind,
            starts_on=starts_on,
            out_dir=out_dir,
            pdf=pdf,
        )
    notice = published.notice
    console.print(
        f"公示 / notice {notice.id}: {notice_kind.label}, {notice.year} round {notice.round_no}, "
        f"{notice.starts_on} – {notice.ends_on} · cases {', '.join(map(str, published.case_ids))}"
    )
    console.print(f"  HTML: {notice.html_path}")
    if notice.pdf_path:
        console.print(f"  PDF:  {notice.pdf_path}")
    next_day = notice.ends_on + dt.timedelta(days=1)
    console.print(f"  下一步 / the next step can be taken from {next_day}")
    for case_id in published.late:
        console.print(
            f"[yellow]⚠ 案件 / case {case_id}: the notice ends on or after its deadline — "
            "the county's decision will be late[/yellow]"
        )


@notice_app.command("list")
def notice_list(as_: AsOpt = None, region: ScopeOpt = None) -> None:
    """公示列表 / Notices of the villages in a region, newest first, on notice or over."""
    from bottomline.cases.notices.queries import notices_in
    from bottomline.db import open_store, session_scope
    from bottomline.workdays import today_in_china

    today = today_in_china()
    with session_scope(open_store()) as session:
        scope = p.scope(session, as_, region)
        rows = notices_in(session, scope)
        names = p.region_names(session, {n.village_code for n, _ in rows})
    table = Table(title=f"公示 / notices in {scope.region_code} ({len(rows):,})")
    for column in (
        "公示 / notice",
        "村 / village",
        "类型 / kind",
        "轮次 / round",
        "公示期 / period",
        "状态 / status",
    ):
        table.add_column(column, no_wrap=True)
    table.add_column("案件 / cases", justify="right")
    for notice, cases in rows:
        table.add_row(
            str(notice.id),
            names.get(notice.village_code, notice.village_code),
            NoticeKind(notice.kind).zh,
            f"{notice.year}-{notice.round_no}",
            f"{notice.starts_on} – {notice.ends_on}",
            notice.status_on(today).label,
            str(cases),
        )
    console.print(table)


@objection_app.command("add")
def objection_add(
    notice: Annotated[int, typer.Option(help="公示编号 / the notice.")],
    case: Annotated[int, typer.Option(help="案件编号 / the case objected to.")],
    summary: Annotated[str, typer.Option(help="异议内容 / what was raised (internal).")],
    as_: AsOpt = None,
    date: Annotated[
        str | None,
        typer.Option("--date", help="收到日期 / day received, YYYY-MM-DD (default: today)."),
    ] = None,
) -> None:
    """登记异议 / Record an objection received during the notice period."""
    from bottomline.cases.notices.actions import record_objection
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, write_scope

    received_on = p.day(date)
    with write_scope(open_store()) as session:
        objection = record_objection(
            session,
            actor=acting(session, as_),
            notice_id=notice,
            case_id=case,
            received_on=received_on,
            summary=summary,
        )
    console.print(
        f"异议 / objection {objection.id} recorded on notice {notice} for case {case}; "
        "the case waits until it is resolved"
    )


@objection_app.command("resolve")
def objection_resolve(
    objection_id: Annotated[int, typer.Argument(help="异议编号 / the objection.")],
    upheld: Annotated[
        bool,
        typer.Option(
            "--upheld/--dismissed", help="异议成立或不成立 / whether the objection was right."
        ),
    ],
    resolution: Annotated[str, typer.Option(help="处理结果 / how it was resolved.")],
    as_: AsOpt = None,
    date: DateOpt = None,
) -> None:
    """处理异议 / Resolve an objection after checking it."""
    from bottomline.cases.notices.actions import resolve_objection
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, write_scope

    on = p.day(date)
    with write_scope(open_store()) as session:
        objection = resolve_objection(
            session,
            actor=acting(session, as_),
            objection_id=objection_id,
            upheld=upheld,
            resolution=resolution,
            on=on,
        )
    verdict = "成立 / upheld" if objection.upheld else "不成立 / dismissed"
    console.print(f"异议 / objection {objection.id} resolved on {on}: {verdict}")
    if objection.upheld:
        console.print(
            f"  → 案件 {objection.case_id} 通常转为“不予纳入” / "
            f"case {objection.case_id} usually goes to `rejected`: "
            f"bottomline case move {objection.case_id} rejected --reason … --as …"
        )
