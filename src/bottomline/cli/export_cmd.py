"""``bottomline export national``: a period's monitoring objects for the national system.

The file holds full ID numbers (the national system's import needs them): only county users and
above may write it, for their region, and each export is in the audit log (docs/national-export.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bottomline.cli import params as p
from bottomline.cli.params import AsOpt
from bottomline.cli.ui import console

export_app = typer.Typer(
    help="导出 / exports for other systems (full personal data, audited).", no_args_is_help=True
)


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add the ``export`` group to the ``bottomline`` app."""
    app.add_typer(export_app, name="export")
    export_app.command("national")(national_command)


def national_command(
    period: Annotated[str, typer.Option("--period", help="月份 / the month, YYYY-MM.")],
    out: Annotated[
        Path, typer.Option("--out", help="输出文件 / the file to write (.xlsx, or .csv).")
    ],
    as_: AsOpt = None,
    region: Annotated[
        str | None,
        typer.Option("--region", help="区域 / 12-digit code (default: the acting user's region)."),
    ] = None,
) -> None:
    """全国系统导出 / The period's monitored, newly identified and eliminated households, in the
    layout the national system imports (full ID numbers: audited)."""
    from bottomline.cases.national import export_national  # pyarrow: loaded when it runs
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, write_scope
    from bottomline.ingest.catalogue import parse_period

    period = parse_period(period)
    with write_scope(open_store()) as session:
        actor = acting(session, as_)
        code = p.scope(session, actor, region).region_code if region else None
        result = export_national(session, actor=actor, period=period, out=out, region_code=code)
    console.print(
        f"{result.households:,} 户 households, {result.members:,} 人 members "
        f"(新识别 newly identified {result.identified:,}, 风险消除 eliminated "
        f"{result.eliminated:,}; 按本系统决定 from cases decided here {result.from_cases:,}) → "
        f"{result.path}"
    )
    console.print(
        "[yellow]文件含完整证件号码等个人信息，仅用于导入全国系统 / the file holds full ID numbers "
        "and other personal data: for the national system's import only[/yellow]"
    )
    console.print(
        "标题行标记为部分户，回导登记库不移除其他户 / the title row marks it partial: importing it "
        "back removes no other household"
    )
