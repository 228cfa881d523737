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
    listed = np.flatnonzero(as_mask(pc.is_valid(households)))
    if not len(listed):
        return []
    present = [
        c.name for c in HOUSEHOLD_COLUMNS if c.name in rows.headers and c.name != "household_no"
    ]
    present += [name for name in INCOME_COLUMNS if name in rows.headers and name != "household_no"]
    every = len(listed) == len(households)

    def pick(array: pa.Array) -> pa.Array:
        return array if every else array.take(pa.array(listed))

    codes, leader = _households_of(pick(households))
    problems: list[Problem] = []
    for name in present:
        split = _differs(pick(values[name]), pick(rows.text[name]), rows.bad[name][listed],
                         leader)  # fmt: skip
        if split.any():
            where = np.isin(codes, np.unique(codes[split]))
            problems += [
                Problem(int(i), name, RejectCode.household_inconsistent) for i in listed[where]
            ]
    return problems + _head_counts(pick(values["relationship"]), listed, codes)


def _households_of(numbers: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Per row: its household's code (0, 1, … in order of first appearance) and the position
    of the household's first row."""
    codes = np.asarray(pc.dictionary_encode(numbers).indices.to_numpy(), dtype=np.int64)
    _unique, first = np.unique(codes, return_index=True)  # codes are 0..k-1, all present
    return codes, first[codes]


def _differs(values: pa.Array, cells: pa.Array, bad: np.ndarray, leader: np.ndarray) -> np.ndarray:
    """Rows whose value is not their household's first row's. A cell that could not be read
    is compared by its text (and never equals a read value)."""
    lead = pa.array(leader)
    nulls = as_mask(pc.is_null(values))
    same = as_mask(pc.equal(values, values.take(lead))) | (nulls & nulls[leader])
    if bad.any():
        bad_lead = bad[leader]
        same_text = as_mask(pc.equal(cells, cells.take(lead)))
        same = np.where(bad | bad_lead, (bad == bad_lead) & same_text, same)
    return ~same


def _head_counts(relationship: pa.Array, listed: np.ndarray, codes: np.ndarray) -> list[Problem]:
    """Every row of a household that does not have exactly one head."""
    head = as_mask(pc.equal(relationship, Relationship.head.value))
    heads = np.bincount(codes, weights=head).astype(np.int64)
    wrong = heads[codes] != 1
    return [
        Problem(int(listed[i]), "relationship", RejectCode.head_count, str(heads[codes[i]]))
        for i in np.flatnonzero(wrong)
    ]


def first_rows(accepted: pa.Table) -> pa.Table:
    """One row per household: its first row in the file."""
    if not accepted.num_rows:
        return accepted
    numbers = accepted["household_no"].combine_chunks()
    codes = np.asarray(pc.dictionary_encode(numbers).indices.to_numpy(), dtype=np.int64)
    _unique, first = np.unique(codes, return_index=True)  # codes follow first appearance
    return accepted.take(pa.array(np.sort(first)))
