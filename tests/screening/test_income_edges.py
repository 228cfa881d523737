"""Which income a cycle reads (registry.reference) and every income rule at its edges: at the
line, zero, negative and missing income, zero expenditure, follow-ups, the medical feed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest

from bottomline.screening.engine import ScreeningResult, screen
from bottomline.screening.explain import explain, explain_hit, hit_evidence
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
D = dt.date
NO_RIGID_EXTRA = {
    "rigid_absolute": None,
    "rigid_income_share": None,
    "rigid_disposable_share": None,
}


def _run(
    tmp_path: Path, households: list[HH], feeds: bool = False, **policy: object
) -> ScreeningResult:
    snap = write_snapshot(tmp_path / "snap", households)
    staged = tmp_path / "staged"
    if feeds:
        by_id = {h.household_id: h for h in households}
        write_feed(
            staged,
            "medical",
            "2025-06",
            [
                {
                    "household_id": hid,
                    "member_id": member_ids(by_id[hid])[0],
                    "id_number": id_number_of(by_id[hid], 0),
                    "self_pay": pay,
                    "visit_type": "inpatient",
                }
                for hid, pay in ((40, 1500.0), (41, 1500.0))
                if hid in by_id
            ],
        )
    return screen(
        snapshot_dir=snap,
        staged_dir=staged if feeds else None,
        policy=policy_table([VILLAGE], **policy),
        cycle=CYCLE,
    )


def _rows(result: ScreeningResult) -> dict[tuple[int, str], dict[str, object]]:
    return {(row["household_id"], row["rule_id"]): row for row in result.hits.to_pylist()}


def _rules(result: ScreeningResult, hid: int) -> set[str]:
    return {rule for (h, rule) in _rows(result) if h == hid}


# --- which income counts ------------------------------------------------------------------


def test_a_follow_up_newer_than_the_annual_record_counts(tmp_path: Path) -> None:
    hh = HH(
        1,
        annual={2025: (30000.0, D(2025, 6, 30), "collection")},
        followups=[(D(2025, 8, 15), 5000.0)],
    )
    result = _run(tmp_path, [hh])
    row = _rows(result)[(1, "income.within_range")]
    assert row["pc"] == 5000.0
    assert (row["income_source"], row["income_year"], row["income_on"]) == (
        "followup",
        None,
        D(2025, 8, 15),
    )
    evidence = hit_evidence(row)
    assert evidence["income_source"] == "followup"
    assert evidence["income_on"] == "2025-08-15"
    assert "2025-08-15收入跟踪" in explain_hit("income.within_range", evidence)
    # the annual record before the follow-up is the previous income: a sharp fall
    drop = _rows(result)[(1, "income.sharp_drop")]
    assert drop["v1"] == 30000.0
    assert drop["v2"] == 5000.0


def test_on_a_tie_the_annual_record_counts(tmp_path: Path) -> None:
    hh = HH(
        1,
        annual={2025: (5000.0, D(2025, 8, 15), "collection")},
        followups=[(D(2025, 8, 15), 30000.0)],
    )
    row = _rows(_run(tmp_path, [hh]))[(1, "income.within_range")]
    assert (row["income_source"], row["income_year"]) == ("collection", 2025)
    assert "2025年年度收入采集" in explain_hit("income.within_range", hit_evidence(row))


def test_follow_ups_outside_the_reference_period_and_month_do_not_count(tmp_path: Path) -> None:
    # cycle 2025-10: reference period 2024-10-01 .. 2025-09-30, month ends 2025-10-31
    households = [
        HH(1, income=None, followups=[(D(2024, 9, 30), 1000.0)]),  # the day before: no income
        HH(2, income=None, followups=[(D(2024, 10, 1), 1000.0)]),  # first day: counts
        HH(3, income=None, followups=[(D(2025, 10, 31), 1000.0)]),  # end of the month: counts
        HH(4, income=None, followups=[(D(2025, 11, 1), 1000.0)]),  # after the month: no income
    ]
    result = _run(tmp_path, households)
    assert {h for (h, rule) in _rows(result) if rule == "income.within_range"} == {2, 3}
    assert result.without_income == 2


def test_annual_records_of_years_outside_the_period_do_not_count(tmp_path: Path) -> None:
    households = [
        HH(1, annual={2023: (1000.0, D(2023, 12, 31), "export")}, housing_unsafe=True),
        HH(2, annual={2024: (1000.0, D(2024, 12, 31), "export")}),  # overlaps the period
        HH(3, annual={2026: (1000.0, D(2026, 1, 5), "export")}),  # a later year: not valid
    ]
    result = _run(tmp_path, households)
    assert _rules(result, 1) == {"guarantee.housing"}  # guarantees only, no income rule
    assert _rows(result)[(2, "income.within_range")]["income_year"] == 2024
    assert _rules(result, 3) == set()
    assert result.without_income == 2


def test_the_latest_effective_date_wins_not_the_latest_year(tmp_path: Path) -> None:
    # the 2025 export was collected in January 2025 (speaks for 2024's months); the 2024
    # collection is effective on 2024-12-31: the 2025 record is still later
    hh = HH(
        1,
        annual={
            2025: (5000.0, D(2025, 1, 10), "export"),
            2024: (30000.0, D(2025, 3, 1), "collection"),
        },
    )
    row = _rows(_run(tmp_path, [hh]))[(1, "income.within_range")]
    assert row["income_year"] == 2025


# --- at the line, zero, negative and missing income ------------------------------------------


def test_within_range_at_the_line_zero_negative_and_missing(tmp_path: Path) -> None:
    households = [
        HH(1, income=LINE),  # at the line: no hit
        HH(2, income=LINE - 0.01),  # a fen under: hit, shown as 8,699.99
        HH(3, income=0.0),
        HH(4, income=-10000.0, business=-20000.0),  # a business loss: negative net income
        HH(5, income=None),
    ]
    result = _run(tmp_path, households)
    rows = _rows(result)
    assert (1, "income.within_range") not in rows
    reason = explain_hit("income.within_range", hit_evidence(rows[(2, "income.within_range")]))
    assert "8,699.99元，低于监测范围8,700元" in reason
    assert rows[(3, "income.within_range")]["pc"] == 0.0
    negative = rows[(4, "income.within_range")]
    assert negative["pc"] == -10000.0
    assert negative["risk_type"] == "industry_failure"
    assert "人均纯收入-10,000元" in explain_hit("income.within_range", hit_evidence(negative))
    assert _rules(result, 5) == set()
    assert result.without_income == 1


def test_sharp_drop_edges(tmp_path: Path) -> None:
    households = [
        HH(1, income=7000.0, prev_income=10000.0),  # exactly 30 %
        HH(2, income=7000.01, prev_income=10000.0),  # a fen less than 30 %
        HH(3, income=0.0, prev_income=10000.0),  # to zero
        HH(4, income=-500.0, prev_income=10000.0, business=-1000.0),  # to a loss
        HH(5, income=5000.0, prev_income=0.0),  # from zero: no fall to measure
        HH(6, income=5000.0, prev_income=-100.0),  # from a loss
        HH(7, income=None, prev_income=20000.0),  # no income this cycle... but 2024 counts
    ]
    result = _run(tmp_path, households)
    drops = {h for (h, rule) in _rows(result) if rule == "income.sharp_drop"}
    assert drops == {1, 3, 4}
    assert "下降30.0%" in explain_hit(
        "income.sharp_drop", hit_evidence(_rows(result)[(1, "income.sharp_drop")])
    )
    # household 7's 2024 record is valid for 2025-10 and is its income; nothing before it
    assert _rows(result).get((7, "income.within_range")) is None
    assert result.without_income == 0


def test_a_drop_share_just_under_the_trigger_never_reads_as_it() -> None:
    assert explain("income.sharp_drop", [10000.0, 7000.01, 0.299999], lang="en").endswith(
        "(down 29.9%)"
    )


# --- rigid expenditure (2024 wording) -----------------------------------------------------------


def test_rigid_without_an_extra_condition_follows_the_2024_wording(tmp_path: Path) -> None:
    households = [
        HH(1, income=10000.0, medical_oop=1300.0),  # leaves exactly the line: no hit
        HH(2, income=10000.0, medical_oop=1300.01),  # leaves a fen under: hit
        HH(3, income=5000.0),  # zero expenditure: no rigid hit (income rule only)
        HH(4, income=10000.0, medical_oop=700.0, education_oop=700.0),  # a tie of costs
        HH(5, income=10000.0, education_oop=2000.0),
    ]
    result = _run(tmp_path, households, **NO_RIGID_EXTRA)
    rows = _rows(result)
    assert (1, "expenditure.rigid") not in rows
    assert rows[(2, "expenditure.rigid")]["risk_type"] == "illness"
    assert _rules(result, 3) == {"income.within_range"}
    assert rows[(4, "expenditure.rigid")]["risk_type"] == "illness"
    assert rows[(5, "expenditure.rigid")]["risk_type"] == "schooling"
    reason = explain_hit("expenditure.rigid", hit_evidence(rows[(2, "expenditure.rigid")]))
    assert "人均8,699.99元，低于监测范围8,700元" in reason


def test_rigid_extra_condition_applies_only_where_set(tmp_path: Path) -> None:
    hh = [HH(1, income=10000.0, medical_oop=2000.0)]
    assert _rules(_run(tmp_path / "a", hh, **NO_RIGID_EXTRA), 1) == {"expenditure.rigid"}
    over = NO_RIGID_EXTRA | {"rigid_absolute": 1999.99}
    assert _rules(_run(tmp_path / "b", hh, **over), 1) == {"expenditure.rigid"}
    under = NO_RIGID_EXTRA | {"rigid_absolute": 2000.0}
    assert _rules(_run(tmp_path / "c", hh, **under), 1) == set()
    share = NO_RIGID_EXTRA | {"rigid_income_share": 0.5}
    assert _rules(_run(tmp_path / "d", hh, **share), 1) == set()


def test_rigid_zero_and_negative_income(tmp_path: Path) -> None:
    households = [
        HH(1, income=0.0, medical_oop=100.0),
        HH(2, income=-1000.0, business=-2000.0, medical_oop=100.0),
        HH(3, income=0.0),  # zero income, zero expenditure: the income rule only
        HH(4, income=None, medical_oop=5000.0),  # no income: no rigid hit
    ]
    result = _run(tmp_path, households, **NO_RIGID_EXTRA)
    assert _rules(result, 1) == {"income.within_range", "expenditure.rigid"}
    assert _rows(result)[(2, "expenditure.rigid")]["v5"] == -1100.0
    assert _rules(result, 3) == {"income.within_range"}
    assert _rules(result, 4) == set()


def test_medical_insurance_self_pay_counts_beside_the_registry(tmp_path: Path) -> None:
    households = [
        HH(40, income=10000.0),  # nothing in the registry, 1,500 settled by medical insurance
        HH(41, income=10000.0, medical_oop=1000.0),  # both: the larger counts
    ]
    result = _run(tmp_path, households, feeds=True, **NO_RIGID_EXTRA)
    rows = _rows(result)
    a, b = rows[(40, "expenditure.rigid")], rows[(41, "expenditure.rigid")]
    assert [a["v2"], a["v3"], a["v5"]] == [0.0, 1500.0, 8500.0]
    assert [b["v2"], b["v3"], b["v5"]] == [1000.0, 1500.0, 8500.0]
    assert a["risk_type"] == "illness"
    reason = explain_hit("expenditure.rigid", hit_evidence(b))
    assert "登记1,000元、医保结算1,500元" in reason


# --- risk types from the evidence --------------------------------------------------------------


@pytest.mark.parametrize(
    ("household", "cause"),
    [
        (HH(1, income=5000.0, members=[M(health="chronic")]), "illness"),
        (HH(1, income=5000.0, members=[M(health="disabled")]), "disability"),
        (HH(1, income=5000.0, members=[M(labour="lost")]), "lack_of_labour"),
        (HH(1, income=5000.0, education_oop=100.0), "schooling"),
        (HH(1, income=5000.0, housing_unsafe=True), "housing"),
        (HH(1, income=5000.0, water_unsafe=True), "drinking_water"),
        (HH(1, income=5000.0, members=[M(migrant_months=6)]), "unstable_employment"),
        (HH(1, income=5000.0), "other"),  # nothing points anywhere
    ],
)
def test_income_risk_type_is_named_from_the_household(
    tmp_path: Path, household: HH, cause: str
) -> None:
    row = _rows(_run(tmp_path, [household]))[(1, "income.within_range")]
    assert row["risk_type"] == cause


def test_food_clothing_risk_is_named_from_the_household(tmp_path: Path) -> None:
    hh = HH(1, food_clothing_insecure=True, members=[M(health="serious")])
    assert _rows(_run(tmp_path, [hh]))[(1, "guarantee.food_clothing")]["risk_type"] == "illness"


def test_hits_without_income_keep_their_evidence_plain(tmp_path: Path) -> None:
    row = _rows(_run(tmp_path, [HH(1, housing_unsafe=True)]))[(1, "guarantee.housing")]
    assert "income_source" not in hit_evidence(row)
    assert isinstance(row["income_on"], dt.date)  # the household's income is still on the hit
    assert pa.scalar(row["income_year"]).as_py() == 2025
