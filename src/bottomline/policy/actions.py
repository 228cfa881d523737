"""Keep every policy version: documents used by a run are stored once, by content hash."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bottomline import audit
from bottomline.policy.document import PolicyDocument
from bottomline.policy.models import PolicyDocument as StoredDocument
from bottomline.users.actor import Actor


def store_documents(*, session: Session, documents: list[PolicyDocument], actor: Actor) -> int:
    """Insert the documents the store does not hold yet, each an audited ``policy.store`` of
    ``actor`` in the caller's transaction; returns how many were new."""
    rows = session.execute(
        select(StoredDocument.region_code, StoredDocument.year, StoredDocument.content_hash)
    )
    held = {(region, year, digest) for region, year, digest in rows}
    new = [d for d in documents if (d.region, d.year, d.content_hash) not in held]
    stored = [
        StoredDocument(
            region_code=d.region,
            year=d.year,
            content_hash=d.content_hash,
            title=d.title,
            source=d.source,
            source_path=d.source_path,
            params=d.to_dict(),
        )
        for d in new
    ]
    session.add_all(stored)
    session.flush()
    for row in stored:
        change = audit.Change(
            "policy.store",
            "policy_document",
            row.id,
            region_code=row.region_code,
            after={"year": row.year, "content_hash": row.content_hash, "title": row.title},
        )
        audit.record(session, change, actor=actor.name, role=actor.role.value)
    return len(new)
