"""Which medical-insurance settlements count toward ``dept.medical_bill`` is policy
(``triggers.medical.count_*``); rigid expenditure counts every settlement's self-pay."""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc

from bottomline.screening.engine import ScreeningResult, screen
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

HOUSEHOLDS = [
    HH(40, income=90000),  # ordinary outpatient visits only, 25,000 yuan self-pay
    HH(41, income=90000),  # a stay 15,000 + 门诊慢特病 6,000 + ordinary outpatient 3,000
    HH(42, members=[M()], income=30000),  # outpatient 25,000 on 30,000: left 5,000 < the line
]


def _run(tmp_path: Path, **policy: object) -> ScreeningResult:
    by_id = {h.household_id: h for h in HOUSEHOLDS}

    def who(hid: int) -> dict[str, object]:
        h = by_id[hid]
        return {"household_id": hid, "member_id": member_ids(h)[0], "id_number": id_number_of(h, 0)}

    staged = tmp_path / "staged"
    rows = [
        who(40) | {"self_pay": 12500.0, "visit_type": "outpatient"},
        who(40) | {"self_pay": 12500.0, "visit_type": "outpatient"},
        who(41) | {"self_pay": 15000.0, "visit_type": "inpatient"},
        who(41) | {"self_pay": 6000.0, "visit_type": "chronic_outpatient"},
        who(41) | {"self_pay": 3000.0, "visit_type": "outpatient"},
        who(42) | {"self_pay": 25000.0, "visit_type": "outpatient"},
    ]
    write_feed(staged, "medical", CYCLE, rows)
    return screen(
        snapshot_dir=write_snapshot(tmp_path / "snap", HOUSEHOLDS),
        staged_dir=staged,
        policy=policy_table([VILLAGE], **policy),
        cycle=CYCLE,
    )


def _evidence(result: ScreeningResult, hid: int, rule: str) -> list[object] | None:
    rows = result.hits.filter(
        pc.and_(pc.equal(result.hits["household_id"], hid), pc.equal(result.hits["rule_id"], rule))
    )
    if rows.num_rows == 0:
        return None
    return [rows[f"v{i}"][0].as_py() for i in (1, 2, 3)]


def test_the_default_counts_stays_and_chronic_outpatient_care_only(tmp_path: Path) -> None:
    result = _run(tmp_path)  # builders' default: inpatient and 门诊慢特病 on, outpatient off
    assert _evidence(result, 40, "dept.medical_bill") is None  # 25,000 of outpatient visits
    # the stay and the 门诊慢特病 settlement: 21,000 yuan in 2 settlements, over 20,000
    assert _evidence(result, 41, "dept.medical_bill") == [21000.0, 20000.0, 2.0]


def test_a_policy_that_counts_every_settlement_raises_the_outpatient_bill(
    tmp_path: Path,
) -> None:
    result = _run(tmp_path, medical_outpatient=True)
    assert _evidence(result, 40, "dept.medical_bill") == [25000.0, 20000.0, 2.0]
    assert _evidence(result, 41, "dept.medical_bill") == [24000.0, 20000.0, 3.0]


def test_without_chronic_outpatient_care_the_stay_alone_is_under_the_line(
    tmp_path: Path,
) -> None:
    result = _run(tmp_path, medical_chronic_outpatient=False)
    assert _evidence(result, 41, "dept.medical_bill") is None  # 15,000 < 20,000


def test_rigid_expenditure_counts_every_settlement_whatever_the_switches(tmp_path: Path) -> None:
    for policy in ({}, {"medical_outpatient": True}):
        result = _run(tmp_path / str(len(policy)), **policy)
        rows = result.hits.filter(
            pc.and_(
                pc.equal(result.hits["household_id"], 42),
                pc.equal(result.hits["rule_id"], "expenditure.rigid"),
            )
        )
        assert rows.num_rows == 1
        # income, registry medical, medical-insurance feed (the outpatient 25,000)
        assert [rows[f"v{i}"][0].as_py() for i in (1, 2, 3)] == [30000.0, 0.0, 25000.0]
