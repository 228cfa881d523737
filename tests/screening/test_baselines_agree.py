"""Conformance: the engine, the plain-pandas baseline and the hand-written SQL give the same hits.

Each scenario is built by hand at the edges of every rule (and, when ``bottomline.synth`` can
make one, a small synthetic county). The three hit sets must be identical — household, rule
and risk type exactly, evidence values within 1e-6 relative — and the edge households must
get exactly the hits written out here, so the three cannot agree on a shared mistake.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from bottomline.screening.engine import screen
from bottomline.screening.rules import RULES
from bottomline.users.actor import SYSTEM
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

if TYPE_CHECKING:
    from bottomline.synth.population import Population

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from baselines.pandas_rules import screen_pandas
from baselines.sql_rules import screen_sql

# The engine calls ibis' ``execute``, which reads a pandas option deprecated in pandas 3.
pytestmark = pytest.mark.filterwarnings(
    "ignore:The 'future.infer_string' option is deprecated:pandas.errors.Pandas4Warning"
)

LINE = 8700.0
V2 = "532328101202"  # a second village with its own policy
V3 = "532328101203"
V4 = "532328101204"
SYNTH_CYCLE = "2025-09"  # a school-term, flood-season month: every department feed has rows
KEYS = ["household_id", "rule_id", "risk_type"]
EXACT = ["village_code", "formerly_poor", "in_range", "policy_ref", "rule_version"]
CLOSE = ["v1", "v2", "v3", "v4", "v5", "v6", "pc"]
EXACT_INCOME = ["income_source", "income_year", "income_on"]

Feeds = Callable[[Path], None]
Expected = dict[int, set[tuple[str, str]]]


# --- running the three ---------------------------------------------------------------------


def _run_all(
    tmp_path: Path, households: list[HH], feeds: Feeds | None, policy: pa.Table
) -> dict[str, pa.Table]:
    snap = write_snapshot(tmp_path / "snap", households)
    staged = tmp_path / "staged"
    staged.mkdir(exist_ok=True)
    if feeds is not None:
        feeds(staged)
    return _three(snap, staged, policy, CYCLE)


def _three(snap: Path, staged: Path | None, policy: pa.Table, cycle: str) -> dict[str, pa.Table]:
    return {
        "engine": screen(snapshot_dir=snap, staged_dir=staged, policy=policy, cycle=cycle).hits,
        "pandas": screen_pandas(snap, staged, policy, cycle),
        "sql": screen_sql(snap, staged, policy, cycle),
    }


def _sorted(hits: pa.Table) -> pd.DataFrame:
    return hits.to_pandas().sort_values(KEYS, kind="stable").reset_index(drop=True)


def assert_agree(results: dict[str, pa.Table]) -> pd.DataFrame:
    """The hit sets are identical; returns the engine's, sorted."""
    engine = _sorted(results["engine"])
    for name in ("pandas", "sql"):
        assert results[name].schema == results["engine"].schema, name
        other = _sorted(results[name])
        assert other[KEYS].equals(engine[KEYS]), (name, _diff(engine, other))
        assert other[EXACT].equals(engine[EXACT]), name
        for col in EXACT_INCOME:
            same = (other[col] == engine[col]) | (other[col].isna() & engine[col].isna())
            assert same.all(), (name, col, other.loc[~same, [*KEYS, col]], engine.loc[~same, col])
        for col in CLOSE:
            close = np.isclose(other[col], engine[col], rtol=1e-6, atol=1e-9, equal_nan=True)
            assert close.all(), (
                name,
                col,
                other.loc[~close, [*KEYS, col]],
                engine.loc[~close, col],
            )
    return engine


def _diff(a: pd.DataFrame, b: pd.DataFrame) -> str:
    left = set(map(tuple, a[KEYS].itertuples(index=False)))
    right = set(map(tuple, b[KEYS].itertuples(index=False)))
    return f"engine only: {sorted(left - right)}; baseline only: {sorted(right - left)}"


def _hit_set(hits: pd.DataFrame) -> Expected:
    out: Expected = {}
    for hid, rule, risk in hits[KEYS].itertuples(index=False):
        out.setdefault(int(hid), set()).add((rule, risk))
    return out


