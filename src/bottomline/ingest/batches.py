"""A committed batch taken out of use: superseded by a corrected file, or withdrawn.

Both are a user's audited action (``audit.record`` in the transaction that changes the
batch). The batch row stays with its counts and reports; its files move to
``<feeds>/_retired/`` (``store.retire_files``) after the transaction, so screening and the
data-quality rules, which read committed batches only, no longer see them. A stop between the
transaction and the move is finished by the next import's ``recover``.

* supersede: ``actions.import_feed(..., replaces=Replacement(batch_id, actor, reason))``
  imports the corrected file; its commit marks the old batch ``superseded`` (``superseded_by``
  the new one) in the same transaction.
* withdraw: :func:`withdraw_batch` marks a batch sent by mistake ``withdrawn``, with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bottomline import audit
from bottomline.db import utcnow
from bottomline.errors import InputFileError, PermissionDenied, UserError
from bottomline.ingest.enums import BatchStatus
from bottomline.ingest.models import IngestBatch
from bottomline.ingest.overlap import Overlap
from bottomline.ingest.store import import_lock, retire_files
from bottomline.users.actor import Actor
from bottomline.users.enums import Role

# Who may take a department's batch out of use: the county bureau that imports the feeds.
RETIRING_ROLES = (Role.county, Role.system)


@dataclass(frozen=True, slots=True)
class Replacement:
    batch_id: int  # the committed batch the new file replaces
    actor: Actor
    reason: str = "更正后重新报送 / corrected file re-sent"


class OverlapError(InputFileError):
    """Rows of the file are already in committed batches of the same feed and period."""

    def __init__(self, source: str, feed: str, period: str, overlaps: list[Overlap]) -> None:
        self.feed, self.period, self.overlaps = feed, period, overlaps
        first = overlaps[0]
        named = "、".join(f"批次 {o.batch_id}（{o.rows:,} 行）" for o in overlaps)
        named_en = ", ".join(f"batch {o.batch_id} ({o.rows:,} rows)" for o in overlaps)
        keyed = sum(o.by_key for o in overlaps)
        corrected = (
            f"；其中 {keyed:,} 行数值有更正 / of which {keyed:,} with corrected values"
            if keyed
            else ""
        )
        super().__init__(
            f"{source}：{feed} {period} 已入库的{named}与本文件重复，再次导入会重复计数 / "
            f"{source}: rows of this file are already in committed {named_en} of {feed} "
            f"{period}; importing it would count them twice{corrected}",
            hint=(
                f"若本文件是批次 {first.batch_id} 的更正版，用它替代批次 {first.batch_id}；"
                f"若批次 {first.batch_id} 是误发，先撤回 / if this file corrects batch "
                f"{first.batch_id}, supersede that batch with it; if batch {first.batch_id} "
                "was sent by mistake, withdraw it first"
            ),
        )


def check_replaceable(engine: Engine, replaces: Replacement, *, feed: str, period: str) -> None:
    """The batch to replace exists, is committed, and is of this feed and period."""
    check_retiring_role(replaces.actor)
    with Session(engine) as session:
        batch = session.get(IngestBatch, replaces.batch_id)
        _check_committed(batch, replaces.batch_id)
        assert batch is not None
        if (batch.feed, batch.period) != (feed, period):
            raise UserError(
                f"批次 {batch.id} 是 {batch.feed} {batch.period} 的数据，不是 {feed} {period} / "
                f"batch {batch.id} is {batch.feed} {batch.period}, not {feed} {period}",
                hint="更正文件只能替代同一数据类型、同一月份的批次 / a corrected file replaces a batch of "
                "its own feed and month",
            )


def supersede(session: Session, replaces: Replacement, *, new_batch_id: int) -> None:
    """Mark the replaced batch superseded by ``new_batch_id`` (in the commit's transaction)."""
    batch = session.get(IngestBatch, replaces.batch_id, with_for_update=True)
    _check_committed(batch, replaces.batch_id)
    assert batch is not None
    _retire(session, batch, BatchStatus.superseded, replaces.actor, replaces.reason)
    batch.superseded_by = new_batch_id
    _audit(session, batch, "ingest.supersede", replaces.actor, replaces.reason, new_batch_id)


def withdraw_batch(
    *, engine: Engine, actor: Actor, batch_id: int, reason: str, feeds_dir: Path
) -> IngestBatch:
    """Withdraw a committed batch sent by mistake: no longer read, its files kept for audit."""
    check_retiring_role(actor)
    reason = reason.strip()
    if not reason:
        raise UserError(
            "撤回批次须说明原因 / withdrawing a batch needs a reason",
            hint="说明为何误发 / say why the batch was sent by mistake",
        )
    with import_lock(feeds_dir):
        with Session(engine, expire_on_commit=False) as session, session.begin():
            batch = session.get(IngestBatch, batch_id, with_for_update=True)
            _check_committed(batch, batch_id)
            assert batch is not None
            _retire(session, batch, BatchStatus.withdrawn, actor, reason)
            _audit(session, batch, "ingest.withdraw", actor, reason, None)
        retire_files(feeds_dir, batch.feed, batch.period, batch.id)
    return batch


def check_retiring_role(actor: Actor) -> None:
    if actor.role not in RETIRING_ROLES:
        raise PermissionDenied(
            f"{actor} 不能替代或撤回部门数据批次 / {actor.name} may not supersede or withdraw "
            "department batches",
            hint="由县级乡村振兴部门用户操作 / a county bureau user does this",
        )


def _check_committed(batch: IngestBatch | None, batch_id: int) -> None:
    if batch is None:
        raise UserError(
            f"没有批次 {batch_id} / there is no batch {batch_id}",
            hint="导入批次列表中有批次编号 / the import batches list shows the batch ids",
        )
    if batch.status != BatchStatus.committed:
        status = BatchStatus(batch.status)
        raise UserError(
            f"批次 {batch_id} 的状态是“{status.zh}”，只有已入库的批次可以替代或撤回 / batch "
            f"{batch_id} is {status.en}: only a committed batch can be superseded or withdrawn",
            hint="导入批次列表中有各批次的状态 / the import batches list shows each batch's status",
        )


def _retire(
    session: Session, batch: IngestBatch, status: BatchStatus, actor: Actor, reason: str
) -> None:
    batch.status = status
    batch.retired_by = actor.name
    batch.retired_at = utcnow()
    batch.retired_reason = reason[:2000]
    session.flush()


def _audit(
    session: Session,
    batch: IngestBatch,
    action: str,
    actor: Actor,
    reason: str,
    superseded_by: int | None,
) -> None:
    after: dict[str, object] = {"status": batch.status}
    if superseded_by is not None:
        after["superseded_by"] = superseded_by
    audit.record(
        session,
        audit.Change(
            action=action,
            entity="ingest_batch",
            entity_id=batch.id,
            before={
                "status": BatchStatus.committed.value,
                "feed": batch.feed,
                "period": batch.period,
            },
            after=after,
            reason=reason,
        ),
        actor=actor.name,
        role=actor.role.value,
    )
