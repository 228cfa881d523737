"""A synthetic population as the national monitoring system's member export (for tests and demos).

One row per member with the household's fields repeated, the headers and wording of
``registry.national_export``, and a title row above the header as the system writes it. XLSX
is written with xlsxwriter in constant-memory mode (one sheet), which stores text as inline
strings — openpyxl reads those about twice as slowly as the shared strings Excel writes, so do
not time the importer on it. A ``.csv`` path gives the same rows as UTF-8 CSV with a BOM, much
quicker to write and read for large tests.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import xlsxwriter

from bottomline.registry.divisions import ancestors
from bottomline.registry.enums import RegionLevel
from bottomline.registry.national_export import (
    ETHNIC_GROUPS,
    EXPORT_COLUMNS,
    TITLE,
    ExportColumn,
)
from bottomline.synth.population import Population

NUMBERS = frozenset({"poverty_exit_year", "migrant_months"})  # written as numbers in XLSX


def write_registry_export(pop: Population, path: Path, *, title_row: bool = True) -> int:
    """Write ``pop``'s households and members as the export at ``path``; returns the data rows."""
    table = export_table(pop)
    header = [column.header for column in EXPORT_COLUMNS]
    title = f"{TITLE}（{_scope(pop)}）" if title_row else None
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        _write_csv(table, path, header, title)
    else:
        _write_xlsx(table, path, header, title)
    return table.num_rows


def export_table(pop: Population) -> pa.Table:
    """The export's rows as text (numbers stay integers), columns named by the catalogue."""
    members = pop.tables["members"].sort_by(
        [("household_id", "ascending"), ("member_id", "ascending")]
    )
    households = pop.tables["households"]
    at = pc.index_in(members["household_id"], value_set=households["household_id"])
    home = households.take(at)
    places = _places(pop, home["village_code"])
    head = pc.equal(members["relationship"], "head")
    heads = pc.filter(members, head)
    head_at = pc.index_in(members["household_id"], value_set=heads["household_id"])
    columns: dict[str, pa.Array] = {}
    for column in EXPORT_COLUMNS:
        if column.name in places:
            values = places[column.name]
        elif column.name == "head_name":
            values = heads["name"].take(head_at)
        elif column.level == "household":
            values = home[column.name]
        elif column.name == "public_welfare_job":
            values = pa.repeat(pa.scalar(False), members.num_rows)
        else:
            values = members[column.name]
        columns[column.name] = _worded(column, values)
    return pa.table(columns)


def _worded(column: ExportColumn, values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Stored values as the national system writes them."""
    if column.kind == "ethnicity":
        names = {code: name for name, code in ETHNIC_GROUPS.items()}
        return _mapped(values, names)
    if column.codes:
        wording = {value: column.wording(value) for value in set(column.codes.values())}
        return _mapped(values, {k: v for k, v in wording.items() if k is not None})
    if column.name in NUMBERS:
        return pc.cast(values, pa.int64())
    if column.kind == "date":
        return pc.strftime(pc.cast(values, pa.timestamp("s")), format="%Y-%m-%d")
    return pc.cast(values, pa.string())


def _mapped(values: pa.Array | pa.ChunkedArray, mapping: Mapping[Any, str]) -> pa.Array:
    keys = list(mapping)
    index = pc.index_in(pc.cast(values, pa.array(keys).type), value_set=pa.array(keys))
    return pa.array(list(mapping.values()), pa.string()).take(index)


def _places(pop: Population, villages: pa.ChunkedArray) -> dict[str, pa.Array]:
    """Province, city, county, township and village names of each row's village code."""
    regions = pop.tables["regions"]
    names = dict(zip(regions["code"].to_pylist(), regions["name"].to_pylist(), strict=True))
    counties = {code: _upper_names(code) for code in pop.county_codes}
    codes = villages.to_pylist()
    upper = [counties[code[:6] + "000000"] for code in codes]
    return {
        "province_name": pa.array([u[RegionLevel.province] for u in upper]),
        "city_name": pa.array([u.get(RegionLevel.city, "") for u in upper]),
        "county_name": pa.array([u[RegionLevel.county] for u in upper]),
        "township_name": pa.array([names[code[:9] + "000"] for code in codes]),
        "village_name": pa.array([names[code] for code in codes]),
    }


def _upper_names(county: str) -> dict[RegionLevel, str]:
    return {RegionLevel(d.level): d.name for d in ancestors(county)}


def _scope(pop: Population) -> str:
    names = [ancestors(code)[0].name for code in pop.county_codes[:3]]
    return "、".join(names) + ("等" if len(pop.county_codes) > 3 else "")


def _rows(table: pa.Table) -> Iterator[tuple[object, ...]]:
    for batch in table.to_batches(max_chunksize=50_000):
        yield from zip(*(column.to_pylist() for column in batch.columns), strict=True)


def _write_xlsx(table: pa.Table, path: Path, header: list[str], title: str | None) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("家庭成员")
    row = 0
    if title:
        sheet.write_string(0, 0, title)
        row = 1
    sheet.write_row(row, 0, header)
    for values in _rows(table):
        row += 1
        for col, value in enumerate(values):
            if isinstance(value, int):
                sheet.write_number(row, col, value)
            elif value:
                sheet.write_string(row, col, value)
    book.close()


def _write_csv(table: pa.Table, path: Path, header: list[str], title: str | None) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        if title:
            writer.writerow([title])
        writer.writerow(header)
        for values in _rows(table):
            writer.writerow("" if v is None else v for v in values)
