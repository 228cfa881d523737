"""The clue queue: screening leads waiting for triage, filtered, sorted and paged in the acting
user's region (a clue outside it reads as absent).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, String, cast, func, select
from sqlalchemy.orm import Session

from bottomline.cases.leads import lead_day
from bottomline.cases.models import Case
from bottomline.cases.queries import lead_reasons
from bottomline.db import chunks
from bottomline.errors import NotFound, UnknownRegionError, UserError
from bottomline.ids import mask_name
from bottomline.regions import level_of
from bottomline.registry.enums import Relationship
from bottomline.registry.models import Household, Member, Region
from bottomline.screening.enums import CLUE_CHANNELS, Category, RiskType, Triage
from bottomline.screening.models import Lead, LeadHit
from bottomline.users.actor import Actor
from bottomline.users.scope import Scope

_HITS = select(LeadHit.lead_id, func.count().label("hits")).group_by(LeadHit.lead_id).subquery("nh")
SORTS = {
    "oldest": (Lead.id,),
    "newest": (Lead.id.desc(),),
    "village": (Lead.village_code, Lead.id),
    "household": (Household.household_no, Lead.id),
    "hits": (func.coalesce(_HITS.c.hits, 0).desc(), Lead.id),
}
"""Sort keys of the queue: oldest first (default), newest first, by village, by household
number, most rule hits first."""


@dataclass(frozen=True, slots=True)
class ClueFilter:
    """Which clues: every filter given must hold (codes are 12-digit region codes)."""

    township: str | None = None
    village: str | None = None
    rule: str | None = None
    category: Category | None = None
    risk: RiskType | None = None
    channel: str | None = None
    status: Triage = Triage.pending


@dataclass(frozen=True, slots=True)
class ClueRow:
    """One clue as the queue shows it: no ID numbers, phones or health details."""

    id: int
    household_no: str
    head: str  # masked (ids.mask_name)
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
    decided_by: str | None
    decided_on: dt.date | None
    dismiss_reason: str | None


@dataclass(slots=True)
class CluePage:
    total: int
    page: int
    page_size: int
    rows: list[ClueRow] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def clue_page(
    session: Session,
    *,
    actor: Actor,
    filters: ClueFilter,
    sort: str = "oldest",
    page: int = 1,
    page_size: int = 50,
) -> CluePage:
    """One page of the queue, with the number of clues the filters select."""
    query = _selected(session, actor, filters)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = _ordered(query, sort).offset((page - 1) * page_size).limit(page_size)
    ids = list(session.scalars(ordered))
    return CluePage(total, page, page_size, _rows(session, ids))


def all_clues(
    session: Session, *, actor: Actor, filters: ClueFilter, sort: str = "oldest"
) -> Iterator[ClueRow]:
    """Every clue the filters select, in order (for an export), a chunk at a time."""
    ids = clue_ids(session, actor=actor, filters=filters, sort=sort)
    for chunk in chunks(ids):
        yield from _rows(session, list(chunk))


def clue_ids(
    session: Session, *, actor: Actor, filters: ClueFilter, sort: str = "oldest"
) -> list[int]:
    """The ids of every clue the filters select in the actor's region (for bulk triage)."""
    return list(session.scalars(_ordered(_selected(session, actor, filters), sort)))


def access_clues(session: Session, ids: Sequence[int], actor: Actor) -> list[tuple[Lead, str]]:
    """The clues with these ids and their villages; an id that is no clue, or whose village
    lies outside the actor's region, is "no such clue"."""
    found: dict[int, tuple[Lead, str]] = {}
    for chunk in chunks(list(dict.fromkeys(ids))):
        rows = session.scalars(
            select(Lead).where(Lead.id.in_(chunk), Lead.channel.in_(sorted(CLUE_CHANNELS)))
        )
        found.update(
            (lead.id, (lead, lead.village_code)) for lead in rows if actor.covers(lead.village_code)
        )
    missing = [i for i in ids if i not in found]
    if missing:
        listed = ", ".join(map(str, missing[:10])) + (" …" if len(missing) > 10 else "")
        raise NotFound(
            f"没有线索 / no such clue: {listed}",
            hint="核对线索编号，可在线索队列中查到 / check the numbers against the clue queue",
            reason="clue_not_found",
        )
    return [found[i] for i in dict.fromkeys(ids)]


def check_region(session: Session, actor: Actor, code: str, level: str) -> str:
    """A township or village code of the registry inside the actor's region (else absent)."""
    known = session.scalar(select(Region.code).where(Region.code == code))
    if known is None or level_of(code) != level or not actor.covers(code):
        raise UnknownRegionError(
            f"你的辖区内没有此{_LEVEL_ZH[level]} / no {level} {code} in the region of {actor}",
            hint=f"给出本辖区内{_LEVEL_ZH[level]}的12位代码 / "
            f"give the 12-digit code of a {level} in your region",
        )
    return code


