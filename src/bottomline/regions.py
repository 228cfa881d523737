"""Region arithmetic on 12-digit statistical division codes (统计用区划代码), in one place.

A code names the nation (all zeros), a province (2 significant digits), a city (4), a county
(6), a township (9) or a village (12); the rest are zeros. Every region inside a region shares
its *prefix* (the significant digits), so the villages of a region are one range of codes,
``prefix + "0…0"`` to ``prefix + "9…9"``, which an index on a ``village_code`` column serves.
Which region a user may reach, and how a query is limited to it, is built on these functions
(``bottomline.users.scope``); nothing else slices codes.
"""

from __future__ import annotations

from collections.abc import Iterator

CODE_DIGITS = 12
NATIONAL_CODE = "0" * CODE_DIGITS
LEVEL_DIGITS: dict[str, int] = {
    "province": 2,
    "city": 4,
    "county": 6,
    "township": 9,
    "village": 12,
}
"""Significant digits of each level below the nation, top down."""


def level_of(code: str) -> str:
    """``nation``, ``province``, ``city``, ``county``, ``township`` or ``village``."""
    if code == NATIONAL_CODE:
        return "nation"
    for level, digits in LEVEL_DIGITS.items():
        if code[digits:].strip("0") == "":
            return level
    return "village"


def prefix(code: str) -> str:
    """The code prefix every region inside ``code`` shares ("" for the nation)."""
    level = level_of(code)
    return "" if level == "nation" else code[: LEVEL_DIGITS[level]]


def code_range(code: str) -> tuple[str, str]:
    """The first and last possible village codes inside ``code`` (inclusive)."""
    start = prefix(code)
    rest = CODE_DIGITS - len(start)
    return start + "0" * rest, start + "9" * rest


def within(code: str, scope_code: str) -> bool:
    """Whether the region ``code`` lies inside (or is) ``scope_code``."""
    return code.startswith(prefix(scope_code))


def padded(code_prefix: str) -> str:
    """A prefix written as the full code of its region (``"532328"`` → ``"532328000000"``)."""
    return code_prefix.ljust(CODE_DIGITS, "0")


def ancestors(code: str) -> Iterator[str]:
    """The nation, then each distinct level's code down to ``code`` itself."""
    yield NATIONAL_CODE
    last = NATIONAL_CODE
    for digits in LEVEL_DIGITS.values():
        above = padded(code[:digits])
        if above != last:
            yield above
            last = above
