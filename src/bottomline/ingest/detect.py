"""Which feed and which month a department file is, when the user does not say.

A month's files come as a folder (``收件箱/2025-10/医保.csv``, ``raw/2025-10/medical.csv``) or
with the month in their names (``医保结算2025年10月.xlsx``), and each department's file has
its own headers. So:

* the **feed** is the one the file's name names (``medical.csv``, ``医保10月.xlsx``,
  ``医疗保障局…``: :func:`feed_in_name`), else the one whose required columns the file's header
  holds (``结算日期`` and ``就诊类型`` are medical, ``救助类型`` civil affairs, ...:
  :func:`feed_of_header`); a name that names two feeds and a header that fits two, and nothing
  is guessed. A name that names the wrong feed cannot pass: the import then finds the feed's
  required columns missing and says so;
* the **period** is a month written in the file's name, else in the name of its folder or the
  folder above: ``2025-10``, ``2025_10``, ``2025.10``, ``202510``, ``2025年10月`` (a full date
  such as ``20251103`` is not a month: it is often the day the file was sent). Two different
  months in one name, or none, and nothing is guessed.

Nothing here reads the rows. The caller shows what was guessed and from where, and every
import warns when most of its rows are dated after its month.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bottomline.ingest.catalogue import FEEDS, Feed
from bottomline.sources import normalise_header

# The month as clerks write it in file and folder names: a year from 2000, then the month
# (1-12): 2025-10, 2025_10, 2025.10, 2025年10月, 202510. A full date (2025-11-03, 20251103,
# 2025年11月3日) is not read as a month: it is more often the day the file was sent than the
# month its rows are for.
_MONTH = re.compile(
    r"(?<!\d)(?P<y>20\d\d)(?:[-_.年](?P<m>1[0-2]|0?[1-9])(?![-_.]?\d)(?!月\d)"
    r"|(?P<mm>1[0-2]|0[1-9])(?!\d))"
)

# Words in a file name that name a feed's department (besides the feed's own name and labels).
_NAME_WORDS: dict[str, tuple[str, ...]] = {
    "medical": ("医保", "医疗"),
    "civil_affairs": ("民政", "低保", "救助"),
    "education": ("教育", "学生", "辍学"),
    "human_resources": ("人社", "就业", "失业"),
    "emergency": ("应急", "灾情", "受灾"),
    "public_security": ("公安", "死亡"),
    "housing": ("住建", "房屋", "危房"),
    "water": ("水利", "饮水"),
    "disabled": ("残联", "残疾"),
}


@dataclass(frozen=True, slots=True)
class FeedGuess:
    feed: Feed | None  # None when no feed fits, or several and the name does not decide
    fitting: tuple[str, ...]  # the feeds whose required columns the header holds
    closest: Feed | None  # when none fits: the feed missing the fewest required columns
    missing: tuple[str, ...]  # that feed's missing headers


def known_headers() -> list[str]:
    """Every header of every feed: finds the header row of a file of any feed."""
    return list(dict.fromkeys(h for feed in FEEDS.values() for h in feed.known_headers))


def feed_in_name(file_name: str) -> Feed | None:
    """The one feed a file's name names (``medical.csv``, ``医保10月.xlsx``); None if none or
    several (``民政医疗救助.csv``)."""
    named = [name for name in FEEDS if _named_in(name, file_name)]
    return FEEDS[named[0]] if len(named) == 1 else None


def feed_of_header(header: list[str], file_name: str) -> FeedGuess:
    """The feed whose required columns ``header`` holds; the file's name breaks ties."""
    present = {normalise_header(h) for h in header}
    missing = {name: _missing(feed, present) for name, feed in FEEDS.items()}
    fitting = tuple(name for name, gaps in missing.items() if not gaps)
    if len(fitting) == 1:
        return FeedGuess(FEEDS[fitting[0]], fitting, None, ())
    if fitting:
        named = [name for name in fitting if _named_in(name, file_name)]
        return FeedGuess(FEEDS[named[0]] if len(named) == 1 else None, fitting, None, ())
    closest = min(FEEDS, key=lambda name: (len(missing[name]), name))
    # A header holding no more of a feed's own columns than the ID number is no feed's.
    own = len([c for c in FEEDS[closest].columns if c.required]) - len(missing[closest])
    return FeedGuess(None, (), FEEDS[closest] if own > 1 else None, tuple(missing[closest]))


def _missing(feed: Feed, present: set[str]) -> list[str]:
    return [
        col.header
        for col in feed.columns
        if col.required
        and not any(normalise_header(n) in present for n in (col.header, *col.aliases, col.name))
    ]


def _named_in(name: str, file_name: str) -> bool:
    feed = FEEDS[name]
    words = (name, feed.zh, feed.department, *_NAME_WORDS.get(name, ()))
    lowered = file_name.lower()
    return any(word.lower() in lowered for word in words)


def months_in(text: str) -> set[str]:
    """The months (``YYYY-MM``) written in a file or folder name."""
    return {f"{m['y']}-{int(m['m'] or m['mm']):02d}" for m in _MONTH.finditer(text)}


@dataclass(frozen=True, slots=True)
class PeriodGuess:
    period: str | None
    source: str  # the name it was read from ("" when none)
    conflicting: tuple[str, ...] = ()  # two or more months in the nearest name that has one


def guess_period(path: Path, *, levels: int = 2) -> PeriodGuess:
    """The month in the file's name, else in its folder's or the folder above's name."""
    names = [path.stem, *(p.name for p in list(path.resolve().parents)[:levels])]
    for name in names:
        found = months_in(name)
        if len(found) == 1:
            return PeriodGuess(found.pop(), name)
        if found:
            return PeriodGuess(None, name, tuple(sorted(found)))
    return PeriodGuess(None, "")
