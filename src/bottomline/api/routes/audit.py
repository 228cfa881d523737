"""``/audit`` and ``/audit/verify``: the audit log, for auditors (审计督查).

``GET /audit`` lists the rows of the auditor's region, newest first (``users.audit_log``);
``GET /audit/verify`` recomputes the hash chain (auditors and administrators). A reason that
holds personal data is withheld, as everywhere in the API.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from bottomline.api.schemas import (
    AuditPageOut,
    AuditRowOut,
    FindingOut,
    VerificationOut,
    errors,
    text,
)
from bottomline.api.security import current_actor, transaction
from bottomline.users.actor import Actor

router = APIRouter(tags=["audit"])
ERRORS = errors(400, 401, 403, 422)
Name = Annotated[str | None, Query(min_length=1, max_length=64)]


@router.get("/audit", response_model=AuditPageOut, responses=ERRORS)
def audit_rows(
    request: Request,
    actor: Actor = Depends(current_actor),  # noqa: B008
    action: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=64,
            description='e.g. "case.transition"; ending in "." a family, e.g. "clue."',
        ),
    ] = None,
    entity: Name = None,
    entity_id: Name = None,
    by: Annotated[str | None, Query(min_length=1, max_length=64, description="user")] = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AuditPageOut:
    """审计日志 / The audit log of your region, newest first."""
    from bottomline.users.audit_log import AuditFilter, audit_page

    filters = AuditFilter(
        action=action, entity=entity, entity_id=entity_id, actor=by, since=since, until=until
    )
    with transaction(request, actor) as session:
        found = audit_page(session, actor=actor, filters=filters, page=page, page_size=page_size)
        rows = [
            AuditRowOut(
                seq=r.seq,
                at=r.at,
                actor=r.actor,
                role=r.role,
                action=r.action,
                entity=r.entity,
                entity_id=r.entity_id,
                region_code=r.region_code,
                before=r.before,
                after=r.after,
                reason=text(r.reason),
                hash=r.hash,
            )
            for r in found.rows
        ]
        return AuditPageOut(
            total=found.total,
            page=found.page,
            page_size=found.page_size,
            pages=found.pages,
            rows=rows,
        )


@router.get("/audit/verify", response_model=VerificationOut, responses=ERRORS)
def audit_verify(
    request: Request,
    actor: Actor = Depends(current_actor),  # noqa: B008
) -> VerificationOut:
    """校验审计日志 / Recompute the audit log's hash chain: every changed, removed or
    reordered row is a finding (row numbers only)."""
    from bottomline.users.audit_log import verify_log

    with transaction(request, actor) as session:
        result = verify_log(session, actor=actor)
    return VerificationOut(
        intact=result.intact,
        rows=result.rows,
        first_bad_seq=result.first_bad_seq,
        findings=[
            FindingOut(seq=f.seq, problem=f.problem, detail=f.detail) for f in result.findings
        ],
    )