def _evidence(hits: pd.DataFrame, hid: int, rule: str) -> list[float | None]:
    row = hits[(hits["household_id"] == hid) & (hits["rule_id"] == rule)]
    assert len(row) == 1, (hid, rule)
    slots = [f"v{i}" for i in range(1, 7)]
    values = [None if pd.isna(v) else float(v) for v in row[slots].iloc[0]]
    while len(values) > 3 and values[-1] is None:
        values.pop()
    return values


# --- the edge scenario ---------------------------------------------------------------------

THREE = [
    M(),
    M(relationship="spouse"),
    M(age=10, labour="none", schooling="compulsory", relationship="child"),
]
COUPLE = [M(), M(relationship="spouse")]
CHILD = M(age=8, labour="none", schooling="compulsory", relationship="child")

EDGES = [
    # income and the household view
    HH(1, members=list(THREE), income=LINE * 3),  # exactly at the line: no hit
    HH(2, members=list(THREE), income=LINE * 3 - 3),  # one yuan per person under
    HH(3, income=0.0),  # zero income, one member
    HH(4, income=None),  # no income record: no income rule
    HH(5, members=[M(health="chronic")], income=LINE - 1, formerly_poor=True),
    HH(6, members=[M(health="disabled", labour="lost")], income=100.0),
    HH(
        7,
        members=[M(age=70, labour="none"), M(age=68, labour="lost", relationship="spouse")],
        income=5000.0,
    ),
    # rigid expenditure (absolute trigger 20,000)
    HH(8, income=60000, medical_oop=20000),  # at the trigger: not over
    HH(9, income=60000, medical_oop=52000),  # over, 8,000 left < line
    HH(10, income=60000, medical_oop=1000, education_oop=51000),  # schooling costs dominate
    HH(11, income=60000, education_oop=30000),  # over, but 30,000 left
    HH(12, income=60000, medical_oop=26000, education_oop=26000),  # a tie goes to illness
    # sharp drop (30 %, below 1.5 × line)
    HH(13, income=7000.0, prev_income=10000.0),  # exactly 30 %
    HH(14, income=7001.0, prev_income=10000.0),  # 29.99 %
    HH(15, income=14000.0, prev_income=30000.0),  # above 1.5 × line
    HH(16, income=13049.0, prev_income=30000.0),  # just below 1.5 × line
    # guarantees
    HH(17, housing_unsafe=True),
    HH(18, water_unsafe=True),
    HH(19, food_clothing_insecure=True),
    HH(
        20,
        members=[
            M(),
            M(age=15, labour="none", schooling="dropout", relationship="child"),
            M(age=6, labour="none", schooling="dropout", relationship="child"),
        ],
    ),
    HH(
        21,
        members=[
            M(),
            M(age=16, labour="none", schooling="dropout", relationship="child"),
            M(age=5, labour="none", schooling="dropout", relationship="child"),
        ],
    ),
    HH(
        22,
        members=[
            M(),
            M(insured=False, relationship="spouse"),
            M(age=12, labour="none", schooling="compulsory", insured=False, relationship="child"),
        ],
    ),
    # medical (formerly poor 5,000, others 20,000, 12 months; village V2: 3 months)
    HH(30, formerly_poor=True),  # exactly at the trigger
    HH(31),  # one cent under
    HH(32),  # three periods inside the window, one just outside, one in the future
    HH(33, village_code=V2),  # 3-month window drops an older row
    # disaster (loss 10,000 or house at least severely damaged)
    HH(40),  # collapsed, small loss
    HH(41),  # loss exactly at the trigger, minor damage
    HH(42),  # one cent under, minor damage
    HH(43),  # two disasters: the larger loss names the type
    HH(44),  # a type outside the list
    HH(45),  # severe damage, small loss
    # job loss
    HH(
        50, members=[M(migrant_months=10), M(migrant_months=2, relationship="spouse")]
    ),  # main earner
    HH(
        51, members=[M(migrant_months=10), M(migrant_months=2, relationship="spouse")]
    ),  # second earner
    HH(
        52, members=[M(age=70, labour="none"), M(age=66, labour="lost", relationship="spouse")]
    ),  # nobody can work
    HH(
        53, members=[M(relationship="spouse", migrant_months=6), M(migrant_months=6)]
    ),  # the head wins a tie
    HH(
        54,
        members=[
            M(age=70, labour="none", migrant_months=12),
            M(relationship="spouse", migrant_months=1),
        ],
    ),  # able first
    HH(
        55,
        members=[
            M(relationship="spouse", migrant_months=3),
            M(age=20, relationship="child", migrant_months=3),
        ],
    ),  # smallest id
    HH(56),  # only an employment (not a loss) event
    # death and disability (working members only)
    HH(60, members=[M(), CHILD]),  # death of the worker
    HH(61),  # disabling injury
    HH(62),  # new disability certificate
    HH(63, members=[M(), CHILD]),  # death of a child
    HH(64),  # a mere injury
    HH(65, members=list(COUPLE)),  # one member in two feeds
    # new assistance
    HH(70),  # new 低保
    HH(71, members=list(COUPLE)),  # new 特困 and new 低保
    HH(72),  # continuing 低保
    HH(73),  # new temporary assistance
    HH(74, members=[M(health="serious")]),  # risk follows the household's cause
    # education
    HH(
        80, members=[M(), M(age=12, labour="none", schooling="compulsory", relationship="child")]
    ),  # one pupil reported twice
    HH(81),  # a senior-high dropout is not compulsory
    HH(82),  # costs a cent over the trigger
    HH(83),  # costs exactly at the trigger
    HH(84),  # costs summed over 12 months, compulsory stages left out
    HH(85),  # enrolled without an amount
    # housing and water
    HH(90),  # grade C
    HH(91),  # grade B
    HH(92),  # grades B and D
    HH(95),  # two water problems
    HH(96),  # nothing at all
]


