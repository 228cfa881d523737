"""Tables of assistance: a household's measures, its helpers and income follow-ups.

They belong to the household, as in the national system's forms (policy-notes §7), not to one
case: measures and helpers carry on after a risk is eliminated (loans, public-welfare jobs,
雨露计划 run to their contract's end) and count again if the household is monitored again.

Money is ``Numeric(14, 2)`` yuan, read as ``Decimal``. A helper's phone is personal data: it is
shown masked in lists and never published.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import BigInteger, Date, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

# The tables these refer to must be known to the metadata wherever measures are used.
import bottomline.registry.models  # noqa: F401
from bottomline.db import Base, BigId, UtcDateTime, utcnow

Money = Numeric(14, 2)


class Measure(Base):
    """One assistance measure (帮扶措施) of a household's plan."""

    __tablename__ = "measures"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    household_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("households.id"), index=True)
    measure_type: Mapped[str] = mapped_column(String(32))  # catalogue code
    category: Mapped[str] = mapped_column(String(32))  # MeasureCategory
    amount: Mapped[Decimal | None] = mapped_column(Money)  # yuan
    start_on: Mapped[dt.date] = mapped_column(Date)
    end_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))  # MeasureStatus
    member_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("members.id"))
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class HelperAssignment(Base):
    """A helper (帮扶责任人) assigned to a household: who, from which unit, from when to when."""

    __tablename__ = "helper_assignments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    household_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("households.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(100))  # 派出单位
    phone: Mapped[str | None] = mapped_column(String(32))  # personal data
    start_on: Mapped[dt.date] = mapped_column(Date)
    end_on: Mapped[dt.date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(64))


class IncomeFollowUp(Base):
    """Per-capita net income of a monitored household as followed up on one day (annualised)."""

    __tablename__ = "income_followups"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    household_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("households.id"), index=True)
    followed_on: Mapped[dt.date] = mapped_column(Date)
    per_capita_income: Mapped[Decimal] = mapped_column(Money)  # yuan per person per year
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(64))
