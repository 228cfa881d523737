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
            Problem("meta", "缺少 [meta] 节 / the [meta] section is missing", _META_FIX),
        )
    _walk(data, "", out)
    out.problems.extend(_cross_checks(out.settings))
    return out


_META_FIX = (
    "添加 [meta] 节，写明 region、year、title 和 source / "
    'add [meta] with region = "…", year = …, title = "…" and source = "…"'
)


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
    zh, en = _type_name(value)
    return Problem(
        path,
        f"[{path}] 应为一节（TOML 表），实为 {zh} / "
        f"[{path}] must be a section (a TOML table), got {en}",
        f"写一行 [{path}] 节头，把它的键写在下面 / "
        f"write a [{path}] header and put its keys below it: {', '.join(children_of(path))}",
    )


# --- unknown keys and sections ---------------------------------------------------------------


def _unknown(prefix: str, key: str, value: object) -> Problem:
    path = f"{prefix}.{key}" if prefix else key
    known = children_of(prefix)
    where, where_zh = (f"[{prefix}]", f"[{prefix}] 节") if prefix else ("the top level", "顶层")
    what, what_zh = ("section", "节") if isinstance(value, Mapping) else ("key", "键")
    zh, en = f"{where_zh}中有未知的{what_zh} '{key}'", f"unknown {what} '{key}' in {where}"
    guess = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    elsewhere = _sections_holding(key)
    if prefix and key in children_of(""):
        zh += f"；[{key}] 是一节：写在某个 [节头] 之后的键都属于那一节"
        en += f"; [{key}] is a section: keys written after a [header] belong to it"
    elif guess:
        zh += f"；是否应为 '{guess[0]}'？"
        en += f"; did you mean '{guess[0]}'?"
    elif elsewhere:
        zh += f"；'{key}' 应写在 [{elsewhere[0]}] 节中"
        en += f"; '{key}' belongs in [{elsewhere[0]}]"
    return Problem(
        path,
        f"{zh} / {en}",
        f"{where_zh}可用的名称 / known names in {where}: {', '.join(known)}",
    )


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
            out.problems.append(Problem(f"meta.{key}", "缺少此项 / is missing", _META_FIX))
            continue
        problem = _META_CHECKS[key](value[key])
        if problem is None:
            out.meta[key] = value[key]
        else:
            out.problems.append(Problem(f"meta.{key}", *problem))


def _check_region(value: object) -> tuple[str, str] | None:
    if isinstance(value, str) and len(value) == REGION_CODE_DIGITS and value.isdigit():
        return None
    zh, en = _show(value)
    return (
        f"应为加引号的12位区划代码，实为 {zh} / "
        f"must be a 12-digit division code in quotes, got {en}",
        '例如 region = "530000000000"（省）、"532328000000"（县）或 "000000000000"（全国） / '
        'write e.g. region = "530000000000" (a province), "532328000000" (a county) '
        'or "000000000000" (the nation)',
    )


def _check_year(value: object) -> tuple[str, str] | None:
    if isinstance(value, int) and not isinstance(value, bool) and YEAR_MIN <= value <= YEAR_MAX:
        return None
    zh, en = _show(value)
    return (
        f"应为 {YEAR_MIN} 至 {YEAR_MAX} 之间的年份，实为 {zh} / "
        f"must be a year from {YEAR_MIN} to {YEAR_MAX}, got {en}",
        "政策年度写成数字，例如 year = 2025 / write the policy year as a number, e.g. year = 2025",
    )


