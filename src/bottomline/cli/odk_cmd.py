"""``bottomline odk form`` and ``bottomline import visits``: offline home visits with ODK."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bottomline.cli.ui import console, done, step

odk_app = typer.Typer(
    help="ODK 离线走访 / offline home visits with ODK Collect.", no_args_is_help=True
)


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    app.add_typer(odk_app, name="odk")
    odk_app.command("form")(form)
    import_app.command("visits")(import_visits_cmd)


def form(
    out: Annotated[Path, typer.Argument(help="Where to write the XLSForm (.xlsx).")] = Path(
        "bottomline_home_visit.xlsx"
    ),
) -> None:
    """生成走访表单 / Write the home-visit XLSForm for ODK Central, validated with pyxform."""
    from bottomline.cases.odk.form import FORM_ID, FORM_VERSION, build_form, validate_form

    start = step(f"生成 XLSForm / building form {FORM_ID} version {FORM_VERSION}")
    path = build_form(out)
    xml = validate_form(path)
    done(start, f"{path} (XForm {len(xml):,} characters, valid)")
    console.print("upload it in ODK Central: Forms → New → choose the file")


def import_visits_cmd(
    file: Annotated[
        Path, typer.Argument(help="ODK Central export: Submissions .csv, .zip or .json.")
    ],
    acting: Annotated[str, typer.Option("--as", help="The importing user (user name).")],
    policies: Annotated[
        Path, typer.Option("--policies", help="Directory of policy TOML files.")
    ] = Path("policies"),
) -> None:
    """导入走访记录 / Import ODK home visits: visits recorded, leads raised, rows reconciled."""
    from bottomline.cases.odk.importer import import_visits
    from bottomline.cases.odk.submissions import read_submissions
    from bottomline.config import get_settings
    from bottomline.db import open_store, write_scope
    from bottomline.policy import load_directory
    from bottomline.policy.resolve import index_documents
    from bottomline.users.queries import actor_named

    index = index_documents(load_directory(policies))
    start = step(f"读取 / reading {file.name}")
    parsed = read_submissions(file)
    done(start, f"{parsed.rows_in:,} submissions ({parsed.format})")
    engine = open_store()
    with write_scope(engine) as session:
        actor = actor_named(session, acting)
        report = import_visits(
            session,
            parsed,
            source=file,
            actor=actor,
            policies=index,
            reports_dir=get_settings().data_dir / "reports",
        )
    console.print(
        f"import #{report.import_id}: {report.rows_in:,} rows in = {report.recorded:,} recorded "
        f"+ {report.already_imported:,} already imported + {report.rejected:,} rejected "
        f"+ {report.skipped:,} skipped (rejected in review) + {report.unmatched:,} not matched; "
        f"{report.leads_raised:,} lead(s) raised"
    )
    for note in (*parsed.notices, *(f"not read: {name}" for name in parsed.ignored)):
        console.print(f"  note: {note}")
    if report.report_path:
        console.print(f"rejects report: {report.report_path / 'rejects.csv'}")
