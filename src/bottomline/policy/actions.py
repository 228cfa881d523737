"""Keep every policy version: documents used by a run are stored once, by content hash."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bottomline.policy.document import PolicyDocument
from bottomline.policy.models import PolicyDocument as StoredDocument


def store_documents(*, session: Session, documents: list[PolicyDocument]) -> int:
    """Insert the documents the store does not hold yet; returns how many were new."""
    held = {
        tuple(row)
        for row in session.execute(
            select(StoredDocument.region_code, StoredDocument.year, StoredDocument.content_hash)
        )
    }
    new = [d for d in documents if (d.region, d.year, d.content_hash) not in held]
    session.add_all(
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
    )
    return len(new)
