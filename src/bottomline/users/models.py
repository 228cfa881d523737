"""Users of bottomline: a name, a role and the region they work in."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, String, true
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
