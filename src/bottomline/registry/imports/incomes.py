"""The export's income columns: on every member row of a household, or on a sheet of their own.

On member rows they are household fields (every row of a household must agree) and checked
with the household's rows in the file as its size. On a sheet of their own (收支情况: 户编号
[+ 年度] and the income columns) each row is checked on its own; a rejected income row rejects
its household whole, and a rejected household rejects its income rows.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bottomline.registry.imports.check import Checked, first_rows
from bottomline.registry.imports.read import Problem, Rows
from bottomline.registry.imports.rejects import Part
from bottomline.registry.incomes.annual import Records, build_records
from bottomline.registry.incomes.catalogue import COLUMNS as INCOME_COLUMNS
from bottomline.registry.incomes.check import income_problems
from bottomline.registry.incomes.read import (
    duplicate_years,
    fill_year,
    import_day,
    income_mapping,
    open_income_sheet,
    read_income_rows,
    require_year,
    row_counts,
    sizes_by,
)
from bottomline.registry.national_export import COLUMNS, ExportColumn, RejectCode, as_mask
from bottomline.registry.snapshot import Progress
from bottomline.sources import Source


@dataclass(slots=True)
class IncomeSheet:
    source: Source
    mapping: dict[str, str]
    rows: Rows
    values: dict[str, pa.Array]
    problems: list[Problem]
    rejected: set[str]
    accepted: pa.Table = field(default_factory=lambda: pa.table({}))

    @property
    def rows_in(self) -> int:
        return self.rows.count + len(self.rows.malformed)

    def finish(self, checked: Checked) -> None:
        """Reject the income rows of households the member rows rejected; keep the rest."""
        households = self.values["household_no"]
        bad = np.zeros(self.rows.count, dtype=bool)
        for problem in self.problems:
            bad[problem.row] = True
        gone = pa.array(sorted(checked.rejected_households), pa.string())
        follow = as_mask(pc.is_in(households, value_set=gone)) & ~bad
        self.problems += [
            Problem(int(i), "", RejectCode.household_rejected) for i in np.flatnonzero(follow)
        ]
        self.problems.sort(key=lambda p: p.row)
        self.accepted = pa.table(self.values).filter(pa.array(~(bad | follow)))

    def part(self) -> Part:
        return (self.source, self.rows, self.problems, INCOME_COLUMNS)

    def reasons(self) -> Counter[tuple[str, str]]:
        found: Counter[tuple[str, str]] = Counter((p.code.value, p.column) for p in self.problems)
        found.update((RejectCode.malformed.value, "") for _ in self.rows.malformed)
        return found


@dataclass(slots=True)
class FoundIncomes:
    """Where the file's incomes are and how to read and check them."""

    member_mapping: dict[str, str]
    member_columns: dict[str, ExportColumn]
    on_members: bool
    year: int | None
    sheet: tuple[Source, dict[str, str]] | None = None

    @property
    def member_checks(self) -> Callable[[dict[str, pa.Array], Rows], list[Problem]] | None:
        if not self.on_members:
            return None
        present = set(self.member_mapping) & INCOME_COLUMNS.keys()

        def check(values: dict[str, pa.Array], rows: Rows) -> list[Problem]:
            problems = fill_year(values, rows, self.year)
            households = values["household_no"]
            sizes = sizes_by(households, row_counts(households))
            return problems + income_problems(values, present, sizes)

        return check

    def read_sheet(self, members: Rows, progress: Progress | None) -> IncomeSheet | None:
        if self.sheet is None:
            return None
        source, mapping = self.sheet
        rows = read_income_rows(source, mapping, progress)
        values = dict(rows.values)
        problems = list(rows.problems) + fill_year(values, rows, self.year)
        problems += duplicate_years(rows, values)
        sizes_of = row_counts(members.values["household_no"])
        households = values["household_no"]
        listed = pa.array(list(sizes_of), pa.string())
        unknown = as_mask(pc.invert(pc.is_in(households, value_set=listed)))
        unknown &= as_mask(pc.is_valid(households))
        problems += [
            Problem(int(i), "household_no", RejectCode.income_household_missing)
            for i in np.flatnonzero(unknown)
        ]
        problems += income_problems(values, set(mapping), sizes_by(households, sizes_of))
        bad = sorted({p.row for p in problems})
        rejected = set(pc.take(households, pa.array(bad, pa.int64())).drop_null().to_pylist())
        return IncomeSheet(source, mapping, rows, values, problems, rejected)

    def records(self, checked: Checked, sheet: IncomeSheet | None) -> Records | None:
        today: dt.date = import_day()
        if self.on_members:
            households = first_rows(checked.accepted)
            values = {n: households[n].combine_chunks() for n in households.column_names}
            present = set(self.member_mapping) & INCOME_COLUMNS.keys()
        elif sheet is not None:
            values = {n: sheet.accepted[n].combine_chunks() for n in sheet.accepted.column_names}
            present = set(sheet.mapping)
        else:
            return None
        year = pc.cast(values["income_year"], pa.int64())
        return build_records(values["household_no"], year, values, present, today)


def find_incomes(
    source: Source, mapping: dict[str, str], path: Path, encoding: str | None, year: int | None
) -> FoundIncomes:
    """The income columns of the member rows, else of another sheet of the workbook."""
    on_members = income_mapping(source)
    if on_members:
        require_year(source, on_members, year)
        return FoundIncomes(mapping | on_members, COLUMNS | INCOME_COLUMNS, True, year)
    sheet = open_income_sheet(path, source, encoding)
    if sheet is not None:
        require_year(sheet[0], sheet[1], year)
    return FoundIncomes(mapping, COLUMNS, False, year, sheet)
