"""Publish a village's notice round, and record and resolve objections.

Publishing puts every chosen case of one village on one notice (identification: cases at data
comparison; elimination: cases whose elimination is proposed), moves each through the
workflow, and writes the notice as HTML and PDF. The period is the policy's notice days counted
as the policy says; the next step is allowed from the day after it ends, once every objection
is resolved.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bottomline import audit
from bottomline.cases.enums import EliminationMethod, NoticeKind, Stage
from bottomline.cases.models import Case, Notice, NoticeCase, Objection
from bottomline.cases.notices.document import NoticeDocument, NoticeSource, entry_for
from bottomline.cases.notices.queries import access_notice
from bottomline.cases.notices.render import write_notice, write_notice_html
from bottomline.cases.text import check_free_text
from bottomline.cases.workflow import transition
from bottomline.errors import PermissionDenied, UserError
from bottomline.registry.enums import Relationship
from bottomline.registry.models import Member, Region
from bottomline.screening.enums import Category, RiskType
from bottomline.users.actor import Actor
from bottomline.users.enums import Role
from bottomline.workdays import DayCount, add_days, today_in_china

FIELD_ROLES = frozenset({Role.village, Role.township})
OFFICE_ROLES = frozenset({Role.village, Role.township, Role.county})
STAGES = {
    NoticeKind.identification: (Stage.comparing, Stage.village_review),
    NoticeKind.elimination: (Stage.elimination_proposed, Stage.elimination_review),
}


@dataclass(slots=True)
class Published:
    notice: Notice
    case_ids: list[int]
    html_path: Path
    late: list[int] = field(default_factory=list)  # cases whose notice ends after the deadline


def publish_notice(
    session: Session,
    *,
    actor: Actor,
    village_code: str,
    kind: NoticeKind,
    starts_on: dt.date | None,
    out_dir: Path,
    case_ids: list[int] | None = None,
    pdf: bool = True,
) -> Published:
    """Put the village's waiting cases (or ``case_ids``) on a new notice round and write it
    (HTML, and PDF unless ``pdf`` is false)."""
    day = starts_on or today_in_china()
    if not actor.covers(village_code):
        raise PermissionDenied(
            f"{actor} 不能发布 {village_code} 的公示 / "
            f"{actor} cannot publish notices for {village_code}",
            hint="各村发布本村的公示 / the village publishes its own notices",
        )
    cases = _waiting_cases(session, village_code, kind, case_ids)
    ends_on = _ends_on(cases, day)
    notice = _new_notice(session, actor, village_code, kind, day, ends_on)
    for case in cases:
        session.add(NoticeCase(notice_id=notice.id, case_id=case.id))
    session.flush()
    target = STAGES[kind][1]
    for case in cases:
        transition(session, case, target, actor=actor, evidence={"notice_id": notice.id}, on=day)
    document = _document(session, notice, cases)
    if pdf:
        html_path, pdf_path = write_notice(document, out_dir)
        notice.pdf_path = str(pdf_path)
    else:
        html_path = write_notice_html(document, out_dir)
    notice.html_path = str(html_path)
    _audit_publish(session, notice, cases, actor)
    late = [c.id for c in cases if kind is NoticeKind.identification and ends_on >= c.deadline_on]
    return Published(notice, [c.id for c in cases], html_path, late)


def _waiting_cases(
    session: Session, village_code: str, kind: NoticeKind, case_ids: list[int] | None
) -> list[Case]:
    source = STAGES[kind][0]
    query = select(Case).where(Case.village_code == village_code, Case.stage == source.value)
    if case_ids:
        query = query.where(Case.id.in_(case_ids))
    cases = list(session.scalars(query.order_by(Case.id)))
    missing = sorted(set(case_ids or []) - {c.id for c in cases})
    if missing:
        raise UserError(
            f"案件 {', '.join(map(str, missing))} 不在村 {village_code} 的“{source.zh}”阶段 / "
            f"case(s) {', '.join(map(str, missing))} are not at {source.value} ({source.zh}) "
            f"in village {village_code}",
            hint="只有等待本次公示的案件才能列入 / only cases waiting for this notice can go on it",
        )
    if not cases:
        raise UserError(
            f"村 {village_code} 没有等待{kind.zh}公示的案件 / "
            f"no case in village {village_code} is waiting for a {kind.zh} notice",
            hint=f"案件从“{source.zh}”阶段进入公示 / "
            f"cases go on notice from the stage {source.value} ({source.zh})",
        )
    return cases


def _ends_on(cases: list[Case], starts_on: dt.date) -> dt.date:
    """The last notice day: the longest any case's policy asks for."""
    return max(
        add_days(starts_on - dt.timedelta(days=1), c.notice_days, DayCount(c.day_count))
        for c in cases
    )


