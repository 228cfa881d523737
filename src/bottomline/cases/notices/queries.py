"""Reads of village notices (公示), limited to the acting user's region."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bottomline.cases.models import Notice, NoticeCase
from bottomline.db import storable_id
from bottomline.errors import NotFound
from bottomline.users.actor import Actor
from bottomline.users.scope import Scope


def access_notice(session: Session, notice_id: int, actor: Actor) -> Notice:
    """The notice, if it exists and its village lies in the actor's region; an absent notice and
    one outside the region answer alike."""
    notice = session.get(Notice, notice_id) if storable_id(notice_id) else None
    if notice is None or not actor.covers(notice.village_code):
        raise NotFound(
            f"你的辖区内没有公示 {notice_id} / no notice {notice_id} in your region",
            hint="查看辖区内的公示列表 / list the notices of your region",
        )
    return notice


def notices_in(session: Session, scope: Scope) -> list[tuple[Notice, int]]:
    """The scope's notices, newest first, each with how many cases it lists."""
    rows = session.execute(
        select(Notice, func.count(NoticeCase.case_id))
        .join(NoticeCase, NoticeCase.notice_id == Notice.id, isouter=True)
        .where(scope.villages(Notice.village_code))
        .group_by(Notice.id)
        .order_by(Notice.starts_on.desc(), Notice.id.desc())
    ).all()
    return [(notice, int(cases)) for notice, cases in rows]
