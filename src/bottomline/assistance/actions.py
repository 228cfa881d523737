"""Writes of assistance: measures, their status, helpers and income follow-ups.

Each takes the acting user, checks the region scope, writes one audit row in the same
transaction, and refuses a measure that breaks its type's rules (docs/assistance.md) with the
rule's message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from bottomline import audit
from bottomline.assistance.catalogue import load_catalogue
from bottomline.assistance.checks import check_measure
from bottomline.assistance.enums import MeasureStatus
from bottomline.assistance.models import HelperAssignment, IncomeFollowUp, Measure
from bottomline.errors import PermissionDenied, UserError
from bottomline.ids import mask_phone
from bottomline.registry.access import access_household
from bottomline.registry.enums import Schooling
from bottomline.registry.models import Household, Member
from bottomline.users.actor import Actor
from bottomline.users.enums import Role

WRITERS = frozenset({Role.village, Role.township, Role.county})
MAX_PER_CAPITA_INCOME = Decimal("1000000")  # yuan per person per year: beyond is a typo


@dataclass(frozen=True, slots=True)
class NewMeasure:
    household_id: int
    measure_type: str  # catalogue code
    start_on: dt.date
    amount: Decimal | None = None
    end_on: dt.date | None = None
    status: MeasureStatus = MeasureStatus.planned
    member_id: int | None = None  # the beneficiary, when the measure is for one person
    note: str | None = None
    monitored: bool | None = None  # the household is a monitored household (None: unknown)


def add_measure(session: Session, new: NewMeasure, *, actor: Actor) -> Measure:
    household = _household(session, new.household_id, actor)
    kind = load_catalogue().get(new.measure_type)
    member = _member(session, new.member_id, household.id)
    problems = check_measure(
        kind,
        amount=new.amount,
        start_on=new.start_on,
        end_on=new.end_on,
        beneficiary_age=_age(member, new.start_on) if member else None,
        beneficiary_schooling=Schooling(member.schooling) if member else None,
        formerly_poor=household.formerly_poor,
        monitored=new.monitored,
    )
    if problems:
        raise UserError(
            "；".join(f"{p.code} {p.zh}" for p in problems)
            + " / "
            + "; ".join(f"{p.code} {p.en}" for p in problems),
            hint="改正该措施；docs/assistance.md 列出了每类措施的规则 / "
            "correct the measure; docs/assistance.md lists each type's rules",
        )
    measure = Measure(
        household_id=household.id,
        measure_type=kind.code,
        category=kind.category.value,
        amount=new.amount,
        start_on=new.start_on,
        end_on=new.end_on,
        status=new.status.value,
        member_id=new.member_id,
        note=new.note,
        created_by=actor.name,
    )
    session.add(measure)
    session.flush()
    _record(session, actor, "measure.add", "measure", measure.id, household, after=_row(measure))
    return measure


def set_measure_status(
    session: Session, measure_id: int, status: MeasureStatus, *, actor: Actor
) -> Measure:
    measure = session.get(Measure, measure_id)
    if measure is None:
        raise UserError(
            f"没有帮扶措施 {measure_id} / no measure {measure_id}",
            hint="核对措施编号（列在该户的案件中） / "
            "check the measure's number (listed with the household's case)",
            reason="measure_not_found",
        )
    household = _household(session, measure.household_id, actor)
    before = _row(measure)
    measure.status = status.value
    session.flush()
    _record(
        session, actor, "measure.status", "measure", measure.id, household, before, _row(measure)
    )
    return measure


def assign_helper(
    session: Session,
    *,
    household_id: int,
    name: str,
    unit: str,
    phone: str | None,
    start_on: dt.date,
    end_on: dt.date | None,
    actor: Actor,
) -> HelperAssignment:
    household = _household(session, household_id, actor)
    if not name.strip() or not unit.strip():
        raise UserError(
            "帮扶责任人须有姓名和派出单位 / a helper needs a name and a unit (派出单位)"
        )
    if end_on is not None and end_on < start_on:
        raise UserError(
            f"结束日期 {end_on} 早于开始日期 {start_on} / "
            f"end date {end_on} is before start date {start_on}"
        )
    helper = HelperAssignment(
        household_id=household.id,
        name=name.strip(),
        unit=unit.strip(),
        phone=phone,
        start_on=start_on,
        end_on=end_on,
        created_by=actor.name,
    )
    session.add(helper)
    session.flush()
    after = {
        "unit": helper.unit,
        "phone": mask_phone(phone) if phone else None,
        "start_on": start_on,
        "end_on": end_on,
    }
    _record(session, actor, "helper.assign", "helper", helper.id, household, after=after)
    return helper


def add_followup(
    session: Session,
    *,
    household_id: int,
    followed_on: dt.date,
    per_capita_income: Decimal,
    note: str | None,
    actor: Actor,
) -> IncomeFollowUp:
    household = _household(session, household_id, actor)
    if not Decimal(0) <= per_capita_income <= MAX_PER_CAPITA_INCOME:
        raise UserError(
            f"人均纯收入 {per_capita_income} 不合理 / "
            f"per-capita income {per_capita_income} is not plausible",
            hint="以元/人/年为单位，例如 9200 / give yuan per person per year, e.g. 9200",
        )
    followup = IncomeFollowUp(
        household_id=household.id,
        followed_on=followed_on,
        per_capita_income=per_capita_income,
        note=note,
        recorded_by=actor.name,
    )
    session.add(followup)
    session.flush()
    after = {"followed_on": followed_on, "per_capita_income": per_capita_income}
    _record(
        session, actor, "income.followup", "income_followup", followup.id, household, after=after
    )
    return followup


def _household(session: Session, household_id: int, actor: Actor) -> Household:
    if actor.role not in WRITERS:
        raise PermissionDenied(
            f"{actor} 不能登记帮扶 / {actor} cannot record assistance",
            hint="帮扶由村、乡镇、县级用户在本辖区登记 / "
            "village, township and county users record assistance in their own region",
        )
    return access_household(session, actor=actor, number=household_id, removed=True)


def _member(session: Session, member_id: int | None, household_id: int) -> Member | None:
    if member_id is None:
        return None
    member = session.get(Member, member_id)
    if member is None or member.household_id != household_id:
        raise UserError(
            f"成员 {member_id} 不在户 {household_id} 中 / "
            f"member {member_id} is not in household {household_id}"
        )
    return member


def _age(member: Member, on: dt.date) -> int:
    born = member.birth_date
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _row(measure: Measure) -> dict[str, object]:
    return {
        "household_id": measure.household_id,
        "measure_type": measure.measure_type,
        "amount": measure.amount,
        "start_on": measure.start_on,
        "end_on": measure.end_on,
        "status": measure.status,
    }


def _record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int,
    household: Household,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    change = audit.Change(
        action, entity, entity_id, region_code=household.village_code, before=before, after=after
    )
    audit.record(session, change, actor=actor.name, role=actor.role.value)
