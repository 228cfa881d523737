"""The policy table: one row per region code, equal to resolve() for that code."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bottomline.errors import PolicyError
from bottomline.policy import (
    FLAT_KEYS,
    PolicyDocument,
    effective_policies,
    policy_schema,
    policy_table,
    resolve,
)
from bottomline.policy.schema import DISPOSABLE_SHARE_PATH
from tests.policy.builders import COMPLETE, make_doc
from tests.policy.test_inheritance import YEARS, settings_st

NATION = "000000000000"
# Two provinces, two counties, their townships and villages.
REGIONS = [
    "530000000000",
    "532328000000",
    "532328101000",
    "532328101201",
    "532328101202",
    "532328102001",
    "532301000000",
    "532301001001",
    "350000000000",
    "350121000000",
    "350121100100",
]


@st.composite
def documents(draw: st.DrawFn) -> list[PolicyDocument]:
    """A complete national document in force from 2015, and partial ones below it."""
    docs = [make_doc(NATION, 2015, COMPLETE)]
    keys = st.tuples(st.sampled_from(REGIONS), YEARS)
    for region, year in draw(st.lists(keys, unique=True, max_size=8)):
        values = draw(settings_st())
        values.pop(DISPOSABLE_SHARE_PATH, None)  # keep every policy complete
        docs.append(make_doc(region, year, values))
    return docs


@settings(max_examples=150, deadline=None)
@given(documents(), YEARS, st.lists(st.sampled_from([NATION, *REGIONS]), min_size=1))
def test_rows_equal_resolve_per_region(
    docs: list[PolicyDocument], year: int, codes: list[str]
) -> None:
    table = policy_table(docs, year, codes)
    assert table.column("region_code").to_pylist() == list(dict.fromkeys(codes))
    for row in table.to_pylist():
        policy = resolve(docs, row.pop("region_code"), year)
        assert row.pop("policy_ref") == policy.ref
        assert row == policy.flat()


def test_columns_and_types() -> None:
    table = policy_table([make_doc(NATION, 2021, COMPLETE)], 2025, ["532328101201"])
    assert table.schema == policy_schema()
    assert table.column_names == ["region_code", "policy_ref", *FLAT_KEYS]
    types = dict(zip(table.column_names, table.schema.types, strict=True))
    assert types["income_line"] == pa.float64()
    assert types["medical_window_months"] == pa.int32()
    assert types["housing_min_grade_rank"] == pa.int32()
    assert types["trig_water"] == pa.bool_()
    assert types["day_count"] == pa.string()
    row = table.to_pylist()[0]
    assert (row["disaster_min_damage_rank"], row["housing_min_grade_rank"]) == (2, 3)


def test_flat_keys_are_exactly_the_agreed_list() -> None:
    assert FLAT_KEYS == (
        "income_line", "prior_disposable_income", "rigid_absolute", "rigid_income_share",
        "rigid_disposable_share", "drop_share", "drop_watch_multiple", "medical_formerly_poor",
        "medical_other", "medical_window_months", "medical_inpatient",
        "medical_chronic_outpatient", "medical_outpatient", "education_self_pay", "disaster_loss",
        "disaster_min_damage_rank", "housing_min_grade_rank", "trig_job_loss",
        "trig_death_disability", "trig_new_assistance", "trig_school_dropout", "trig_water",
        "trig_uninsured", "notice_days", "deadline_days", "day_count", "elim_min_months",
        "elim_income_stable_months",
    )  # fmt: skip


def test_duplicate_codes_give_one_row() -> None:
    codes = ["532328101201", "532328101201", "532328101202"]
    table = policy_table([make_doc(NATION, 2021, COMPLETE)], 2025, codes)
    assert table.column("region_code").to_pylist() == ["532328101201", "532328101202"]


def test_empty_region_list_gives_an_empty_table() -> None:
    table = policy_table([make_doc(NATION, 2021, COMPLETE)], 2025, [])
    assert table.num_rows == 0
    assert table.schema == policy_schema()


def test_incomplete_regions_are_listed_together() -> None:
    docs = [
        make_doc(NATION, 2021, {k: v for k, v in COMPLETE.items() if "income_line" not in k}),
        make_doc("530000000000", 2025, {"standard.income_line": 8700}),
    ]
    codes = ["532328101201", "532328101202", "350121100100"]
    with pytest.raises(PolicyError) as raised:
        policy_table(docs, 2025, codes)
    message = raised.value.message
    assert message.startswith(
        "3 个区域代码中有 1 个在 2025 年没有可用的政策 / "
        "1 of 3 region codes have no usable policy for 2025"
    )
    assert "350121100100" in message
    assert "standard.income_line" in message


def test_effective_policies_by_ref() -> None:
    docs = [
        make_doc(NATION, 2021, COMPLETE),
        make_doc("532328000000", 2025, {"standard.income_line": 8700}),
    ]
    codes = ["532328101202", "532328101201", "350121100100", "532301001001"]
    policies = effective_policies(docs, 2025, codes)
    table = policy_table(docs, 2025, codes)
    assert set(policies) == set(table.column("policy_ref").to_pylist())
    assert len(policies) == 2
    regions = sorted(p.region_code for p in policies.values())
    assert regions == ["350121100100", "532328101201"]  # the smallest code of each


def test_many_village_codes_resolve_once_per_chain() -> None:
    docs = [make_doc(NATION, 2021, COMPLETE), make_doc("532328101000", 2022, {})]
    codes = [f"532328{t:03d}{v:03d}" for t in range(100, 110) for v in range(1, 501)]
    table = policy_table(docs, 2025, codes)
    assert table.num_rows == 5000
    assert len(set(table.column("policy_ref").to_pylist())) == 2
