"""The compiled plan: one statement per run, compiled once per cycle, rules and input schemas."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from bottomline.errors import IntegrityError
from bottomline.screening import plan
from bottomline.screening.engine import ScreeningResult, screen
from bottomline.screening.rules import RULES, Rule
from tests.screening.builders import CYCLE, HH, VILLAGE, policy_table, write_snapshot

HOUSEHOLDS = [
    HH(1, income=8000.0),  # under the 8,700 line
    HH(2, income=9000.0),  # over it; under a raised line
    HH(3, income=30000.0),
]


@pytest.fixture
def snap(tmp_path: Path) -> Path:
    return write_snapshot(tmp_path / "snap", HOUSEHOLDS)


def _screen(snap: Path, policy: pa.Table, rules: tuple[Rule, ...] = RULES) -> ScreeningResult:
    return screen(snapshot_dir=snap, staged_dir=None, policy=policy, cycle=CYCLE, rules=rules)


def _in_range(result: ScreeningResult) -> set[int]:
    rows = result.hits.filter(pc.equal(result.hits["rule_id"], "income.within_range"))
    return set(rows["household_id"].to_pylist())


def test_a_second_run_with_other_policy_values_reuses_the_plan_and_reads_the_new_values(
    snap: Path,
) -> None:
    first = _screen(snap, policy_table([VILLAGE]))
    compiled = plan.compiled
    raised = _screen(snap, policy_table([VILLAGE], income_line=9500.0))
    assert plan.compiled == compiled  # the values are data, not SQL
    assert _in_range(first) == {1}
    assert _in_range(raised) == {1, 2}


def test_a_policy_with_other_parameters_is_compiled_afresh(snap: Path) -> None:
    _screen(snap, policy_table([VILLAGE]))
    compiled = plan.compiled
    wider = policy_table([VILLAGE]).append_column("new_parameter", pa.array([1.5]))
    result = _screen(snap, wider)
    assert plan.compiled == compiled + 1
    assert _in_range(result) == {1}
    retyped = policy_table([VILLAGE])
    index = retyped.schema.get_field_index("income_line")
    retyped = retyped.set_column(
        index, "income_line", pa.array([9500], pa.int64())
    )  # an integer line: another schema, another plan, the same rule
    result = _screen(snap, retyped)
    assert plan.compiled == compiled + 2
    assert _in_range(result) == {1, 2}


def test_another_cycle_or_rule_set_is_compiled_afresh(snap: Path) -> None:
    policy = policy_table([VILLAGE])
    _screen(snap, policy)
    compiled = plan.compiled
    screen(snapshot_dir=snap, staged_dir=None, policy=policy, cycle="2025-11")
    assert plan.compiled == compiled + 1
    only_income = tuple(r for r in RULES if r.id == "income.within_range")
    result = _screen(snap, policy, rules=only_income)
    assert plan.compiled == compiled + 2
    assert set(result.hits["rule_id"].to_pylist()) == {"income.within_range"}
    _screen(snap, policy)
    assert plan.compiled == compiled + 2  # the full set is still cached


def test_no_hits_still_counts_the_households(snap: Path) -> None:
    some = _screen(snap, policy_table([VILLAGE]))
    none = _screen(snap, policy_table([VILLAGE], income_line=100.0))
    assert none.hits.num_rows == 0
    assert none.leads.num_rows == 0
    assert none.households == some.households == len(HOUSEHOLDS)
    assert none.hits.schema == some.hits.schema
    assert none.leads.schema == some.leads.schema


def test_a_village_without_policy_is_refused(snap: Path) -> None:
    with pytest.raises(IntegrityError, match="no policy or no members"):
        _screen(snap, policy_table(["532328101299"]))
