"""The clue queue as an Excel workbook for officials: masked, formula cells defused.

A row carries what :class:`~bottomline.cases.clues.queries.ClueRow` carries — the head's name
masked, never an ID number, phone, bank account or health detail (the row type has no field
for them).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import xlsxwriter

from bottomline.cases.clues.queries import ClueRow
from bottomline.cases.enums import Channel
from bottomline.labels import LabelledEnum
from bottomline.screening.enums import Category, RiskType, Triage
from bottomline.spreadsheet import safe_cell

HEADER = (
    "线索编号 clue",
    "户编号 household",
    "户主 head",
    "乡镇 township",
    "村 village",
    "监测类型 category",
    "风险类型 risk types",
    "来源 channel",
    "日期 day",
    "状态 status",
    "规则 rules",
    "理由 reasons",
    "在办案件 case",
)


def write_clues(path: Path, rows: Iterable[ClueRow]) -> int:
    """Write the rows to ``path`` (renamed into place when complete); returns the row count."""
    partial = path.with_name(path.name + ".partial")
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(partial), {"constant_memory": True})
    try:
        sheet = book.add_worksheet("线索 clues")
        sheet.freeze_panes(1, 0)
        sheet.write_row(0, 0, HEADER)
        count = 0
        for count, row in enumerate(rows, start=1):
            sheet.write_row(count, 0, [safe_cell(v) for v in _cells(row)])
    finally:
        book.close()
    os.replace(partial, path)
    return count


def _cells(row: ClueRow) -> list[object]:
    return [
        row.id,
        row.household_no,
        row.head,
        row.township,
        row.village,
        _label(Category, row.category),
        "、".join(_label(RiskType, r) for r in row.risk_types),
        _label(Channel, row.channel),
        row.reported_on.isoformat(),
        _label(Triage, row.triage),
        "、".join(row.rules),
        "；".join(row.reasons),
        row.active_case or "",
    ]


def _label(enum: type[LabelledEnum], value: str | None) -> str:
    known = {m.value: m.zh for m in enum}
    return known.get(value, value) if value else ""
