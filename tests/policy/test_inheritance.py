"""Inheritance, provenance, supersession and refs: examples and hypothesis properties."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bottomline.errors import PolicyError, UnknownRegionError
from bottomline.policy import EffectivePolicy, PolicyDocument, region_chain, resolve
from bottomline.policy.schema import FIELDS, Kind, Value
from tests.policy.builders import COMPLETE, make_doc

VILLAGE = "532328101201"
CHAIN = region_chain(VILLAGE)
YEARS = st.integers(2018, 2028)

# Small pools of valid values, so equal values recur (refs must then agree).
_POOLS: dict[Kind, list[Value]] = {
    Kind.yuan: [5000, 8700, 20000],
    Kind.ratio: [0.3, 0.5, 1],
}


def _pool(path: str) -> list[Value]:
    spec = next(s for s in FIELDS if s.path == path)
    if path == "procedure.notice_days":
        return [5, 7, 10]
    if path == "procedure.identification_deadline_days":
        return [15, 20, 30]
    if spec.kind is Kind.integer:
        return [6, 12]
    if spec.kind is Kind.switch:
        return [True, False]
    if spec.choices is not None:
        return list(spec.choices)
    return list(_POOLS[spec.kind])


PATHS = [s.path for s in FIELDS]


@st.composite
def settings_st(draw: st.DrawFn) -> dict[str, Value]:
    paths = draw(st.lists(st.sampled_from(PATHS), unique=True, max_size=8))
    return {path: draw(st.sampled_from(_pool(path))) for path in paths}


@st.composite
def chain_documents(draw: st.DrawFn) -> list[PolicyDocument]:
    """0–3 documents per level of the village's chain, with distinct years per region."""
    docs = []
    for code in CHAIN:
        years = draw(st.lists(YEARS, unique=True, max_size=3))
        docs += [make_doc(code, year, draw(settings_st())) for year in years]
    return docs


# --- an oracle written from the documented rule, not from the implementation ----------------


def _latest(docs: list[PolicyDocument], code: str, year: int) -> PolicyDocument | None:
    mine = [d for d in docs if d.region == code and d.year <= year]
    return max(mine, key=lambda d: d.year, default=None)


def _applies(docs: list[PolicyDocument], level: int, year: int) -> bool:
    """A document applies unless some ancestor region has a newer one (≤ year)."""
    doc = _latest(docs, CHAIN[level], year)
    if doc is None:
        return False
    above = (_latest(docs, code, year) for code in CHAIN[:level])
    return all(a is None or a.year <= doc.year for a in above)


@dataclass
class Expected:
    values: dict[str, Value]
    source: dict[str, PolicyDocument]
    used: list[PolicyDocument]


def _expected(docs: list[PolicyDocument], year: int) -> Expected:
    used = [_latest(docs, c, year) for i, c in enumerate(CHAIN) if _applies(docs, i, year)]
    used_docs = [d for d in used if d is not None]
    values: dict[str, Value] = {}
    source: dict[str, PolicyDocument] = {}
    for path in PATHS:
        setters = [d for d in used_docs if d.get(path) is not None]
        if setters:  # the deepest non-superseded document that sets it
            deepest = setters[-1]
            values[path] = deepest.get(path)  # type: ignore[assignment]
            source[path] = deepest
    return Expected(values, source, used_docs)


@settings(max_examples=300, deadline=None)
@given(chain_documents(), YEARS)
def test_each_value_comes_from_the_deepest_applying_document(
    docs: list[PolicyDocument], year: int
) -> None:
    policy = resolve(docs, VILLAGE, year, complete=False)
    expected = _expected(docs, year)
    assert dict(policy.values) == expected.values
    assert {p: d for p, d in policy.provenance.items()} == {
        p: d.ref for p, d in expected.source.items()
    }
    assert list(policy.documents) == [d.ref for d in expected.used]
    assert set(policy.superseded).isdisjoint(policy.documents)


@settings(max_examples=200, deadline=None)
@given(chain_documents(), YEARS, st.randoms(use_true_random=False))
def test_resolution_does_not_depend_on_document_order(
    docs: list[PolicyDocument], year: int, rng: random.Random
) -> None:
    shuffled = list(docs)
    rng.shuffle(shuffled)
    a = resolve(docs, VILLAGE, year, complete=False)
    b = resolve(reversed(shuffled), VILLAGE, year, complete=False)
    assert a == b


def _identity(policy: EffectivePolicy) -> tuple[object, ...]:
    return (dict(policy.values), [d.content_hash for d in policy.documents])


@st.composite
def mutated(draw: st.DrawFn) -> tuple[list[PolicyDocument], list[PolicyDocument]]:
    """A set of documents and a copy with one document changed, dropped or retitled."""
    docs = draw(chain_documents().filter(bool))
    at = draw(st.integers(0, len(docs) - 1))
    old = docs[at]
    how = draw(st.sampled_from(["value", "drop", "title", "add"]))
    changed = dict(old.settings)
    if how == "drop":
        return docs, docs[:at] + docs[at + 1 :]
    if how in ("value", "add") and (how == "add" or changed):
        path = draw(st.sampled_from(sorted(changed) if how == "value" else PATHS))
        changed[path] = draw(st.sampled_from(_pool(path)))
    new = make_doc(old.region, old.year, changed, title="retitled" if how == "title" else "test")
    return docs, [*docs[:at], new, *docs[at + 1 :]]


@settings(max_examples=400, deadline=None)
@given(mutated(), YEARS)
def test_ref_changes_iff_values_or_used_documents_change(
    pair: tuple[list[PolicyDocument], list[PolicyDocument]], year: int
) -> None:
    a = resolve(pair[0], VILLAGE, year, complete=False)
    b = resolve(pair[1], VILLAGE, year, complete=False)
    assert (a.ref == b.ref) == (_identity(a) == _identity(b))


