"""The CLI's own hints for domain errors, by the error's ``reason`` (``bottomline.errors``).

A domain message says in domain words what is missing ("name the visitor"); here the CLI says
which command or option supplies it (``--visitor NAME``). An error whose reason is listed shows
this hint in place of the domain's; any other error shows the domain's hint as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

HINTS: Final[Mapping[str, str]] = MappingProxyType(
    {
        # Raised by domain functions (the reason= of their error).
        "campaign_needs_since": "给出 --since 日期，例如 --since 2025-11-01（当日或之后消除风险的户） / "
        "give --since DATE, e.g. --since 2025-11-01 (households eliminated on or after that day)",
        "case_needs_evidence": "每项以 --evidence 键=值 给出 / give each as --evidence key=value",
        "case_needs_reason": "说明理由 / say why, e.g. --reason '户主主动申请撤回'",
        "clue_not_found": "查看线索 / list clues with `bottomline clue list`",
        "exit_rules_need_policies": "给出 --policies 政策目录 / pass --policies DIR",
        "feed_files_unreadable": "用 `bottomline import` 重新导入该数据，或移走损坏的文件 / "
        "re-import the feed with `bottomline import` or move the damaged file away",
        "file_encoding": "请用 --encoding 指明编码（utf-8、gb18030 或 utf-16），或用 Excel 或 WPS "
        "另存为 CSV UTF-8 / state the encoding with --encoding (utf-8, gb18030 or utf-16), or "
        "save the file as CSV UTF-8 from Excel or WPS",
        "lead_already_open": "研判那条线索即可 / triage that one instead (`bottomline clue list`)",
        "measure_not_found": "用 `bottomline case show` 查看该户的帮扶措施 / "
        "a household's measures are listed by `bottomline case show`",
        "objection_needs_resolution": "给出 --resolution 处理结果 / give --resolution TEXT",
        "registry_empty": "请先导入登记库（`bottomline import registry FILE`，或用 `bottomline demo` "
        "生成模拟县），并检查 BOTTOMLINE_DATA_DIR / BOTTOMLINE_DATABASE_URL 所指的数据库 / "
        "load the registry first (`bottomline import registry FILE`, or `bottomline demo` for a "
        "synthetic county) and check the store in BOTTOMLINE_DATA_DIR / BOTTOMLINE_DATABASE_URL",
        "snapshot_missing": "请先导出快照（`bottomline screen` 会从数据库导出），或让 --snapshot "
        "指向 `bottomline generate` 或数据库导出所写的目录 / export a snapshot first "
        "(`bottomline screen` does it from the store), or point --snapshot at a directory "
        "written by `bottomline generate` or a store export",
        "user_not_found": "用 `bottomline user list` 查看用户，用 `bottomline user add` 添加 / "
        "list users with `bottomline user list`, add one with `bottomline user add`",
        "visit_needs_visitor": "给出 --visitor 姓名 / give --visitor NAME",
        # A case move's guard that failed (its name in cases.guards).
        "has_measure": "先用 `bottomline measure add` 添加帮扶措施 / "
        "add one with `bottomline measure add` first",
        "home_visit_signed": "用 `bottomline visit add … --signed` 记录走访，或用 "
        "`bottomline import visits` 导入 ODK 走访记录 / record it with "
        "`bottomline visit add … --signed`, or import the ODK submissions with "
        "`bottomline import visits`",
        "objections_resolved": "用 `bottomline objection resolve` 处理异议 / "
        "resolve them with `bottomline objection resolve`",
        "on_notice": "用 `bottomline notice publish` 发布本村公示 / "
        "publish the village's notice with `bottomline notice publish`",
    }
)


def cli_hint(reason: str | None, default: str | None = None) -> str | None:
    """The CLI's hint for an error of ``reason``, else ``default`` (the domain's hint)."""
    return HINTS.get(reason, default) if reason else default
