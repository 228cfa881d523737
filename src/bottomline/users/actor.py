"""The acting user: who does an action, in which role, over which region.

Region scope follows the structure of the 12-digit statistical division code: province (2
digits), city (4), county (6), township (9), village (12), the rest zeros. A user's scope is
every region whose code starts with the prefix of the user's region.
"""

from __future__ import annotations

from dataclasses import dataclass

from bottomline.users.enums import Role

NATIONAL_CODE = "000000000000"
_LEVEL_DIGITS = (("province", 2), ("city", 4), ("county", 6), ("township", 9))


def region_level(code: str) -> str:
    """``nation``, ``province``, ``city``, ``county``, ``township`` or ``village``."""
    if code == NATIONAL_CODE:
        return "nation"
    for level, digits in _LEVEL_DIGITS:
        if code[digits:].strip("0") == "":
            return level
    return "village"


def scope_prefix(code: str) -> str:
    """The code prefix every region inside ``code`` shares ("" for the nation)."""
    level = region_level(code)
    if level == "nation":
        return ""
    return code[: dict(_LEVEL_DIGITS).get(level, 12)]


def within(region_code: str, scope_code: str) -> bool:
    """Whether ``region_code`` lies inside (or is) ``scope_code``."""
    return region_code.startswith(scope_prefix(scope_code))


@dataclass(frozen=True, slots=True)
class Actor:
    name: str  # user name, as the audit log records it
    role: Role
    region_code: str

    def covers(self, region_code: str) -> bool:
        return within(region_code, self.region_code)

    def __str__(self) -> str:
        return f"{self.name} ({self.role.zh} {self.region_code})"


SYSTEM = Actor("system", Role.system, NATIONAL_CODE)