def _who(households: list[HH]) -> Callable[..., dict[str, object]]:
    by_id = {h.household_id: h for h in households}

    def who(hid: int, idx: int = 0) -> dict[str, object]:
        h = by_id[hid]
        return {
            "household_id": hid,
            "member_id": member_ids(h)[idx],
            "id_number": id_number_of(h, idx),
        }

    return who


def _edge_feeds(staged: Path) -> None:
    who = _who(EDGES)
    inpatient = {"visit_type": "inpatient"}
    write_feed(
        staged,
        "medical",
        CYCLE,
        [
            who(30) | inpatient | {"self_pay": 5000.0},
            who(31) | inpatient | {"self_pay": 19999.99},
            # ordinary outpatient care: not counted toward the thresholds by the default policy
            # (30's evidence stays 5,000 in 1 settlement); 门诊慢特病 is (32: 21,000 + 1)
            who(30) | {"visit_type": "outpatient", "self_pay": 1.0},
            who(32) | {"visit_type": "chronic_outpatient", "self_pay": 1.0},
            who(32) | inpatient | {"self_pay": 15000.0},
            who(33) | inpatient | {"self_pay": 12000.0},
        ],
    )
    write_feed(staged, "medical", "2025-08", [who(33) | inpatient | {"self_pay": 5000.0}])
    write_feed(staged, "medical", "2025-07", [who(33) | inpatient | {"self_pay": 9000.0}])
    write_feed(staged, "medical", "2025-03", [who(32) | inpatient | {"self_pay": 6000.0}])
    write_feed(staged, "medical", "2024-11", [who(32) | inpatient | {"self_pay": 1.0}])
    write_feed(staged, "medical", "2024-10", [who(32) | inpatient | {"self_pay": 90000.0}])
    write_feed(staged, "medical", "2025-11", [who(32) | inpatient | {"self_pay": 90000.0}])
    write_feed(
        staged,
        "emergency",
        CYCLE,
        [
            who(40) | {"disaster_type": "flood", "loss": 2000.0, "house_damage": "collapsed"},
            who(41) | {"disaster_type": "drought", "loss": 10000.0, "house_damage": "minor"},
            who(42) | {"disaster_type": "meteorological", "loss": 9999.99, "house_damage": "minor"},
            who(43) | {"disaster_type": "flood", "loss": 3000.0, "house_damage": "none"},
            who(43) | {"disaster_type": "earthquake", "loss": 8000.0, "house_damage": "minor"},
            who(44) | {"disaster_type": "other", "loss": 50000.0, "house_damage": "none"},
            who(45) | {"disaster_type": "biological", "loss": 100.0, "house_damage": "severe"},
        ],
    )
    write_feed(
        staged,
        "human_resources",
        CYCLE,
        [
            who(50, 0) | {"event": "unemployed"},
            who(51, 1) | {"event": "contract_ended"},
            who(52, 0) | {"event": "unemployed"},
            who(53, 0) | {"event": "employed"},
            who(53, 1) | {"event": "contract_ended"},
            who(54, 0) | {"event": "unemployed"},
            who(54, 1) | {"event": "unemployed"},
            who(55, 0) | {"event": "unemployed"},
            who(55, 1) | {"event": "unemployed"},
            who(56, 0) | {"event": "employed"},
        ],
    )
    write_feed(
        staged,
        "public_security",
        CYCLE,
        [
            who(60, 0) | {"event": "death", "cause": "traffic"},
            who(61, 0) | {"event": "disabling_injury", "cause": "accident"},
            who(63, 1) | {"event": "death", "cause": "illness"},
            who(64, 0) | {"event": "injury", "cause": "traffic"},
            who(65, 0) | {"event": "death", "cause": "accident"},
        ],
    )
    write_feed(
        staged,
        "disabled",
        CYCLE,
        [
            who(62, 0) | {"certificate_no": "x", "category": "4", "grade": "2"},
            who(65, 0) | {"certificate_no": "x", "category": "4", "grade": "1"},
        ],
    )
    write_feed(
        staged,
        "civil_affairs",
        CYCLE,
        [
            who(70) | {"assistance_type": "dibao", "change": "new", "amount": 500.0},
            who(71, 0) | {"assistance_type": "tekun", "change": "new", "amount": 800.0},
            who(71, 1) | {"assistance_type": "dibao", "change": "new", "amount": 500.0},
            who(72) | {"assistance_type": "dibao", "change": "continuing", "amount": 500.0},
            who(73) | {"assistance_type": "temporary", "change": "new", "amount": 300.0},
            who(74) | {"assistance_type": "dibao", "change": "new", "amount": 500.0},
        ],
    )
    write_feed(
        staged,
        "education",
        CYCLE,
        [
            who(80, 1) | {"stage": "junior", "event": "dropout"},
            who(80, 1) | {"stage": "junior", "event": "dropout"},
            who(81) | {"stage": "senior_high", "event": "dropout"},
            who(82) | {"stage": "vocational", "event": "enrolled", "self_pay": 10000.01},
            who(83) | {"stage": "undergraduate", "event": "enrolled", "self_pay": 10000.0},
            who(84) | {"stage": "senior_high", "event": "enrolled", "self_pay": 6000.0},
            who(84) | {"stage": "primary", "event": "enrolled", "self_pay": 20000.0},
            who(85) | {"stage": "senior_high", "event": "enrolled", "self_pay": None},
        ],
    )
    write_feed(
        staged,
        "education",
        "2024-11",
        [who(84) | {"stage": "senior_high", "event": "enrolled", "self_pay": 5000.0}],
    )
    write_feed(
        staged,
        "education",
        "2024-10",
        [who(84) | {"stage": "senior_high", "event": "enrolled", "self_pay": 50000.0}],
    )
    write_feed(
        staged,
        "housing",
        CYCLE,
        [
            who(90) | {"grade": "C"},
            who(91) | {"grade": "B"},
            who(92) | {"grade": "B"},
            who(92) | {"grade": "D"},
        ],
    )
    stranger = {"household_id": 999, "member_id": 9990, "id_number": "x"}  # not in the snapshot
    write_feed(
        staged,
        "water",
        CYCLE,
        [
            who(95) | {"problem": "supply_cut"},
            who(95) | {"problem": "quality"},
            stranger | {"problem": "distance"},
        ],
    )


