"""Scoped reads of the registry: the only way a write or a view reaches a household.

The rule, decided once for every caller (docs/households.md, "Who may do what"):

* a household is reachable by an actor when it exists and the actor's region covers its
  village; otherwise — absent, or outside the region — the answer is the same ``NotFound``, so
  a user cannot learn that a household exists elsewhere (Zulip's ``access_*`` functions);
* a household a registry import removed (no longer in the national export) is reachable only
  when the caller asks for it (``removed=True``): viewing it and recording assistance for it
  (assistance carries on), not reporting leads, visits or edits;
* the caller checks the actor's *role* before (a ``PermissionDenied``: a role reveals nothing
  about a household).

A region is reached the same way (:func:`access_region`): a code the registry does not hold and
a code outside the actor's region give the same ``UnknownRegionError``, and what comes back is
the :class:`~bottomline.users.scope.Scope` every region-wide read takes.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bottomline.db import storable_id
from bottomline.errors import NotFound, UnknownRegionError
from bottomline.registry.models import Household, Region
from bottomline.users.actor import Actor
from bottomline.users.scope import Area, CountScope, Scope

HINT = "give the household number (户编号) as the registry import shows it"


def access_household(
    session: Session, *, actor: Actor, number: str | int, removed: bool = False
) -> Household:
    """The household with 户编号 ``number`` (a ``str``) or internal id (an ``int``, or a string
    of at most 12 digits no household has as its number), if the actor may reach it."""
    household = _find(session, number)
    if (
        household is None
        or (household.removed_at is not None and not removed)
        or not actor.covers(household.village_code)
    ):
        raise NotFound(f"没有户 {number} / no household {number!r} in your region", hint=HINT)
    return household


def access_region(session: Session, *, actor: Actor, code: str | None = None) -> Scope:
    """The actor's scope, narrowed to ``code`` when given: a region of the registry inside the
    actor's own (the actor's own region always answers, even before its households are loaded)."""
    scope = Scope.of(actor)
    return scope if code is None else scope.narrowed(_region_inside(session, scope, code))


def access_count_region(session: Session, *, actor: Actor, code: str | None = None) -> CountScope:
    """Like :func:`access_region`, for counts only (an analyst's reach: no record)."""
    scope = CountScope.of(actor)
    return scope if code is None else scope.narrowed(_region_inside(session, scope, code))


def _region_inside(session: Session, scope: Area, code: str) -> str:
    if code != scope.region_code and (not scope.covers(code) or session.get(Region, code) is None):
        raise UnknownRegionError(
            f"你的辖区内没有区域 {code!r} / there is no region {code!r} in your region",
            hint="给出辖区内已导入农户的市、县、乡镇或村的12位代码 / use the 12-digit code of a "
            "city, county, township or village of your region whose households were loaded",
        )
    return code


def _find(session: Session, number: str | int) -> Household | None:
    if isinstance(number, int):
        return session.get(Household, number) if storable_id(number) else None
    found = session.scalars(select(Household).where(Household.household_no == number)).first()
    if found is None and number.isascii() and number.isdigit() and len(number) <= 12:
        return session.get(Household, int(number))
    return found
