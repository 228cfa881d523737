"""Resident identity numbers (GB 11643-1999) and disability certificate numbers.

A resident ID number is 17 digits — 6 of region, 8 of birth date (YYYYMMDD), 3 of sequence
(odd for men, even for women) — and a check character computed with ISO 7064 MOD 11-2:
the weighted sum of the 17 digits with weights 2^(17-i) mod 11, then (12 - sum mod 11) mod 11,
written ``X`` when it is 10.

A disability certificate number (第二代残疾人证) is the holder's 18-character ID number followed by
one digit of disability category (1-7) and one of grade (1-4); a reissued certificate may carry
two more characters (``B`` and the reissue count), giving 22.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

WEIGHTS: tuple[int, ...] = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK = "10X98765432"  # index = weighted sum mod 11


class IdProblem(StrEnum):
    """Why an identity number is invalid; values are stable codes, labels are bilingual."""

    LENGTH = "length"
    CHARACTERS = "characters"
    BIRTH_DATE = "birth_date"
    REGION = "region"
    CHECKSUM = "checksum"
    DISABILITY_SUFFIX = "disability_suffix"

    @property
    def label(self) -> str:
        return _PROBLEM_LABELS[self]


_PROBLEM_LABELS = {
    IdProblem.LENGTH: "长度应为18位（残疾人证号20或22位） / must be 18 characters (disability certificate 20 or 22)",
    IdProblem.CHARACTERS: "前17位应为数字，末位为数字或X / first 17 must be digits, last a digit or X",
    IdProblem.BIRTH_DATE: "出生日期无效 / the birth date is not a real date",
    IdProblem.REGION: "地区码无效 / the region code is not valid",
    IdProblem.CHECKSUM: "校验码错误 / the check character does not match",
    IdProblem.DISABILITY_SUFFIX: "残疾类别或等级无效 / disability category (1-7) or grade (1-4) is not valid",
}


def problem_label(problem: IdProblem) -> tuple[str, str]:
    """What is wrong with a number, in Chinese and in English."""
    zh, _, en = _PROBLEM_LABELS[problem].partition(" / ")
    return zh, en


def check_char(body17: str) -> str:
    """The GB 11643 check character for 17 digits."""
    total = sum(int(c) * w for c, w in zip(body17, WEIGHTS, strict=True))
    return _CHECK[total % 11]


def check_chars(digits: np.ndarray) -> np.ndarray:
    """Vectorised :func:`check_char` for an ``(n, 17)`` integer array; returns ``<U1`` codes."""
    sums = (digits.astype(np.int64) * np.asarray(WEIGHTS, dtype=np.int64)).sum(axis=1) % 11
    return np.asarray(list(_CHECK), dtype="<U1")[sums]


def id_problem(value: str, *, today: dt.date | None = None) -> IdProblem | None:
    """Why ``value`` is not a valid 18-character resident ID number, or ``None`` if it is."""
    if len(value) != 18:
        return IdProblem.LENGTH
    body, last = value[:17], value[17].upper()
    if not body.isdigit() or not body.isascii() or not (last.isdigit() or last == "X"):
        return IdProblem.CHARACTERS
    if body[:2] in ("00",) or body[:6] == "000000":
        return IdProblem.REGION
    try:
        born = dt.date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    except ValueError:
        return IdProblem.BIRTH_DATE
    if born.year < 1880 or born > (today or dt.date.today()):
        return IdProblem.BIRTH_DATE
    if check_char(body) != last:
        return IdProblem.CHECKSUM
    return None


def is_valid_id(value: str) -> bool:
    return id_problem(value) is None


def person_number_problem(value: str) -> IdProblem | None:
    """Validate a member's number: a resident ID, or a disability certificate number."""
    if len(value) == 18:
        return id_problem(value)
    if len(value) not in (20, 22):
        return IdProblem.LENGTH
    problem = id_problem(value[:18])
    if problem is not None:
        return problem
    category, grade = value[18], value[19]
    if category not in "1234567" or grade not in "1234":
        return IdProblem.DISABILITY_SUFFIX
    if len(value) == 22 and not (value[20].upper() == "B" and value[21].isdigit()):
        return IdProblem.DISABILITY_SUFFIX
    return None


def birth_date_of(value: str) -> dt.date:
    """Birth date encoded in a valid ID (or disability certificate) number."""
    return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def mask_id(value: str | None) -> str:
    """Masked form for lists, logs and exports: first 4 and last 2 characters kept."""
    if not value:
        return ""
    if len(value) <= 6:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 6) + value[-2:]


def mask_name(value: str | None) -> str:
    """Masked name for reports: the first character, then one ``*`` (the length is not shown)."""
    return value[:1] + "*" if value else ""


def mask_phone(value: str | None) -> str:
    """Masked phone number: first 3 and last 4 digits kept (138****5678)."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def valid_id_mask(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Vectorised :func:`is_valid_id` (length, characters and check character; not dates).

    Nulls are invalid. Used on millions of department rows, so it avoids Python loops.
    """
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    arr = pc.fill_null(arr.cast(pa.string()), "")
    ok = pc.equal(pc.binary_length(arr), 18).to_numpy(zero_copy_only=False)
    out = np.zeros(len(arr), dtype=bool)
    if not ok.any():
        return out
    fixed = arr if ok.all() else pc.filter(arr, pa.array(ok))
    fixed = pa.concat_arrays([fixed]) if fixed.offset else fixed  # contiguous buffers
    start = fixed.offset
    offsets = np.frombuffer(fixed.buffers()[1], dtype=np.int32)[start : start + len(fixed) + 1]
    data = np.frombuffer(fixed.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    chars = data.reshape(-1, 18)
    body = chars[:, :17] - np.uint8(ord("0"))  # wraps below "0" to > 9
    digits_ok = (body <= 9).all(axis=1)
    sums = (body.astype(np.float32) @ np.asarray(WEIGHTS, dtype=np.float32)).astype(np.int64) % 11
    expected = np.frombuffer(_CHECK.encode(), dtype=np.uint8)[sums]
    last = chars[:, 17] & np.uint8(0xDF)  # ASCII upper-case: "x" → "X"; digits are unaffected below
    last = np.where(chars[:, 17] <= ord("9"), chars[:, 17], last)
    out[ok] = digits_ok & (last == expected)
    return out
