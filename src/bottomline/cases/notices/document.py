"""What a village public notice (公示) shows, and the one door from a household to a notice line.

A notice line is a :class:`NoticeEntry`: the head's name, the village group, the household
size, the monitoring category, the risk types and (for risk elimination) how the risk was
eliminated. It has no field that could carry an ID number, a phone number, a bank account or a
health detail, so nothing of the kind can reach a notice by construction; :func:`entry_for` is
how a :class:`NoticeSource` (a household with its personal data) becomes one. The reason shown
on the notice is built from enum labels only, never from text people typed.

The national rule (policy-notes §4): identification and risk elimination are published in the
village for at least 5 days, counted inclusively (23 to 27 November is 5 days). A document
checks only this national floor; a village's own period (``cases.procedure.notice_end``, maybe
longer or in working days) is the caller's to apply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bottomline.cases.enums import EliminationMethod, NoticeKind
from bottomline.errors import UserError
from bottomline.policy.schema import NOTICE_DAYS
from bottomline.screening.enums import MAX_RISK_TYPES, Category, RiskType

MIN_NOTICE_DAYS = int(NOTICE_DAYS.low)  # the national floor (policy-notes §4, S5)
_VILLAGE_CODE = re.compile(r"[0-9]{12}")
ELIMINATED_BECAUSE = "收入持续稳定，两不愁三保障及饮水安全有保障"


@dataclass(frozen=True, slots=True)
class NoticeEntry:
    """What one line of a notice shows — nothing else exists to leak."""

    name: str  # head of household's name
    village_group: str | None  # 村民小组, e.g. "第三组"
    household_size: int
    category: Category
    risk_types: tuple[RiskType, ...]  # 1..5
    method: EliminationMethod | None = None  # only for elimination notices

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise UserError("公示的户须有户主姓名 / a household on a notice needs the head's name")
        if self.household_size < 1:
            raise UserError(
                f"家庭人口数至少为 1，实为 {self.household_size} / "
                f"household size must be at least 1, got {self.household_size}"
            )
        if not 1 <= len(self.risk_types) <= MAX_RISK_TYPES:
            raise UserError(
                f"公示的户须有 1 至 {MAX_RISK_TYPES} 个风险类型，实为 {len(self.risk_types)} / "
                f"a household on a notice needs 1 to {MAX_RISK_TYPES} risk types, "
                f"got {len(self.risk_types)}"
            )


@dataclass(frozen=True, slots=True)
class NoticeDocument:
    """One notice of one village: its kind, batch, period, issuer and households."""

    kind: NoticeKind
    village_code: str  # 12-digit division code; names the files, never shown
    place: str  # e.g. "某县某镇某村"
    round_no: int
    year: int
    starts_on: date
    ends_on: date
    issued_by: str  # e.g. "某村村民委员会"
    entries: tuple[NoticeEntry, ...]

    def __post_init__(self) -> None:
        _check_header(self)
        for line, entry in enumerate(self.entries, start=1):
            _check_method(self.kind, entry, line)

    @property
    def title(self) -> str:
        """E.g. "某县某镇某村2026年第1批监测对象识别公示"."""
        return f"{self.place}{self.year}年第{self.round_no}批{self.kind.zh}公示"

    @property
    def file_stem(self) -> str:
        """``<village_code>-<year>-<kind>-<round>``, the name of the notice's files."""
        return f"{self.village_code}-{self.year}-{self.kind.value}-{self.round_no}"


@dataclass(frozen=True, slots=True, kw_only=True)
class NoticeSource:
    """A household as the store holds it, personal data included; only :func:`entry_for` reads it."""

    head_name: str
    village_group: str | None
    household_size: int
    category: Category
    risk_types: tuple[RiskType, ...]
    method: EliminationMethod | None = None
    id_numbers: tuple[str, ...] = ()  # resident IDs and disability certificate numbers
    phones: tuple[str, ...] = ()
    bank_accounts: tuple[str, ...] = ()
    health_notes: tuple[str, ...] = ()  # e.g. "尿毒症", "二级肢体残疾"
    address: str | None = None


def entry_for(source: NoticeSource) -> NoticeEntry:
    """The notice line for a household: the allowed fields are copied, nothing else."""
    return NoticeEntry(
        name=source.head_name.strip(),
        village_group=source.village_group,
        household_size=source.household_size,
        category=source.category,
        risk_types=tuple(source.risk_types),
        method=source.method,
    )


def risk_types_text(entry: NoticeEntry) -> str:
    """The risk types as the notice writes them: "因病、因学"."""
    return "、".join(risk.zh for risk in entry.risk_types)


def reason_for(entry: NoticeEntry, kind: NoticeKind) -> str:
    """The reason in plain words, from enum labels only."""
    if kind is NoticeKind.identification:
        return f"{entry.category.zh}；风险类型：{risk_types_text(entry)}"
    method = entry.method.zh if entry.method else ""
    return f"{method}：{risk_types_text(entry)}风险已消除，{ELIMINATED_BECAUSE}"


def _check_header(doc: NoticeDocument) -> None:
    if not doc.entries:
        raise UserError(
            "公示至少须有一户 / a notice needs at least one household",
            hint="选择要公示的户 / choose the households to publish",
        )
    if not _VILLAGE_CODE.fullmatch(doc.village_code):
        raise UserError(
            f"村代码为12位，实为 {doc.village_code!r} / "
            f"a village code has 12 digits, got {doc.village_code!r}"
        )
    if doc.round_no < 1:
        raise UserError(
            f"公示批次从 1 开始，实为 {doc.round_no} / "
            f"the notice's round number starts at 1, got {doc.round_no}"
        )
    days = (doc.ends_on - doc.starts_on).days + 1
    if days < MIN_NOTICE_DAYS:
        raise UserError(
            f"公示期至少 {MIN_NOTICE_DAYS} 天，本次 {days} 天 / "
            f"a notice runs for at least {MIN_NOTICE_DAYS} days, this one {days}",
            hint=f"结束日期不早于 {doc.starts_on + timedelta(days=MIN_NOTICE_DAYS - 1)} / "
            f"end it on {doc.starts_on + timedelta(days=MIN_NOTICE_DAYS - 1)} or later",
        )


def _check_method(kind: NoticeKind, entry: NoticeEntry, line: int) -> None:
    if kind is NoticeKind.elimination and entry.method is None:
        raise UserError(
            f"风险消除公示第 {line} 行没有消除方式 / "
            f"line {line} of a risk-elimination notice has no elimination method"
        )
    if kind is NoticeKind.identification and entry.method is not None:
        raise UserError(
            f"识别公示第 {line} 行不应有消除方式 / "
            f"line {line} of an identification notice has an elimination method"
        )
