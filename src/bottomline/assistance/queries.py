"""Reads of a household's measures, helpers and income follow-ups."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bottomline.assistance.enums import MeasureStatus
from bottomline.assistance.models import HelperAssignment, IncomeFollowUp, Measure
from bottomline.registry.models import Household

COUNTING = (MeasureStatus.planned, MeasureStatus.in_progress, MeasureStatus.implemented)


def active_measure_count(session: Session, household_id: int) -> int:
    """Measures planned, under way or implemented (cancelled and ended ones do not count)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Measure)
            .where(Measure.household_id == household_id, Measure.status.in_(COUNTING))
        )
        or 0
    )


def implemented_measure_count(session: Session, household_id: int, *, since: dt.date) -> int:
    """Measures implemented (or implemented and since ended) that started on or after ``since``."""
    done = (MeasureStatus.implemented, MeasureStatus.ended)
    return (
        session.scalar(
            select(func.count())
            .select_from(Measure)
            .where(
                Measure.household_id == household_id,
                Measure.status.in_(done),
                Measure.start_on >= since,
            )
        )
        or 0
    )


def measures_of(session: Session, household_id: int) -> list[Measure]:
    return list(
        session.scalars(
            select(Measure).where(Measure.household_id == household_id).order_by(Measure.id)
        )
    )


def helpers_of(session: Session, household_id: int) -> list[HelperAssignment]:
    return list(
        session.scalars(
            select(HelperAssignment)
            .where(HelperAssignment.household_id == household_id)
            .order_by(HelperAssignment.start_on, HelperAssignment.id)
        )
    )


def followups_of(session: Session, household_id: int) -> list[IncomeFollowUp]:
    return list(
        session.scalars(
            select(IncomeFollowUp)
            .where(IncomeFollowUp.household_id == household_id)
            .order_by(IncomeFollowUp.followed_on, IncomeFollowUp.id)
        )
    )


def followups_snapshot() -> Select[Any]:
    """Every follow-up of a household still in the registry, in the snapshot's ``followups``
    layout (``registry.columns.FOLLOWUPS``), for ``registry.snapshot.export_snapshot``."""
    live = select(Household.id).where(Household.removed_at.is_(None))
    stmt = (
        select(
            IncomeFollowUp.household_id,
            IncomeFollowUp.followed_on,
            IncomeFollowUp.per_capita_income,
        )
        .where(IncomeFollowUp.household_id.in_(live))
        .order_by(IncomeFollowUp.household_id, IncomeFollowUp.followed_on, IncomeFollowUp.id)
    )
    return cast("Select[Any]", stmt)  # three columns; the exporter takes any select
