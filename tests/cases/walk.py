"""Walk a real case through the workflow with real actions, to any stage.

The timeline (2026, a village of the synthetic county under Yunnan's 2025 policy: 5 calendar
days of notice, 15 days to decide, 6 months monitored and 6 months of stable income before
elimination):

    02 Mar lead (self-declaration) · verifying · 03 Mar signed visit · comparing
    04 Mar notice (to 08 Mar) · 09 Mar township review · 10 Mar county approval · 11 Mar monitored
    12 Mar measure implemented · assisting · monthly follow-ups 15 Mar – 15 Nov above the line
    16 Nov elimination proposed · 17 Nov elimination notice (to 21 Nov) · 22 Nov eliminated
    23 Nov post-exit watch

:func:`secure_household` makes the household meet every exit rule (income, guarantees,
insurance, labour) so the elimination path can pass; tests break one thing at a time.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update

from bottomline.assistance.actions import NewMeasure, add_followup, add_measure
from bottomline.assistance.enums import MeasureStatus
from bottomline.cases.enums import Channel, NoticeKind, Stage
from bottomline.cases.leads import NewLead, record_lead
from bottomline.cases.models import Case, Notice
from bottomline.cases.notices.actions import publish_notice
from bottomline.cases.visits import NewVisit, record_visit
from bottomline.cases.workflow import transition
from bottomline.db import session_scope, write_scope
from bottomline.policy.resolve import PolicyIndex
from bottomline.registry.enums import LabourCapacity, Schooling
from bottomline.registry.models import HouseholdGuarantee, HouseholdIncome, Member
from bottomline.screening.enums import Category, RiskType
from bottomline.users.actor import Actor
from tests.cases.conftest import People

D = dt.date
EVIDENCE: dict[str, Any] = {
    "emergency": "6月暴雨房屋受损",
    "democratic_review": "村民代表大会评议记录（2026第3次）",
    "township_opinion": "经审核符合条件",
    "category": Category.marginal.value,
    "risk_types": [RiskType.illness.value],
    "method": "assisted",
}
REASON = "经核实情况已变化"

# The day each step happens (see the module docstring).
DAY = {
    Stage.lead: D(2026, 3, 2),
    Stage.verifying: D(2026, 3, 2),
    Stage.emergency_assistance: D(2026, 3, 2),
    "visit": D(2026, 3, 3),
    Stage.comparing: D(2026, 3, 3),
    Stage.village_review: D(2026, 3, 4),
    Stage.township_review: D(2026, 3, 9),
    Stage.county_approval: D(2026, 3, 10),
    Stage.monitored: D(2026, 3, 11),
    "measure": D(2026, 3, 12),
    Stage.assisting: D(2026, 3, 12),
    Stage.elimination_proposed: D(2026, 11, 16),
    Stage.elimination_review: D(2026, 11, 17),
    Stage.eliminated: D(2026, 11, 22),
    Stage.post_exit_watch: D(2026, 11, 23),
    Stage.reverted: D(2026, 11, 23),
}

# The path from a new lead to each stage.
PATH: dict[Stage, list[Stage]] = {Stage.lead: []}
_MAIN = [
    Stage.verifying,
    Stage.comparing,
    Stage.village_review,
    Stage.township_review,
    Stage.county_approval,
    Stage.monitored,
    Stage.assisting,
    Stage.elimination_proposed,
    Stage.elimination_review,
    Stage.eliminated,
    Stage.post_exit_watch,
]
for _i, _stage in enumerate(_MAIN):
    PATH[_stage] = _MAIN[: _i + 1]
PATH[Stage.emergency_assistance] = [Stage.emergency_assistance]
PATH[Stage.reverted] = [*PATH[Stage.eliminated], Stage.reverted]


class Walk:
    def __init__(
        self, store: Engine, household_id: int, people: People, policies: PolicyIndex, out: Path
    ) -> None:
        self.store, self.household_id = store, household_id
        self.people, self.policies, self.out = people, policies, out
        self.case_id = 0
        self.day = DAY[Stage.lead]
        self.pdf = False  # PDF rendering is tested in test_notice_*; HTML is enough here

    def actor_for(self, roles: frozenset[Any]) -> Actor:
        by_role = {
            "village": self.people.village,
            "township": self.people.township,
            "county": self.people.county,
        }
        return next(by_role[r.value] for r in sorted(roles) if r.value in by_role)

    def lead(self, on: dt.date = DAY[Stage.lead]) -> int:
        new = NewLead(
            household_id=self.household_id,
            channel=Channel.self_declaration,
            reported_on=on,
            risk_types=(RiskType.illness,),
            category=Category.marginal,
            evidence={"form": "自主申报表"},
        )
        with write_scope(self.store) as session:
            _lead, case = record_lead(
                session, new, actor=self.people.village, policies=self.policies
            )
            self.case_id = case.id
        self.day = on
        return self.case_id

    def visit(self, on: dt.date = DAY["visit"], signed: bool = True) -> None:
        new = NewVisit(
            household_id=self.household_id,
            visit_date=on,
            visitor_name="李干部",
            authorization_signed=signed,
            suggest_monitoring=False,
        )
        with write_scope(self.store) as session:
            record_visit(session, new, actor=self.people.village, policies=self.policies)

    def move(
        self,
        to: Stage,
        *,
        actor: Actor | None = None,
        on: dt.date | None = None,
        reason: str | None = None,
        evidence: dict[str, Any] | None = None,
    ) -> None:
        from bottomline.cases.transitions import move_for

        with write_scope(self.store) as session:
            case = session.get_one(Case, self.case_id)
            move = move_for(Stage(case.stage), to)
            assert move is not None
            transition(
                session,
                case,
                to,
                actor=actor or self.actor_for(move.roles),
                reason=reason if reason is not None else (REASON if move.reason else None),
                evidence=evidence if evidence is not None else _evidence(move.needs),
                on=on or self.day,
                policies=self.policies,
            )
        self.day = on or self.day

    def publish(self, kind: NoticeKind, on: dt.date) -> Notice:
        with write_scope(self.store) as session:
            case = session.get_one(Case, self.case_id)
            published = publish_notice(
                session,
                actor=self.people.village,
                village_code=case.village_code,
                kind=kind,
                starts_on=on,
                out_dir=self.out,
                case_ids=[self.case_id],
                pdf=self.pdf,
            )
            notice = published.notice
        self.day = notice.ends_on + dt.timedelta(days=1)
        return notice

    def measure(self, on: dt.date = DAY["measure"]) -> None:
        new = NewMeasure(
            household_id=self.household_id,
            measure_type="medical_assistance",
            start_on=on,
            amount=Decimal("3000"),
            status=MeasureStatus.implemented,
        )
        with write_scope(self.store) as session:
            add_measure(session, new, actor=self.people.village)

    def followups(self, per_capita: Decimal = Decimal("12000")) -> None:
        with write_scope(self.store) as session:
            for month in range(3, 12):
                add_followup(
                    session,
                    household_id=self.household_id,
                    followed_on=D(2026, month, 15),
                    per_capita_income=per_capita,
                    note=None,
                    actor=self.people.village,
                )

    def step(self, stage: Stage) -> None:
        """Take one step of a path, doing first what the step's guards need."""
        if stage is Stage.comparing:
            self.visit()
        if stage is Stage.village_review:
            self.publish(NoticeKind.identification, DAY[stage])
            return
        if stage is Stage.elimination_review:
            self.publish(NoticeKind.elimination, DAY[stage])
            return
        if stage is Stage.assisting:
            self.measure()
            self.followups()
        self.move(stage, on=max(self.day, DAY.get(stage, self.day)))

    def to(self, stage: Stage) -> int:
        """A new case for the household, walked to ``stage``."""
        secure_household(self.store, self.household_id)
        self.lead()
        for step in PATH[stage]:
            self.step(step)
        return self.case_id

    def stage(self) -> Stage:
        with session_scope(self.store) as session:
            return Stage(session.get_one(Case, self.case_id).stage)


