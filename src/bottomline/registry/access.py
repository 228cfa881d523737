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
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bottomline.errors import NotFound
from bottomline.registry.models import Household
from bottomline.users.actor import Actor

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


def _find(session: Session, number: str | int) -> Household | None:
    if isinstance(number, int):
        return session.get(Household, number)
    found = session.scalars(select(Household).where(Household.household_no == number)).first()
    if found is None and number.isdigit() and len(number) <= 12:
        return session.get(Household, int(number))
    return found
