"""The acting user: who does an action, in which role, over which region.

Region scope follows the structure of the 12-digit statistical division code
(:mod:`bottomline.regions`): a user's scope is every region whose code starts with the prefix
of the user's region. Reads of a region's records take a :class:`~bottomline.users.scope.Scope`
made from the actor.
"""

from __future__ import annotations

from dataclasses import dataclass

from bottomline import regions
from bottomline.regions import NATIONAL_CODE
from bottomline.users.enums import Role


@dataclass(frozen=True, slots=True)
class Actor:
    name: str  # user name, as the audit log records it
    role: Role
    region_code: str
    feeds: frozenset[str] | None = None  # a department token's feeds; None: not limited

    def covers(self, region_code: str) -> bool:
        """Whether the actor may reach the records of ``region_code``: it lies in the actor's
        region and the role reads records at all (an analyst's or administrator's reach is
        empty, so every record answers to them like one that does not exist)."""
        return self.role.reads_records and regions.within(region_code, self.region_code)

    def administers(self, region_code: str) -> bool:
        """Whether ``region_code`` lies in the actor's region (for managing its users)."""
        return regions.within(region_code, self.region_code)

    def __str__(self) -> str:
        return f"{self.name} ({self.role.zh} {self.region_code})"


SYSTEM = Actor("system", Role.system, NATIONAL_CODE)