def _new_notice(
    session: Session,
    actor: Actor,
    village_code: str,
    kind: NoticeKind,
    starts_on: dt.date,
    ends_on: dt.date,
) -> Notice:
    last = session.scalar(
        select(func.max(Notice.round_no)).where(
            Notice.village_code == village_code,
            Notice.kind == kind.value,
            Notice.year == starts_on.year,
        )
    )
    notice = Notice(
        village_code=village_code,
        kind=kind.value,
        year=starts_on.year,
        round_no=(last or 0) + 1,
        starts_on=starts_on,
        ends_on=ends_on,
        published_by=actor.name,
    )
    session.add(notice)
    session.flush()
    return notice


def _document(session: Session, notice: Notice, cases: list[Case]) -> NoticeDocument:
    kind = NoticeKind(notice.kind)
    return NoticeDocument(
        kind=kind,
        village_code=notice.village_code,
        place=_place(session, notice.village_code),
        round_no=notice.round_no,
        year=notice.year,
        starts_on=notice.starts_on,
        ends_on=notice.ends_on,
        issued_by=f"{_name(session, notice.village_code)}村民委员会",
        entries=tuple(entry_for(_source(session, case, kind)) for case in cases),
    )


def _source(session: Session, case: Case, kind: NoticeKind) -> NoticeSource:
    members = list(
        session.scalars(
            select(Member).where(
                Member.household_id == case.household_id, Member.removed_at.is_(None)
            )
        )
    )
    head = next((m for m in members if m.relationship == Relationship.head.value), members[0])
    return NoticeSource(
        head_name=head.name,
        village_group=None,  # the registry does not hold 村民小组 yet
        household_size=len(members),
        category=Category(case.category) if case.category else _category_needed(case),
        risk_types=tuple(RiskType(r) for r in case.risk_types),
        method=_method(case, kind),
    )


def _method(case: Case, kind: NoticeKind) -> EliminationMethod | None:
    if kind is NoticeKind.identification:
        return None
    return EliminationMethod(case.elimination_method or EliminationMethod.assisted.value)


def _category_needed(case: Case) -> Category:
    raise UserError(
        f"案件 {case.id} 没有监测类别，无法公示 / case {case.id} has no monitoring category "
        "for the notice",
        hint="在该户的线索上填写建议的监测类别，或把该案件从公示中去掉 / record the suggested "
        "category on the household's lead, or leave the case out of the notice",
    )


def _place(session: Session, code: str) -> str:
    names: list[str] = []
    current: str | None = code
    while current is not None:
        region = session.get(Region, current)
        if region is None or region.level in ("province", "city"):
            break
        names.append(region.name)
        current = region.parent_code
    return "".join(reversed(names)) or code


def _name(session: Session, code: str) -> str:
    region = session.get(Region, code)
    return region.name if region else code


def _audit_publish(session: Session, notice: Notice, cases: list[Case], actor: Actor) -> None:
    change = audit.Change(
        "notice.publish",
        "notice",
        notice.id,
        region_code=notice.village_code,
        after={
            "kind": notice.kind,
            "round_no": notice.round_no,
            "starts_on": notice.starts_on,
            "ends_on": notice.ends_on,
            "cases": [c.id for c in cases],
        },
    )
    audit.record(session, change, actor=actor.name, role=actor.role.value)


