"""Write households and members as the national system's member export (家庭成员信息).

One row per member with the household's fields repeated, the headers and wording of
``registry.national_export`` and the income columns of ``registry.incomes.catalogue``, a title
row above the header as the system writes it — the layout ``registry.imports`` reads. The
values come as tables of registry values (the store's or a synthetic population's): both the
synthetic export (``synth.registry_export``) and the export for the national system
(``cases.national``) are written here.

XLSX is written with xlsxwriter in constant-memory mode (one sheet), which stores text as inline
strings — openpyxl reads those about twice as slowly as the shared strings Excel writes, so do
not time the importer on it. A ``.csv`` path gives the same rows as UTF-8 CSV with a BOM.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import xlsxwriter

from bottomline.registry.columns import MONEY_COLUMNS, TRANSFER_COLUMNS
from bottomline.registry.divisions import ancestors
from bottomline.registry.enums import RegionLevel
from bottomline.registry.incomes.catalogue import AMOUNTS, GUARANTEE_FIELDS, GUARANTEES, YEAR
from bottomline.registry.models import CENT
from bottomline.registry.national_export import ETHNIC_GROUPS, EXPORT_COLUMNS, ExportColumn

# The income columns written: every amount but 合规自付支出 (the items are given), the
# guarantees, the year.
INCOME_EXPORT = (YEAR, *(c for c in AMOUNTS if c.name != "oop_total"), *GUARANTEES)
HEADER = [column.header for column in (*EXPORT_COLUMNS, *INCOME_EXPORT)]

NUMBERS = frozenset({"poverty_exit_year", "migrant_months"})  # written as numbers in XLSX


def member_rows(
    households: pa.Table,
    members: pa.Table,
    region_names: Mapping[str, str],
    figures: pa.Table,
) -> pa.Table:
    """The export's rows as text (numbers stay integers), columns named by the catalogue.

    ``households``: ``household_id`` and the registry's household fields (``monitoring_risks``
    a list); ``members``: ``household_id``, ``member_id`` and the member fields, one row each;
    ``region_names``: names of the townships and villages by code; ``figures``: the income
    columns as text by ``household_id`` (:func:`income_texts`), empty where a household has none.
    """
    members = members.sort_by([("household_id", "ascending"), ("member_id", "ascending")])
    at = pc.index_in(members["household_id"], value_set=households["household_id"])
    home = households.take(at)
    places = _places(home["village_code"].to_pylist(), region_names)
    heads = pc.filter(members, pc.equal(members["relationship"], "head"))
    head_at = pc.index_in(members["household_id"], value_set=heads["household_id"])
    columns: dict[str, pa.Array] = {}
    for column in EXPORT_COLUMNS:
        columns[column.name] = worded(
            column, _values(column, home, members, places, heads, head_at)
        )
    at_home = pc.index_in(members["household_id"], value_set=figures["household_id"])
    for column in INCOME_EXPORT:
        columns[column.name] = figures[column.name].take(at_home)
    return pa.table(columns)


def _values(
    column: ExportColumn,
    home: pa.Table,
    members: pa.Table,
    places: dict[str, pa.Array],
    heads: pa.Table,
    head_at: pa.Array,
) -> pa.Array | pa.ChunkedArray:
    if column.name.startswith("risk_") and column.name[5:].isdigit():
        return _risk(home["monitoring_risks"], int(column.name[5:]) - 1)
    if column.name == "risk_eliminated":
        return pc.if_else(
            pc.is_null(home["monitoring_category"]),
            pa.scalar(None, pa.bool_()),
            pc.is_valid(home["risk_eliminated_on"]),
        )
    if column.name in places:
        return places[column.name]
    if column.name == "head_name":
        return heads["name"].take(head_at)
    if column.level == "household":
        return home[column.name]
    if column.name not in members.column_names:  # 公益岗位: not in the snapshot layout
        return pa.repeat(pa.scalar(column.default, pa.bool_()), members.num_rows)
    return members[column.name]


def _risk(risks: pa.ChunkedArray, index: int) -> pa.Array:
    return pa.array(
        [r[index] if r and len(r) > index else None for r in risks.to_pylist()], pa.string()
    )


def income_texts(
    incomes: Iterable[Mapping[str, Any]],
    sizes: Mapping[int, int],
    guarantees: Mapping[int, Mapping[str, Any]],
) -> pa.Table:
    """Per household, the income and guarantee columns of one year as text: amounts to the fen,
    the stated totals (转移性收入, 家庭纯收入, 家庭人均纯收入) their parts' sums.

    ``incomes``: rows with ``household_id``, ``year`` and the stored amounts (Decimal);
    ``sizes``: members per household; ``guarantees``: the year's flags by household (a
    household without them gets empty guarantee cells)."""
    out: dict[str, list[Any]] = {"household_id": []} | {c.name: [] for c in INCOME_EXPORT}
    for row in incomes:
        money = {name: Decimal(row[name]).quantize(CENT) for name in MONEY_COLUMNS}
        transfers = sum((money[name] for name in TRANSFER_COLUMNS), Decimal(0))
        net = money["wage"] + money["business"] + money["property"] + transfers
        net -= money["production_costs"]
        size = sizes[row["household_id"]]
        texts: dict[str, str | None] = {name: str(value) for name, value in money.items()}
        texts |= {
            "income_year": str(row["year"]),
            "transfer_total": str(transfers),
            "net_income": str(net),
            "per_capita_net": str((net / size).quantize(CENT, rounding=ROUND_HALF_UP)),
        }
        flags = guarantees.get(row["household_id"])
        for name in GUARANTEE_FIELDS:
            texts[name] = None if flags is None else ("是" if flags.get(name) else "否")
        out["household_id"].append(row["household_id"])
        for column in INCOME_EXPORT:
            out[column.name].append(texts[column.name])
    return pa.table(
        {"household_id": pa.array(out["household_id"], pa.int64())}
        | {c.name: pa.array(out[c.name], pa.string()) for c in INCOME_EXPORT}
    )


def worded(column: ExportColumn, values: pa.Array | pa.ChunkedArray) -> pa.Array:
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


def _places(codes: list[str], region_names: Mapping[str, str]) -> dict[str, pa.Array]:
    """Province, city, county, township and village names of each row's village code."""
    counties = {code[:6] + "000000" for code in codes}
    upper = {county: _upper_names(county) for county in counties}
    rows = [upper[code[:6] + "000000"] for code in codes]
    return {
        "province_name": pa.array([u[RegionLevel.province] for u in rows], pa.string()),
        "city_name": pa.array([u.get(RegionLevel.city, "") for u in rows], pa.string()),
        "county_name": pa.array([u[RegionLevel.county] for u in rows], pa.string()),
        "township_name": pa.array(
            [region_names.get(c[:9] + "000", "") for c in codes], pa.string()
        ),
        "village_name": pa.array([region_names.get(c, "") for c in codes], pa.string()),
    }


