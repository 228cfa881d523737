"""Home visits (入户走访 / 核实): recorded by hand or imported from ODK; a visit suggesting
monitoring raises a lead."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from bottomline import audit
from bottomline.cases.enums import Channel
from bottomline.cases.leads import NewLead, record_lead
from bottomline.cases.models import Case, Visit
from bottomline.cases.text import check_free_text
from bottomline.errors import PermissionDenied, UserError
from bottomline.policy.resolve import PolicyIndex
from bottomline.registry.access import access_household
from bottomline.registry.models import Household
from bottomline.screening.enums import RiskType
from bottomline.users.actor import Actor
from bottomline.users.enums import Role
from bottomline.workdays import today_in_china

VISITORS = frozenset({Role.village, Role.township, Role.county})


@dataclass(frozen=True, slots=True)
class NewVisit:
    household_id: int
    visit_date: dt.date
    visitor_name: str
    authorization_signed: bool
    suggest_monitoring: bool
    visitor_unit: str | None = None
    household_present: bool | None = None
    household_size: int | None = None
    income_estimate: Decimal | None = None
    medical_expense: Decimal | None = None
    education_expense: Decimal | None = None
    hardships: tuple[str, ...] = ()
    risk_types: tuple[RiskType, ...] = ()
    notes: str | None = None
    channel: Channel = Channel.cadre_visit
    source_ref: str | None = None
    import_id: int | None = None


def record_visit(
    session: Session, new: NewVisit, *, actor: Actor, policies: PolicyIndex
) -> tuple[Visit, Case | None]:
    """Store a visit; when it suggests monitoring, raise a lead (and so open or join a case)."""
    household = _household(session, new.household_id, actor)
    _check(new)
    visit = _visit_row(new, household)
    session.add(visit)
    session.flush()
    change = audit.Change(
        "visit.record",
        "visit",
        visit.id,
        region_code=household.village_code,
        after={
            "household_id": household.id,
            "visit_date": new.visit_date,
            "authorization_signed": new.authorization_signed,
            "suggest_monitoring": new.suggest_monitoring,
            "channel": new.channel.value,
        },
    )
    audit.record(session, change, actor=actor.name, role=actor.role.value)
    if not new.suggest_monitoring:
        return visit, None
    lead = NewLead(
        household_id=household.id,
        channel=new.channel,
        reported_on=new.visit_date,
        risk_types=new.risk_types,
        evidence={"visit_id": visit.id, "hardships": list(new.hardships)},
        source_ref=new.source_ref,
    )
    _lead, case = record_lead(session, lead, actor=actor, policies=policies)
    return visit, case


def _visit_row(new: NewVisit, household: Household) -> Visit:
    return Visit(
        household_id=household.id,
        village_code=household.village_code,
        visit_date=new.visit_date,
        visitor_name=new.visitor_name,
        visitor_unit=new.visitor_unit,
        channel=new.channel.value,
        source_ref=new.source_ref,
        household_present=new.household_present,
        authorization_signed=new.authorization_signed,
        household_size=new.household_size,
        income_estimate=new.income_estimate,
        medical_expense=new.medical_expense,
        education_expense=new.education_expense,
        hardships=list(new.hardships),
        risk_types=sorted(r.value for r in new.risk_types),
        suggest_monitoring=new.suggest_monitoring,
        notes=new.notes,
        import_id=new.import_id,
    )


def _household(session: Session, household_id: int, actor: Actor) -> Household:
    if actor.role not in VISITORS:
        raise PermissionDenied(
            f"{actor} 不能记录走访 / {actor} cannot record visits",
            hint="走访由村、乡镇、县级用户在本辖区记录 / "
            "village, township and county users record visits in their own region",
        )
    return access_household(session, actor=actor, number=household_id)


def _check(new: NewVisit) -> None:
    if new.visit_date > today_in_china():
        raise UserError(
            f"走访日期 {new.visit_date} 是将来的日期 / visit date {new.visit_date} is in the future"
        )
    if not new.visitor_name.strip():
        raise UserError(
            "走访须填写走访人姓名 / a visit needs the visitor's name",
            hint="给出走访人姓名 / name the visitor",
            reason="visit_needs_visitor",
        )
    check_free_text(new.notes)
