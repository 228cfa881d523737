"""Every rule on hand-made households at the edges, through the engine's public entry point."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from bottomline.screening.engine import ScreeningResult, screen
from bottomline.screening.explain import TEMPLATES, explain
from bottomline.screening.rules import RULES
from tests.screening.builders import (
    CYCLE,
    HH,
    VILLAGE,
    M,
    id_number_of,
    member_ids,
    policy_table,
    write_feed,
    write_snapshot,
)

LINE = 8700.0
THREE = [
    M(),
    M(relationship="spouse"),
    M(age=10, labour="none", schooling="compulsory", relationship="child"),
]

HOUSEHOLDS = [
    HH(1, members=list(THREE), income=LINE * 3),  # exactly at the line: no hit
    HH(2, members=list(THREE), income=LINE * 3 - 3),  # one yuan per person under
    HH(3, income=0.0),  # zero income, one member
    HH(4, income=None),  # no income record this year
    HH(5, members=[M()], income=LINE - 1, formerly_poor=True),  # one member, formerly poor
    HH(6, income=60000, medical_oop=20000),  # rigid exactly at the absolute trigger: not over
    HH(7, income=60000, medical_oop=52000),  # rigid over, after it 8,000 < line
    HH(8, income=60000, education_oop=30000),  # rigid over but 30,000 left: no hit
    HH(9, income=7000 * 1.0, prev_income=10000),  # drop of exactly 30%
    HH(10, income=7001, prev_income=10000),  # drop of 29.99%
    HH(11, income=14000, prev_income=30000),  # drop, but above 1.5 × line
    HH(12, housing_unsafe=True),
    HH(13, water_unsafe=True),
    HH(14, food_clothing_insecure=True),
    HH(15, members=[M(), M(age=12, labour="none", schooling="dropout", relationship="child")]),
    HH(
        16, members=[M(), M(age=17, labour="none", schooling="dropout", relationship="child")]
    ),  # not compulsory age
    HH(17, members=[M(), M(insured=False, relationship="spouse")]),
    # feeds
    HH(20, formerly_poor=True),  # medical 5,000 formerly-poor trigger, exactly at it
    HH(21),  # medical 19,999.99 for an ordinary household: no hit
    HH(22),  # medical in two periods inside the window, and one outside it
    HH(23),  # disaster: house collapsed, small loss
    HH(24),  # disaster: loss over the trigger, minor damage
    HH(
        25, members=[M(migrant_months=10), M(migrant_months=2, relationship="spouse")]
    ),  # job loss of main earner
    HH(
        26, members=[M(migrant_months=10), M(migrant_months=2, relationship="spouse")]
    ),  # job loss of second earner
    HH(
        27, members=[M(), M(age=8, labour="none", relationship="child")]
    ),  # death of a worker + a child in two feeds
    HH(28),  # new 低保
    HH(29),  # continuing 低保: not new
    HH(30),  # housing appraisal C
    HH(31),  # housing appraisal B
    HH(32),  # water problem
    HH(33),  # school dropout from education feed; non-compulsory costs over the trigger
]


def _feeds(staged: Path) -> None:
    by_id = {h.household_id: h for h in HOUSEHOLDS}

    def who(hid: int, idx: int = 0) -> dict[str, object]:
        return {
            "household_id": hid,
            "member_id": member_ids(by_id[hid])[idx],
            "id_number": id_number_of(by_id[hid], idx),
        }

    write_feed(
        staged,
        "medical",
        CYCLE,
        [
            who(20) | {"self_pay": 5000.0, "visit_type": "inpatient"},
            who(21) | {"self_pay": 19999.99, "visit_type": "inpatient"},
            who(22) | {"self_pay": 15000.0, "visit_type": "inpatient"},
            who(27, 1) | {"self_pay": 300.0, "visit_type": "outpatient"},
        ],
    )
    write_feed(
        staged, "medical", "2025-03", [who(22) | {"self_pay": 6000.0, "visit_type": "inpatient"}]
    )
    write_feed(
        staged, "medical", "2024-10", [who(22) | {"self_pay": 90000.0, "visit_type": "inpatient"}]
    )  # 12 months back: outside
    write_feed(
        staged,
        "emergency",
        CYCLE,
        [
            who(23) | {"disaster_type": "flood", "loss": 2000.0, "house_damage": "collapsed"},
            who(24) | {"disaster_type": "drought", "loss": 12000.0, "house_damage": "minor"},
        ],
    )
    write_feed(
        staged,
        "human_resources",
        CYCLE,
        [who(25, 0) | {"event": "unemployed"}, who(26, 1) | {"event": "contract_ended"}],
    )
    write_feed(
        staged, "public_security", CYCLE, [who(27, 0) | {"event": "death", "cause": "traffic"}]
    )
    write_feed(
        staged,
        "civil_affairs",
        CYCLE,
        [
            who(28) | {"assistance_type": "dibao", "change": "new", "amount": 500.0},
            who(29) | {"assistance_type": "dibao", "change": "continuing", "amount": 500.0},
        ],
    )
    write_feed(staged, "housing", CYCLE, [who(30) | {"grade": "C"}, who(31) | {"grade": "B"}])
    write_feed(staged, "water", CYCLE, [who(32) | {"problem": "supply_cut"}])
    write_feed(
        staged,
        "education",
        CYCLE,
        [
            who(33) | {"stage": "junior", "event": "dropout"},
            who(33) | {"stage": "vocational", "event": "enrolled", "self_pay": 10000.01},
        ],
    )


def _run(
    tmp_path: Path,
    households: list[HH] = HOUSEHOLDS,
    feeds: bool = True,
    covered: pa.Table | None = None,
    **policy: object,
) -> ScreeningResult:
    snap = write_snapshot(tmp_path / "snap", households)
    staged = tmp_path / "staged"
    if feeds:
        _feeds(staged)
    return screen(
        snapshot_dir=snap,
        staged_dir=staged if feeds else None,
        policy=policy_table([VILLAGE], **policy),
        cycle=CYCLE,
        covered=covered,
    )


def _hits(result: ScreeningResult) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for hid, rule in zip(
        result.hits["household_id"].to_pylist(), result.hits["rule_id"].to_pylist(), strict=True
    ):
        out.setdefault(hid, set()).add(rule)
    return out


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> ScreeningResult:
    return _run(tmp_path_factory.mktemp("rules"))


EXPECTED: dict[int, set[str]] = {
    2: {"income.within_range"},
    3: {"income.within_range"},
    5: {"income.within_range"},
    7: {"expenditure.rigid"},
    9: {"income.within_range", "income.sharp_drop"},
    10: {"income.within_range"},
    12: {"guarantee.housing"},
    13: {"guarantee.water"},
    14: {"guarantee.food_clothing"},
    15: {"guarantee.compulsory_dropout"},
    20: {"dept.medical_bill"},
    22: {"dept.medical_bill"},
    23: {"dept.disaster"},
    24: {"dept.disaster"},
    25: {"dept.job_loss"},
    27: {"dept.death_disability"},
    28: {"dept.new_assistance"},
    30: {"dept.housing_appraisal"},
    32: {"dept.water"},
    33: {"dept.school_dropout", "dept.education_cost"},
}


def test_every_household_gets_exactly_the_expected_hits(result: ScreeningResult) -> None:
    assert _hits(result) == EXPECTED
    assert result.households == len(HOUSEHOLDS)


def test_every_rule_is_exercised() -> None:
    switched_on = {"guarantee.medical_insurance"}  # off unless a policy says so (below)
    assert {r for rules in EXPECTED.values() for r in rules} | switched_on == {r.id for r in RULES}


def test_uninsured_member_is_a_risk_only_where_policy_says_so(tmp_path: Path) -> None:
    result = _run(tmp_path, feeds=False, trig_uninsured=True)
    assert _hits(result)[17] == {"guarantee.medical_insurance"}
    off = _run(tmp_path / "off", feeds=False, trig_uninsured=False)
    assert 17 not in _hits(off)


def _evidence(result: ScreeningResult, hid: int, rule: str) -> list[float | None]:
    rows = result.hits.filter(
        pa.compute.and_(
            pa.compute.equal(result.hits["household_id"], hid),
            pa.compute.equal(result.hits["rule_id"], rule),
        )
    )
    n = len(next(r for r in RULES if r.id == rule).evidence)
    return [rows[f"v{i + 1}"][0].as_py() for i in range(n)]


def test_evidence_values(result: ScreeningResult) -> None:
    assert _evidence(result, 2, "income.within_range") == [LINE - 1, LINE, 3.0]
    # income, registry medical, medical-insurance feed, education, left per person, line
    assert _evidence(result, 7, "expenditure.rigid") == [60000.0, 52000.0, 0.0, 0.0, 8000.0, LINE]
    assert _evidence(result, 9, "income.sharp_drop") == pytest.approx([10000.0, 7000.0, 0.3])
    assert _evidence(result, 20, "dept.medical_bill") == [5000.0, 5000.0, 1.0]
    assert _evidence(result, 22, "dept.medical_bill") == [
        21000.0,
        20000.0,
        2.0,
    ]  # 2024-10 outside the window
    assert _evidence(result, 23, "dept.disaster") == [2000.0, 10000.0, 3.0]


def test_risk_types(result: ScreeningResult) -> None:
    risks = {
        (h, r): t
        for h, r, t in zip(
            *(result.hits[c].to_pylist() for c in ("household_id", "rule_id", "risk_type")),
            strict=True,
        )
    }
    assert risks[(23, "dept.disaster")] == "disaster_flood"
    assert risks[(24, "dept.disaster")] == "disaster_drought"
    assert risks[(27, "dept.death_disability")] == "accident"
    assert risks[(25, "dept.job_loss")] == "unstable_employment"
    assert risks[(7, "expenditure.rigid")] == "illness"
    assert risks[(3, "income.within_range")] == "other"


def test_leads_one_per_household_with_category(result: ScreeningResult) -> None:
    leads = {row["household_id"]: row for row in result.leads.to_pylist()}
    assert set(leads) == set(EXPECTED)
    assert leads[5]["category"] == "unstable"  # formerly poor, under the line
    assert leads[2]["category"] == "marginal"
    assert leads[20]["category"] == "sudden"  # above the line, shock
    assert set(leads[33]["rule_ids"]) == {"dept.school_dropout", "dept.education_cost"}
    assert leads[33]["hits"] == 2


def test_no_feed_rows_at_all(tmp_path: Path) -> None:
    result = _run(tmp_path, feeds=False)
    assert not any(r.startswith("dept.") for rules in _hits(result).values() for r in rules)
    assert _hits(result)[2] == {"income.within_range"}


def test_switches_turn_department_rules_off(tmp_path: Path) -> None:
    result = _run(tmp_path, trig_job_loss=False, trig_death_disability=False, trig_water=False)
    hit_rules = {r for rules in _hits(result).values() for r in rules}
    assert not hit_rules & {"dept.job_loss", "dept.death_disability", "dept.water"}
    assert "dept.new_assistance" in hit_rules


def test_rigid_share_triggers(tmp_path: Path) -> None:
    households = [HH(1, income=16000, medical_oop=8100), HH(2, income=16000, medical_oop=8000)]
    result = _run(tmp_path, households, feeds=False, rigid_absolute=None, rigid_income_share=0.5)
    # 8,100 > 0.5 × 16,000 and leaves 7,900 < 8,700; 8,000 is not over half the income
    assert _hits(result) == {1: {"expenditure.rigid"}}


def test_covered_risks_are_not_raised_again(tmp_path: Path) -> None:
    covered = pa.table(
        {"household_id": pa.array([2, 33], pa.int64()), "risk_type": ["other", "schooling"]}
    )
    result = _run(tmp_path, covered=covered)
    raised = set(result.leads["household_id"].to_pylist())
    assert 2 not in raised
    assert 33 not in raised
    assert result.suppressed == 2


def test_a_new_risk_raises_a_lead_despite_an_open_one(tmp_path: Path) -> None:
    covered = pa.table({"household_id": pa.array([9], pa.int64()), "risk_type": ["illness"]})
    result = _run(tmp_path, covered=covered)
    assert 9 in set(result.leads["household_id"].to_pylist())


def test_every_rule_explains_itself(result: ScreeningResult) -> None:
    assert set(TEMPLATES) == {r.id for r in RULES}
    for row in result.hits.to_pylist():
        slots = [row[f"v{i}"] for i in range(1, 7)]
        zh, en = explain(row["rule_id"], slots), explain(row["rule_id"], slots, lang="en")
        assert zh
        assert en
        assert "{" not in zh + en
    assert (
        explain("income.within_range", [8699.0, 8700.0, 3.0])
        == "人均纯收入8,699元，低于监测范围8,700元（3口人）"
    )
