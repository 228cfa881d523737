"""Policy documents as loaded into the store: one row per distinct document, region and year.

``params`` holds the document's own values (not merged with its parents); the effective policy
of a region and year is resolved by the policy package and recorded on each screening run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bottomline.db import Base, UtcDateTime, utcnow


class PolicyDocument(Base):
    __tablename__ = "policy_documents"
    __table_args__ = (UniqueConstraint("region_code", "year", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # 12-digit division code; "000000000000" for the nation. No foreign key: a policy may be
    # loaded before (or without) that region's households.
    region_code: Mapped[str] = mapped_column(String(12))
    year: Mapped[int] = mapped_column(SmallInteger)
    content_hash: Mapped[str] = mapped_column(
        String(64)
    )  # sha256 of canonical JSON of meta + values
    title: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(Text)  # citation: issuer, document number, date
    source_path: Mapped[str] = mapped_column(Text)  # where it was loaded from
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    loaded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
