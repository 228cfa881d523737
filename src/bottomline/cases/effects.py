"""Effects of a move beyond the case itself, named in the transition table (``Move.effects``).

The county's decisions are what the national system must record: when a case is approved as
monitored, eliminated or reverted, the household's registry monitoring fields
(``monitoring_category``, ``monitoring_risks``, ``monitored_on``, ``risk_eliminated_on``) are
set to match, in the same transaction as the move. The export for the national system
(``cases.national``) then carries the same values the registry holds, and its round trip
through the registry import changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from sqlalchemy.orm import Session

from bottomline.cases.models import Case
from bottomline.registry.models import Household

Effect = Callable[[Session, Case, dt.date], dict[str, Any]]


def _household(session: Session, case: Case) -> Household:
    return session.get_one(Household, case.household_id)


def registry_monitored(session: Session, case: Case, day: dt.date) -> dict[str, Any]:
    """识别为监测对象: the category, risk types and day of the county's approval."""
    household = _household(session, case)
    household.monitoring_category = case.category
    household.monitoring_risks = list(case.risk_types or [])
    household.monitored_on = case.identified_on
    household.risk_eliminated_on = None
    return _fields(household)


def registry_eliminated(session: Session, case: Case, day: dt.date) -> dict[str, Any]:
    """风险消除: the day the risk was eliminated."""
    household = _household(session, case)
    household.risk_eliminated_on = case.eliminated_on
    return _fields(household)


def registry_reverted(session: Session, case: Case, day: dt.date) -> dict[str, Any]:
    """返贫/风险消除撤销: monitored again, no elimination day."""
    household = _household(session, case)
    household.risk_eliminated_on = None
    return _fields(household)


def _fields(household: Household) -> dict[str, Any]:
    return {
        "monitoring_category": household.monitoring_category,
        "monitoring_risks": list(household.monitoring_risks or []),
        "monitored_on": household.monitored_on,
        "risk_eliminated_on": household.risk_eliminated_on,
    }


EFFECTS: Mapping[str, Effect] = MappingProxyType(
    {
        "registry_monitored": registry_monitored,
        "registry_eliminated": registry_eliminated,
        "registry_reverted": registry_reverted,
    }
)
