"""Fill the exit rules' facts for a case from the store and evaluate them (``cases.exit_rules``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bottomline.assistance.models import IncomeFollowUp
from bottomline.assistance.queries import followups_of, implemented_measure_count
from bottomline.cases.enums import LeadStatus
from bottomline.cases.exit_rules import ExitEvaluation, ExitFacts, IncomeObservation, evaluate
from bottomline.cases.leads import lead_day
from bottomline.cases.models import Case
from bottomline.cases.procedure import procedure_for
from bottomline.errors import UserError
from bottomline.policy.resolve import PolicyIndex
from bottomline.registry import reference
from bottomline.registry.enums import LabourCapacity, Schooling
from bottomline.registry.models import HouseholdGuarantee, HouseholdIncome, Member
from bottomline.screening.models import Lead

WORKING = [c.value for c in LabourCapacity if c.can_work]


def evaluate_case(
    session: Session,
    case: Case,
    *,
    on: dt.date,
    policies: PolicyIndex | None,
    method: str = "assisted",
) -> ExitEvaluation:
    """The exit rules for ``case`` as of ``on``, under its village's policy of that year."""
    return evaluate(exit_facts(session, case, on=on, policies=policies, method=method))


def exit_facts(
    session: Session, case: Case, *, on: dt.date, policies: PolicyIndex | None, method: str
) -> ExitFacts:
    if policies is None:
        raise UserError(
            "风险消除条件须依据政策（收入线、月数） / "
            "the exit rules need the policy (income line, months)",
            hint="提供适用的政策文件 / provide the policy files that apply",
            reason="exit_rules_need_policies",
        )
    procedure = procedure_for(policies, case.village_code, on.year)
    guarantee = _latest(session, HouseholdGuarantee, case.household_id)
    members = _members(session, case.household_id)
    followups = followups_of(session, case.household_id)
    accounts = cycle_income(session, case.household_id, followups, size=len(members), on=on)
    return ExitFacts(
        as_of=on,
        method=method,  # type: ignore[arg-type]  # checked by ExitFacts
        income_line=procedure.income_line,
        min_monitored_months=procedure.min_monitored_months,
        income_stable_months=procedure.income_stable_months,
        monitored_since=case.identified_on,
        income_followups=tuple(
            IncomeObservation(f.followed_on, f.per_capita_income) for f in followups
        ),
        net_income=accounts.net_income,
        medical_oop=accounts.medical_oop,
        education_oop=accounts.education_oop,
        income_source=accounts.source,
        household_size=len(members),
        food_clothing_insecure=guarantee.food_clothing_insecure if guarantee else None,
        housing_unsafe=guarantee.housing_unsafe if guarantee else None,
        water_unsafe=guarantee.water_unsafe if guarantee else None,
        compulsory_dropout=any(m.schooling == Schooling.dropout.value for m in members),
        uninsured_members=sum(not m.insured_medical for m in members),
        members_who_can_work=sum(m.labour_capacity in WORKING for m in members),
        measures_implemented=implemented_measure_count(
            session, case.household_id, since=case.first_lead_on
        ),
        open_risk_leads=_new_open_leads(session, case),
    )


@dataclass(frozen=True, slots=True)
class CycleAccounts:
    """The household's income for the month of ``on`` (registry.reference) as household net
    income, and the compliant costs of its latest valid annual record; all None without one."""

    net_income: Decimal | None
    medical_oop: Decimal | None
    education_oop: Decimal | None
    source: str | None  # where the income came from, e.g. "2025年年度收入采集 / 2025 collection"


NO_ACCOUNTS = CycleAccounts(None, None, None, None)


def cycle_income(
    session: Session,
    household_id: int,
    followups: Sequence[IncomeFollowUp],
    *,
    size: int,
    on: dt.date,
) -> CycleAccounts:
    """The income the exit rules read as of ``on``: the same choice screening makes for the
    cycle month of ``on`` (latest valid annual record or follow-up, ties to the annual one)."""
    if size < 1:
        return NO_ACCOUNTS
    rows = {
        r.year: r
        for r in session.scalars(
            select(HouseholdIncome).where(HouseholdIncome.household_id == household_id)
        )
    }
    cycle = reference.cycle_of(on)
    annual = [
        reference.Annual(r.year, r.as_of, r.source, r.net_income / size) for r in rows.values()
    ]
    chosen = reference.choose(
        cycle,
        annual,
        (reference.FollowUp(f.followed_on, f.per_capita_income) for f in followups),
    )
    if chosen is None:
        return NO_ACCOUNTS
    valid = [a for a in annual if reference.window(cycle).annual_valid(a.year)]
    latest = max(valid, key=lambda a: (a.effective, a.year), default=None)
    costs = rows[latest.year] if latest else None
    net = rows[chosen.year].net_income if chosen.year is not None else chosen.per_capita * size
    zh, en = chosen.describe()
    return CycleAccounts(
        net_income=net,
        medical_oop=costs.medical_oop if costs else None,  # not assessed without a valid year
        education_oop=costs.education_oop if costs else None,
        source=f"{zh} / {en}",
    )


Row = TypeVar("Row", HouseholdIncome, HouseholdGuarantee)


def _latest(session: Session, table: type[Row], household_id: int) -> Row | None:
    """The household's row of its latest year in ``table``."""
    year = session.scalar(select(func.max(table.year)).where(table.household_id == household_id))
    if year is None:
        return None
    return session.get(table, (household_id, year))


def _members(session: Session, household_id: int) -> list[Member]:
    return list(
        session.scalars(
            select(Member).where(Member.household_id == household_id, Member.removed_at.is_(None))
        )
    )


def _new_open_leads(session: Session, case: Case) -> int:
    """Open leads about the household that came in after the county's decision."""
    if case.identified_on is None:
        return 0
    leads = session.scalars(
        select(Lead).where(
            Lead.household_id == case.household_id, Lead.status == LeadStatus.open.value
        )
    )
    return sum(lead_day(lead) > case.identified_on for lead in leads)
