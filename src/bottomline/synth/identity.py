"""Personal identifiers of synthetic people: ID numbers (公民身份号码), names and phones.

ID numbers are valid GB 11643 numbers: the 6-digit region of the county where the person was
registered, the real birth date, a 3-digit sequence (odd for men, even for women) and the check
character from :func:`bottomline.ids.check_chars`. Sequences are ranks within (region, birth
date, sex), so numbers are unique across the whole population. All of it is made up.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bottomline.errors import BottomlineError
from bottomline.ids import check_chars
from bottomline.synth.strings import ascii_array, digits

MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
    "155", "157", "158", "159", "166", "177", "180", "181", "182", "183", "187", "188",
    "189", "191", "199",
)  # fmt: skip
MAX_RANK = 499  # sequences 001–999: 500 odd (men) and 499 even (women) per region and day


class SequenceOverflowError(BottomlineError):
    """Too many people share a region, birth date and sex for 3-digit sequences."""


def birth_parts(birth: np.ndarray) -> np.ndarray:
    """``datetime64[D]`` dates as YYYYMMDD integers."""
    years = birth.astype("datetime64[Y]")
    months = birth.astype("datetime64[M]")
    y = years.astype(np.int64) + 1970
    m = (months - years).astype(np.int64) + 1
    d = (birth - months).astype(np.int64) + 1
    return y * 10000 + m * 100 + d


def sequence_ranks(region: np.ndarray, birth: np.ndarray, male: np.ndarray) -> np.ndarray:
    """Rank of every person within its (region, birth date, sex) group, 0-based."""
    day = birth.astype(np.int64) - np.int64(-40000)
    key = (region.astype(np.int64) * 200_000 + day) * 2 + male
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    run = np.diff(np.r_[starts, len(key)])
    ranks = np.empty(len(key), dtype=np.int64)
    ranks[order] = np.arange(len(key)) - np.repeat(starts, run)
    return ranks


def id_numbers(region: np.ndarray, birth: np.ndarray, male: np.ndarray) -> pa.Array:
    """Unique, valid 18-character ID numbers; ``region`` is the 6-digit region as an integer."""
    rank = sequence_ranks(region, birth, male)
    if rank.max(initial=0) >= MAX_RANK:
        raise SequenceOverflowError(
            "同一县、同一出生日期和性别的合成人口过多 / "
            "too many synthetic people share a county, birth date and sex",
            hint="把户分散到更多的县（用省级范围） / "
            "spread the households over more counties (a province scope)",
        )
    return id_text(region, birth, np.where(male, 2 * rank + 1, 2 * rank + 2))


def id_text(region: np.ndarray, birth: np.ndarray, sequence: np.ndarray) -> pa.Array:
    """ID numbers from the region (6 digits), birth date and 3-digit sequence."""
    body = np.hstack([digits(region, 6), digits(birth_parts(birth), 8), digits(sequence, 3)])
    return ascii_array(np.hstack([body, _check_column(body)[:, None]]))


def _check_column(body: np.ndarray, chunk: int = 1 << 16) -> np.ndarray:
    """ASCII check characters of ``(n, 17)`` ASCII digits, computed in cache-sized chunks."""
    out = np.empty(len(body), dtype=np.uint8)
    for start in range(0, len(body), chunk):  # a loop over chunks of 65,536 people
        codes = check_chars(body[start : start + chunk] - ord("0"))
        out[start : start + chunk] = codes.view(np.uint32).astype(np.uint8)
    return out


def phones(rng: np.random.Generator, n: int, missing: float = 0.03) -> pa.Array:
    """Synthetic 11-digit mobile numbers; a few households have none recorded."""
    prefixes = np.frombuffer("".join(MOBILE_PREFIXES).encode(), np.uint8).reshape(-1, 3)
    chosen = prefixes[rng.integers(0, len(MOBILE_PREFIXES), n)]
    chars = np.hstack([chosen, digits(rng.integers(0, 10**8, n), 8)])
    absent = pa.array(rng.random(n) < missing)
    return pc.if_else(absent, pa.scalar(None, pa.string()), ascii_array(chars))