def _edge_policy(**overrides: object) -> pa.Table:
    overrides = {"trig_uninsured": True} | overrides  # every rule runs in the edge scenario
    return pa.concat_tables(
        [
            policy_table([VILLAGE], **overrides),
            policy_table([V2], **(overrides | {"medical_window_months": 3})),
        ]
    )


SWITCHED: set[str] = {
    "dept.job_loss",
    "dept.death_disability",
    "dept.new_assistance",
    "dept.school_dropout",
    "dept.water",
}

EDGE_EXPECTED: Expected = {
    2: {("income.within_range", "other")},
    3: {("income.within_range", "other")},
    5: {("income.within_range", "illness")},
    6: {("income.within_range", "disability")},
    7: {("income.within_range", "lack_of_labour")},
    9: {("expenditure.rigid", "illness")},
    10: {("expenditure.rigid", "schooling")},
    12: {("expenditure.rigid", "illness")},
    13: {("income.within_range", "other"), ("income.sharp_drop", "other")},
    14: {("income.within_range", "other")},
    16: {("income.sharp_drop", "other")},
    17: {("guarantee.housing", "housing")},
    18: {("guarantee.water", "drinking_water")},
    19: {("guarantee.food_clothing", "other")},
    20: {("guarantee.compulsory_dropout", "schooling")},
    22: {("guarantee.medical_insurance", "illness")},
    30: {("dept.medical_bill", "illness")},
    32: {("dept.medical_bill", "illness")},
    40: {("dept.disaster", "disaster_flood")},
    41: {("dept.disaster", "disaster_drought")},
    43: {("dept.disaster", "disaster_earthquake")},
    44: {("dept.disaster", "disaster_other")},
    45: {("dept.disaster", "disaster_biological")},
    50: {("dept.job_loss", "unstable_employment")},
    53: {("dept.job_loss", "unstable_employment")},
    54: {("dept.job_loss", "unstable_employment")},
    55: {("dept.job_loss", "unstable_employment")},
    60: {("dept.death_disability", "accident")},
    61: {("dept.death_disability", "disability")},
    62: {("dept.death_disability", "disability")},
    65: {("dept.death_disability", "accident")},
    70: {("dept.new_assistance", "other")},
    71: {("dept.new_assistance", "other")},
    74: {("dept.new_assistance", "illness")},
    80: {("dept.school_dropout", "schooling")},
    82: {("dept.education_cost", "schooling")},
    84: {("dept.education_cost", "schooling")},
    90: {("dept.housing_appraisal", "housing")},
    92: {("dept.housing_appraisal", "housing")},
    95: {("dept.water", "drinking_water")},
}


