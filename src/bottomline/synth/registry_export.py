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
from collections import Counter
from collections.abc import Iterator, Mapping
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
from bottomline.registry.incomes.catalogue import KEY as COLLECTION_KEY
from bottomline.registry.models import CENT
from bottomline.registry.national_export import (
    ETHNIC_GROUPS,
    EXPORT_COLUMNS,
    TITLE,
    ExportColumn,
)
from bottomline.synth.population import Population

# The income columns the synthetic export and collection write: every amount but 合规自付支出
# (the items are given), the guarantees, the year.
INCOME_EXPORT = (YEAR, *(c for c in AMOUNTS if c.name != "oop_total"), *GUARANTEES)

NUMBERS = frozenset({"poverty_exit_year", "migrant_months"})  # written as numbers in XLSX


def write_registry_export(pop: Population, path: Path, *, title_row: bool = True) -> int:
    """Write ``pop``'s households and members as the export at ``path``; returns the data rows.

    The household's monitoring and its year-Y incomes and guarantees are on every member row."""
    table = export_table(pop)
    header = [column.header for column in (*EXPORT_COLUMNS, *INCOME_EXPORT)]
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
        if column.name.startswith("risk_") and column.name[5:].isdigit():
            values = _risk(home["monitoring_risks"], int(column.name[5:]) - 1)
        elif column.name == "risk_eliminated":
            values = pc.if_else(
                pc.is_null(home["monitoring_category"]),
                pa.scalar(None, pa.bool_()),
                pc.is_valid(home["risk_eliminated_on"]),
            )
        elif column.name in places:
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
    figures = _income_texts(pop, pop.year)
    at_home = pc.index_in(members["household_id"], value_set=figures["household_id"])
    for column in INCOME_EXPORT:
        columns[column.name] = figures[column.name].take(at_home)
    return pa.table(columns)


def _risk(risks: pa.ChunkedArray, index: int) -> pa.Array:
    return pa.array([r[index] if len(r) > index else None for r in risks.to_pylist()], pa.string())


def _fen(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _income_texts(pop: Population, year: int) -> pa.Table:
    """Per household, the income and guarantee columns of year ``year`` as text: amounts to the
    fen, the stated totals (转移性收入, 家庭纯收入, 家庭人均纯收入) their parts' sums."""
    incomes = pc.filter(pop.tables["incomes"], pc.equal(pop.tables["incomes"]["year"], year))
    guarantees = pop.tables["guarantees"]
    guarantees = pc.filter(guarantees, pc.equal(guarantees["year"], year))
    sizes = Counter(pop.tables["members"]["household_id"].to_pylist())
    flags = {row["household_id"]: row for row in guarantees.to_pylist()}
    out: dict[str, list[Any]] = {"household_id": []} | {c.name: [] for c in INCOME_EXPORT}
    for row in incomes.to_pylist():
        money = {name: _fen(row[name]) for name in MONEY_COLUMNS}
        transfers = sum((money[name] for name in TRANSFER_COLUMNS), Decimal(0))
        net = money["wage"] + money["business"] + money["property"] + transfers
        net -= money["production_costs"]
        size = sizes[row["household_id"]]
        texts = {name: str(value) for name, value in money.items()}
        texts |= {
            "income_year": str(year),
            "transfer_total": str(transfers),
            "net_income": str(net),
            "per_capita_net": str((net / size).quantize(CENT, rounding=ROUND_HALF_UP)),
        }
        guarantee = flags.get(row["household_id"], {})
        for name in GUARANTEE_FIELDS:
            texts[name] = "是" if guarantee.get(name) else "否"
        out["household_id"].append(row["household_id"])
        for column in INCOME_EXPORT:
            out[column.name].append(texts[column.name])
    return pa.table(
        {"household_id": pa.array(out["household_id"], pa.int64())}
        | {c.name: pa.array(out[c.name], pa.string()) for c in INCOME_EXPORT}
    )


def write_income_collection(pop: Population, path: Path, year: int) -> int:
    """The population's incomes and guarantees of ``year`` as a yearly collection file (CSV or
    XLSX, a title row above the header, one row per household); returns the data rows."""
    figures = _income_texts(pop, year)
    households = pop.tables["households"]
    at = pc.index_in(figures["household_id"], value_set=households["household_id"])
    numbers = households["household_no"].take(at)
    table = pa.table({"household_no": numbers} | {c.name: figures[c.name] for c in INCOME_EXPORT})
    header = [COLLECTION_KEY.header, *(c.header for c in INCOME_EXPORT)]
    title = f"{year}年度收入采集（{_scope(pop)}）"
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        _write_csv(table, path, header, title)
    else:
        _write_xlsx(table, path, header, title, sheet_name="收支情况")
    return table.num_rows


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


def _write_xlsx(
    table: pa.Table, path: Path, header: list[str], title: str | None, sheet_name: str = "家庭成员"
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