_LEVEL_ZH = {"township": "乡镇", "village": "村"}


def _selected(session: Session, actor: Actor, f: ClueFilter) -> Select[Any]:
    scope = Scope.of(actor)  # a role that reads no records is refused here
    query = (
        select(Lead.id)
        .where(Lead.triage == f.status.value)
        .where(scope.villages(Lead.village_code))
    )
    if f.township:
        check_region(session, actor, f.township, "township")
        query = query.where(scope.narrowed(f.township).villages(Lead.village_code))
    if f.village:
        check_region(session, actor, f.village, "village")
        query = query.where(Lead.village_code == f.village)
    if f.rule:
        query = query.where(Lead.id.in_(select(LeadHit.lead_id).where(LeadHit.rule_id == f.rule)))
    if f.category:
        query = query.where(Lead.category == f.category.value)
    if f.risk:
        # risk_types is a JSON list of enum values: match the quoted value in its text, which
        # works alike on SQLite and PostgreSQL ("other" never matches "disaster_other").
        query = query.where(cast(Lead.risk_types, String).like(f'%"{f.risk.value}"%'))
    if f.channel:
        query = query.where(Lead.channel == f.channel)
    return query


def _ordered(query: Select[Any], sort: str) -> Select[Any]:
    if sort not in SORTS:
        raise UserError(
            f"排序 {sort!r} 未知 / unknown sort key {sort!r}",
            hint=f"可按以下排序 / sort by one of: {', '.join(SORTS)}",
        )
    if sort == "hits":  # the hit counts are grouped only when the queue is sorted by them
        query = query.outerjoin(_HITS, _HITS.c.lead_id == Lead.id)
    if sort == "household":
        query = query.join(Household, Household.id == Lead.household_id)
    return query.order_by(*SORTS[sort])


def _rows(session: Session, ids: list[int]) -> list[ClueRow]:
    if not ids:
        return []
    leads = {lead.id: lead for lead in session.scalars(select(Lead).where(Lead.id.in_(ids)))}
    household_ids = {lead.household_id for lead in leads.values()}
    households = {
        h.id: h for h in session.scalars(select(Household).where(Household.id.in_(household_ids)))
    }
    heads = _heads(session, household_ids)
    cases = _active_cases(session, household_ids)
    villages = {lead.village_code for lead in leads.values()}
    names = _names(session, villages | {v[:9] + "000" for v in villages})
    rules = _rules(session, ids)
    reasons = lead_reasons(session, ids)
    rows = []
    for lead_id in ids:
        lead = leads[lead_id]
        house = households[lead.household_id]
        village = lead.village_code
        rows.append(
            ClueRow(
                id=lead.id,
                household_no=house.household_no,
                head=mask_name(heads.get(house.id)),
                village_code=village,
                village=names.get(village, village),
                township=names.get(village[:9] + "000", village[:9] + "000"),
                category=lead.category,
                risk_types=list(lead.risk_types or []),
                channel=lead.channel,
                reported_on=lead_day(lead),
                triage=lead.triage or "",
                rules=rules.get(lead.id, []),
                reasons=reasons.get(lead.id, []),
                active_case=cases.get(house.id),
                decided_by=lead.decided_by,
                decided_on=lead.decided_on,
                dismiss_reason=lead.dismiss_reason,
            )
        )
    return rows


def _heads(session: Session, household_ids: set[int]) -> dict[int, str]:
    rows = session.execute(
        select(Member.household_id, Member.name).where(
            Member.household_id.in_(household_ids),
            Member.relationship == Relationship.head.value,
            Member.removed_at.is_(None),
        )
    )
    return {household_id: name for household_id, name in rows}


def _active_cases(session: Session, household_ids: set[int]) -> dict[int, int]:
    rows = session.execute(
        select(Case.household_id, Case.id).where(Case.household_id.in_(household_ids), Case.active)
    )
    return {household_id: case_id for household_id, case_id in rows}


def _names(session: Session, codes: set[str]) -> dict[str, str]:
    rows = session.execute(select(Region.code, Region.name).where(Region.code.in_(codes)))
    return {code: name for code, name in rows}


def _rules(session: Session, lead_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    rows = session.execute(
        select(LeadHit.lead_id, LeadHit.rule_id)
        .where(LeadHit.lead_id.in_(lead_ids))
        .order_by(LeadHit.lead_id, LeadHit.id)
    )
    for lead_id, rule_id in rows:
        found.setdefault(lead_id, [])
        if rule_id not in found[lead_id]:
            found[lead_id].append(rule_id)
    return found
