"""``bottomline import feed`` and ``bottomline import batches``: department data in."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bottomline.cli.ui import console, done, progress_bar, step
from bottomline.config import get_settings
from bottomline.db import open_store
from bottomline.errors import UserError
from bottomline.ingest.catalogue import FEEDS
from bottomline.ingest.enums import BatchStatus
from bottomline.ingest.models import IngestBatch

if TYPE_CHECKING:  # ingest's actions pull in pyarrow and duckdb: import them when they run
    from bottomline.ingest.actions import ImportReport
    from bottomline.ingest.batches import Replacement


def import_one(
    path: Path,
    *,
    engine: Engine,
    feed: str,
    period: str,
    encoding: str | None,
    store: Path,
    replaces: Replacement | None = None,
) -> ImportReport:
    """Import one file with a progress bar; the members index is read from the store.

    A file overlapping a committed batch is refused with the commands that resolve it.
    """
    from bottomline.ingest.actions import import_feed, open_feed_file, registry_members
    from bottomline.ingest.batches import OverlapError
    from bottomline.registry.models import Member

    with Session(engine) as session:
        if not session.scalar(select(func.count()).select_from(Member)):
            raise UserError(
                "the registry is empty: department rows would match nobody",
                hint="import the registry first: bottomline import registry FILE",
            )
    source = open_feed_file(path, feed=feed, encoding=encoding)
    members = registry_members(engine)
    try:
        with progress_bar() as bar:
            task = bar.add_task(f"{feed} {period} {path.name}", total=None)
            return import_feed(
                source,
                engine=engine,
                feed=feed,
                period=period,
                members=members,
                feeds_dir=store / "feeds",
                reports_dir=store / "reports",
                progress=lambda rows: bar.update(task, completed=rows),
                replaces=replaces,
            )
    except OverlapError as err:
        batch = err.overlaps[0].batch_id
        raise UserError(
            err.message,
            hint=f"{err.hint}:\n  bottomline import supersede {batch} {path} --as USER\n"
            f"  bottomline import withdraw {batch} --reason 误发 --as USER",
        ) from None


def print_report(report: ImportReport) -> None:
    """The reconciliation, the reasons and where the reports are."""
    if report.status == "already_imported":
        console.print(
            f"[yellow]该文件已导入过 / already imported[/yellow] as batch {report.batch_id} "
            f"({report.feed} {report.period}): nothing changed"
        )
    console.print(
        f"[bold]{report.rows_in:,}[/bold] rows in = [green]{report.accepted:,} accepted[/green] "
        f"+ [red]{report.rejected:,} rejected[/red] + [yellow]{report.unmatched:,} not in the "
        f"registry[/yellow] (of which {report.needs_confirmation:,} need confirmation)"
    )
    if report.reasons:
        table = Table(title="退回原因 / why rows were rejected")
        for title in ("列 / column", "原因", "reason", "行 / rows"):
            table.add_column(title, justify="right" if title.startswith("行") else "left")
        for reason in report.reasons[:12]:
            table.add_row(reason.column or "—", reason.zh, reason.en, f"{reason.rows:,}")
        console.print(table)
    for warning in report.warnings:
        console.print(f"[yellow]! {warning}[/yellow]")
    if report.ignored_columns:
        console.print(
            f"[dim]未使用的列 / columns not used: {'、'.join(report.ignored_columns)}[/dim]"
        )
    if report.skipped_sheets:
        console.print(
            f"[dim]跳过的工作表 / sheets without the header: {'、'.join(report.skipped_sheets)}[/dim]"
        )
    for label, path in (("rejects", report.rejects), ("unmatched", report.unmatched_report)):
        if path is not None:
            console.print(f"{label}: {path}")


def batch_status(batch: IngestBatch) -> str:
    """A batch's status in both languages, with the batch that superseded it."""
    status = BatchStatus(batch.status)
    text = f"{status.zh} / {status.value}"
    if batch.superseded_by is not None:
        text += f" → {batch.superseded_by}"
    return text


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    @import_app.command("feed")
    def import_feed_command(
        file: Annotated[Path, typer.Argument(help="The department's CSV, XLSX or Parquet file.")],
        feed: Annotated[str, typer.Option(help=f"Feed: {', '.join(FEEDS)}.")],
        period: Annotated[str, typer.Option(help="The month the data is for, YYYY-MM.")],
        encoding: Annotated[
            str | None,
            typer.Option(help="CSV encoding if detection is wrong: utf-8, gb18030, utf-16."),
        ] = None,
    ) -> None:
        """部门数据 / Import one department file as a batch: validated, matched, reconciled."""
        from bottomline.ingest.actions import feed_named, parse_period

        spec, period = feed_named(feed), parse_period(period)
        engine = open_store()
        start = step(f"导入 / importing {file.name} as {spec.label}, {period}")
        report = import_one(
            file,
            engine=engine,
            feed=feed,
            period=period,
            encoding=encoding,
            store=get_settings().data_dir,
        )
        done(start, f"batch {report.batch_id}")
        print_report(report)

    @import_app.command("batches")
    def batches_command(
        feed: Annotated[str | None, typer.Option(help="Only this feed.")] = None,
        period: Annotated[str | None, typer.Option(help="Only this month, YYYY-MM.")] = None,
        limit: Annotated[int, typer.Option(min=1)] = 30,
    ) -> None:
        """批次 / List import batches, newest first, with their reconciliation."""
        from bottomline.ingest.actions import feed_named, parse_period
        from bottomline.ingest.queries import list_batches

        if feed is not None:
            feed_named(feed)
        with Session(open_store()) as session:
            batches = list_batches(
                session=session, feed=feed, period=period and parse_period(period), limit=limit
            )
            table = Table(title="导入批次 / import batches")
            for title in (
                "id",
                "feed",
                "period",
                "状态 status",
                "file",
                "in",
                "accepted",
                "rejected",
                "unmatched",
            ):
                table.add_column(title)
            for b in batches:
                table.add_row(
                    str(b.id),
                    b.feed,
                    b.period,
                    batch_status(b),
                    b.source_name,
                    f"{b.rows_in:,}",
                    f"{b.accepted:,}",
                    f"{b.rejected:,}",
                    f"{b.unmatched:,}",
                )
        console.print(table)