def _upper_names(county: str) -> dict[RegionLevel, str]:
    return {RegionLevel(d.level): d.name for d in ancestors(county)}


def scope_text(county_codes: list[str]) -> str:
    """The counties of a file as its title names them (three at most, then 等)."""
    names = [ancestors(code)[0].name for code in county_codes[:3]]
    return "、".join(names) + ("等" if len(county_codes) > 3 else "")


def write_rows(
    table: pa.Table,
    path: Path,
    header: list[str],
    title: str | None,
    sheet_name: str = "家庭成员",
) -> None:
    """``table``'s rows under ``header`` (and ``title`` above it) as XLSX, or CSV for a
    ``.csv`` path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        _write_csv(table, path, header, title)
    else:
        _write_xlsx(table, path, header, title, sheet_name)


def _rows(table: pa.Table) -> Iterator[tuple[object, ...]]:
    for batch in table.to_batches(max_chunksize=50_000):
        yield from zip(*(column.to_pylist() for column in batch.columns), strict=True)


def _write_xlsx(
    table: pa.Table, path: Path, header: list[str], title: str | None, sheet_name: str
) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet(sheet_name)
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
                sheet.write_string(row, col, str(value))
    book.close()


def _write_csv(table: pa.Table, path: Path, header: list[str], title: str | None) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        if title:
            writer.writerow([title])
        writer.writerow(header)
        for values in _rows(table):
            writer.writerow("" if v is None else v for v in values)