# --- objections --------------------------------------------------------------------------------


def record_objection(
    session: Session,
    *,
    actor: Actor,
    notice_id: int,
    case_id: int,
    received_on: dt.date,
    summary: str,
) -> Objection:
    """Record an objection (异议) to a case on a notice, received during the notice period."""
    notice = _notice_in_scope(session, notice_id, actor, FIELD_ROLES)
    if session.get(NoticeCase, (notice_id, case_id)) is None:
        raise UserError(
            f"案件 {case_id} 不在公示 {notice_id} 上 / case {case_id} is not on notice {notice_id}"
        )
    if not notice.starts_on <= received_on <= notice.ends_on:
        raise UserError(
            f"公示 {notice_id} 的公示期为 {notice.starts_on} 至 {notice.ends_on}，"
            f"{received_on} 收到的异议不在公示期内 / "
            f"notice {notice_id} ran from {notice.starts_on} to {notice.ends_on}; "
            f"an objection received on {received_on} is outside it",
            hint="公示期后的异议作为新线索或信访处理，不记在公示上 / "
            "late objections are handled as a new lead or a complaint, not on the notice",
        )
    check_free_text(summary)
    objection = Objection(
        notice_id=notice_id,
        case_id=case_id,
        received_on=received_on,
        summary=summary,
        recorded_by=actor.name,
    )
    session.add(objection)
    session.flush()
    _audit_objection(session, objection, notice, actor, "objection.record", None)
    return objection


def resolve_objection(
    session: Session,
    *,
    actor: Actor,
    objection_id: int,
    upheld: bool,
    resolution: str,
    on: dt.date | None = None,
) -> Objection:
    """Resolve an objection after checking it; an upheld one usually means rejecting the case."""
    objection = session.get(Objection, objection_id)
    if objection is None:
        raise UserError(f"没有异议 {objection_id} / no objection {objection_id}")
    notice = _notice_in_scope(session, objection.notice_id, actor, OFFICE_ROLES)
    if objection.resolved_on is not None:
        raise UserError(
            f"异议 {objection_id} 已于 {objection.resolved_on} 处理 / "
            f"objection {objection_id} was resolved on {objection.resolved_on}"
        )
    if not resolution.strip():
        raise UserError(
            "须说明异议的处理结果 / say how the objection was resolved",
            hint="写明处理结果 / state the resolution",
            reason="objection_needs_resolution",
        )
    check_free_text(resolution)
    objection.resolved_on = on or today_in_china()
    objection.upheld, objection.resolution, objection.resolved_by = upheld, resolution, actor.name
    session.flush()
    _audit_objection(session, objection, notice, actor, "objection.resolve", resolution)
    return objection


def _notice_in_scope(
    session: Session, notice_id: int, actor: Actor, roles: frozenset[Role]
) -> Notice:
    if actor.role not in roles:  # the role first: it reveals nothing about the notice
        allowed = ", ".join(sorted(r.value for r in roles))
        raise PermissionDenied(
            f"{actor} 不能办理公示 / {actor} cannot act on notices",
            hint=f"由辖区的 {allowed} 用户办理 / this is done by {allowed} users of the region",
        )
    return access_notice(session, notice_id, actor)


def _audit_objection(
    session: Session,
    objection: Objection,
    notice: Notice,
    actor: Actor,
    action: str,
    reason: str | None,
) -> None:
    change = audit.Change(
        action,
        "objection",
        objection.id,
        region_code=notice.village_code,
        after={
            "notice_id": notice.id,
            "case_id": objection.case_id,
            "resolved_on": objection.resolved_on,
            "upheld": objection.upheld,
        },
        reason=reason,
    )
    audit.record(session, change, actor=actor.name, role=actor.role.value)
