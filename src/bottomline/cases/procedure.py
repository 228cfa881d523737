"""The procedure a village's policy sets for a case: notice days, the deadline, how days count."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from bottomline.policy.resolve import PolicyIndex, resolve
from bottomline.workdays import DayCount, add_days, provisional


@dataclass(frozen=True, slots=True)
class Procedure:
    policy_ref: str
    notice_days: int
    deadline_days: int
    day_count: DayCount
    income_line: Decimal
    min_monitored_months: int
    income_stable_months: int

    def deadline(self, first_lead_on: dt.date) -> tuple[dt.date, bool]:
        """The last day for the county's decision, and whether it rests on an unknown calendar."""
        due = add_days(first_lead_on, self.deadline_days, self.day_count)
        return due, provisional(first_lead_on, due, self.day_count)

    def notice_end(self, starts_on: dt.date) -> dt.date:
        """The last day of a notice posted on ``starts_on`` (the posting day counts as day 1
        when it is a counted day: 5 calendar days from 1 Nov run to 5 Nov)."""
        return add_days(starts_on - dt.timedelta(days=1), self.notice_days, self.day_count)


def procedure_for(policies: PolicyIndex, village_code: str, year: int) -> Procedure:
    """The procedure of ``village_code`` under the policy of ``year`` (must be complete)."""
    policy = resolve(policies, village_code, year)
    value = policy.get
    return Procedure(
        policy_ref=policy.ref,
        notice_days=int(value("procedure.notice_days")),  # type: ignore[arg-type]
        deadline_days=int(value("procedure.identification_deadline_days")),  # type: ignore[arg-type]
        day_count=DayCount(str(value("procedure.day_count"))),
        income_line=Decimal(str(value("standard.income_line"))),
        min_monitored_months=int(value("elimination.min_monitored_months")),  # type: ignore[arg-type]
        income_stable_months=int(value("elimination.income_stable_months")),  # type: ignore[arg-type]
    )
