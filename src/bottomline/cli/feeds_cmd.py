"""``bottomline import feed`` and ``bottomline import batches``: department data in.

``import feed`` takes one file or a month's files (several files, folders, patterns) in one
process: the store is opened and the registry's members read once, then every file is its own
batch (validated, matched, reconciled, reported, refused when it overlaps a committed batch);
one file's failure does not stop the others, and the exit code says whether any failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from bottomline.cli.feed_files import FeedFile, feed_files, feed_for, period_for
from bottomline.cli.params import AsOpt
from bottomline.cli.ui import console, done, print_error, progress_bar, step
from bottomline.errors import BottomlineError, UserError
from bottomline.ingest.catalogue import FEEDS
from bottomline.ingest.enums import BatchStatus

if TYPE_CHECKING:  # ingest's actions pull in pyarrow, duckdb and pandas: imported when they run
    from sqlalchemy import Engine

    from bottomline.ingest.actions import ImportReport
    from bottomline.ingest.batches import Replacement
    from bottomline.ingest.match import MemberIndex
    from bottomline.ingest.models import IngestBatch
    from bottomline.users.actor import Actor


def require_registry(engine: Engine) -> None:
    """Department rows are matched against the registry: an empty one is refused."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from bottomline.registry.models import Member

    with Session(engine) as session:
        if not session.scalar(select(func.count()).select_from(Member)):
            raise UserError(
                "监测对象库为空，部门数据无法匹配任何人 / the registry is empty: department rows "
                "would match nobody",
                hint="先导入监测对象库 / import the registry first: bottomline import registry FILE",
            )


