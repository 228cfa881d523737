"""Inheritance: the effective policy of a region and year from the documents of its chain.

The chain of a 12-digit code comes from its structure, not from a lookup: the nation
``000000000000``, then the province ``code[:2]``, city ``code[:4]``, county ``code[:6]``,
township ``code[:9]`` (each padded with zeros) and the code itself — only the distinct codes,
so a county's chain stops at the county. Township and village codes may be synthetic.

At each level the region's latest document with ``year ≤ Y`` is taken. Walking from the
nation down, a document is **superseded** (ignored) when it is older than the newest document
already applied above it; otherwise it applies and overrides the values above it key by key.
Equivalently: a document applies unless some ancestor region has a newer one (≤ Y).
docs/policy.md explains this with an example.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from bottomline import regions
from bottomline.errors import PolicyError, UnknownRegionError
from bottomline.policy.document import DocumentRef, PolicyDocument, unique_documents
from bottomline.policy.effective import EffectivePolicy, policy_ref, require_complete
from bottomline.policy.schema import (
    FIELDS,
    REGION_CODE_DIGITS,
    YEAR_MAX,
    YEAR_MIN,
    Value,
)

_ORDER = {spec.path: i for i, spec in enumerate(FIELDS)}


@dataclass(frozen=True, slots=True)
class PolicyIndex:
    """Documents by region, each region's sorted by year (one per region × year)."""

    by_region: Mapping[str, tuple[PolicyDocument, ...]]
    years: Mapping[str, tuple[int, ...]]

    def latest(self, region: str, year: int) -> PolicyDocument | None:
        """The region's newest document with year ≤ ``year``."""
        years = self.years.get(region)
        if not years:
            return None
        at = bisect.bisect_right(years, year)
        return self.by_region[region][at - 1] if at else None


def index_documents(documents: Iterable[PolicyDocument]) -> PolicyIndex:
    """Index documents for resolution; refuses two different documents for one region × year."""
    grouped: dict[str, list[PolicyDocument]] = {}
    for doc in unique_documents(documents):  # sorted by region, then year
        grouped.setdefault(doc.region, []).append(doc)
    by_region = {region: tuple(docs) for region, docs in grouped.items()}
    years = {region: tuple(d.year for d in docs) for region, docs in by_region.items()}
    return PolicyIndex(MappingProxyType(by_region), MappingProxyType(years))


def region_chain(region_code: str) -> tuple[str, ...]:
    """Distinct codes from the nation down to ``region_code`` itself."""
    check_region_code(region_code)
    return tuple(regions.ancestors(region_code))


def resolve(
    documents: Iterable[PolicyDocument] | PolicyIndex,
    region_code: str,
    year: int,
    *,
    complete: bool = True,
) -> EffectivePolicy:
    """The effective policy of ``region_code`` in ``year``.

    With ``complete`` (the default) a policy with missing or inconsistent keys raises a
    PolicyError naming them; ``complete=False`` returns it as merged, for inspection.
    """
    index = documents if isinstance(documents, PolicyIndex) else index_documents(documents)
    check_year(year)
    policy = resolve_chain(index, region_chain(region_code), year, region_code=region_code)
    return require_complete(policy) if complete else policy


def resolve_chain(
    index: PolicyIndex, chain: Iterable[str], year: int, *, region_code: str
) -> EffectivePolicy:
    """Merge the documents of ``chain`` (nation first) as they stand in ``year``."""
    used, superseded = select_documents(index, chain, year)
    values: dict[str, Value] = {}
    provenance: dict[str, DocumentRef] = {}
    for doc in used:
        for path, value in doc.settings:
            values[path] = value
            provenance[path] = doc.ref
    ordered = dict(sorted(values.items(), key=lambda item: _ORDER[item[0]]))
    refs = tuple(doc.ref for doc in used)
    return EffectivePolicy(
        region_code=region_code,
        year=year,
        values=MappingProxyType(ordered),
        provenance=MappingProxyType({path: provenance[path] for path in ordered}),
        documents=refs,
        superseded=tuple(doc.ref for doc in superseded),
        ref=policy_ref(ordered, refs),
    )


def select_documents(
    index: PolicyIndex, chain: Iterable[str], year: int
) -> tuple[list[PolicyDocument], list[PolicyDocument]]:
    """(documents that apply, documents superseded), both nation first."""
    used: list[PolicyDocument] = []
    superseded: list[PolicyDocument] = []
    for code in chain:
        doc = index.latest(code, year)
        if doc is None:
            continue
        if used and doc.year < used[-1].year:  # the newest applied so far is the last one
            superseded.append(doc)
        else:
            used.append(doc)
    return used, superseded


def check_region_code(region_code: str) -> None:
    if (
        not isinstance(region_code, str)
        or len(region_code) != REGION_CODE_DIGITS
        or not region_code.isdigit()
    ):
        raise UnknownRegionError(
            f"区域代码 {region_code!r} 不是12位区划代码 / "
            f"region code {region_code!r} is not a 12-digit division code",
            hint='例如 "532328000000"（元谋县）或 "000000000000"（全国） / '
            'use e.g. "532328000000" (元谋县) or "000000000000" (the nation)',
        )


def check_year(year: int) -> None:
    if isinstance(year, bool) or not isinstance(year, int) or not YEAR_MIN <= year <= YEAR_MAX:
        raise PolicyError(
            f"政策年度 {year!r} 不在 {YEAR_MIN}..{YEAR_MAX} 之内 / "
            f"policy year {year!r} is outside {YEAR_MIN}..{YEAR_MAX}",
            hint="给出适用政策的年度，例如 2025 / give the year whose policy applies, e.g. 2025",
        )