def _evidence(needs: tuple[str, ...]) -> dict[str, Any]:
    return {key: EVIDENCE[key] for key in needs}


def secure_household(store: Engine, household_id: int) -> None:
    """Make the household meet every exit rule: good income, guarantees met, insured, can work."""
    with write_scope(store) as session:
        year = session.scalar(
            select(HouseholdIncome.year)
            .where(HouseholdIncome.household_id == household_id)
            .order_by(HouseholdIncome.year.desc())
            .limit(1)
        )
        assert year is not None
        session.execute(
            update(HouseholdIncome)
            .where(HouseholdIncome.household_id == household_id, HouseholdIncome.year == year)
            .values(wage=Decimal("90000"), medical_oop=Decimal("0"), education_oop=Decimal("0"))
        )
        session.merge(
            HouseholdGuarantee(
                household_id=household_id,
                year=year,
                food_clothing_insecure=False,
                housing_unsafe=False,
                water_unsafe=False,
                source="edit",
                as_of=dt.date(year, 12, 31),
            )
        )
        session.execute(
            update(Member)
            .where(Member.household_id == household_id)
            .values(insured_medical=True, schooling=Schooling.not_in_school.value)
        )
        first = session.scalar(
            select(Member.id).where(Member.household_id == household_id).order_by(Member.id)
        )
        session.execute(
            update(Member)
            .where(Member.id == first)
            .values(labour_capacity=LabourCapacity.able.value)
        )
