"""The evidence fingerprint of dismissed clues, and the engine's leads without them."""

from __future__ import annotations

from pathlib import Path

from bottomline.screening.engine import screen
from bottomline.screening.explain import hit_evidence
from bottomline.screening.fingerprint import fingerprint, skip_dismissed
from tests.screening.builders import CYCLE, HH, VILLAGE, policy_table, write_snapshot

INCOME = {"pc_net_income": 5233.333333333333, "income_line": 8700.0, "size": 3.0}


def test_the_same_facts_computed_again_give_the_same_fingerprint() -> None:
    noisy = {**INCOME, "pc_net_income": 5233.333333333334}
    assert fingerprint([("income.within_range", INCOME)]) == fingerprint(
        [("income.within_range", noisy)]
    )
    order = [("guarantee.housing", {"housing_unsafe": 1.0}), ("income.within_range", INCOME)]
    assert fingerprint(order) == fingerprint(order[::-1])
    drop = {"prev_pc_net_income": 10000.0, "pc_net_income": 7000.0, "drop_share": 0.30001}
    assert fingerprint([("income.sharp_drop", drop)]) == fingerprint(
        [("income.sharp_drop", {**drop, "drop_share": 0.3})]
    )


def test_other_facts_give_another_fingerprint() -> None:
    base = fingerprint([("income.within_range", INCOME)])
    assert base != fingerprint([("income.within_range", {**INCOME, "pc_net_income": 5300.0})])
    assert base != fingerprint([("income.within_range", {**INCOME, "income_line": 9000.0})])
    assert base != fingerprint(
        [("income.within_range", INCOME), ("guarantee.housing", {"housing_unsafe": 1.0})]
    )
    drop = {"prev_pc_net_income": 10000.0, "pc_net_income": 7000.0, "drop_share": 0.3}
    assert fingerprint([("income.sharp_drop", drop)]) != fingerprint(
        [("income.sharp_drop", {**drop, "drop_share": 0.302})]
    )


def test_screening_skips_only_the_households_whose_evidence_was_dismissed(tmp_path: Path) -> None:
    snapshot = write_snapshot(
        tmp_path / "snap", [HH(1, income=3000.0), HH(2, income=4000.0), HH(3, housing_unsafe=True)]
    )
    result = screen(
        snapshot_dir=snapshot, staged_dir=None, policy=policy_table([VILLAGE]), cycle=CYCLE
    )
    assert sorted(result.leads["household_id"].to_pylist()) == [1, 2, 3]
    hits = [h for h in result.hits.to_pylist() if h["household_id"] == 1]
    seen = fingerprint((h["rule_id"], hit_evidence(h)) for h in hits)
    other = fingerprint([("guarantee.housing", {"housing_unsafe": 0.0})])

    skipped = skip_dismissed(result, {1: {seen}, 3: {other}})

    assert sorted(skipped.leads["household_id"].to_pylist()) == [2, 3]
    assert (skipped.suppressed, skipped.suppressed_dismissed) == (result.suppressed + 1, 1)
    assert skipped.hits.num_rows == result.hits.num_rows  # the hits stay on record
    assert skip_dismissed(result, {}) is result
