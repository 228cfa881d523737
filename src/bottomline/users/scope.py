"""The region a read is limited to: the acting user's own, or a region inside it.

A :class:`Scope` is made only from an :class:`~bottomline.users.actor.Actor` — its whole
region (:meth:`Scope.of`) or, after the caller checked that the region exists and lies inside
the actor's (``registry.access.access_region``), a part of it (:meth:`Scope.narrowed`). Every
read of a protected table that lists records of a region takes one, and limits its query with
:meth:`Scope.villages` — the one place a region becomes a ``WHERE``. So a read cannot be
asked for "the cases of township T" without saying who asks, and cannot answer beyond the
asker's region.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Self

from sqlalchemy import ColumnElement, true

from bottomline import db, regions
from bottomline.errors import PermissionDenied
from bottomline.users.actor import Actor


@dataclass(frozen=True, slots=True)
class Area:
    """A region inside (or equal to) the actor's, and the one place it becomes a ``WHERE``."""

    actor: Actor
    region_code: str  # inside (or equal to) the actor's region

    @property
    def level(self) -> str:
        return regions.level_of(self.region_code)

    @property
    def prefix(self) -> str:
        return regions.prefix(self.region_code)

    @property
    def village_range(self) -> tuple[str, str]:
        return regions.code_range(self.region_code)

    def covers(self, code: str) -> bool:
        return regions.within(code, self.region_code)

    def narrowed(self, region_code: str) -> Self:
        """The part of this area inside ``region_code``, of the same kind; the caller has
        checked the region exists (an unknown code and one outside the actor's region must
        answer alike)."""
        if not self.covers(region_code):
            raise ValueError(f"{region_code} is outside {self.region_code}")  # a caller's bug
        return replace(self, region_code=region_code)

    def villages(self, column: ColumnElement[Any] | Any) -> ColumnElement[bool]:
        """``column`` (a 12-digit village code) inside the scope: a range an index serves."""
        if not self.prefix:
            return true()
        low, high = self.village_range
        return column.between(low, high)


@dataclass(frozen=True, slots=True)
class Scope(Area):
    """The region whose records (households, cases, leads …) a read may list."""

    @classmethod
    def of(cls, actor: Actor) -> Scope:
        """Everything the actor may reach; a role that reads no records has no scope."""
        if not actor.role.reads_records:
            raise PermissionDenied(
                f"{actor.role.zh}不查看个人记录 / the {actor.role.value} role does not read "
                "households', cases' or leads' records"
            )
        return cls(actor, actor.region_code)


@dataclass(frozen=True, slots=True)
class CountScope(Area):
    """The region a read may *count* in: aggregates (cases by stage and region), no record.

    Not a :class:`Scope`, so no function that lists records accepts one (mypy checks it):
    an analyst (统计分析) gets a ``CountScope`` and nothing that would list a household."""

    @classmethod
    def of(cls, actor: Actor) -> CountScope:
        if not actor.role.reads_counts:
            raise PermissionDenied(
                f"{actor.role.zh}不查看统计 / the {actor.role.value} role does not read the "
                "region's counts"
            )
        return cls(actor, actor.region_code)


def row_range(actor: Actor) -> tuple[str, str]:
    """The village codes whose rows the actor's transactions may touch at all: their region's
    for a role that reads records or counts, none for the others (department, administrator).
    The database's second wall (:func:`bottomline.db.confine`); the access layer decides the
    rest."""
    if not actor.role.reads_counts:
        return db.NOWHERE
    return regions.code_range(actor.region_code)
