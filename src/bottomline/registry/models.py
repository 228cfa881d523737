"""Tables of the household registry: regions, households, members, incomes and guarantees.

Column names are those of the snapshot layout (``registry.columns``), so export is a straight
mapping; the only renames are the primary keys: ``households.id`` is the snapshot's
``household_id`` and ``members.id`` its ``member_id``. Enum-valued columns hold the values of
``registry.enums`` as plain strings. Money is ``Numeric(14, 2)`` yuan, read as ``Decimal``.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Numeric,
    SmallInteger,
    String,
    Text,
    false,
    orm,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from bottomline.db import Base, BigId, UtcDateTime, utcnow

CENT = Decimal("0.01")
Money = Numeric(14, 2)
CODE = String(12)  # 12-digit statistical division code
ENUM = String(16)  # a value of a registry.enums code list


class Region(Base):
    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(ENUM)  # RegionLevel
    parent_code: Mapped[str | None] = mapped_column(CODE, ForeignKey("regions.code"), index=True)


class Household(Base):
    __tablename__ = "households"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)  # the snapshot's household_id
    household_no: Mapped[str] = mapped_column(String(32), unique=True)  # 户编号
    village_code: Mapped[str] = mapped_column(CODE, ForeignKey("regions.code"), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))  # personal data
    household_type: Mapped[str] = mapped_column(ENUM)  # HouseholdType
    formerly_poor: Mapped[bool] = mapped_column(Boolean)  # 建档立卡 (脱贫户)
    poverty_exit_year: Mapped[int | None] = mapped_column(SmallInteger)
    relocated: Mapped[bool] = mapped_column(Boolean)  # 易地扶贫搬迁
    no_labour_household: Mapped[bool] = mapped_column(Boolean)  # 整户无劳动力
    # Monitoring as the national system records it (null category: not a monitored household):
    # 监测对象类别 (Category), 风险类型1-5 (RiskType values), 识别/纳入监测时间, 风险消除时间.
    monitoring_category: Mapped[str | None] = mapped_column(ENUM)
    monitoring_risks: Mapped[list[str]] = mapped_column(JSON, server_default="[]")
    monitored_on: Mapped[dt.date | None] = mapped_column(Date)
    risk_eliminated_on: Mapped[dt.date | None] = mapped_column(Date)
    # Set when a registry import no longer lists the household; kept for history and leads.
    removed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    members: Mapped[list[Member]] = orm.relationship(
        back_populates="household", order_by="Member.id"
    )


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)  # the snapshot's member_id
    household_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("households.id"), index=True)
    id_number: Mapped[str] = mapped_column(String(32), unique=True)  # personal data
    id_kind: Mapped[str] = mapped_column(ENUM)  # IdKind
    name: Mapped[str] = mapped_column(String(64))  # personal data
    relationship: Mapped[str] = mapped_column(ENUM)  # Relationship
    sex: Mapped[str] = mapped_column(String(8))  # Sex
    birth_date: Mapped[dt.date] = mapped_column(Date)
    ethnicity: Mapped[str] = mapped_column(String(2))  # GB 3304 code
    education: Mapped[str] = mapped_column(ENUM)  # Education
    schooling: Mapped[str] = mapped_column(ENUM)  # Schooling
    health: Mapped[str] = mapped_column(ENUM)  # Health (personal data)
    disability_grade: Mapped[int | None] = mapped_column(SmallInteger)  # 1-4
    labour_capacity: Mapped[str] = mapped_column(ENUM)  # LabourCapacity
    migrant_months: Mapped[int] = mapped_column(SmallInteger)
    migrant_place: Mapped[str | None] = mapped_column(CODE)
    insured_medical: Mapped[bool] = mapped_column(Boolean)
    insured_serious_illness: Mapped[bool] = mapped_column(Boolean)
    insured_pension: Mapped[bool] = mapped_column(Boolean)
    dibao: Mapped[bool] = mapped_column(Boolean)
    tekun: Mapped[bool] = mapped_column(Boolean)
    # 公益岗位: holds a public-welfare job (store only; not in the snapshot layout).
    public_welfare_job: Mapped[bool] = mapped_column(Boolean, server_default=false())
    # Set when a registry import no longer lists the person in any household.
    removed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    household: Mapped[Household] = orm.relationship(back_populates="members")


class HouseholdIncome(Base):
    """A household's income and compliant out-of-pocket spending in one year (yuan).

    Net income = wage + business + property + transfers - production costs; it is derived
    (``net_income``, usable in queries too), never stored. Insurance claims (家庭理赔收入) are
    recorded beside it, not in it, as the national form does (policy-notes §2, §12).

    ``source`` says where the year's figures came from (``IncomeSource``: the national system's
    export, the yearly collection, or a load of the store), ``source_ref`` which import, and
    ``as_of`` the day they were collected (the file's 采集日期, else the day of the import): a
    later import of the same year replaces them, and income follow-ups after ``as_of`` are newer.
    """

    __tablename__ = "household_incomes"

    household_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("households.id"), primary_key=True
    )
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    wage: Mapped[Decimal] = mapped_column(Money)  # 工资性收入
    business: Mapped[Decimal] = mapped_column(Money)  # 生产经营性收入
    property: Mapped[Decimal] = mapped_column(Money)  # 财产性收入
    transfer_dibao: Mapped[Decimal] = mapped_column(Money)  # 低保金
    transfer_tekun: Mapped[Decimal] = mapped_column(Money)  # 特困供养金
    transfer_pension: Mapped[Decimal] = mapped_column(Money)  # 养老金
    transfer_eco: Mapped[Decimal] = mapped_column(Money)  # 生态补偿金
    transfer_relief: Mapped[Decimal] = mapped_column(
        Money, default=Decimal(0), server_default="0"
    )  # 救灾/临时救助
    transfer_insurance: Mapped[Decimal] = mapped_column(
        Money, default=Decimal(0), server_default="0"
    )  # 防贫保险
    transfer_other: Mapped[Decimal] = mapped_column(Money)  # 其他转移性收入
    production_costs: Mapped[Decimal] = mapped_column(Money)  # 生产经营性支出
    medical_oop: Mapped[Decimal] = mapped_column(Money)  # 合规自付医疗支出
    education_oop: Mapped[Decimal] = mapped_column(Money)  # 合规自付教育支出
    insurance_claims: Mapped[Decimal] = mapped_column(
        Money, default=Decimal(0), server_default="0"
    )  # 家庭理赔收入
    source: Mapped[str] = mapped_column(ENUM, server_default="load")  # IncomeSource
    source_ref: Mapped[int | None] = mapped_column(BigInteger)  # the import's id
    as_of: Mapped[dt.date] = mapped_column(Date)  # the day the figures were collected

    @hybrid_property
    def transfers(self) -> Decimal:
        return (
            self.transfer_dibao
            + self.transfer_tekun
            + self.transfer_pension
            + self.transfer_eco
            + self.transfer_relief
            + self.transfer_insurance
            + self.transfer_other
        )

    @hybrid_property
    def net_income(self) -> Decimal:
        return self.wage + self.business + self.property + self.transfers - self.production_costs

    def per_capita_net_income(self, size: int) -> Decimal:
        """Net income per household member, rounded half up to the fen."""
        if size < 1:
            raise ValueError(f"household size must be at least 1, got {size}")
        return (self.net_income / size).quantize(CENT, rounding=ROUND_HALF_UP)


class HouseholdGuarantee(Base):
    """两不愁三保障 + drinking water as assessed for a household in one year.

    ``source``, ``source_ref`` and ``as_of`` as for incomes; a local edit records ``edit``.
    """

    __tablename__ = "household_guarantees"

    household_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("households.id"), primary_key=True
    )
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    food_clothing_insecure: Mapped[bool] = mapped_column(Boolean)  # 吃穿不愁有问题
    housing_unsafe: Mapped[bool] = mapped_column(Boolean)  # 住房安全有问题
    water_unsafe: Mapped[bool] = mapped_column(Boolean)  # 饮水安全有问题
    source: Mapped[str] = mapped_column(ENUM, server_default="load")  # IncomeSource
    source_ref: Mapped[int | None] = mapped_column(BigInteger)
    as_of: Mapped[dt.date] = mapped_column(Date)


class RegistryImport(Base):
    """One import of the national monitoring system's export, with its reconciliation and diff."""

    __tablename__ = "registry_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    # registry: the national system's export; incomes: a yearly income collection (年度收入采集)
    kind: Mapped[str] = mapped_column(String(16), server_default="registry")
    source_name: Mapped[str] = mapped_column(String(255))
    content_sha256: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))  # committed, failed, unchanged
    rows_in: Mapped[int] = mapped_column(BigInteger, default=0)
    accepted: Mapped[int] = mapped_column(BigInteger, default=0)
    rejected: Mapped[int] = mapped_column(BigInteger, default=0)
    # {"households": {"new": n, "changed": n, "removed": n, "unchanged": n}, "members": {...}}
    diff: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    report_dir: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class MemberEvent(Base):
    """A death, birth or move recorded locally for a member (docs/households.md).

    A death or a move out also sets the member's ``removed_at``; the event keeps its date and
    reason (``MemberEventKind``, ``MoveReason``), who recorded it and when.
    """

    __tablename__ = "member_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("members.id"), index=True)
    household_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("households.id"), index=True)
    kind: Mapped[str] = mapped_column(ENUM)  # MemberEventKind
    reason: Mapped[str | None] = mapped_column(ENUM)  # MoveReason
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class LocalEdit(Base):
    """A field of a household or member changed here rather than by a registry import.

    ``field`` is a registry column, ``household_no`` for a member's household (null: the member
    left it) or ``listed`` for a household closed locally. An edit is *pending* until a registry
    import's file agrees with it (``settled_at``); while pending, an import that disagrees keeps
    the local value and lists the conflict (``registry.imports.conflicts``).
    """

    __tablename__ = "local_edits"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    household_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("households.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("members.id"))
    field: Mapped[str] = mapped_column(String(32))
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    actor: Mapped[str] = mapped_column(String(64))
    edited_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    settled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, index=True)
