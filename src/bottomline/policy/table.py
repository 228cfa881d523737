"""The policy table screening joins to households: one row per region code, flat columns.

Each distinct chain of documents is resolved once: the codes of a county's villages that have
no documents of their own share the county's resolution, so 100k village codes cost little
more than the handful of distinct policies they map to.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import pyarrow as pa

from bottomline.errors import PolicyError
from bottomline.policy.document import PolicyDocument
from bottomline.policy.effective import EffectivePolicy, incomplete_message
from bottomline.policy.resolve import (
    PolicyIndex,
    check_year,
    index_documents,
    region_chain,
    resolve_chain,
)
from bottomline.policy.schema import FIELDS, Kind

_ARROW_TYPES = {
    Kind.yuan: pa.float64(),
    Kind.ratio: pa.float64(),
    Kind.integer: pa.int32(),
    Kind.rank: pa.int32(),
    Kind.switch: pa.bool_(),
    Kind.word: pa.string(),
}
_MAX_LISTED = 5  # incomplete policies spelled out in one error


def policy_schema() -> pa.Schema:
    """region_code, policy_ref, then one column per flat key."""
    columns = [pa.field("region_code", pa.string()), pa.field("policy_ref", pa.string())]
    columns += [pa.field(spec.flat_key, _ARROW_TYPES[spec.kind]) for spec in FIELDS]
    return pa.schema(columns)


def policy_table(
    documents: Iterable[PolicyDocument] | PolicyIndex, year: int, region_codes: Iterable[str]
) -> pa.Table:
    """One row per distinct region code (first-seen order) with its policy ref and values.

    Raises one PolicyError listing every incomplete policy among the regions.
    """
    resolved = _resolve_regions(documents, year, region_codes)
    distinct = _flat_table(resolved.policies).take(pa.array(resolved.slots, pa.int32()))
    region = pa.array(resolved.codes, pa.string())
    return distinct.add_column(0, "region_code", region).cast(policy_schema())


def effective_policies(
    documents: Iterable[PolicyDocument] | PolicyIndex, year: int, region_codes: Iterable[str]
) -> dict[str, EffectivePolicy]:
    """The distinct effective policies of the regions, by ref, for recording what a run used.

    Each is resolved for the smallest region code that has it.
    """
    resolved = _resolve_regions(documents, year, sorted(set(region_codes)))
    out: dict[str, EffectivePolicy] = {}
    for policy in resolved.policies:
        out.setdefault(policy.ref, policy)
    return out


@dataclass(frozen=True, slots=True)
class _Resolved:
    codes: list[str]  # distinct region codes, first-seen order
    slots: list[int]  # per code: its policy's position in ``policies``
    policies: list[EffectivePolicy]  # one per distinct chain of documents


def _resolve_regions(
    documents: Iterable[PolicyDocument] | PolicyIndex, year: int, region_codes: Iterable[str]
) -> _Resolved:
    index = documents if isinstance(documents, PolicyIndex) else index_documents(documents)
    check_year(year)
    codes = list(dict.fromkeys(region_codes))
    cache: dict[tuple[str, ...], int] = {}
    policies: list[EffectivePolicy] = []
    slots: list[int] = []
    for code in codes:
        key = tuple(c for c in region_chain(code) if c in index.by_region)
        slot = cache.get(key)
        if slot is None:
            slot = cache[key] = len(policies)
            policies.append(resolve_chain(index, key, year, region_code=code))
        slots.append(slot)
    _raise_if_incomplete(policies, slots)
    return _Resolved(codes, slots, policies)


def _raise_if_incomplete(policies: list[EffectivePolicy], slots: list[int]) -> None:
    failing = [(i, p, p.problems()) for i, p in enumerate(policies)]
    failing = [item for item in failing if item[2]]
    if not failing:
        return
    regions = Counter(slots)
    affected = sum(regions[i] for i, _, _ in failing)
    parts = [
        f"{incomplete_message(policy, problems)}\n  (applies to {regions[i]} region code(s))"
        for i, policy, problems in failing[:_MAX_LISTED]
    ]
    if len(failing) > _MAX_LISTED:
        parts.append(f"… and {len(failing) - _MAX_LISTED} more incomplete policies")
    raise PolicyError(
        f"{len(slots)} 个区域代码中有 {affected} 个在 {policies[0].year} 年没有可用的政策 / "
        f"{affected} of {len(slots)} region codes have no usable policy for "
        f"{policies[0].year}:\n" + "\n".join(parts),
        hint="在这些区域、其上级区域或国家层面的文件中补齐缺少的键（docs/policy.md，继承），"
        "或筛查文件覆盖的年度 / "
        "set the missing keys in a document for those regions, a parent region or the "
        "nation (docs/policy.md, Inheritance), or screen a year the documents cover",
    )


def _flat_table(policies: list[EffectivePolicy]) -> pa.Table:
    rows = [policy.flat() for policy in policies]
    arrays = [pa.array([p.ref for p in policies], pa.string())]
    arrays += [
        pa.array([row[spec.flat_key] for row in rows], _ARROW_TYPES[spec.kind]) for spec in FIELDS
    ]
    return pa.Table.from_arrays(arrays, names=["policy_ref", *(s.flat_key for s in FIELDS)])