def import_one(
    path: Path,
    *,
    engine: Engine,
    actor: Actor,
    feed: str,
    period: str,
    encoding: str | None,
    store: Path,
    members: MemberIndex | None = None,
    replaces: Replacement | None = None,
) -> ImportReport:
    """Import one file with a progress bar, matched against ``members`` (read from the store
    when not given; the caller checks the registry is not empty).

    A file overlapping a committed batch is refused with the commands that resolve it.
    """
    from bottomline.ingest.actions import import_feed, open_feed_file, registry_members
    from bottomline.ingest.batches import OverlapError

    source = open_feed_file(path, feed=feed, encoding=encoding)
    if members is None:
        members = registry_members(engine)
    try:
        with progress_bar() as bar:
            task = bar.add_task(f"{feed} {period} {path.name}", total=None)
            return import_feed(
                source,
                engine=engine,
                actor=actor,
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


@dataclass(slots=True)
class Outcome:
    """What became of one file: its batch's report, or why it was not imported."""

    path: Path
    feed: str = ""
    period: str = ""
    report: ImportReport | None = None
    error: BottomlineError | None = None


@dataclass(slots=True)
class FeedRun:
    """One ``import feed``: the store, the options, the registry's members read once."""

    engine: Engine
    actor: Actor
    store: Path
    feed: str | None
    period: str | None
    encoding: str | None
    _members: MemberIndex | None = None

    def members(self) -> MemberIndex:
        from bottomline.ingest.actions import registry_members

        if self._members is None:
            self._members = registry_members(self.engine)
        return self._members


def import_files(files: list[FeedFile], run: FeedRun) -> list[Outcome]:
    """Every file its own batch, in turn; an error is the file's outcome, printed as it comes."""
    outcomes = []
    for i, entry in enumerate(files, start=1):
        outcome = Outcome(entry.path)
        if len(files) > 1:
            console.print(f"[dim]({i}/{len(files)}) {entry.path}[/dim]")
        try:
            if entry.problem is not None:
                raise entry.problem
            _import_file(entry.path, run, outcome)
        except BottomlineError as err:
            outcome.error = err
            print_error(err)
        outcomes.append(outcome)
    return outcomes


def _import_file(path: Path, run: FeedRun, outcome: Outcome) -> None:
    from bottomline.ingest.actions import feed_named

    outcome.feed, feed_from = feed_for(path, given=run.feed, encoding=run.encoding)
    outcome.period, period_from = period_for(path, given=run.period)
    spec = feed_named(outcome.feed)
    start = step(f"导入 / importing {path.name} as {spec.label}, {outcome.period}")
    guessed = [
        f"{what} ← {where}"
        for what, where in (("feed", feed_from), ("period", period_from))
        if where
    ]
    if guessed:
        console.print(f"  [dim]{' · '.join(guessed)}[/dim]")
    outcome.report = import_one(
        path,
        engine=run.engine,
        actor=run.actor,
        feed=outcome.feed,
        period=outcome.period,
        encoding=run.encoding,
        store=run.store,
        members=run.members(),
    )
    done(start, f"批次 / batch {outcome.report.batch_id}")
    print_report(outcome.report)


def print_report(report: ImportReport) -> None:
    """The reconciliation, the reasons and where the reports are."""
    if report.status == "already_imported":
        console.print(
            f"[yellow]该文件已导入过 / already imported[/yellow] as batch {report.batch_id} "
            f"({report.feed} {report.period}): nothing changed"
        )
    console.print(
        f"行数核对 / [bold]{report.rows_in:,}[/bold] rows in = [green]{report.accepted:,} accepted[/green] "
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


def print_summary(outcomes: list[Outcome]) -> None:
    """One line per file and the totals: every file and every row accounted for."""
    table = Table(title="导入结果 / what became of each file")
    for title in ("文件 file", "feed", "period", "batch", "结果 result"):
        table.add_column(title, overflow="fold")
    for title in ("in", "accepted", "rejected", "unmatched"):
        table.add_column(title, justify="right")
    for o in outcomes:
        r = o.report
        counts = (
            [f"{n:,}" for n in (r.rows_in, r.accepted, r.rejected, r.unmatched)] if r else ["—"] * 4
        )
        batch = str(r.batch_id) if r else "—"
        table.add_row(str(o.path), o.feed or "—", o.period or "—", batch, _result(o), *counts)
    console.print(table)
    new = [o.report for o in outcomes if o.report and o.report.status == "committed"]
    again = sum(1 for o in outcomes if o.report and o.report.status == "already_imported")
    failed = sum(1 for o in outcomes if o.error is not None)
    rows = [
        sum(getattr(r, k) for r in new) for k in ("rows_in", "accepted", "rejected", "unmatched")
    ]
    console.print(
        f"[bold]{len(outcomes)}[/bold] 个文件 / files: [green]{len(new)} 已入库 committed[/green]"
        f" ({rows[0]:,} rows in = {rows[1]:,} accepted + {rows[2]:,} rejected + {rows[3]:,} not "
        f"in the registry), {again} 已导入过 already imported (nothing changed), "
        + (
            f"[red]{failed} 失败 failed[/red] (nothing imported from them)"
            if failed
            else "0 failed"
        )
    )


def _result(outcome: Outcome) -> str:
    if outcome.error is not None:
        return "[red]失败 / failed[/red]"
    assert outcome.report is not None
    if outcome.report.status == "already_imported":
        return "[yellow]已导入过 / already imported[/yellow]"
    return "[green]已入库 / committed[/green]"


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    @import_app.command("feed")
    def import_feed_command(
        files: Annotated[
            list[Path],
            typer.Argument(
                help="Department files (CSV, XLSX, Parquet), folders of them, or patterns: "
                "each file its own batch.",
                show_default=False,
            ),
        ],
        as_: AsOpt = None,
        feed: Annotated[
            str | None,
            typer.Option(
                help=f"Feed of every file: {', '.join(FEEDS)}. Default: each file's, from its "
                "name or header."
            ),
        ] = None,
        period: Annotated[
            str | None,
            typer.Option(
                help="The month every file is for, YYYY-MM. Default: each file's, from the month "
                "in its name or its folder's (2025-10, 202510, 2025年10月)."
            ),
        ] = None,
        encoding: Annotated[
            str | None,
            typer.Option(help="CSV encoding if detection is wrong: utf-8, gb18030, utf-16."),
        ] = None,
    ) -> None:
        """部门数据 / Import department files, each its own batch: validated, matched, reconciled.

        One file, several, or a folder (a month's files): every file is checked, reconciled
        and reported on its own, and a file that fails does not stop the others; the exit code
        is 2 when any file failed.
        """
        from bottomline.cli.credentials import acting
        from bottomline.config import get_settings
        from bottomline.db import open_store, session_scope
        from bottomline.ingest.actions import feed_named
        from bottomline.ingest.catalogue import parse_period

        if feed is not None:
            feed_named(feed)
        if period is not None:
            period = parse_period(period)
        store = get_settings().data_dir
        entries = feed_files(files, skip=store)
        engine = open_store()
        with session_scope(engine) as session:
            actor = acting(session, as_)
        require_registry(engine)
        run = FeedRun(engine, actor, store, feed, period, encoding)
        outcomes = import_files(entries, run)
        if len(outcomes) > 1:
            print_summary(outcomes)
        if any(o.error is not None for o in outcomes):
            raise typer.Exit(2)

    @import_app.command("batches")
    def batches_command(
        feed: Annotated[str | None, typer.Option(help="Only this feed.")] = None,
        period: Annotated[str | None, typer.Option(help="Only this month, YYYY-MM.")] = None,
        limit: Annotated[int, typer.Option(min=1)] = 30,
    ) -> None:
        """批次 / List import batches, newest first, with their reconciliation."""
        from sqlalchemy.orm import Session

        from bottomline.db import open_store
        from bottomline.ingest.actions import feed_named
        from bottomline.ingest.catalogue import parse_period
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