@pytest.fixture(scope="module")
def edges(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return assert_agree(
        _run_all(tmp_path_factory.mktemp("edges"), EDGES, _edge_feeds, _edge_policy())
    )


def test_edge_households_get_exactly_the_expected_hits(edges: pd.DataFrame) -> None:
    assert _hit_set(edges) == EDGE_EXPECTED


def test_the_edge_scenario_exercises_every_rule() -> None:
    assert {rule for hits in EDGE_EXPECTED.values() for rule, _ in hits} == {r.id for r in RULES}


@pytest.mark.parametrize(
    ("hid", "rule", "values"),
    [
        (2, "income.within_range", [LINE - 1, LINE, 3.0]),
        (3, "income.within_range", [0.0, LINE, 1.0]),
        (9, "expenditure.rigid", [60000.0, 52000.0, 0.0, 0.0, 8000.0, LINE]),
        (13, "income.sharp_drop", [10000.0, 7000.0, 0.3]),
        (20, "guarantee.compulsory_dropout", [2.0, None, None]),  # ages 15 and 6, not 16 and 5
        (22, "guarantee.medical_insurance", [2.0, None, None]),
        (30, "dept.medical_bill", [5000.0, 5000.0, 1.0]),
        (32, "dept.medical_bill", [21002.0, 20000.0, 4.0]),  # 2024-10 and 2025-11 left out
        (40, "dept.disaster", [2000.0, 10000.0, 3.0]),
        (43, "dept.disaster", [11000.0, 10000.0, 1.0]),
        (50, "dept.job_loss", [500.0, None, None]),
        (53, "dept.job_loss", [531.0, None, None]),
        (54, "dept.job_loss", [541.0, None, None]),
        (55, "dept.job_loss", [550.0, None, None]),
        (60, "dept.death_disability", [1.0, 600.0, None]),
        (62, "dept.death_disability", [3.0, 620.0, None]),
        (65, "dept.death_disability", [1.0, 650.0, None]),
        (70, "dept.new_assistance", [0.0, 1.0, None]),
        (71, "dept.new_assistance", [1.0, 2.0, None]),
        (80, "dept.school_dropout", [1.0, None, None]),
        (84, "dept.education_cost", [11000.0, 10000.0, None]),
        (92, "dept.housing_appraisal", [4.0, None, None]),
        (95, "dept.water", [2.0, None, None]),
    ],
)
def test_edge_evidence(
    edges: pd.DataFrame, hid: int, rule: str, values: list[float | None]
) -> None:
    assert _evidence(edges, hid, rule) == pytest.approx(values)


# --- which income counts, and the income rules at zero, negative and missing income ---------

D = dt.date
INCOME_EDGES = [
    HH(
        1,
        annual={2025: (30000.0, D(2025, 6, 30), "collection")},
        followups=[(D(2025, 8, 15), 5000.0)],
    ),
    HH(2, annual={2025: (5000.0, D(2025, 8, 15), "export")}, followups=[(D(2025, 8, 15), 30000.0)]),
    HH(3, income=None, followups=[(D(2024, 9, 30), 1000.0), (D(2024, 10, 1), 2000.0)]),
    HH(4, income=None, followups=[(D(2025, 11, 1), 1000.0)]),
    HH(5, annual={2023: (1000.0, D(2023, 12, 31), "export")}, housing_unsafe=True),
    HH(
        6,
        annual={
            2024: (1000.0, D(2024, 12, 31), "export"),
            2023: (9000.0, D(2023, 12, 31), "export"),
        },
    ),
    HH(7, income=-10000.0, business=-20000.0),
    HH(8, income=10000.0, medical_oop=1300.0),  # leaves the line exactly
    HH(9, income=10000.0, medical_oop=1300.01),
    HH(10, income=10000.0),  # medical-insurance self-pay only
    HH(11, income=10000.0, medical_oop=1000.0),  # both: the larger counts
    HH(12, income=0.0, prev_income=10000.0),
    HH(13, income=5000.0, members=[M(migrant_months=6)], food_clothing_insecure=True),
    HH(14, income=10000.0, medical_oop=700.0, education_oop=700.0),
]


def _income_feeds(staged: Path) -> None:
    by_id = {h.household_id: h for h in INCOME_EDGES}
    rows = [
        {
            "household_id": hid,
            "member_id": member_ids(by_id[hid])[0],
            "id_number": id_number_of(by_id[hid], 0),
            "self_pay": 1500.0,
            "visit_type": "inpatient",
        }
        for hid in (10, 11)
    ]
    write_feed(staged, "medical", "2025-06", rows)


INCOME_EXPECTED: Expected = {
    1: {("income.within_range", "other"), ("income.sharp_drop", "other")},
    2: {("income.within_range", "other")},  # a tie goes to the annual record
    3: {("income.within_range", "other")},
    5: {("guarantee.housing", "housing")},
    6: {("income.within_range", "other"), ("income.sharp_drop", "other")},
    7: {("income.within_range", "industry_failure")},
    9: {("expenditure.rigid", "illness")},
    10: {("expenditure.rigid", "illness")},
    11: {("expenditure.rigid", "illness")},
    12: {("income.within_range", "other"), ("income.sharp_drop", "other")},
    13: {
        ("income.within_range", "unstable_employment"),
        ("guarantee.food_clothing", "unstable_employment"),
    },
    14: {("expenditure.rigid", "illness")},
}


def test_income_choice_and_edges_agree(tmp_path: Path) -> None:
    no_extra = {"rigid_absolute": None, "rigid_income_share": None, "rigid_disposable_share": None}
    hits = assert_agree(_run_all(tmp_path, INCOME_EDGES, _income_feeds, _edge_policy(**no_extra)))
    assert _hit_set(hits) == INCOME_EXPECTED
    first = hits[(hits["household_id"] == 1) & (hits["rule_id"] == "income.within_range")]
    assert first["income_source"].iloc[0] == "followup"
    assert _evidence(hits, 11, "expenditure.rigid") == pytest.approx(
        [10000.0, 1000.0, 1500.0, 0.0, 8500.0, LINE]
    )
    assert _evidence(hits, 6, "income.sharp_drop") == pytest.approx(
        [9000.0, 1000.0, 1000 / 9000 * 8]
    )


def test_death_disability_names_the_member_of_the_event(tmp_path: Path) -> None:
    households = [HH(1, members=list(COUPLE))]
    who = _who(households)

    def feeds(staged: Path) -> None:
        write_feed(
            staged, "public_security", CYCLE, [who(1, 1) | {"event": "death", "cause": "traffic"}]
        )
        write_feed(
            staged,
            "disabled",
            CYCLE,
            [who(1, 0) | {"certificate_no": "x", "category": "4", "grade": "3"}],
        )

    hits = assert_agree(_run_all(tmp_path, households, feeds, policy_table([VILLAGE])))
    assert _evidence(hits, 1, "dept.death_disability") == [1.0, 11.0, None]  # member 11 died


def test_disaster_type_does_not_depend_on_row_order(tmp_path: Path) -> None:
    households = [HH(1)]
    who = _who(households)
    risks = set()
    for i, order in enumerate((("flood", "drought"), ("drought", "flood"))):
        staged = tmp_path / f"staged{i}"
        rows = [
            who(1) | {"disaster_type": t, "loss": 6000.0, "house_damage": "none"} for t in order
        ]
        write_feed(staged, "emergency", CYCLE, rows)
        snap = write_snapshot(tmp_path / f"snap{i}", households)
        result = screen(
            snapshot_dir=snap, staged_dir=staged, policy=policy_table([VILLAGE]), cycle=CYCLE
        )
        risks |= set(result.hits["risk_type"].to_pylist())
    assert len(risks) == 1


# --- switches, null policy values, no feeds -------------------------------------------------


@pytest.mark.parametrize("value", [False, None], ids=["off", "null"])
def test_switches_off_or_unset_silence_their_rules(tmp_path: Path, value: bool | None) -> None:
    policy = _edge_policy(
        **{
            f"trig_{k}": value
            for k in ("job_loss", "death_disability", "new_assistance", "school_dropout", "water")
        }
    )
    hits = assert_agree(_run_all(tmp_path, EDGES, _edge_feeds, policy))
    expected = {
        hid: kept
        for hid, rules in EDGE_EXPECTED.items()
        if (kept := {(rule, risk) for rule, risk in rules if rule not in SWITCHED})
    }
    assert _hit_set(hits) == expected


NULLS = [
    HH(1, members=list(COUPLE), income=30000, medical_oop=16000),  # 16,000 > 0.5 × 30,000
    HH(2, members=list(COUPLE), income=30000, medical_oop=15000),  # not over
    HH(
        3, members=list(COUPLE), income=30000, medical_oop=16000, village_code=V2
    ),  # no prior income
    HH(4, members=list(COUPLE), income=30000, medical_oop=16000, village_code=V3),  # 0.5 × 30,000
    HH(5, village_code=V2, formerly_poor=True),  # medical with no window, no threshold
    HH(6, village_code=V2),  # disaster: big loss, no loss trigger
    HH(7, village_code=V2),  # disaster: severe damage
    HH(8, village_code=V2),  # grade D, no grade trigger; water problem with the switch unset
    HH(9, income=100.0, housing_unsafe=True, village_code=V4),  # no income line at all
]


def _null_policy() -> pa.Table:
    nulls = {"rigid_absolute": None, "rigid_income_share": None}
    return pa.concat_tables(
        [
            policy_table([VILLAGE], rigid_absolute=None, rigid_income_share=0.5),
            policy_table(
                [V2],
                **nulls,
                rigid_disposable_share=0.5,
                prior_disposable_income=None,
                medical_window_months=None,
                medical_formerly_poor=None,
                disaster_loss=None,
                housing_min_grade_rank=None,
                trig_water=None,
            ),
            policy_table(
                [V3], **nulls, rigid_disposable_share=0.5, prior_disposable_income=30000.0
            ),
            policy_table([V4], income_line=None),
        ]
    )


def _null_feeds(staged: Path) -> None:
    who = _who(NULLS)
    write_feed(
        staged, "medical", CYCLE, [who(5) | {"self_pay": 50000.0, "visit_type": "inpatient"}]
    )
    write_feed(
        staged,
        "emergency",
        CYCLE,
        [
            who(6) | {"disaster_type": "flood", "loss": 50000.0, "house_damage": "minor"},
            who(7) | {"disaster_type": "drought", "loss": 10.0, "house_damage": "severe"},
        ],
    )
    write_feed(staged, "housing", CYCLE, [who(8) | {"grade": "D"}])
    write_feed(staged, "water", CYCLE, [who(8) | {"problem": "quality"}])


def test_null_optional_policy_values_never_trigger(tmp_path: Path) -> None:
    hits = assert_agree(_run_all(tmp_path, NULLS, _null_feeds, _null_policy()))
    assert _hit_set(hits) == {
        1: {("expenditure.rigid", "illness")},
        4: {("expenditure.rigid", "illness")},
        7: {("dept.disaster", "disaster_drought")},
        9: {("guarantee.housing", "housing")},  # but not income.within_range
    }
    assert _evidence(hits, 7, "dept.disaster") == [10.0, None, 2.0]  # the missing threshold shows
    assert hits.loc[hits["household_id"] == 9, "in_range"].isna().all()  # unknown, not false


@pytest.mark.parametrize("staged", ["none", "empty"])
def test_no_feed_rows_at_all(tmp_path: Path, staged: str) -> None:
    snap = write_snapshot(tmp_path / "snap", EDGES)
    (tmp_path / "staged").mkdir()
    results = _three(snap, None if staged == "none" else tmp_path / "staged", _edge_policy(), CYCLE)
    hits = assert_agree(results)
    expected = {
        hid: kept
        for hid, rules in EDGE_EXPECTED.items()
        if (kept := {(rule, risk) for rule, risk in rules if not rule.startswith("dept.")})
    }
    assert _hit_set(hits) == expected


# --- a small synthetic county ----------------------------------------------------------------


def _synth_ready() -> bool:
    if importlib.util.find_spec("bottomline.synth.population") is None:
        return False
    from bottomline.synth import population

    return hasattr(population, "generate_population") and hasattr(population, "write_snapshot")


@pytest.mark.slow
@pytest.mark.skipif(not _synth_ready(), reason="bottomline.synth cannot generate a population yet")
def test_a_synthetic_county(tmp_path: Path) -> None:
    from bottomline.policy import load_directory
    from bottomline.policy import policy_table as resolved_policy
    from bottomline.synth.population import population_for, write_snapshot

    pop = population_for(scope="532328000000", households=3000, seed=7, year=2025)
    snap = tmp_path / "snap"
    write_snapshot(pop, snap)
    villages = pop.tables["households"]["village_code"].unique().to_pylist()
    policies = Path(__file__).resolve().parents[2] / "policies"
    policy = resolved_policy(load_directory(policies), 2025, villages)
    staged = _synthetic_feeds(pop, tmp_path / "staged")
    hits = assert_agree(_three(snap, staged, policy, SYNTH_CYCLE))
    rules = set(hits["rule_id"])
    assert {"income.within_range", "income.sharp_drop"} <= rules
    assert "guarantee.medical_insurance" not in rules  # no sample policy makes it a risk
    if staged is not None:
        assert {"dept.medical_bill", "dept.new_assistance", "dept.education_cost"} <= rules


def _synthetic_feeds(pop: Population, staged_dir: Path) -> Path | None:
    """13 months of synthetic department files up to 2025-09, each staged (None without synth)."""
    try:
        from bottomline.synth.feeds import write_feeds
        from bottomline.synth.panel import simulate_panel
    except ImportError:
        return None
    from bottomline.db import make_engine, upgrade
    from bottomline.ingest.actions import import_feed, open_feed_file
    from bottomline.ingest.match import MemberIndex

    panel = simulate_panel(pop, first_period="2024-09", months=13, seed=7)
    members = MemberIndex(pop.tables["members"])
    engine = make_engine(f"sqlite:///{staged_dir.parent / 'batches.db'}")
    upgrade(engine)
    for path in write_feeds(panel, pop, staged_dir.parent / "department"):
        import_feed(
            open_feed_file(path, feed=path.stem),
            actor=SYSTEM,
            engine=engine,
            feed=path.stem,
            period=path.parent.name,
            members=members,
            feeds_dir=staged_dir,
            reports_dir=staged_dir.parent / "reports",
        )
    engine.dispose()
    return staged_dir
