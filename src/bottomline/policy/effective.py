"""The effective policy of one region and year: merged values, where each came from, its ref.

``ref`` is a short stable hash (12 hex characters) of the effective values and the content
hashes of the documents used, so two regions under the same documents share a ref, and a
ref changes exactly when an effective value or a used document changes. Screening results
record the ref; :meth:`EffectivePolicy.to_record` is what a run stores under it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bottomline.errors import PolicyError
from bottomline.policy.document import DocumentRef, nest, sha256_json
from bottomline.policy.schema import (
    DEADLINE_PATH,
    DISPOSABLE_SHARE_PATH,
    FIELD_BY_PATH,
    FIELDS,
    NOTICE_PATH,
    PRIOR_INCOME_PATH,
    FieldSpec,
    Kind,
    Value,
)
from bottomline.policy.validate import Problem, deadline_problem

REF_LENGTH = 12  # hex characters of a policy ref

FlatValue = float | int | bool | str | None


@dataclass(frozen=True, slots=True)
class EffectivePolicy:
    region_code: str  # the region it was resolved for
    year: int
    values: Mapping[str, Value]  # dotted key path -> value, only the keys some document sets
    provenance: Mapping[str, DocumentRef]  # dotted key path -> the document that supplied it
    documents: tuple[DocumentRef, ...]  # documents used, nation first
    superseded: tuple[DocumentRef, ...]  # documents in the chain ignored as out of date
    ref: str

    def get(self, path: str) -> Value | None:
        return self.values.get(path)

    def flat(self) -> dict[str, FlatValue]:
        """One value per flat key (None where unset), typed as the policy table's columns."""
        return {spec.flat_key: _flat_value(spec, self.values.get(spec.path)) for spec in FIELDS}

    def problems(self) -> list[Problem]:
        """Why this policy cannot be used for screening: missing or inconsistent keys."""
        return [*_missing(self.values), *_inconsistent(self.values, self.provenance)]

    def to_record(self) -> dict[str, Any]:
        """JSON-ready record of what was used: values, flat form, documents, provenance."""
        return {
            "ref": self.ref,
            "region_code": self.region_code,
            "year": self.year,
            "values": nest(self.values),
            "flat": self.flat(),
            "documents": [doc.to_dict() for doc in self.documents],
            "superseded": [doc.to_dict() for doc in self.superseded],
            "provenance": {path: f"{d.region}/{d.year}" for path, d in self.provenance.items()},
        }


@dataclass(frozen=True, slots=True)
class ValueSource:
    """One key of an effective policy: its value and the document that set it, with that
    document's citation (``meta.source``); ``document`` is None for a key no document sets."""

    path: str
    flat_key: str
    value: Value | None
    document: DocumentRef | None
    citation: str


def value_sources(
    policy: EffectivePolicy, citations: Mapping[tuple[str, int], str]
) -> list[ValueSource]:
    """Every schema key of ``policy`` in schema order, with where its value comes from.

    ``citations``: ``meta.source`` of the documents by (region, year), e.g. from the loaded
    documents; the provenance is keyed by dotted path (not by flat key).
    """
    out = []
    for spec in FIELDS:
        doc = policy.provenance.get(spec.path)
        citation = citations.get((doc.region, doc.year), "") if doc else ""
        out.append(ValueSource(spec.path, spec.flat_key, policy.get(spec.path), doc, citation))
    return out


def policy_ref(values: Mapping[str, Value], documents: tuple[DocumentRef, ...]) -> str:
    payload = {"values": dict(values), "documents": [doc.content_hash for doc in documents]}
    return sha256_json(payload)[:REF_LENGTH]


def require_complete(policy: EffectivePolicy) -> EffectivePolicy:
    """The policy itself, or a PolicyError naming every missing or inconsistent key."""
    problems = policy.problems()
    if problems:
        raise PolicyError(incomplete_message(policy, problems), hint=_completion_hint(policy))
    return policy


def incomplete_message(policy: EffectivePolicy, problems: list[Problem]) -> str:
    where = f"region {policy.region_code} in {policy.year}"
    lines = [
        f"区域 {policy.region_code} {policy.year} 年的政策不能使用 / "
        f"the policy for {where} cannot be used:"
    ]
    lines += [f"  - {p.key}: {p.message}" for p in problems]
    used = ", ".join(doc.label for doc in policy.documents) or "无 / none"
    lines.append(f"  所用文件 / documents used: {used}")
    if policy.superseded:
        old = ", ".join(doc.label for doc in policy.superseded)
        lines.append(f"  已被上级较新文件取代 / superseded by a newer document above them: {old}")
    return "\n".join(lines)


def _completion_hint(policy: EffectivePolicy) -> str:
    return (
        f"在 {policy.region_code}、其上级区域或国家层面年度不晚于 {policy.year} 的文件中补齐缺少的键；"
        "下级文件只在不早于其上各级文件时适用（docs/policy.md，继承） / "
        f"set the missing keys in a document for {policy.region_code}, one of its parent "
        f"regions or the nation, with year ≤ {policy.year}; a lower-level document only "
        "applies if it is not older than every document above it (docs/policy.md, Inheritance)"
    )


def _flat_value(spec: FieldSpec, value: Value | None) -> FlatValue:
    if value is None:
        return None
    if spec.kind in (Kind.yuan, Kind.ratio):
        return float(value)
    if spec.kind is Kind.rank:
        assert spec.choices is not None
        return spec.choices[str(value)]
    return value


def _missing(values: Mapping[str, Value]) -> list[Problem]:
    fix = "在适用的文件中设置此项 / set it in a document that applies"
    problems = [
        Problem(
            spec.path, f"适用的文件都没有设置{spec.zh} / not set by any document that applies", fix
        )
        for spec in FIELDS
        if spec.required and spec.path not in values
    ]
    if DISPOSABLE_SHARE_PATH in values and PRIOR_INCOME_PATH not in values:
        problems.append(
            Problem(
                PRIOR_INCOME_PATH,
                f"已设置 {DISPOSABLE_SHARE_PATH}，因此必须设置{FIELD_BY_PATH[PRIOR_INCOME_PATH].zh} / "
                f"required because {DISPOSABLE_SHARE_PATH} is set",
                fix,
            )
        )
    return problems


def _inconsistent(
    values: Mapping[str, Value], provenance: Mapping[str, DocumentRef]
) -> list[Problem]:
    notice, deadline = values.get(NOTICE_PATH), values.get(DEADLINE_PATH)
    if not (isinstance(notice, int) and isinstance(deadline, int)) or deadline > notice:
        return []
    froms = provenance[NOTICE_PATH].label, provenance[DEADLINE_PATH].label
    return [deadline_problem(notice, deadline, *froms)]
