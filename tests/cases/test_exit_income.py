"""The exit rules read the same income as screening: the latest valid record for the month."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Engine, func, select, update

from bottomline.assistance.models import IncomeFollowUp
from bottomline.cases.elimination import NO_ACCOUNTS, cycle_income
from bottomline.cases.exit_rules import evaluate
from bottomline.db import session_scope
from bottomline.registry.actions import load_snapshot_tables
from bottomline.registry.models import HouseholdIncome, Member
from tests.cases.test_exit_rules import facts
from tests.registry.snapshots import small_snapshot

D = dt.date


def test_exit_income_follows_the_reference_rule(engine: Engine) -> None:
    load_snapshot_tables(engine=engine, tables=small_snapshot())
    with session_scope(engine) as session:
        size = session.scalar(select(func.count()).where(Member.household_id == 1)) or 0
        assert cycle_income(session, 1, [], size=size, on=D(2025, 10, 15)).net_income == Decimal(
            "5700.79"
        )
        session.execute(
            update(HouseholdIncome)
            .where(HouseholdIncome.household_id == 1, HouseholdIncome.year == 2025)
            .values(as_of=D(2025, 6, 30), source="collection")
        )
        session.add(
            IncomeFollowUp(
                household_id=1,
                followed_on=D(2025, 9, 1),
                per_capita_income=Decimal("9000.10"),
                recorded_by="t",
            )
        )
    with session_scope(engine) as session:
        fus = list(session.scalars(select(IncomeFollowUp)))
        later = cycle_income(session, 1, fus, size=size, on=D(2025, 10, 15))
        assert later.net_income == Decimal("9000.10") * size
        assert later.medical_oop == Decimal("0")  # the costs of the latest valid year, 2025
        assert later.source == "2025-09-01收入跟踪 / follow-up of 2025-09-01"
        before = cycle_income(session, 1, fus, size=size, on=D(2025, 8, 20))  # before the visit
        assert before.source == "2025年收入采集 / 2025 collection"
        assert before.net_income == Decimal("5700.79")
        assert cycle_income(session, 1, fus, size=size, on=D(2027, 3, 1)) == NO_ACCOUNTS


def test_e03_names_where_the_income_came_from() -> None:
    evaluation = evaluate(facts(income_source="2025-09-01收入跟踪 / follow-up of 2025-09-01"))
    e03 = next(r for r in evaluation.results if r.code == "E03")
    assert "（收入来源：2025-09-01收入跟踪）" in e03.explanation_zh
    assert e03.explanation_en.endswith("(income from the follow-up of 2025-09-01)")
    assert e03.values["income_source"].startswith("2025-09-01")