# --- examples ----------------------------------------------------------------------------


NATION, PROVINCE, COUNTY = "000000000000", "530000000000", "532328000000"
LINE = "standard.income_line"


def test_province_new_year_supersedes_an_older_county_override() -> None:
    docs = [
        make_doc(NATION, 2021, COMPLETE),
        make_doc(PROVINCE, 2025, {LINE: 8700}),
        make_doc(COUNTY, 2023, {LINE: 8050, "procedure.notice_days": 7}),
    ]
    policy = resolve(docs, COUNTY, 2025)
    assert policy.get(LINE) == 8700
    assert policy.get("procedure.notice_days") == 5  # the whole county document is ignored
    assert [d.year for d in policy.superseded] == [2023]


@pytest.mark.parametrize("county_year", [2025, 2026])
def test_county_same_year_or_newer_override_wins(county_year: int) -> None:
    docs = [
        make_doc(NATION, 2021, COMPLETE),
        make_doc(PROVINCE, 2025, {LINE: 8700}),
        make_doc(COUNTY, county_year, {LINE: 9000}),
    ]
    policy = resolve(docs, COUNTY, 2026)
    assert policy.get(LINE) == 9000
    assert policy.provenance[LINE].region == COUNTY
    assert policy.provenance["procedure.notice_days"].region == NATION


def test_a_region_takes_only_its_latest_document() -> None:
    docs = [
        make_doc(NATION, 2021, COMPLETE),
        make_doc(COUNTY, 2022, {LINE: 8000, "triggers.education.self_pay": 5000}),
        make_doc(COUNTY, 2023, {LINE: 8050}),
    ]
    policy = resolve(docs, COUNTY, 2024)
    assert policy.get(LINE) == 8050
    assert policy.get("triggers.education.self_pay") == 10000  # not carried from 2022


def test_future_documents_do_not_apply() -> None:
    docs = [make_doc(NATION, 2021, COMPLETE), make_doc(COUNTY, 2030, {LINE: 9999})]
    assert resolve(docs, COUNTY, 2029).get(LINE) == 6000


def test_incomplete_policy_names_missing_keys_and_region() -> None:
    docs = [make_doc(NATION, 2021, {LINE: 6000})]
    with pytest.raises(PolicyError) as raised:
        resolve(docs, COUNTY, 2025)
    message = raised.value.message
    assert f"region {COUNTY} in 2025" in message
    assert "procedure.notice_days" in message
    assert "triggers.rigid_expenditure" not in message  # optional: unset means not set


def test_deadline_must_exceed_inherited_notice() -> None:
    docs = [
        make_doc(NATION, 2021, COMPLETE),
        make_doc(COUNTY, 2022, {"procedure.notice_days": 20}),
    ]
    with pytest.raises(PolicyError, match="identification_deadline_days"):
        resolve(docs, COUNTY, 2022)


def test_no_document_at_all() -> None:
    with pytest.raises(PolicyError, match="所用文件 / documents used: 无 / none"):
        resolve([], COUNTY, 2025)


@pytest.mark.parametrize("code", ["53232800000", "53232800000a", "", "532328-00000"])
def test_bad_region_code(code: str) -> None:
    with pytest.raises(UnknownRegionError):
        resolve([make_doc(NATION, 2021, COMPLETE)], code, 2025)


@pytest.mark.parametrize("year", [2014, 2101])
def test_bad_year(year: int) -> None:
    with pytest.raises(PolicyError, match="outside"):
        resolve([make_doc(NATION, 2021, COMPLETE)], COUNTY, year)


@pytest.mark.parametrize(
    ("code", "chain"),
    [
        ("000000000000", ("000000000000",)),
        ("530000000000", ("000000000000", "530000000000")),
        ("532300000000", ("000000000000", "530000000000", "532300000000")),
        ("532328000000", ("000000000000", "530000000000", "532300000000", "532328000000")),
        (
            "532328101201",
            (
                "000000000000",
                "530000000000",
                "532300000000",
                "532328000000",
                "532328101000",
                "532328101201",
            ),
        ),
        ("110101000000", ("000000000000", "110000000000", "110100000000", "110101000000")),
    ],
)
def test_region_chain(code: str, chain: tuple[str, ...]) -> None:
    assert region_chain(code) == chain


def test_to_record_is_json_ready() -> None:
    policy = resolve([make_doc(NATION, 2021, COMPLETE)], COUNTY, 2025)
    record = json.loads(json.dumps(policy.to_record()))
    assert record["ref"] == policy.ref
    assert record["values"]["standard"]["income_line"] == 6000
    assert record["provenance"][LINE] == "000000000000/2021"


def test_value_sources_name_the_document_and_its_citation() -> None:
    from bottomline.policy import value_sources

    docs = [make_doc(NATION, 2021, COMPLETE), make_doc(COUNTY, 2022, {LINE: 7000})]
    policy = resolve(docs, COUNTY, 2022)
    citations = {(d.region, d.year): d.source for d in docs}
    rows = {row.path: row for row in value_sources(policy, citations)}
    assert rows[LINE].value == 7000
    assert rows[LINE].document is not None
    assert (rows[LINE].document.region, rows[LINE].document.year) == (COUNTY, 2022)
    assert rows[LINE].citation == citations[(COUNTY, 2022)]
    assert rows["procedure.notice_days"].document == docs[0].ref
    unset = rows["triggers.guarantees.uninsured_member"]
    assert (unset.value, unset.document, unset.citation) == (None, None, "")
