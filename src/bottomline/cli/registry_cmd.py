"""``bottomline import registry``: load the national monitoring system's export into the store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import TaskID
from rich.table import Table

from bottomline.cli.params import AsOpt
from bottomline.cli.ui import console, done, progress_bar, step

if TYPE_CHECKING:  # the import pulls in pyarrow, pandas and DuckDB: loaded when a command runs
    from bottomline.registry.imports import DiffCount, RegistryImportReport

STAGES = {
    "read": "读取 / reading rows",
    "households": "写入户 / writing households",
    "members": "写入人 / writing members",
}


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add this module's commands to the ``bottomline`` app and its ``import`` group."""
    import_app.command("registry")(import_registry_command)


def import_registry_command(
    file: Annotated[
        Path, typer.Argument(help="The export of 全国防返贫监测信息系统 (XLSX, CSV or Parquet).")
    ],
    as_: AsOpt = None,
    encoding: Annotated[
        str | None,
        typer.Option(help="Text encoding of a CSV file (default: detected): utf-8, gb18030 …"),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Check the file and show the diff; write nothing."),
    ] = False,
    reports: Annotated[
        Path | None,
        typer.Option(
            help="Directory for the rejects and changes reports (default: DATA_DIR/reports)."
        ),
    ] = None,
    income_year: Annotated[
        int | None,
        typer.Option(help="收入年度 / The year of the income columns when the file has no 年度."),
    ] = None,
    allow_removals: Annotated[
        bool,
        typer.Option(
            "--allow-removals",
            help="确认大量移除 / Confirm removing more households than the bound (docs/registry-import.md).",
        ),
    ] = False,
    partial: Annotated[
        bool,
        typer.Option(
            "--partial",
            help="部分户 / The file lists only some households: add and update them, remove nothing "
            "(a file whose title row says 部分户 partial is read so by itself).",
        ),
    ] = False,
) -> None:
    """登记库导入 / Import households and members from the national system's export.

    Re-importing updates what changed and marks what the file no longer lists as removed
    (not with --partial, nor for a file marked 部分户 partial).
    """
    from bottomline.cli.credentials import acting
    from bottomline.config import get_settings
    from bottomline.db import open_store, session_scope

    settings = get_settings()
    engine = open_store()
    with session_scope(engine) as session:
        actor = acting(session, as_)
    start = step(
        f"导入登记库 / importing the registry from {file.name}" + (" (dry run)" if dry_run else "")
    )
    with progress_bar() as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done_rows: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(STAGES.get(stage, stage), total=total or None)
            bar.update(tasks[stage], completed=done_rows, total=total or None)

        from bottomline.registry.imports import import_registry
        from bottomline.registry.imports.removals import MassRemovalError
        from bottomline.registry.incomes.read import IncomeYearMissingError

        try:
            report = import_registry(
                engine=engine,
                actor=actor,
                path=file,
                report_dir=reports or settings.data_dir / "reports",
                encoding=encoding,
                dry_run=dry_run,
                progress=progress,
                income_year=income_year,
                allow_removals=allow_removals,
                partial=partial,
            )
        except IncomeYearMissingError as err:
            raise IncomeYearMissingError(
                err.message,
                hint="增加“年度”列，或给出 --income-year 2025 / "
                "add a 年度 column or pass --income-year 2025",
            ) from None
        except MassRemovalError as err:
            raise MassRemovalError(
                err.message, hint=f"{err.hint} · 确认移除 / to confirm: --allow-removals"
            ) from None
        finally:
            engine.dispose()
    done(
        start,
        f"读入 {report.rows_in:,} 行 = 接收 {report.accepted:,} + 拒收 {report.rejected:,} / "
        f"{report.rows_in:,} rows in = {report.accepted:,} accepted + {report.rejected:,} rejected",
    )
    if report.status == "unchanged":
        console.print(
            f"文件内容与第 {report.previous_import_id} 次导入相同，登记库未作修改 / "
            f"same content as import #{report.previous_import_id}: nothing changed"
        )
        return
    if report.partial:
        console.print(
            "部分户导入：只新增、更新文件所列的户，不移除 / partial import: the households the "
            "file lists are added and updated, none removed"
        )
    _print_reasons(report)
    _print_diff(report)
    _print_removals(report)
    if report.rejects_path is not None:
        console.print(f"拒收行 / rejects: {report.rejects_path}")
    if report.changes_path is not None:
        console.print(f"变更 / changes: {report.changes_path}")
    if dry_run:
        console.print(
            "[bold]试运行，未写入登记库 / dry run: nothing was written to the store[/bold]"
        )
    else:
        console.print(
            f"第 {report.import_id} 次导入已提交 · 县 {'、'.join(report.counties) or '—'} / "
            f"import #{report.import_id} committed · counties {', '.join(report.counties) or '—'}"
        )


def _print_reasons(report: RegistryImportReport) -> None:
    from bottomline.registry.imports import reason_labels
    from bottomline.registry.incomes.catalogue import COLUMNS as INCOME_COLUMNS
    from bottomline.registry.national_export import COLUMNS

    if not report.reasons:
        return
    table = Table(title="拒收原因 / top reasons rows were rejected")
    table.add_column("列 / column")
    table.add_column("原因")
    table.add_column("reason")
    table.add_column("次数 / times", justify="right")
    for code, column, count in report.top_reasons(10):
        zh, en = reason_labels(code)
        known = COLUMNS | INCOME_COLUMNS
        header = known[column].header if column in known else "—"
        table.add_row(header, zh, en, f"{count:,}")
    console.print(table)


def _print_diff(report: RegistryImportReport) -> None:
    table = Table(title="与登记库的差异 / diff against the registry")
    table.add_column("")
    for label in ("新增 new", "变更 changed", "移除 removed", "未变 unchanged"):
        table.add_column(label, justify="right")
    for label, count in _counts(report):
        table.add_row(
            label,
            f"{count.new:,}",
            f"{count.changed:,}",
            f"{count.removed:,}",
            f"{count.unchanged:,}",
        )
    console.print(table)
    for label, count in _counts(report):
        if count.fields:
            fields = ", ".join(f"{name} {n:,}" for name, n in count.fields.most_common())
            console.print(f"  变更字段 / changed fields ({label}): {fields}")
        if count.conflicts:
            console.print(
                f"  [yellow]冲突 / conflicts ({label}): {count.conflicts:,} — 文件与本地修改不符，"
                "保留本地修改 / the file disagrees with local edits, which are kept "
                "(changes.csv, docs/households.md)[/yellow]"
            )


LABELS = {
    "households": "户 households",
    "members": "人 members",
    "incomes": "收入 incomes",
    "guarantees": "三保障 guarantees",
    "monitoring": "监测 monitoring",
}


def _counts(report: RegistryImportReport) -> list[tuple[str, DiffCount]]:
    return [(LABELS[name], count) for name, count in report.diff.counts]


def _print_removals(report: RegistryImportReport) -> None:
    removed, stored, beyond = report.removals
    if not beyond:
        return
    console.print(
        f"[bold]将移除 {removed:,} 户（共 {stored:,} 户），超出界限 / would remove {removed:,} of "
        f"{stored:,} stored households, beyond the bound[/bold]: "
        + (
            "确认请加 --allow-removals / confirm with --allow-removals"
            if report.status == "dry_run"
            else "已确认 / confirmed"
        )
    )
