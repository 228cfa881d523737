"""Checking rows and households: what is accepted, what is rejected and why."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bottomline.registry.enums import IdKind, Relationship, Sex
from bottomline.registry.imports.read import Problem, Rows
from bottomline.registry.incomes.catalogue import COLUMNS as INCOME_COLUMNS
from bottomline.registry.national_export import (
    HOUSEHOLD_COLUMNS,
    RejectCode,
    WarningCode,
    as_mask,
    strict_date,
)


@dataclass(slots=True)
class Checked:
    accepted: pa.Table  # accepted rows: every catalogue column in the file, plus derived ones
    problems: list[Problem]
    reasons: Counter[tuple[str, str]]
    warnings: Counter[tuple[str, str]]
    listed_households: set[str]  # every 户编号 in the file, rejected or not
    rejected_households: set[str]  # 户编号 of households rejected whole
    listed_people: set[str]  # every person number (first 18 characters) in the file
    counties: list[str]  # counties of the accepted households


def check_rows(
    rows: Rows,
    more: Callable[[dict[str, pa.Array], Rows], list[Problem]] | None = None,
    also_rejected: Collection[str] = (),
) -> Checked:
    """Check every row; ``more`` adds problems of its own (the income checks), and the
    households ``also_rejected`` (their income rows were) are rejected whole too."""
    problems = list(rows.problems)
    values = dict(rows.values)
    warnings: Counter[tuple[str, str]] = Counter()
    problems += _derive_from_id(values, rows, warnings)
    problems += _duplicate_people(values, rows)
    problems += _household_checks(values, rows)
    if more is not None:
        problems += more(values, rows)
    row_bad = np.zeros(rows.count, dtype=bool)
    for problem in problems:
        row_bad[problem.row] = True
    households = values["household_no"]
    rejected = set(pc.filter(households, pa.array(row_bad)).drop_null().to_pylist())
    rejected |= set(also_rejected) & set(pc.unique(households).drop_null().to_pylist())
    in_rejected = as_mask(pc.is_in(households, value_set=pa.array(sorted(rejected), pa.string())))
    problems += [
        Problem(int(i), "", RejectCode.household_rejected)
        for i in np.flatnonzero(in_rejected & ~row_bad)
    ]
    keep = pa.array(~(row_bad | in_rejected))
    accepted = pa.table({name: array for name, array in values.items()}).filter(keep)
    problems.sort(key=lambda p: p.row)
    reasons: Counter[tuple[str, str]] = Counter((p.code.value, p.column) for p in problems)
    reasons.update((RejectCode.malformed.value, "") for _ in rows.malformed)
    counties = sorted(
        {code[:6] + "000000" for code in pc.unique(accepted["village_code"]).to_pylist()}
    )
    normal = pc.utf8_upper(pc.replace_substring_regex(rows.text["id_number"], r"\s+", ""))
    people = pc.utf8_slice_codeunits(normal, 0, 18)
    return Checked(
        accepted=accepted,
        problems=problems,
        reasons=reasons,
        warnings=warnings,
        listed_households=set(pc.unique(rows.text["household_no"]).to_pylist()) - {""},
        rejected_households=rejected,
        listed_people=set(pc.unique(people).to_pylist()) - {""},
        counties=counties,
    )


def _derive_from_id(
    values: dict[str, pa.Array], rows: Rows, warnings: Counter[tuple[str, str]]
) -> list[Problem]:
    """id_kind, sex and birth date from the ID number where the file leaves them empty."""
    number = values["id_number"]
    n = len(number)
    valid = as_mask(pc.is_valid(number))
    length = pc.utf8_length(number)
    kind = pc.if_else(pc.equal(length, 18), IdKind.resident_id.value, IdKind.disability_cert.value)
    digit = pc.cast(pc.utf8_slice_codeunits(number, 16, 17), pa.int8())
    odd = pc.equal(pc.bit_wise_and(digit, 1), 1)
    sex = pc.if_else(odd, Sex.male.value, Sex.female.value)
    born = strict_date(pc.utf8_slice_codeunits(number, 6, 14), "%Y%m%d")
    problems = []
    declared = values.get("id_kind", pa.nulls(n, pa.string()))
    mismatch = valid & as_mask(pc.and_(pc.is_valid(declared), pc.not_equal(declared, kind)))
    problems += [
        Problem(int(i), "id_kind", RejectCode.id_kind_mismatch) for i in np.flatnonzero(mismatch)
    ]
    for name, derived in (("sex", sex), ("birth_date", born)):
        given = values.get(name, pa.nulls(n, derived.type))
        differs = valid & as_mask(pc.and_(pc.is_valid(given), pc.not_equal(given, derived)))
        if differs.any():
            warnings[(WarningCode(f"{name}_mismatch").value, name)] += int(differs.sum())
        values[name] = pc.coalesce(given, derived)
    values["id_kind"] = pc.coalesce(declared, kind)
    return problems


def _duplicate_people(values: dict[str, pa.Array], rows: Rows) -> list[Problem]:
    """Every row of a person number that the file lists more than once."""
    people = pc.utf8_slice_codeunits(values["id_number"], 0, 18)
    counts = pc.value_counts(people.drop_null())
    repeated = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), 1))
    if not len(repeated):
        return []
    where = np.flatnonzero(as_mask(pc.is_in(people, value_set=repeated)))
    keys = pc.take(people, pa.array(where)).to_pylist()
    seen: dict[str, list[int]] = {}
    for index, key in zip(where, keys, strict=True):
        seen.setdefault(key, []).append(int(rows.row_numbers[index]))
    return [
        Problem(int(i), "id_number", RejectCode.duplicate_id, _row_list(seen[key]))
        for i, key in zip(where, keys, strict=True)
    ]


def _row_list(numbers: list[int], limit: int = 10) -> str:
    shown = "、".join(str(n) for n in numbers[:limit])
    return shown + ("…" if len(numbers) > limit else "")


def _household_checks(values: dict[str, pa.Array], rows: Rows) -> list[Problem]:
    """Rows of a household must agree on its fields and name exactly one head."""
    households = values["household_no"]
    listed = as_mask(pc.is_valid(households))
    if not listed.any():
        return []
    present = [
        c.name for c in HOUSEHOLD_COLUMNS if c.name in rows.headers and c.name != "household_no"
    ]
    present += [name for name in INCOME_COLUMNS if name in rows.headers and name != "household_no"]
    grouped = _group_households(values, rows, present, listed)
    return _inconsistent(households, grouped, present) + _head_counts(households, grouped)


def _group_households(
    values: dict[str, pa.Array], rows: Rows, present: list[str], listed: np.ndarray
) -> pa.Table:
    """Per 户编号: its heads, and how many distinct values each household field has."""
    table = {
        "household_no": values["household_no"],
        "_head": pc.cast(pc.equal(values["relationship"], Relationship.head.value), pa.int64()),
    }
    for name in present:
        table[name] = _agreement_key(values[name], rows.text[name], rows.bad[name])
    return (
        pa.table(table)
        .filter(pa.array(listed))
        .group_by("household_no")
        .aggregate(
            [("_head", "sum")]
            + [(name, "count_distinct", pc.CountOptions(mode="all")) for name in present]
        )
    )


def _inconsistent(households: pa.Array, grouped: pa.Table, present: list[str]) -> list[Problem]:
    """Every row of a household whose rows disagree on a field, once per such field."""
    problems: list[Problem] = []
    keys = grouped["household_no"]
    for name in present:
        split = pc.filter(keys, pc.greater(grouped[f"{name}_count_distinct"], 1))
        where = np.flatnonzero(as_mask(pc.is_in(households, value_set=split)))
        problems += [Problem(int(i), name, RejectCode.household_inconsistent) for i in where]
    return problems


def _head_counts(households: pa.Array, grouped: pa.Table) -> list[Problem]:
    """Every row of a household that does not have exactly one head."""
    keys = grouped["household_no"]
    heads = pc.fill_null(grouped["_head_sum"], 0)
    wrong = pc.filter(keys, pc.not_equal(heads, 1))
    if not len(wrong):
        return []
    count = dict(zip(keys.to_pylist(), heads.to_pylist(), strict=True))
    where = np.flatnonzero(as_mask(pc.is_in(households, value_set=wrong)))
    numbers = pc.take(households, pa.array(where)).to_pylist()
    return [
        Problem(int(i), "relationship", RejectCode.head_count, str(count[key]))
        for i, key in zip(where, numbers, strict=True)
    ]


def _agreement_key(values: pa.Array, cells: pa.Array, bad: np.ndarray) -> pa.Array:
    """What rows must agree on: the value, or for a cell that could not be read its text."""
    shown = pc.fill_null(pc.cast(values, pa.string()), "")
    raw = pc.binary_join_element_wise("\x00", cells, "")
    return pc.if_else(pa.array(bad), raw, shown)


def first_rows(accepted: pa.Table) -> pa.Table:
    """One row per household: its first row in the file."""
    keys = accepted["household_no"].to_numpy(zero_copy_only=False)
    _unique, first = np.unique(keys, return_index=True)
    return accepted.take(pa.array(np.sort(first)))
