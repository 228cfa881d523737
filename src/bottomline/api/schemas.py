"""What the API answers with (the OpenAPI schema is made from these). Personal data is masked:
ID numbers as ``5323**********12``, names as ``张*``, phones as ``138****5678``; free text that
holds an ID, phone, bank account or health detail is withheld (:func:`text`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from bottomline.cases.enums import DismissReason, EliminationMethod, Stage
from bottomline.labels import LabelledEnum
from bottomline.registry.enums import Category, RevealPurpose, RiskType


def text(value: str | None) -> str | None:
    """Free text as the API shows it: withheld when it holds personal data."""
    from bottomline.cases.notices.redact import find_personal_data

    if not value:
        return value
    found = find_personal_data(value)
    if found:
        kinds = sorted({f.kind for f in found})
        return (
            f"（含{'、'.join(k.zh for k in kinds)}，不显示）/ (withheld: holds "
            f"{', '.join(k.en for k in kinds)})"
        )
    return value


class Label(BaseModel):
    """A code-list value with its Chinese and English names."""

    value: str
    zh: str
    en: str

    @classmethod
    def of(cls, member: LabelledEnum) -> Label:
        return cls(value=member.value, zh=member.zh, en=member.en)


class ErrorDetail(BaseModel):
    code: str
    status: int
    message: str
    zh: str
    en: str
    hint: str | None = None
    reason: str | None = None  # the domain error's code for what is missing (api.errors)


class ErrorBody(BaseModel):
    error: ErrorDetail


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class Me(BaseModel):
    username: str
    role: Label
    region_code: str
    feeds: list[str] | None = None


class SessionOut(Me):
    csrf_token: str
    expires_at: dt.datetime


class MemberOut(BaseModel):
    id: int
    id_number: str  # masked
    name: str  # masked
    relationship: Label
    sex: str
    birth_year: int


class IncomeOut(BaseModel):
    year: int
    net_income: str  # yuan, exact decimal as text
    per_capita_net_income: str


class HouseholdOut(BaseModel):
    id: int
    household_no: str
    village_code: str
    household_type: Label
    formerly_poor: bool
    monitoring_category: Label | None
    monitored_on: dt.date | None
    risk_eliminated_on: dt.date | None
    removed: bool
    phone: str  # masked
    members: list[MemberOut]
    incomes: list[IncomeOut]
    cases: list[int]


class RevealIn(BaseModel):
    """Why the full ID number is needed (a code list: the audit row holds no free text)."""

    purpose: RevealPurpose


class RevealOut(BaseModel):
    household_no: str
    member_id: int
    id_number: str  # in full: the one answer that carries it


class CaseRow(BaseModel):
    id: int
    household_id: int
    village_code: str
    stage: Label
    category: str | None
    first_lead_on: dt.date
    deadline_on: dt.date
    version: int


class CaseEventOut(BaseModel):
    occurred_on: dt.date
    from_stage: str | None
    to_stage: str
    actor: str
    role: str
    reason: str | None


class CaseOut(CaseRow):
    household_no: str
    risk_types: list[str]
    days_used: int
    days_left: int
    overdue: bool
    events: list[CaseEventOut]
    notices: list[int]
    visits: int
    measures: int


Key = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Text = Annotated[str, StringConstraints(max_length=2000)]


class TransitionIn(BaseModel):
    """A decision on a case: the stage it moves to, made on the version the user saw."""

    to: Stage = Field(description="the stage to move to, e.g. verifying")
    version: int = Field(
        ge=1, le=2**31 - 1, description="the case's version the decision was made on"
    )
    reason: str | None = Field(default=None, max_length=2000)
    evidence: dict[Key, Text] = Field(
        default_factory=dict, max_length=20, description="evidence by key, e.g. township_opinion"
    )
    risk_types: list[RiskType] = Field(default_factory=list, max_length=5)
    category: Category | None = None
    method: EliminationMethod | None = Field(default=None, description="assisted or natural")
    on: dt.date | None = Field(default=None, description="the day it was decided (default: today)")


class CaseList(BaseModel):
    rows: list[CaseRow]
    limit: int


class ClueOut(BaseModel):
    id: int
    household_no: str
    head: str  # masked
    village_code: str
    village: str
    township: str
    category: str | None
    risk_types: list[str]
    channel: str
    reported_on: dt.date
    triage: str
    rules: list[str]
    reasons: list[str]
    active_case: int | None


class CluePageOut(BaseModel):
    total: int
    page: int
    page_size: int
    pages: int
    rows: list[ClueOut]


ClueIds = Annotated[
    list[Annotated[int, Field(ge=1, le=2**63 - 1)]],
    Field(min_length=1, max_length=1000, description="the clues decided, as one transaction"),
]
Day = Annotated[
    dt.date | None, Field(default=None, description="the day it was decided (default: today)")
]


class DispatchIn(BaseModel):
    """派发核实 / Send pending clues for verification: each household's case opens (its clock
    starts on the day decided) or the clue joins the household's case under way."""

    ids: ClueIds
    on: Day = None


class DismissIn(BaseModel):
    """排除 / Dismiss pending clues: a common reason, or ``other`` with the reason in words."""

    ids: ClueIds
    code: DismissReason = DismissReason.other
    reason: str | None = Field(default=None, max_length=2000)
    on: Day = None


class ReopenIn(BaseModel):
    """恢复 / Make dismissed clues pending again (a dismissal taken in error)."""

    ids: ClueIds
    reason: str = Field(min_length=1, max_length=2000)
    on: Day = None


class TriageOut(BaseModel):
    clues: int  # how many clues were decided
    cases_opened: int = 0
    merged: int = 0  # clues that joined a case already under way
    case_ids: list[int] = Field(default_factory=list)


class AuditRowOut(BaseModel):
    seq: int
    at: dt.datetime
    actor: str
    role: str
    action: str
    entity: str
    entity_id: str
    region_code: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None  # withheld when it holds personal data
    hash: str


class AuditPageOut(BaseModel):
    total: int
    page: int
    page_size: int
    pages: int
    rows: list[AuditRowOut]


class FindingOut(BaseModel):
    seq: int
    problem: str
    detail: str


class VerificationOut(BaseModel):
    intact: bool
    rows: int
    first_bad_seq: int | None
    findings: list[FindingOut]


class PipelineOut(BaseModel):
    level: str
    region_code: str
    counts: dict[str, dict[str, int]]  # region code -> stage -> cases


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of a route's failures, all of the one shape."""
    return {status: {"model": ErrorBody} for status in statuses}
