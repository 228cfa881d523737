"""Finding and reading a file's income columns: the export's member rows or a sheet of their own."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bottomline.errors import InputFileError
from bottomline.regions import NATIONAL_CODE
from bottomline.registry.imports.read import Problem, Rows, map_headers, read_rows
from bottomline.registry.incomes.catalogue import (
    COLUMNS,
    FIGURE_NAMES,
    INCOME_FILE_COLUMNS,
    header_index,
    known_headers,
)
from bottomline.registry.national_export import RejectCode, as_mask
from bottomline.registry.snapshot import Progress
from bottomline.sources import Source, open_source

COLLECTION_HINT = (
    "收入采集表需要户编号和各收入列（见 docs/registry-import.md） / "
    "the collection file needs 户编号 and the income columns (docs/registry-import.md lists them)"
)


class IncomeYearMissingError(InputFileError):
    """Income columns and no year: neither a 年度 column nor a year given to the import."""


def income_mapping(source: Source) -> dict[str, str]:
    """The income columns of ``source`` (catalogue name -> header), without 户编号."""
    mapping = map_headers(source, (), header_index())
    mapping.pop("household_no", None)
    return mapping if FIGURE_NAMES & mapping.keys() else {}


def open_income_sheet(
    path: Path, source: Source, encoding: str | None
) -> tuple[Source, dict[str, str]] | None:
    """The sheets of a workbook that hold the income columns apart from the members (收支情况,
    keyed by 户编号), opened a second time; None when it has none."""
    if source.format != "xlsx" or not source.skipped_sheets:
        return None
    try:
        sheet = open_source(
            path, known_headers=known_headers(with_key=False), min_known=2, encoding=encoding
        )
    except InputFileError:
        return None
    mapping = map_headers(sheet, INCOME_FILE_COLUMNS, header_index(), hint=COLLECTION_HINT)
    return (sheet, mapping) if FIGURE_NAMES & mapping.keys() else None


def content_key(source: Source, year: int | None, region: str = NATIONAL_CODE) -> str:
    """What makes two imports the same: the file's content, the year given for its incomes
    (the same file with another year is another import) and the region of the user who
    imports it (what a file changes depends on the households the user reaches)."""
    parts = [source.sha256, *([str(year)] if year is not None else [])]
    parts += [region] if region != NATIONAL_CODE else []
    if len(parts) == 1:
        return source.sha256
    return hashlib.sha256(":".join(parts).encode()).hexdigest()


def require_year(source: Source, mapping: dict[str, str], year: int | None) -> None:
    if "income_year" not in mapping and year is None:
        raise IncomeYearMissingError(
            f"{source.name} 有收入列但没有年度 / has income columns but no year",
            hint="请增加“年度”（收入年度）列，或给出收入所属年度 / "
            "add a column 年度 (收入年度) or give the year of the incomes",
        )


def fill_year(values: dict[str, pa.Array], rows: Rows, year: int | None) -> list[Problem]:
    """``values['income_year']`` with empty cells as ``year``; without ``year`` an empty
    cell is missing (a reject)."""
    given = values.get("income_year", pa.nulls(rows.count, pa.int64()))
    if year is not None:
        values["income_year"] = pc.fill_null(given, year)
        return []
    values["income_year"] = given
    bad = rows.bad.get("income_year", np.zeros(rows.count, dtype=bool))
    empty = as_mask(pc.is_null(given)) & ~bad & any_figure(values, rows.count)
    return [Problem(int(i), "income_year", RejectCode.missing) for i in np.flatnonzero(empty)]


def any_figure(values: dict[str, pa.Array], n: int) -> np.ndarray:
    """Rows that give at least one amount or flag (an empty income section is no record)."""
    given = np.zeros(n, dtype=bool)
    for name in FIGURE_NAMES & values.keys():
        given |= as_mask(pc.is_valid(values[name]))
    return given


def read_income_rows(source: Source, mapping: dict[str, str], progress: Progress | None) -> Rows:
    return read_rows(source, mapping, progress, COLUMNS)


def duplicate_years(rows: Rows, values: dict[str, pa.Array]) -> list[Problem]:
    """Every row of a household and year that the file gives more than once."""
    keys = pc.binary_join_element_wise(
        values["household_no"], pc.cast(values["income_year"], pa.string()), "\x00"
    )
    counts = pc.value_counts(keys.drop_null())
    repeated = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), 1))
    if not len(repeated):
        return []
    where = np.flatnonzero(as_mask(pc.is_in(keys, value_set=repeated)))
    found = pc.take(keys, pa.array(where)).to_pylist()
    seen: dict[str, list[int]] = {}
    for index, key in zip(where, found, strict=True):
        seen.setdefault(key, []).append(int(rows.row_numbers[index]))
    return [
        Problem(int(i), "household_no", RejectCode.duplicate_income, _listed(seen[key]))
        for i, key in zip(where, found, strict=True)
    ]


def _listed(numbers: list[int], limit: int = 10) -> str:
    return "、".join(str(n) for n in numbers[:limit]) + ("…" if len(numbers) > limit else "")


def sizes_by(households: pa.Array, size_of: dict[str, int]) -> np.ndarray:
    """Household size per row from ``size_of`` (0 where unknown)."""
    keys = list(size_of)
    index = pc.index_in(households, value_set=pa.array(keys, pa.string()))
    sizes = pa.array(list(size_of.values()), pa.int64()).take(index)
    return np.asarray(pc.fill_null(sizes, 0).to_numpy(zero_copy_only=False), dtype=float)


def row_counts(households: pa.Array) -> dict[str, int]:
    """Rows per 户编号 (a member file's household sizes)."""
    counts = pc.value_counts(households.drop_null())
    return dict(
        zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True)
    )


def import_day() -> dt.date:
    from bottomline.workdays import today_in_china

    return today_in_china()
