"""A synthetic population as the national monitoring system's member export (for tests and demos).

One row per member with the household's fields repeated, the headers and wording of
``registry.national_export``, and a title row above the header as the system writes it; the
writing itself is ``registry.member_file``'s (the export for the national system uses it too).
A ``.csv`` path gives the same rows as UTF-8 CSV with a BOM, much quicker to write and read for
large tests.
"""

from __future__ import annotations

from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from bottomline.registry.columns import MONEY_COLUMNS
from bottomline.registry.incomes.catalogue import KEY as COLLECTION_KEY
from bottomline.registry.member_file import (
    HEADER,
    INCOME_EXPORT,
    income_texts,
    member_rows,
    scope_text,
    write_rows,
)
from bottomline.registry.models import CENT
from bottomline.registry.national_export import TITLE
from bottomline.synth.population import Population

__all__ = ["INCOME_EXPORT", "export_table", "write_income_collection", "write_registry_export"]


def write_registry_export(pop: Population, path: Path, *, title_row: bool = True) -> int:
    """Write ``pop``'s households and members as the export at ``path``; returns the data rows.

    The household's monitoring and its year-Y incomes and guarantees are on every member row."""
    table = export_table(pop)
    title = f"{TITLE}（{scope_text(pop.county_codes)}）" if title_row else None
    write_rows(table, path, HEADER, title)
    return table.num_rows


def export_table(pop: Population) -> pa.Table:
    """The export's rows as text (numbers stay integers), columns named by the catalogue."""
    regions = pop.tables["regions"]
    names = dict(zip(regions["code"].to_pylist(), regions["name"].to_pylist(), strict=True))
    return member_rows(
        pop.tables["households"], pop.tables["members"], names, _income_texts(pop, pop.year)
    )


def _fen(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _income_texts(pop: Population, year: int) -> pa.Table:
    """Per household, the income and guarantee columns of year ``year`` as text (a household
    without guarantees of the year is written as having none of the problems)."""
    incomes = pc.filter(pop.tables["incomes"], pc.equal(pop.tables["incomes"]["year"], year))
    guarantees = pop.tables["guarantees"]
    guarantees = pc.filter(guarantees, pc.equal(guarantees["year"], year))
    sizes = Counter(pop.tables["members"]["household_id"].to_pylist())
    flags = {row["household_id"]: row for row in guarantees.to_pylist()}
    rows = [
        {"household_id": row["household_id"], "year": year}
        | {name: _fen(row[name]) for name in MONEY_COLUMNS}
        for row in incomes.to_pylist()
    ]
    given = {row["household_id"]: flags.get(row["household_id"], {}) for row in rows}
    return income_texts(rows, sizes, given)


def write_income_collection(pop: Population, path: Path, year: int) -> int:
    """The population's incomes and guarantees of ``year`` as a yearly collection file (CSV or
    XLSX, a title row above the header, one row per household); returns the data rows."""
    figures = _income_texts(pop, year)
    households = pop.tables["households"]
    at = pc.index_in(figures["household_id"], value_set=households["household_id"])
    numbers = households["household_no"].take(at)
    table = pa.table({"household_no": numbers} | {c.name: figures[c.name] for c in INCOME_EXPORT})
    header = [COLLECTION_KEY.header, *(c.header for c in INCOME_EXPORT)]
    title = f"{year}年度收入采集（{scope_text(pop.county_codes)}）"
    write_rows(table, path, header, title, sheet_name="收支情况")
    return table.num_rows
