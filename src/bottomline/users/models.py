"""Users of bottomline: a name, a role and the region they work in; their password hash and
the tokens they act with.

A password is stored only as its argon2id hash; a token only as the sha256 of its text (tokens
are 256 random bits, so a fast hash is enough and a lookup needs no scan). Neither is ever
logged or shown again after it is issued.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, true
from sqlalchemy.orm import Mapped, mapped_column

from bottomline.db import Base, UtcDateTime, utcnow


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))  # Role
    region_code: Mapped[str] = mapped_column(String(12))
    active: Mapped[bool] = mapped_column(Boolean, server_default=true())
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)


class Token(Base):
    """A credential a user acts with: a browser session, a CLI login or a department system's
    API token (limited to its feeds)."""

    __tablename__ = "user_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the token
    kind: Mapped[str] = mapped_column(String(16))  # TokenKind
    label: Mapped[str] = mapped_column(String(100), default="")
    feeds: Mapped[list[str] | None] = mapped_column(JSON, default=None)  # None: not limited
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
