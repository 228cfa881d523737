"""The import's report: counts, reasons, the diff; the changes report on disk."""

from __future__ import annotations

import codecs
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from bottomline.registry.national_export import RejectCode, WarningCode
from bottomline.spreadsheet import FORMULA_STARTS

CHANGES_HEADER = (
    "对象 kind",
    "变动 change",
    "户编号 household_no",
    "证件号码 id_number",
    "姓名 name",
    "变更字段 fields",
)


def reason_labels(code: str) -> tuple[str, str]:
    """Chinese and English wording of a reject or warning code."""
    for codes in (RejectCode, WarningCode):
        if code in codes.__members__:
            return codes[code].zh, codes[code].en
    return code, code


@dataclass(slots=True)
class DiffCount:
    new: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    conflicts: int = 0  # pending local edits the file disagrees with (kept: imports.conflicts)
    fields: Counter[str] = field(default_factory=Counter)  # changed records per field

    def as_dict(self) -> dict[str, Any]:
        """The counts; ``conflicts`` only when there are any (kept local edits)."""
        counts: dict[str, Any] = {
            "new": self.new,
            "changed": self.changed,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "fields": dict(self.fields.most_common()),
        }
        return counts | ({"conflicts": self.conflicts} if self.conflicts else {})


@dataclass(slots=True)
class RegistryDiff:
    households: DiffCount = field(default_factory=DiffCount)
    members: DiffCount = field(default_factory=DiffCount)
    # Per household and year (incomes, guarantees) and per household (monitoring): counted
    # only when the file gives such columns, listed in ``given``.
    incomes: DiffCount = field(default_factory=DiffCount)
    guarantees: DiffCount = field(default_factory=DiffCount)
    monitoring: DiffCount = field(default_factory=DiffCount)
    given: tuple[str, ...] = ()  # of "incomes", "guarantees", "monitoring"

    def as_dict(self) -> dict[str, Any]:
        out = {"households": self.households.as_dict(), "members": self.members.as_dict()}
        for name in self.given:
            out[name] = getattr(self, name).as_dict()
        return out

    @property
    def counts(self) -> list[tuple[str, DiffCount]]:
        """(name, count) of households, members and what else the file gave."""
        names = ("households", "members", *self.given)
        return [(name, getattr(self, name)) for name in names]

    @property
    def empty(self) -> bool:
        return not any(c.new or c.changed or c.removed for _name, c in self.counts)


@dataclass(slots=True)
class RegistryImportReport:
    source: str  # the file's name
    content_sha256: str
    status: str  # committed, unchanged (same content as the last committed import), dry_run
    rows_in: int = 0
    accepted: int = 0
    rejected: int = 0
    reasons: Counter[tuple[str, str]] = field(default_factory=Counter)  # (code, column) -> n
    warnings: Counter[tuple[str, str]] = field(default_factory=Counter)  # accepted, but odd
    diff: RegistryDiff = field(default_factory=RegistryDiff)
    counties: list[str] = field(default_factory=list)  # the counties the import reconciled
    regions_created: int = 0
    report_dir: Path | None = None
    rejects_path: Path | None = None
    changes_path: Path | None = None
    import_id: int | None = None
    income_year: int | None = None  # the year of incomes without a year column
    # Households the import removes, of those stored for its counties, and whether that is
    # beyond the bound (refused unless confirmed; a dry run only reports it).
    removals: tuple[int, int, bool] = (0, 0, False)
    unmatched: int = 0  # rows of a collection whose 户编号 the registry does not hold
    unmatched_path: Path | None = None
    previous_import_id: int | None = None  # for ``unchanged``: the import it repeats
    partial: bool = False  # the file lists only some households: nothing is removed

    @property
    def balanced(self) -> bool:
        return self.accepted + self.rejected + self.unmatched == self.rows_in

    def top_reasons(self, limit: int = 10) -> list[tuple[str, str, int]]:
        """The commonest (code, column, problems), column as the catalogue's name or ""."""
        return [(code, column, n) for (code, column), n in self.reasons.most_common(limit)]


Change = tuple[str, str, str, str, str, str]  # a row of the changes report


def change_table(
    kind: str,
    change: str,
    numbers: pa.Array | pa.ChunkedArray,
    people: pa.Array | None = None,
    names: pa.Array | None = None,
    fields: pa.Array | str = "",
) -> pa.Table:
    """Rows of the changes report for many records at once (a first import lists them all):
    ``numbers`` the 户编号, ``people`` and ``names`` masked already."""
    n = len(numbers)

    def same(text: str) -> pa.Array:
        return pa.repeat(pa.scalar(text, pa.string()), n)

    columns = [
        same(kind),
        same(change),
        numbers,
        same("") if people is None else people,
        same("") if names is None else names,
        same(fields) if isinstance(fields, str) else fields,
    ]
    return pa.table(dict(zip(CHANGES_HEADER, columns, strict=True)))


def write_changes(path: Path, *parts: Sequence[tuple[str, ...]] | pa.Table) -> None:
    """The changes report: like ``spreadsheet.ReportWriter`` (UTF-8 with a BOM, formula text
    defused), written column-wise by Arrow because a first import lists every record. Each
    part is a list of rows or a :func:`change_table`, written in the order given."""
    tables = [part if isinstance(part, pa.Table) else _rows_table(part) for part in parts]
    whole = pa.concat_tables(tables) if tables else _rows_table([])
    table = pa.table(
        {header: _defused(whole[header].combine_chunks()) for header in CHANGES_HEADER}
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        fh.write(codecs.BOM_UTF8)
        pacsv.write_csv(table, fh)


def _rows_table(changes: Sequence[tuple[str, ...]]) -> pa.Table:
    columns = list(zip(*changes, strict=True)) or [()] * len(CHANGES_HEADER)
    return pa.table(
        {
            header: pa.array(values, pa.string())
            for header, values in zip(CHANGES_HEADER, columns, strict=True)
        }
    )


_FORMULA = "^[" + re.escape("".join(FORMULA_STARTS)) + "]"


def _defused(values: pa.Array) -> pa.Array:
    """``spreadsheet.safe_cell`` for a whole column."""
    formula = pc.match_substring_regex(values, _FORMULA)
    return pc.if_else(formula, pc.binary_join_element_wise("'", values, ""), values)
