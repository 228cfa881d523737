"""A cycle on the store reads follow-ups, counts households without income and stores where
each income rule's figure came from."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, delete, select, update

from bottomline.assistance.models import IncomeFollowUp
from bottomline.assistance.queries import followups_snapshot
from bottomline.db import session_scope, utcnow
from bottomline.policy import load_directory
from bottomline.registry.actions import load_snapshot_tables
from bottomline.registry.models import Household, HouseholdIncome, Member
from bottomline.screening.cycle import run_cycle
from bottomline.screening.explain import explain_hit
from bottomline.screening.models import LeadHit, ScreeningRun
from bottomline.users.actor import SYSTEM
from tests.registry.snapshots import small_snapshot

POLICIES = Path(__file__).resolve().parents[2] / "policies"


def test_a_cycle_reads_follow_ups_and_counts_households_without_income(
    engine: Engine, tmp_path: Path
) -> None:
    load_snapshot_tables(engine=engine, tables=small_snapshot())
    with session_scope(engine) as session:
        empty = select(Member.household_id)
        session.execute(  # the snapshot's household without members is not screened
            update(Household).where(Household.id.not_in(empty)).values(removed_at=utcnow())
        )
        session.execute(delete(HouseholdIncome).where(HouseholdIncome.household_id == 2))
        session.execute(
            update(HouseholdIncome)
            .where(HouseholdIncome.household_id == 1, HouseholdIncome.year == 2025)
            .values(as_of=dt.date(2025, 6, 30), source="collection")
        )
        session.add(
            IncomeFollowUp(
                household_id=1,
                followed_on=dt.date(2025, 9, 1),
                per_capita_income=Decimal("8699.99"),
                recorded_by="t",
            )
        )

    outcome = run_cycle(
        engine=engine,
        data_dir=tmp_path,
        cycle="2025-10",
        scope_code="532328000000",
        documents=load_directory(POLICIES),
        staged_dir=None,
        actor=SYSTEM,
        extra_tables={"followups": followups_snapshot()},
    )

    assert outcome.result is not None
    assert outcome.result.without_income == 1
    with session_scope(engine) as session:
        run = session.get(ScreeningRun, outcome.run_id)
        assert run is not None
        assert run.summary["households_without_income"] == 1
        hits = {h.rule_id: h for h in session.scalars(select(LeadHit))}
        evidence = hits["income.within_range"].evidence
    assert evidence["income_source"] == "followup"
    assert evidence["income_on"] == "2025-09-01"
    assert evidence["pc_net_income"] == 8699.99
    reason = explain_hit("income.within_range", evidence)
    assert reason.startswith("人均纯收入8,699.99元，低于监测范围8,700元")
    assert reason.endswith("（数据来源：2025-09-01收入跟踪）")