def _check_text(value: object) -> tuple[str, str] | None:
    if isinstance(value, str) and value.strip():
        return None
    zh, en = _show(value)
    return (
        f"应为非空文本，实为 {zh} / must be non-empty text, got {en}",
        "加引号书写；source 注明所依据的文件（发文机关、文号、日期、网址） / "
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


_NUMBER = ("数字", "a number")
_WHOLE_NUMBER = ("整数", "a whole number")
_SWITCH = ("true 或 false", "true or false")


def _check_number(spec: FieldSpec, value: object) -> Value | Problem:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _wrong_type(spec, value, _NUMBER)
    if not math.isfinite(value):
        return Problem(
            spec.path,
            f"应为有限的数值，实为 {value} / must be a finite number, got {value}",
            _bounds_fix(spec),
        )
    if spec.bounds is not None and not spec.bounds.contains(value):
        return _out_of_bounds(spec, value)
    return normalise_number(value)


def _check_count(spec: FieldSpec, value: object) -> Value | Problem:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return _wrong_type(spec, value, _WHOLE_NUMBER)
    return _check_number(spec, value)


def _check_switch(spec: FieldSpec, value: object) -> Value | Problem:
    if isinstance(value, bool):
        return value
    return _wrong_type(spec, value, _SWITCH)


def _check_choice(spec: FieldSpec, value: object) -> Value | Problem:
    choices = list(spec.choices or ())
    if isinstance(value, str) and value in choices:
        return value
    shown_zh, shown = _show(value)
    zh = f"应为 {', '.join(choices)} 之一，实为 {shown_zh}"
    en = f"must be one of {', '.join(choices)}, got {shown}"
    if isinstance(value, str):
        same = [c for c in choices if c.casefold() == value.strip().casefold()]
        guess = same or difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
        if guess:
            zh += f"；是否应为 '{guess[0]}'？"
            en += f"; did you mean '{guess[0]}'?"
    return Problem(spec.path, f"{zh} / {en}", f'例如 / write e.g. {spec.key} = "{choices[0]}"')


_VALUE_CHECKS = {
    Kind.yuan: _check_number,
    Kind.ratio: _check_number,
    Kind.integer: _check_count,
    Kind.switch: _check_switch,
    Kind.rank: _check_choice,
    Kind.word: _check_choice,
}


def _wrong_type(spec: FieldSpec, value: object, wanted: tuple[str, str]) -> Problem:
    wanted_zh, wanted_en = wanted
    fix_zh, fix_en = f"{spec.key} = … 应写成{wanted_zh}", f"write {spec.key} = … as {wanted_en}"
    if isinstance(value, str):
        fix_zh += "，不加引号"
        fix_en += " without quotes"
    if spec.bounds is not None:
        fix_zh += f"（{spec.bounds.describe_zh()}）"
        fix_en += f" ({spec.bounds.describe()})"
    shown_zh, shown = _show(value)
    return Problem(
        spec.path,
        f"应为{wanted_zh}，实为 {shown_zh} / must be {wanted_en}, got {shown}",
        f"{fix_zh} / {fix_en}",
    )


def _out_of_bounds(spec: FieldSpec, value: float) -> Problem:
    assert spec.bounds is not None
    shown_zh, shown = _show(value)
    return Problem(
        spec.path,
        f"{shown_zh} 超出范围：应{spec.bounds.describe_zh()} / "
        f"{shown} is out of bounds: must be {spec.bounds.describe()}",
        _bounds_fix(spec),
    )


def _bounds_fix(spec: FieldSpec) -> str:
    bounds = spec.bounds
    if bounds is None:
        return f"给出{spec.zh} / give {spec.en}"
    why_zh = f"：{bounds.why_zh}" if bounds.why_zh else ""
    why = f": {bounds.why}" if bounds.why else ""
    return f"取值应{bounds.describe_zh()}{why_zh} / use a value {bounds.describe()}{why}"


# --- checks across keys of one document ------------------------------------------------------


def _cross_checks(settings: Mapping[str, Value]) -> list[Problem]:
    notice, deadline = settings.get(NOTICE_PATH), settings.get(DEADLINE_PATH)
    if isinstance(notice, int) and isinstance(deadline, int) and deadline <= notice:
        return [deadline_problem(notice, deadline)]
    return []


def deadline_problem(
    notice: int, deadline: int, notice_from: str = "", deadline_from: str = ""
) -> Problem:
    """The deadline is not longer than the notice; ``*_from`` name the documents that set them."""
    zh = en = ""
    if notice_from or deadline_from:
        zh = f"（公示天数来自 {notice_from}，认定时限来自 {deadline_from}）"
        en = f" (notice from {notice_from}, deadline from {deadline_from})"
    return Problem(
        DEADLINE_PATH,
        f"认定时限 {deadline} 天，扣除 {notice} 天公示期（{NOTICE_PATH}）后没有余地；"
        f"时限必须长于公示期{zh} / "
        f"{deadline} days leaves no time after the {notice}-day public notice "
        f"({NOTICE_PATH}); the deadline must be longer than the notice{en}",
        "延长 identification_deadline_days（国家规定 15 天，S5）或缩短 notice_days / "
        "raise identification_deadline_days (national: 15 days, S5) or lower notice_days",
    )


# --- wording ---------------------------------------------------------------------------------


def _type_name(value: object) -> tuple[str, str]:
    """What kind of TOML value this is, in Chinese and English."""
    if isinstance(value, bool):
        return "true/false", "true/false"
    if isinstance(value, int | float):
        return "数字", "a number"
    if isinstance(value, str):
        return "文本", "text"
    if isinstance(value, Mapping):
        return "表", "a table"
    if isinstance(value, list):
        return "列表", "a list"
    if isinstance(value, dt.date | dt.time):
        return "日期或时间", "a date or time"
    return type(value).__name__, type(value).__name__


def _show(value: object) -> tuple[str, str]:
    """A value as a message shows it, in Chinese and English."""
    if isinstance(value, str):
        return f"文本 {value!r}", f"the text {value!r}"
    if isinstance(value, bool):
        return str(value).lower(), str(value).lower()
    if isinstance(value, int | float):
        return repr(value), repr(value)
    return _type_name(value)
