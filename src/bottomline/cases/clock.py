"""The statutory clock: from the first lead to the county's decision within the policy's days.

Each case carries the deadline computed when it opened (its village's policy in the year of
the first lead: calendar or working days, official holidays and make-up workdays from
``bottomline.workdays``). While a case is being identified its clock runs; a case past its
deadline is overdue and escalates to the county, one close to it (``due_soon`` counted days or
fewer left) to the township.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bottomline.cases.enums import Stage
from bottomline.cases.models import Case
from bottomline.users.scope import Scope
from bottomline.workdays import days_between

DUE_SOON_DAYS = 3  # a working rule of this tool, not policy: when to warn the township


@dataclass(frozen=True, slots=True)
class Clock:
    case_id: int
    village_code: str
    stage: Stage
    first_lead_on: dt.date
    deadline_on: dt.date
    days_used: int
    days_left: int  # negative when overdue
    provisional: bool  # the deadline rests on a year whose holidays are not yet known

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def escalate_to(self) -> str | None:
        """``county`` when overdue, ``township`` when due soon, else None."""
        if self.overdue:
            return "county"
        return "township" if self.days_left <= DUE_SOON_DAYS else None


def clock_of(case: Case, today: dt.date) -> Clock:
    return Clock(
        case_id=case.id,
        village_code=case.village_code,
        stage=Stage(case.stage),
        first_lead_on=case.first_lead_on,
        deadline_on=case.deadline_on,
        days_used=days_between(case.first_lead_on, today, case.day_count),
        days_left=days_between(today, case.deadline_on, case.day_count),
        provisional=case.deadline_provisional,
    )


def running_clocks(session: Session, scope: Scope, today: dt.date) -> list[Clock]:
    """Clocks of every case in the scope still being identified, soonest deadline first."""
    identifying = [s.value for s in Stage if s.identification]
    cases = session.scalars(
        select(Case)
        .where(
            Case.stage.in_(identifying),
            scope.villages(Case.village_code),
        )
        .order_by(Case.deadline_on, Case.id)
    )
    return [clock_of(case, today) for case in cases]


def escalations(session: Session, scope: Scope, today: dt.date) -> list[Clock]:
    """Cases the township (due soon) or the county (overdue) must act on."""
    return [c for c in running_clocks(session, scope, today) if c.escalate_to]


def decided_in_time(case: Case) -> bool | None:
    """For a case the county decided on: whether it was within the deadline."""
    if case.identified_on is None:
        return None
    return case.identified_on <= case.deadline_on
