"""``bottomline import supersede`` and ``bottomline import withdraw``: a batch taken out of use."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bottomline.cli.feeds_cmd import import_one, print_report, require_registry
from bottomline.cli.params import AsOpt
from bottomline.cli.ui import console, done, step
from bottomline.errors import UserError


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    @import_app.command("supersede")
    def supersede_command(
        batch: Annotated[int, typer.Argument(help="The committed batch the file replaces.")],
        file: Annotated[Path, typer.Argument(help="The corrected CSV, XLSX or Parquet file.")],
        acting: AsOpt = None,
        reason: Annotated[
            str, typer.Option("--reason", help="原因 / why the batch is replaced.")
        ] = "更正后重新报送 / corrected file re-sent",
        encoding: Annotated[
            str | None,
            typer.Option(help="CSV encoding if detection is wrong: utf-8, gb18030, utf-16."),
        ] = None,
    ) -> None:
        """替代批次 / Import a corrected file in place of a committed batch (same feed, month)."""
        from sqlalchemy.orm import Session

        from bottomline.cli.credentials import acting as acting_user
        from bottomline.config import get_settings
        from bottomline.db import open_store
        from bottomline.ingest.batches import Replacement
        from bottomline.ingest.models import IngestBatch

        engine = open_store()
        with Session(engine) as session:
            actor = acting_user(session, acting)
            old = session.get(IngestBatch, batch)
            if old is None:
                raise UserError(
                    f"没有批次 {batch} / there is no batch {batch}",
                    hint="查看批次 / list them with `bottomline import batches`",
                )
            feed, period = old.feed, old.period
        require_registry(engine)
        start = step(f"替代 / superseding batch {batch} ({feed} {period}) with {file.name}")
        report = import_one(
            file,
            engine=engine,
            actor=actor,
            feed=feed,
            period=period,
            encoding=encoding,
            store=get_settings().data_dir,
            replaces=Replacement(batch, actor, reason),
        )
        if report.status == "already_imported":
            done(start, "未作修改 / nothing changed")
        else:
            done(
                start,
                f"批次 {report.batch_id} 替代批次 {batch} / "
                f"batch {report.batch_id} replaces batch {batch}",
            )
        print_report(report)

    @import_app.command("withdraw")
    def withdraw_command(
        batch: Annotated[int, typer.Argument(help="The committed batch sent by mistake.")],
        reason: Annotated[str, typer.Option("--reason", help="原因 / why it is withdrawn.")],
        acting: AsOpt = None,
    ) -> None:
        """撤回批次 / Withdraw a batch sent by mistake: no longer read, its file kept for audit."""
        from sqlalchemy.orm import Session

        from bottomline.cli.credentials import acting as acting_user
        from bottomline.config import get_settings
        from bottomline.db import open_store
        from bottomline.ingest.batches import withdraw_batch

        engine = open_store()
        with Session(engine) as session:
            actor = acting_user(session, acting)
        withdrawn = withdraw_batch(
            engine=engine,
            actor=actor,
            batch_id=batch,
            reason=reason,
            feeds_dir=get_settings().data_dir / "feeds",
        )
        console.print(
            f"批次 {withdrawn.id}（{withdrawn.feed} {withdrawn.period}）已撤回 / batch "
            f"{withdrawn.id} ({withdrawn.feed} {withdrawn.period}) withdrawn: its rows are no "
            "longer read; the file is kept for audit"
        )
