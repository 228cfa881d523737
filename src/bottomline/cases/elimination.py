"""Fill the exit rules' facts for a case from the store and evaluate them (``cases.exit_rules``)."""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bottomline.assistance.queries import followups_of, implemented_measure_count
from bottomline.cases.enums import LeadStatus
from bottomline.cases.exit_rules import ExitEvaluation, ExitFacts, IncomeObservation, evaluate
from bottomline.cases.leads import lead_day
from bottomline.cases.models import Case
from bottomline.cases.procedure import procedure_for
from bottomline.errors import UserError
from bottomline.policy.resolve import PolicyIndex
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
            "the exit rules need the policy (income line, months)", hint="pass --policies DIR"
        )
    procedure = procedure_for(policies, case.village_code, on.year)
    income = _latest(session, HouseholdIncome, case.household_id)
    guarantee = _latest(session, HouseholdGuarantee, case.household_id)
    members = _members(session, case.household_id)
    return ExitFacts(
        as_of=on,
        method=method,  # type: ignore[arg-type]  # checked by ExitFacts
        income_line=procedure.income_line,
        min_monitored_months=procedure.min_monitored_months,
        income_stable_months=procedure.income_stable_months,
        monitored_since=case.identified_on,
        income_followups=tuple(
            IncomeObservation(f.followed_on, f.per_capita_income)
            for f in followups_of(session, case.household_id)
        ),
        net_income=income.net_income if income else None,
        medical_oop=income.medical_oop if income else None,
        education_oop=income.education_oop if income else None,
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
