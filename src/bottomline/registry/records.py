"""A household's records over time: incomes, guarantees, member events, local edits (unscoped:
reach the household through ``registry.access`` first)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bottomline.registry.models import HouseholdGuarantee, HouseholdIncome, LocalEdit, MemberEvent


def incomes_of(session: Session, household_id: int) -> list[HouseholdIncome]:
    stmt = select(HouseholdIncome).where(HouseholdIncome.household_id == household_id)
    return list(session.scalars(stmt.order_by(HouseholdIncome.year)))


def guarantees_of(session: Session, household_id: int) -> list[HouseholdGuarantee]:
    stmt = select(HouseholdGuarantee).where(HouseholdGuarantee.household_id == household_id)
    return list(session.scalars(stmt.order_by(HouseholdGuarantee.year)))


def events_of(session: Session, household_id: int) -> list[MemberEvent]:
    stmt = select(MemberEvent).where(MemberEvent.household_id == household_id)
    return list(session.scalars(stmt.order_by(MemberEvent.occurred_on, MemberEvent.id)))


def pending_edits_of(session: Session, household_id: int) -> list[LocalEdit]:
    """Local edits no registry import has confirmed yet (a later import keeps them)."""
    stmt = select(LocalEdit).where(
        LocalEdit.household_id == household_id, LocalEdit.settled_at.is_(None)
    )
    return list(session.scalars(stmt.order_by(LocalEdit.id)))
