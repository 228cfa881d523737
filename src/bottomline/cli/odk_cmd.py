"""``bottomline odk form`` and ``bottomline import visits``: offline home visits with ODK."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bottomline.cli.params import AsOpt
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
    done(start, f"{path}（XForm {len(xml):,} 字符，校验通过 / {len(xml):,} characters, valid)")
    console.print(
        "在 ODK Central 上传：表单 → 新建 → 选择该文件 / "
        "upload it in ODK Central: Forms → New → choose the file"
    )


def import_visits_cmd(
    file: Annotated[
        Path, typer.Argument(help="ODK Central export: Submissions .csv, .zip or .json.")
    ],
    acting: AsOpt = None,
    policies: Annotated[
        Path, typer.Option("--policies", help="Directory of policy TOML files.")
    ] = Path("policies"),
) -> None:
    """导入走访记录 / Import ODK home visits: visits recorded, leads raised, rows reconciled."""
    from bottomline.cases.odk.importer import import_visits
    from bottomline.cases.odk.submissions import read_submissions
    from bottomline.cli.credentials import acting as acting_user
    from bottomline.config import get_settings
    from bottomline.db import open_store, write_scope
    from bottomline.policy import load_directory
    from bottomline.policy.resolve import index_documents

    index = index_documents(load_directory(policies))
    start = step(f"读取 / reading {file.name}")
    parsed = read_submissions(file)
    done(start, f"{parsed.rows_in:,} 条提交 / submissions ({parsed.format})")
    engine = open_store()
    with write_scope(engine) as session:
        actor = acting_user(session, acting)
        report = import_visits(
            session,
            parsed,
            source=file,
            actor=actor,
            policies=index,
            reports_dir=get_settings().data_dir / "reports",
        )
    console.print(
        f"第 {report.import_id} 次导入：读入 {report.rows_in:,} 行 = 记录 {report.recorded:,} + "
        f"已导入过 {report.already_imported:,} + 拒收 {report.rejected:,} + 审核退回 "
        f"{report.skipped:,} + 未匹配 {report.unmatched:,}；生成线索 {report.leads_raised:,} 条 / "
        f"import #{report.import_id}: {report.rows_in:,} rows in = {report.recorded:,} recorded "
        f"+ {report.already_imported:,} already imported + {report.rejected:,} rejected "
        f"+ {report.skipped:,} skipped (rejected in review) + {report.unmatched:,} not matched; "
        f"{report.leads_raised:,} lead(s) raised"
    )
    for note in (*parsed.notices, *(f"未读取 / not read: {name}" for name in parsed.ignored)):
        console.print(f"  注意 / note: {note}")
    if report.report_path:
        console.print(f"拒收报告 / rejects report: {report.report_path / 'rejects.csv'}")
