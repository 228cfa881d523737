"""Check a parsed policy document and collect every problem, each with its key and a fix.

Nothing here raises for a user mistake: :func:`check_document` returns the valid values and
the list of problems, and the loader turns a non-empty list into one :class:`PolicyError`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from bottomline.policy.schema import (
    CONTAINERS,
    DEADLINE_PATH,
    FIELD_BY_PATH,
    META_KEYS,
    NOTICE_PATH,
    REGION_CODE_DIGITS,
    SECTIONS,
    YEAR_MAX,
    YEAR_MIN,
    FieldSpec,
    Kind,
    Value,
    children_of,
    normalise_number,
)


@dataclass(frozen=True, slots=True)
class Problem:
    key: str  # dotted key path, or a section name
    message: str  # what is wrong
    fix: str  # what to do


@dataclass(slots=True)
class Checked:
    meta: dict[str, str | int] = field(default_factory=dict)  # the valid meta values
    settings: dict[str, Value] = field(default_factory=dict)  # dotted path -> valid value
    problems: list[Problem] = field(default_factory=list)


def check_document(data: Mapping[str, object]) -> Checked:
    """Validate a document parsed from TOML (or rebuilt from the store)."""
    out = Checked()
    if "meta" not in data:
        out.problems.append(
            Problem("meta", "the [meta] section is missing", _META_FIX),
        )
    _walk(data, "", out)
    out.problems.extend(_cross_checks(out.settings))
    return out


_META_FIX = 'add [meta] with region = "…", year = …, title = "…" and source = "…"'


def _walk(node: Mapping[str, object], prefix: str, out: Checked) -> None:
    for key, value in node.items():
        path = f"{prefix}.{key}" if prefix else key
        if path == "meta":
            _check_meta(value, out)
        elif path in FIELD_BY_PATH:
            _check_field(FIELD_BY_PATH[path], value, out)
        elif path in SECTIONS or path in CONTAINERS:
            if isinstance(value, Mapping):
                _walk(value, path, out)
            else:
                out.problems.append(_not_a_table(path, value))
        else:
            out.problems.append(_unknown(prefix, key, value))


def _not_a_table(path: str, value: object) -> Problem:
    return Problem(
        path,
        f"[{path}] must be a section (a TOML table), got {_type_name(value)}",
        f"write a [{path}] header and put its keys below it: {', '.join(children_of(path))}",
    )


# --- unknown keys and sections ---------------------------------------------------------------


def _unknown(prefix: str, key: str, value: object) -> Problem:
    path = f"{prefix}.{key}" if prefix else key
    known = children_of(prefix)
    where = f"[{prefix}]" if prefix else "the top level"
    what = "section" if isinstance(value, Mapping) else "key"
    message = f"unknown {what} '{key}' in {where}"
    guess = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    elsewhere = _sections_holding(key)
    if prefix and key in children_of(""):
        message += f"; [{key}] is a section: keys written after a [header] belong to it"
    elif guess:
        message += f"; did you mean '{guess[0]}'?"
    elif elsewhere:
        message += f"; '{key}' belongs in [{elsewhere[0]}]"
    return Problem(path, message, f"known names in {where}: {', '.join(known)}")


def _sections_holding(key: str) -> list[str]:
    return [spec.section for spec in FIELD_BY_PATH.values() if spec.key == key]


# --- meta ------------------------------------------------------------------------------------


def _check_meta(value: object, out: Checked) -> None:
    if not isinstance(value, Mapping):
        out.problems.append(_not_a_table("meta", value))
        return
    for key, item in value.items():
        if key not in META_KEYS:
            out.problems.append(_unknown("meta", key, item))
    for key in META_KEYS:
        if key not in value:
            out.problems.append(Problem(f"meta.{key}", "is missing", _META_FIX))
            continue
        problem = _META_CHECKS[key](value[key])
        if problem is None:
            out.meta[key] = value[key]
        else:
            out.problems.append(Problem(f"meta.{key}", *problem))


def _check_region(value: object) -> tuple[str, str] | None:
    if isinstance(value, str) and len(value) == REGION_CODE_DIGITS and value.isdigit():
        return None
    return (
        f"must be a 12-digit division code in quotes, got {_show(value)}",
        'write e.g. region = "530000000000" (a province), "532328000000" (a county) '
        'or "000000000000" (the nation, 全国)',
    )


def _check_year(value: object) -> tuple[str, str] | None:
    if isinstance(value, int) and not isinstance(value, bool) and YEAR_MIN <= value <= YEAR_MAX:
        return None
    return (
        f"must be a year from {YEAR_MIN} to {YEAR_MAX}, got {_show(value)}",
        "write the policy year as a number, e.g. year = 2025",
    )


def _check_text(value: object) -> tuple[str, str] | None:
    if isinstance(value, str) and value.strip():
        return None
    return (
        f"must be non-empty text, got {_show(value)}",
        "write it in quotes; source cites the document (issuer, number, date, address)",
    )


_META_CHECKS = {
    "region": _check_region,
    "year": _check_year,
    "title": _check_text,
    "source": _check_text,
}


# --- values ----------------------------------------------------------------------------------


def _check_field(spec: FieldSpec, value: object, out: Checked) -> None:
    checker = _VALUE_CHECKS[spec.kind]
    result = checker(spec, value)
    if isinstance(result, Problem):
        out.problems.append(result)
    else:
        out.settings[spec.path] = result


def _check_number(spec: FieldSpec, value: object) -> Value | Problem:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _wrong_type(spec, value, "a number")
    if not math.isfinite(value):
        return Problem(spec.path, f"must be a finite number, got {value}", _bounds_fix(spec))
    if spec.bounds is not None and not spec.bounds.contains(value):
        return _out_of_bounds(spec, value)
    return normalise_number(value)


def _check_count(spec: FieldSpec, value: object) -> Value | Problem:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return _wrong_type(spec, value, "a whole number")
    return _check_number(spec, value)


def _check_switch(spec: FieldSpec, value: object) -> Value | Problem:
    if isinstance(value, bool):
        return value
    return _wrong_type(spec, value, "true or false")


def _check_choice(spec: FieldSpec, value: object) -> Value | Problem:
    choices = list(spec.choices or ())
    if isinstance(value, str) and value in choices:
        return value
    message = f"must be one of {', '.join(choices)}, got {_show(value)}"
    if isinstance(value, str):
        same = [c for c in choices if c.casefold() == value.strip().casefold()]
        guess = same or difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
        if guess:
            message += f"; did you mean '{guess[0]}'?"
    return Problem(spec.path, message, f'write e.g. {spec.key} = "{choices[0]}"')


_VALUE_CHECKS = {
    Kind.yuan: _check_number,
    Kind.ratio: _check_number,
    Kind.integer: _check_count,
    Kind.switch: _check_switch,
    Kind.rank: _check_choice,
    Kind.word: _check_choice,
}


def _wrong_type(spec: FieldSpec, value: object, wanted: str) -> Problem:
    fix = f"write {spec.key} = … as {wanted}"
    if isinstance(value, str):
        fix += " without quotes"
    if spec.bounds is not None:
        fix += f" ({spec.bounds.describe()})"
    return Problem(spec.path, f"must be {wanted}, got {_show(value)}", fix)


def _out_of_bounds(spec: FieldSpec, value: float) -> Problem:
    assert spec.bounds is not None
    return Problem(
        spec.path,
        f"{_show(value)} is out of bounds: must be {spec.bounds.describe()}",
        _bounds_fix(spec),
    )


def _bounds_fix(spec: FieldSpec) -> str:
    bounds = spec.bounds
    if bounds is None:
        return f"give {spec.en}"
    why = f": {bounds.why}" if bounds.why else ""
    return f"use a value {bounds.describe()}{why}"


# --- checks across keys of one document ------------------------------------------------------


def _cross_checks(settings: Mapping[str, Value]) -> list[Problem]:
    notice, deadline = settings.get(NOTICE_PATH), settings.get(DEADLINE_PATH)
    if isinstance(notice, int) and isinstance(deadline, int) and deadline <= notice:
        return [deadline_problem(notice, deadline)]
    return []


def deadline_problem(notice: int, deadline: int) -> Problem:
    return Problem(
        DEADLINE_PATH,
        f"{deadline} days leaves no time after the {notice}-day public notice "
        f"({NOTICE_PATH}); the deadline must be longer than the notice",
        "raise identification_deadline_days (national: 15 days, S5) or lower notice_days",
    )


# --- wording ---------------------------------------------------------------------------------


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dt.date | dt.time):
        return "a date or time"
    return type(value).__name__


def _show(value: object) -> str:
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return repr(value)
    return _type_name(value)
