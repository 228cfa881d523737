"""The assistance catalogue: the measure types a plan may use, what they address, their rules.

The catalogue is data (``catalogue.toml`` next to this module, package data). Each measure type
has a category (:class:`~bottomline.assistance.enums.MeasureCategory`), names in Chinese and
English, the risk types it addresses (:class:`~bottomline.screening.enums.RiskType`) and, where
a source states them, rules: a largest amount, a longest term, an age range, which households
and which students qualify. Every rule cites a source id of shared/domain/policy-notes.md and
says whether that source is a local document (an example, not necessarily the national rule).

:func:`load_catalogue` validates the file strictly — unknown keys, unknown categories, risk
types or schooling values, absurd bounds — and reports every problem at once in one
:class:`~bottomline.errors.PolicyError`, each with the key path and a fix. Loaded catalogues are
cached per file (path, modification time and size).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Final, NoReturn, TypeVar

from bottomline.assistance.enums import HouseholdGroup, MeasureCategory, MeasureKind
from bottomline.errors import InputFileError, PolicyError, UserError
from bottomline.registry.enums import Schooling
from bottomline.screening.enums import RiskType

DEFAULT_PATH: Final = Path(__file__).with_name("catalogue.toml")

# Validation bounds: what is absurd (a typo, fen for yuan), not policy.
MAX_AMOUNT_YUAN: Final = Decimal(10_000_000)
MAX_TERM_MONTHS: Final = 600
MAX_AGE: Final = 120

# (low, high, whole numbers only) for the numbers of the rules
_Bounds = tuple[Decimal, Decimal, bool]
_YUAN: Final[_Bounds] = (Decimal("0.01"), MAX_AMOUNT_YUAN, False)
_MONTHS: Final[_Bounds] = (Decimal(1), Decimal(MAX_TERM_MONTHS), True)
_AGE: Final[_Bounds] = (Decimal(0), Decimal(MAX_AGE), True)

_CODE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")  # fits the stored column (32)
_SOURCE = re.compile(r"^S\d{1,3}[a-z]?$")
_HINT = "fix each key as described; docs/assistance.md explains every key of the catalogue"


@dataclass(frozen=True, slots=True)
class Citation:
    """Where a rule comes from: a source id of policy-notes, and whether it is a local document."""

    source: str  # "S35"
    local: bool = False
    note: str = ""

    def describe(self) -> str:
        return f"{self.source}（地方文件示例 / local example）" if self.local else self.source


@dataclass(frozen=True, slots=True)
class AmountRule:
    maximum: Decimal | None  # yuan per measure record; checked
    standard_per_year: Decimal | None  # yuan per beneficiary per year; shown, not checked
    cite: Citation


@dataclass(frozen=True, slots=True)
class TermRule:
    max_months: int
    cite: Citation


@dataclass(frozen=True, slots=True)
class AgeRule:
    minimum: int | None  # completed years, inclusive
    maximum: int | None
    cite: Citation

    def describe(self) -> str:
        low = "" if self.minimum is None else str(self.minimum)
        high = "" if self.maximum is None else str(self.maximum)
        return f"{low}–{high}"


@dataclass(frozen=True, slots=True)
class HouseholdRule:
    allowed: frozenset[HouseholdGroup]
    cite: Citation


@dataclass(frozen=True, slots=True)
class SchoolingRule:
    allowed: frozenset[Schooling]
    cite: Citation


@dataclass(frozen=True, slots=True)
class MeasureType:
    code: str
    category: MeasureCategory
    kind: MeasureKind  # the category's kind unless the catalogue overrides it
    zh: str
    en: str
    risks: tuple[RiskType, ...]
    note: str = ""
    amount: AmountRule | None = None
    term: TermRule | None = None
    age: AgeRule | None = None
    households: HouseholdRule | None = None
    schooling: SchoolingRule | None = None

    @property
    def label(self) -> str:
        return f"{self.zh} / {self.en}"

    def addresses(self, risk: RiskType) -> bool:
        return risk in self.risks


@dataclass(frozen=True)
class Catalogue:
    """The measure types of one catalogue file, in file order."""

    measures: Mapping[str, MeasureType]
    source_path: str

    def __iter__(self) -> Iterator[MeasureType]:
        return iter(self.measures.values())

    def __len__(self) -> int:
        return len(self.measures)

    def __contains__(self, code: object) -> bool:
        return code in self.measures

    def get(self, code: str) -> MeasureType:
        """The measure type with this code; a :class:`UserError` naming close codes if unknown."""
        try:
            return self.measures[code]
        except KeyError:
            raise _unknown_code(code, self) from None

    def addressing(self, risk: RiskType) -> tuple[MeasureType, ...]:
        """The measure types that address ``risk``."""
        return tuple(m for m in self if m.addresses(risk))


def _unknown_code(code: str, catalogue: Catalogue) -> UserError:
    close = difflib.get_close_matches(code, list(catalogue.measures), n=3, cutoff=0.6)
    close += [m.code for m in catalogue if code and code in m.zh and m.code not in close]
    guess = f"是否指 / did you mean {', '.join(close)}? " if close else ""
    return UserError(
        f"未知的帮扶措施类型 / unknown measure type '{code}'",
        hint=f"{guess}docs/assistance.md 列出了每类措施及其代码 / "
        "docs/assistance.md lists every measure type and its code",
    )


# --- loading -----------------------------------------------------------------------------------


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load and validate the catalogue (the packaged one unless ``path`` is given); cached."""
    file = Path(path) if path is not None else DEFAULT_PATH
    try:
        stat = file.stat()
    except FileNotFoundError as exc:
        raise InputFileError(
            f"措施目录文件 {file.as_posix()} 不存在 / "
            f"catalogue file {file.as_posix()} does not exist",
            hint="检查路径 / check the path",
        ) from exc
    return _load(file.resolve().as_posix(), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _load(path: str, _mtime_ns: int, _size: int) -> Catalogue:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(
            f"无法读取措施目录文件 / cannot read catalogue file {path}: {exc}",
            hint="措施目录为 UTF-8 文本，检查路径和权限 / "
            "the catalogue is UTF-8 text; check the path and its permissions",
        ) from exc
    return parse_catalogue(text, source_path=path)


def parse_catalogue(text: str, *, source_path: str) -> Catalogue:
    """Validate a catalogue given as TOML text (``source_path`` names it in messages)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        syntax = _Issue(
            "(syntax)",
            f"不是有效的 TOML / not valid TOML: {exc}",
            "改正该处的 TOML 语法 / correct the syntax",
        )
        _raise(source_path, [syntax])
    reader = _Reader()
    measures = reader.catalogue(data)
    if reader.issues:
        _raise(source_path, reader.issues)
    return Catalogue(MappingProxyType(measures), source_path)


@dataclass(frozen=True, slots=True)
class _Issue:
    key: str
    message: str
    fix: str


def _raise(source_path: str, issues: list[_Issue]) -> NoReturn:
    noun = "problem" if len(issues) == 1 else "problems"
    lines = [f"{len(issues)} {noun} in {source_path}:"]
    lines += [f"  - {i.key}: {i.message}\n      fix: {i.fix}" for i in issues]
    raise PolicyError("\n".join(lines), hint=_HINT)


# --- validation --------------------------------------------------------------------------------

_MEASURE_KEYS: Final = ("category", "zh", "en", "risks", "kind", "note")
_REQUIRED: Final = ("category", "zh", "en", "risks")
_CITE_KEYS: Final = ("source", "local", "note")
_RULE_KEYS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "amount": ("max", "standard_per_year", *_CITE_KEYS),
        "term": ("max_months", *_CITE_KEYS),
        "age": ("min", "max", *_CITE_KEYS),
        "households": ("allowed", *_CITE_KEYS),
        "schooling": ("allowed", *_CITE_KEYS),
    }
)

E = TypeVar("E", bound=StrEnum)
R = TypeVar("R")
_Parse = Callable[[Mapping[str, object], str, Citation], R]


class _Reader:
    """Turns parsed TOML into measure types, collecting every problem instead of raising."""

    def __init__(self) -> None:
        self.issues: list[_Issue] = []

    def add(self, key: str, message: str, fix: str) -> None:
        self.issues.append(_Issue(key, message, fix))

    def catalogue(self, data: Mapping[str, object]) -> dict[str, MeasureType]:
        self.unknown_keys(data, "", ("measures",))
        measures = data.get("measures")
        if not isinstance(measures, Mapping) or not measures:
            self.add("measures", "no [measures.<code>] sections", "declare at least one measure")
            return {}
        out = {}
        for code, body in measures.items():
            measure = self.measure(code, body)
            if measure is not None:
                out[code] = measure
        return out

    def unknown_keys(self, body: Mapping[str, object], prefix: str, known: tuple[str, ...]) -> None:
        where = f"[{prefix}]" if prefix else "the top level"
        for key in body:
            if key in known:
                continue
            guess = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            said = f"; did you mean '{guess[0]}'?" if guess else ""
            path = f"{prefix}.{key}" if prefix else key
            self.add(path, f"unknown key '{key}' in {where}{said}", f"known: {', '.join(known)}")

    def measure(self, code: str, body: object) -> MeasureType | None:
        path = f"measures.{code}"
        if not _CODE.fullmatch(code):
            self.add(path, f"bad code '{code}'", "use 2–32 lower-case letters, digits and '_'")
        if not isinstance(body, Mapping):
            self.add(path, "must be a section", f"write [{path}] and its keys below it")
            return None
        self.unknown_keys(body, path, (*_MEASURE_KEYS, *_RULE_KEYS))
        for key in _REQUIRED:
            if key not in body:
                self.add(f"{path}.{key}", f"'{key}' is missing", f"add {key} = …")
        if any(k not in body for k in _REQUIRED):
            return None
        return self.build(code, path, body)

    def build(self, code: str, path: str, body: Mapping[str, object]) -> MeasureType | None:
        before = len(self.issues)
        category = self.word(body["category"], MeasureCategory, f"{path}.category")
        kind = self.word(body["kind"], MeasureKind, f"{path}.kind") if "kind" in body else None
        zh, en = self.text(body, path, "zh"), self.text(body, path, "en")
        note = self.text(body, path, "note", required=False)
        risks = self.words(body["risks"], RiskType, f"{path}.risks")
        measure = MeasureType(
            code,
            category or MeasureCategory.other,
            kind or (category or MeasureCategory.other).kind,
            zh,
            en,
            tuple(risks),
            note,
            amount=self.rule(body, path, "amount", self.rule_amount),
            term=self.rule(body, path, "term", self.rule_term),
            age=self.rule(body, path, "age", self.rule_age),
            households=self.rule(body, path, "households", self.rule_households),
            schooling=self.rule(body, path, "schooling", self.rule_schooling),
        )
        return measure if len(self.issues) == before else None

    # --- values ---

    def text(
        self, body: Mapping[str, object], path: str, key: str, *, required: bool = True
    ) -> str:
        value = body.get(key, "" if not required else None)
        if not isinstance(value, str) or (required and not value.strip()):
            self.add(f"{path}.{key}", f"must be non-empty text, got {value!r}", f'{key} = "…"')
            return ""
        return value

    def word(self, value: object, enum: type[E], key: str) -> E | None:
        known = [m.value for m in enum]
        if isinstance(value, str) and value in known:
            return enum(value)
        guess = difflib.get_close_matches(str(value), known, n=1, cutoff=0.6)
        said = f"; did you mean '{guess[0]}'?" if guess else ""
        self.add(key, f"unknown value {value!r}{said}", f"one of: {', '.join(known)}")
        return None

    def words(self, value: object, enum: type[E], key: str) -> list[E]:
        if not isinstance(value, list) or not value:
            self.add(
                key, f"must be a non-empty list, got {value!r}", f'{key.rsplit(".")[-1]} = ["…"]'
            )
            return []
        found = [self.word(v, enum, key) for v in value]
        if len({str(v) for v in value}) != len(value):
            self.add(key, "lists a value twice", "list each value once")
        return [f for f in found if f is not None]

    def number(
        self, body: Mapping[str, object], key: str, path: str, bounds: _Bounds
    ) -> Decimal | None:
        """The number at ``key`` if it is within ``bounds`` (inclusive), else None and a problem."""
        value, (low, high, whole) = body.get(key), bounds
        if value is None:
            return None
        what = "a whole number" if whole else "a number"
        if isinstance(value, bool) or not isinstance(value, int if whole else int | float):
            self.add(f"{path}.{key}", f"must be {what}, got {value!r}", f"write {what}")
            return None
        number = Decimal(str(value))
        if not number.is_finite() or not low <= number <= high:
            self.add(f"{path}.{key}", f"{value} is out of bounds", f"use {what} in {low}..{high}")
            return None
        return number

    # --- rules ---

    def rule(self, body: Mapping[str, object], path: str, name: str, parse: _Parse[R]) -> R | None:
        rule_body, rule_path = body.get(name), f"{path}.{name}"
        if rule_body is None:
            return None
        if not isinstance(rule_body, Mapping):
            self.add(rule_path, "must be a section", f"write [{rule_path}] and its keys below it")
            return None
        self.unknown_keys(rule_body, rule_path, _RULE_KEYS[name])
        return parse(rule_body, rule_path, self.citation(rule_body, rule_path))

    def citation(self, body: Mapping[str, object], path: str) -> Citation:
        source, local = body.get("source"), body.get("local", False)
        if not isinstance(source, str) or not _SOURCE.fullmatch(source):
            self.add(
                f"{path}.source",
                f"a rule must cite a source id, got {source!r}",
                'source = "S35", an id of shared/domain/policy-notes.md',
            )
        if not isinstance(local, bool):
            self.add(f"{path}.local", f"must be true or false, got {local!r}", "local = true")
        note = self.text(body, path, "note", required=False)
        return Citation(str(source), local is True, note)

    def rule_amount(self, body: Mapping[str, object], path: str, cite: Citation) -> AmountRule:
        maximum = self.number(body, "max", path, _YUAN)
        standard = self.number(body, "standard_per_year", path, _YUAN)
        if "max" not in body and "standard_per_year" not in body:
            self.add(path, "sets neither max nor standard_per_year", "set at least one of them")
        return AmountRule(maximum, standard, cite)

    def rule_term(self, body: Mapping[str, object], path: str, cite: Citation) -> TermRule:
        months = self.number(body, "max_months", path, _MONTHS)
        if "max_months" not in body:
            self.add(f"{path}.max_months", "'max_months' is missing", "max_months = 36")
        return TermRule(int(months or 0), cite)

    def rule_age(self, body: Mapping[str, object], path: str, cite: Citation) -> AgeRule:
        low, high = self.number(body, "min", path, _AGE), self.number(body, "max", path, _AGE)
        if "min" not in body and "max" not in body:
            self.add(path, "sets neither min nor max", "set at least one of them")
        if low is not None and high is not None and low > high:
            self.add(f"{path}.min", f"min {low} is above max {high}", "min must not exceed max")
        return AgeRule(_int_or_none(low), _int_or_none(high), cite)

    def rule_households(
        self, body: Mapping[str, object], path: str, cite: Citation
    ) -> HouseholdRule:
        found = self.words(body.get("allowed"), HouseholdGroup, f"{path}.allowed")
        return HouseholdRule(frozenset(found), cite)

    def rule_schooling(
        self, body: Mapping[str, object], path: str, cite: Citation
    ) -> SchoolingRule:
        found = self.words(body.get("allowed"), Schooling, f"{path}.allowed")
        return SchoolingRule(frozenset(found), cite)


def _int_or_none(value: Decimal | None) -> int | None:
    return None if value is None else int(value)
