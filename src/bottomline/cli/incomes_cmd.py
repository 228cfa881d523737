"""``bottomline import incomes``: the yearly income collection (年度收入采集 / 集中排查)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bottomline.cli.params import AsOpt
from bottomline.cli.registry_cmd import _print_diff, _print_reasons
from bottomline.cli.ui import console, done, step


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add this module's commands to the ``bottomline`` app and its ``import`` group."""
    import_app.command("incomes")(import_incomes_command)


def import_incomes_command(
    file: Annotated[Path, typer.Argument(help="The collection file (XLSX, CSV or Parquet).")],
    as_: AsOpt = None,
    year: Annotated[
        int | None,
        typer.Option(help="收入年度 / The year of rows without a 年度 (column or cell)."),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(help="Text encoding of a CSV file (default: detected): utf-8, gb18030 …"),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check the file and show the diff; write nothing.")
    ] = False,
    reports: Annotated[
        Path | None,
        typer.Option(help="Directory for the reports (default: DATA_DIR/reports)."),
    ] = None,
) -> None:
    """年度收入采集导入 / Import the yearly income collection: one row per household and year."""
    from bottomline.cli.credentials import acting
    from bottomline.config import get_settings
    from bottomline.db import open_store, session_scope
    from bottomline.registry.incomes.read import IncomeYearMissingError
    from bottomline.registry.incomes.run import import_incomes

    settings = get_settings()
    engine = open_store()
    with session_scope(engine) as session:
        actor = acting(session, as_)
    start = step(
        f"导入收入采集 / importing incomes from {file.name}" + (" (dry run)" if dry_run else "")
    )
    try:
        report = import_incomes(
            engine=engine,
            actor=actor,
            path=file,
            report_dir=reports or settings.data_dir / "reports",
            year=year,
            encoding=encoding,
            dry_run=dry_run,
        )
    except IncomeYearMissingError as err:
        raise IncomeYearMissingError(
            err.message,
            hint="增加“年度”列，或给出 --year 2025 / add a 年度 column or pass --year 2025",
        ) from None
    finally:
        engine.dispose()
    if report.status == "unchanged":
        done(start, "未变 / unchanged")
        console.print(
            f"文件内容与第 {report.previous_import_id} 次导入相同，未作修改 / "
            f"same content as import #{report.previous_import_id}: nothing changed"
        )
        return
    done(
        start,
        f"读入 {report.rows_in:,} 行 = 接收 {report.accepted:,} + 拒收 {report.rejected:,} + "
        f"未匹配 {report.unmatched:,} / {report.rows_in:,} rows in = {report.accepted:,} "
        f"accepted + {report.rejected:,} rejected + {report.unmatched:,} unmatched",
    )
    _print_reasons(report)
    _print_diff(report)
    for label, path in (
        ("拒收行 / rejects", report.rejects_path),
        ("未匹配 / unmatched", report.unmatched_path),
        ("变更 / changes", report.changes_path),
    ):
        if path is not None:
            console.print(f"{label}: {path}")
    if dry_run:
        console.print("[bold]试运行，未写入 / dry run: nothing was written to the store[/bold]")
    else:
        console.print(f"第 {report.import_id} 次导入已提交 / import #{report.import_id} committed")
