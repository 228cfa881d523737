"""Reading the export: its headers mapped to the catalogue, every cell converted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bottomline.errors import InputFileError
from bottomline.registry.national_export import (
    COLUMNS,
    EXPORT_COLUMNS,
    ExportColumn,
    RejectCode,
    header_index,
    read_cells,
)
from bottomline.registry.snapshot import Progress  # (stage, done, total or 0)
from bottomline.sources import Source

MIN_KNOWN_HEADERS = 3
# Rows converted at once: a workbook's sheet is in memory whole anyway, so it is read in one
# piece (CSV comes in blocks of ``sources.BLOCK_BYTES`` whatever this says).
READ_CHUNK_ROWS = 1 << 22


EXPORT_HINT = (
    "请从全国防返贫监测信息系统导出全部列的家庭成员信息，表头及别名见 docs/registry-import.md / "
    "export 家庭成员信息 from 全国防返贫监测信息系统 with all columns; "
    "docs/registry-import.md lists the headers and their aliases"
)


def map_headers(
    source: Source,
    columns: Sequence[ExportColumn] = EXPORT_COLUMNS,
    index: Mapping[str, ExportColumn] | None = None,
    hint: str = EXPORT_HINT,
) -> dict[str, str]:
    """Catalogue column name -> the file's header; InputFileError when required ones lack.

    ``columns`` and ``index`` (normalised header -> column) are the export's unless given."""
    index = header_index() if index is None else index
    mapping: dict[str, str] = {}
    for header in source.header:
        column = index.get(header)
        if column is None:
            continue
        if column.name in mapping:
            raise InputFileError(
                f"{source.name}：列 {mapping[column.name]!r} 与 {header!r} 都表示{column.header} / "
                f"{source.name}: the columns {mapping[column.name]!r} and {header!r} both "
                f"give {column.header}",
                hint="请只保留其中一列（表头见 docs/registry-import.md） / "
                "keep one of them (docs/registry-import.md lists the headers)",
            )
        mapping[column.name] = header
    missing = [c.header for c in columns if c.required and c.name not in mapping]
    if missing:
        raise InputFileError(
            f"{source.name} 缺少必需的列 {'、'.join(missing)} / "
            f"{source.name} lacks the required columns {'、'.join(missing)}",
            hint=hint,
        )
    return mapping


class Problem(NamedTuple):
    row: int  # index into the file's rows (not the row number)
    column: str  # catalogue name, or "" for the row as a whole
    code: RejectCode
    detail: str = ""  # extra words for the report, e.g. the rows of a duplicate


@dataclass(slots=True)
class Rows:
    """The file's rows: converted values, the trimmed text, where they are, what is wrong."""

    values: dict[str, pa.Array]
    text: dict[str, pa.Array]
    bad: dict[str, np.ndarray]  # per column: the cell could not be read
    headers: dict[str, str]  # catalogue name -> the file's header
    row_numbers: np.ndarray
    sheets: list[str | None]
    problems: list[Problem]
    malformed: list[tuple[int, str | None, str, str]]  # row number, sheet, zh, en

    @property
    def count(self) -> int:
        return len(self.row_numbers)


def read_rows(
    source: Source,
    mapping: dict[str, str],
    progress: Progress | None,
    columns: Mapping[str, ExportColumn] = COLUMNS,
) -> Rows:
    """Every row of ``source``: the cells of the ``mapping``'s columns, read as ``columns``
    (the export's catalogue unless given) declares them."""
    values: dict[str, list[pa.Array]] = {name: [] for name in mapping}
    texts: dict[str, list[pa.Array]] = {name: [] for name in mapping}
    bad: dict[str, list[np.ndarray]] = {name: [] for name in mapping}
    numbers: list[np.ndarray] = []
    sheets: list[str | None] = []
    problems: list[Problem] = []
    malformed: list[tuple[int, str | None, str, str]] = []
    offset = 0
    for chunk in source.chunks(rows=READ_CHUNK_ROWS):
        malformed += [(m.row, chunk.sheet, m.reason_zh, m.reason_en) for m in chunk.malformed]
        for name, header in mapping.items():
            cells = pc.utf8_trim_whitespace(chunk.table.column(header).combine_chunks())
            converted, masks = read_cells(columns[name], cells)
            any_bad = np.zeros(len(cells), dtype=bool)
            for mask, code in masks:
                problems += [Problem(offset + int(i), name, code) for i in np.flatnonzero(mask)]
                any_bad |= mask
            values[name].append(converted)
            texts[name].append(cells)
            bad[name].append(any_bad)
        numbers.append(chunk.row_numbers)
        sheets += [chunk.sheet] * chunk.table.num_rows
        offset += chunk.table.num_rows
        if progress:
            progress("read", offset + len(malformed), 0)
    return Rows(
        values={n: _concat(parts, columns[n].arrow_type) for n, parts in values.items()},
        text={n: _concat(parts, pa.string()) for n, parts in texts.items()},
        bad={n: np.concatenate(parts) if parts else np.zeros(0, bool) for n, parts in bad.items()},
        headers=mapping,
        row_numbers=np.concatenate(numbers) if numbers else np.zeros(0, np.int64),
        sheets=sheets,
        problems=problems,
        malformed=malformed,
    )


def _concat(parts: list[pa.Array], kind: pa.DataType) -> pa.Array:
    if len(parts) == 1:
        return parts[0]
    return pa.concat_arrays(parts) if parts else pa.array([], kind)
