"""The rejects report: every rejected row with its reasons, personal values masked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from bottomline.ids import mask_id, mask_name, mask_phone
from bottomline.registry.imports.check import Checked
from bottomline.registry.imports.read import Problem, Rows
from bottomline.registry.imports.report import reason_labels
from bottomline.registry.incomes.catalogue import COLUMNS as INCOME_COLUMNS
from bottomline.registry.national_export import COLUMNS, ExportColumn, RejectCode, Stored
from bottomline.sources import Source
from bottomline.spreadsheet import REJECT_HEADER, ReportWriter

# One part of a file: its rows, their problems, and the catalogue they were read with.
Part = tuple[Source, Rows, Sequence[Problem], Mapping[str, ExportColumn]]


def write_rejects(
    path: Path, source: Source, rows: Rows, checked: Checked, more: Iterable[Part] = ()
) -> Path:
    """The rejects of the member rows, then of ``more`` parts (e.g. an income sheet)."""
    return write_parts(
        path, [(source, rows, checked.problems, {**COLUMNS, **INCOME_COLUMNS}), *more]
    )


def write_parts(path: Path, parts: Iterable[Part]) -> Path:
    """The rejects report of the parts' problems (and malformed rows)."""
    with ReportWriter(path, REJECT_HEADER) as writer:
        for part_source, part_rows, problems, columns in parts:
            texts: dict[str, list[str]] = {}  # columns as Python lists, made when first needed
            for number, sheet, zh, en in part_rows.malformed:
                writer.write(
                    (part_source.name, sheet or "", number, "", "", RejectCode.malformed, zh, en)
                )
            for problem in problems:
                writer.write(_reject_row(part_source, part_rows, problem, texts, columns))
    return path


def _reject_row(
    source: Source,
    rows: Rows,
    problem: Problem,
    texts: dict[str, list[str]],
    columns: Mapping[str, ExportColumn],
) -> tuple[object, ...]:
    column = columns.get(problem.column)
    header = rows.headers.get(problem.column, column.header if column else "")
    value = ""
    if column is not None and problem.column in rows.text:
        if problem.column not in texts:
            texts[problem.column] = rows.text[problem.column].to_pylist()
        value = mask_value(column, texts[problem.column][problem.row])
    zh, en = describe(problem, column)
    return (
        source.name,
        rows.sheets[problem.row] or "",
        int(rows.row_numbers[problem.row]),
        header,
        value,
        problem.code,
        zh,
        en,
    )


def mask_value(column: ExportColumn, value: str) -> str:
    """A cell as a report may show it: ID numbers, phones, names and addresses masked."""
    if not value or not column.personal:
        return value
    if column.personal == "id":
        return mask_id(value)
    if column.personal == "phone":
        return mask_phone(value)
    if column.personal == "name":
        return mask_name(value)
    return value[:4] + "*"


def describe(problem: Problem, column: ExportColumn | None) -> tuple[str, str]:
    """The reason of one problem in Chinese and English, with its particulars."""
    zh, en = reason_labels(problem.code)
    if problem.code == RejectCode.bad_code and column is not None:
        allowed = _allowed(column)
        return f"{zh}；允许：{allowed}", f"{en}; allowed: {allowed}"
    if problem.code == RejectCode.out_of_range and column is not None and column.bounds:
        low, high = column.bounds
        return f"{zh}（{low}–{high}）", f"{en} ({low}-{high})"
    if problem.code == RejectCode.too_long and column is not None:
        return (
            f"{zh}（最多 {column.max_length} 字）",
            f"{en} (at most {column.max_length} characters)",
        )
    if problem.code == RejectCode.duplicate_id:
        return f"{zh}（第 {problem.detail} 行）", f"{en} (rows {problem.detail})"
    if problem.code == RejectCode.head_count:
        return f"{zh}（本户有 {problem.detail} 名）", f"{en} (this one has {problem.detail})"
    if problem.code in MISMATCHES:
        return f"{zh}（{problem.detail}）", f"{en} ({problem.detail})"
    if problem.code == RejectCode.duplicate_income:
        return f"{zh}（第 {problem.detail} 行）", f"{en} (rows {problem.detail})"
    if problem.code == RejectCode.household_inconsistent and column is not None:
        return f"{zh}：{column.header}", f"{en}: {column.header}"
    return zh, en


MISMATCHES = frozenset(
    {
        RejectCode.transfer_mismatch,
        RejectCode.oop_mismatch,
        RejectCode.net_income_mismatch,
        RejectCode.per_capita_mismatch,
    }
)


def _allowed(column: ExportColumn) -> str:
    if column.kind == "ethnicity":
        return "民族名称（如 汉族）或两位代码（如 01）/ a GB 3304 name or two-digit code"
    first: dict[Stored, str] = {}
    for wording, value in column.codes.items():
        first.setdefault(value, wording)
    return "、".join(first.values())
