"""The policy document schema: every key a document may set, what it means, and its bounds.

One table (:data:`FIELDS`) drives validation, inheritance, the flat form screening joins
(:meth:`~bottomline.policy.effective.EffectivePolicy.flat`), the Arrow column types and the
field list in docs/policy.md (a test keeps the two in step).

The bounds below are **validation bounds**: they define what is absurd (a typo, a unit
mistake, fen instead of yuan), not policy. The policy values themselves are data, in the TOML
documents under ``policies/``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

Value = int | float | bool | str  # what a policy key may hold once validated

NATIONAL_REGION: Final = "000000000000"  # same as registry.divisions.NATIONAL_CODE (全国)
REGION_CODE_DIGITS: Final = 12
YEAR_MIN: Final = 2015  # validation bounds for meta.year
YEAR_MAX: Final = 2100


class Kind(StrEnum):
    """How a key is typed, checked and stored in the flat table."""

    yuan = "yuan"  # an amount of yuan (float64)
    ratio = "ratio"  # a share or a multiple (float64)
    integer = "integer"  # a whole number of months or days (int32)
    switch = "switch"  # true / false (bool)
    rank = "rank"  # one of a few words, stored as its rank (int32)
    word = "word"  # one of a few words, stored as text (string)


@dataclass(frozen=True, slots=True)
class Bounds:
    """Inclusive ``low..high`` unless ``low_open`` (then the value must be greater than low)."""

    low: float
    high: float
    low_open: bool = False
    why: str = ""  # said when a value is out of bounds
    why_zh: str = ""  # the same in Chinese

    def contains(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        return above and value <= self.high

    def describe(self) -> str:
        low = f"greater than {_num(self.low)}" if self.low_open else f"at least {_num(self.low)}"
        return f"{low} and at most {_num(self.high)}"

    def describe_zh(self) -> str:
        low = f"大于 {_num(self.low)}" if self.low_open else f"不小于 {_num(self.low)}"
        return f"{low} 且不大于 {_num(self.high)}"


def _num(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


# --- validation bounds (what is absurd), not policy -------------------------------------------
PER_CAPITA_YUAN: Final = Bounds(
    1_000,
    100_000,
    why="a yearly amount per person in yuan, not fen and not per month",
    why_zh="按元计的人均全年数额，不是分，也不是月数额",
)
THRESHOLD_YUAN: Final = Bounds(
    0, 10_000_000, low_open=True, why="an amount in yuan", why_zh="按元计的金额"
)
SHARE: Final = Bounds(
    0, 10, low_open=True, why="a ratio such as 0.5 for 50%", why_zh="比例，如 0.5 表示 50%"
)
DROP_SHARE: Final = Bounds(
    0,
    1,
    low_open=True,
    why="the share income fell by, such as 0.3 for a 30% fall",
    why_zh="收入下降的比例，如 0.3 表示下降 30%",
)
MULTIPLE: Final = Bounds(
    0,
    10,
    low_open=True,
    why="a multiple of the income line, such as 1.5",
    why_zh="监测标准的倍数，如 1.5",
)
WINDOW_MONTHS: Final = Bounds(1, 36, why="a look-back window in months", why_zh="回溯的月数")
NOTICE_DAYS: Final = Bounds(
    5,
    60,
    why="the national minimum publicity period is 5 days, S5 in policy-notes §4",
    why_zh="国家规定公示期不少于 5 天（policy-notes §4 的 S5）",
)
DEADLINE_DAYS: Final = Bounds(
    1,
    90,
    why="days from the first risk lead to approval; the national limit is 15 (S5)",
    why_zh="从首次发现风险线索到审批认定的天数；国家规定不超过 15 天（S5）",
)
ELIMINATION_MONTHS: Final = Bounds(1, 60, why="a number of months", why_zh="月数")

DAMAGE_RANKS: Final = MappingProxyType({"minor": 1, "severe": 2, "collapsed": 3, "never": 99})
GRADE_RANKS: Final = MappingProxyType({"C": 3, "D": 4})
DAY_COUNTS: Final = MappingProxyType({"calendar": 0, "working": 1})


@dataclass(frozen=True, slots=True)
class FieldSpec:
    path: str  # dotted key path in a document: "triggers.medical.window_months"
    flat_key: str  # its column in the flat form and the policy table
    kind: Kind
    zh: str
    en: str
    bounds: Bounds | None = None
    choices: MappingProxyType[str, int] | None = None  # word -> rank (rank and word kinds)
    required: bool = True  # must be set in every effective policy

    @property
    def section(self) -> str:
        return self.path.rpartition(".")[0]

    @property
    def key(self) -> str:
        return self.path.rpartition(".")[2]


_RIGID = "triggers.rigid_expenditure"
_DEPT = "triggers.department"

# fmt: off
FIELDS: Final[tuple[FieldSpec, ...]] = (
    FieldSpec("standard.income_line", "income_line", Kind.yuan, "监测范围（监测标准）",
       "monitoring income line, yuan per person per year", bounds=PER_CAPITA_YUAN),
    FieldSpec("standard.prior_year_rural_disposable_income", "prior_disposable_income", Kind.yuan,
       "上年农村居民人均可支配收入", "prior-year rural disposable income per person, yuan",
       bounds=PER_CAPITA_YUAN, required=False),
    FieldSpec(f"{_RIGID}.absolute", "rigid_absolute", Kind.yuan, "刚性支出（绝对额）",
       "rigid expenditure per household per year above this many yuan",
       bounds=THRESHOLD_YUAN, required=False),
    FieldSpec(f"{_RIGID}.share_of_income", "rigid_income_share", Kind.ratio, "刚性支出占家庭纯收入比例",
       "rigid expenditure above this share of household net income", bounds=SHARE,
       required=False),
    FieldSpec(f"{_RIGID}.share_of_disposable_income", "rigid_disposable_share", Kind.ratio,
       "刚性支出占上年农村居民人均可支配收入比例",
       "rigid expenditure above this share of prior-year rural disposable income",
       bounds=SHARE, required=False),
    FieldSpec("triggers.income_drop.share", "drop_share", Kind.ratio, "收入骤减幅度",
       "per-capita net income fell by at least this share", bounds=DROP_SHARE),
    FieldSpec("triggers.income_drop.watch_multiple", "drop_watch_multiple", Kind.ratio,
       "收入骤减关注倍数", "...and is now below this multiple of the income line",
       bounds=MULTIPLE),
    FieldSpec("triggers.medical.self_pay_formerly_poor", "medical_formerly_poor", Kind.yuan,
       "医疗个人负担（脱贫人口）", "medical self-pay after 三重保障, formerly poor, yuan",
       bounds=THRESHOLD_YUAN),
    FieldSpec("triggers.medical.self_pay_other", "medical_other", Kind.yuan, "医疗个人负担（其他农村人口）",
       "medical self-pay after 三重保障, other rural residents, yuan", bounds=THRESHOLD_YUAN),
    FieldSpec("triggers.medical.window_months", "medical_window_months", Kind.integer, "医疗费用累计期（月）",
       "months over which medical self-pay is summed", bounds=WINDOW_MONTHS),
    FieldSpec("triggers.medical.count_inpatient", "medical_inpatient", Kind.switch,
       "住院自付计入医疗预警", "inpatient self-pay counts toward the medical thresholds"),
    FieldSpec("triggers.medical.count_chronic_outpatient", "medical_chronic_outpatient",
       Kind.switch, "门诊慢特病自付计入医疗预警",
       "chronic and special-disease outpatient (门诊慢特病) self-pay counts toward them"),
    FieldSpec("triggers.medical.count_outpatient", "medical_outpatient", Kind.switch,
       "普通门诊自付计入医疗预警", "ordinary outpatient self-pay counts toward them"),
    FieldSpec("triggers.education.self_pay", "education_self_pay", Kind.yuan, "非义务教育阶段自付费用",
       "non-compulsory school costs after subsidies, yuan per year", bounds=THRESHOLD_YUAN),
    FieldSpec("triggers.disaster.loss", "disaster_loss", Kind.yuan, "灾害损失",
       "household disaster loss above this many yuan", bounds=THRESHOLD_YUAN),
    FieldSpec("triggers.disaster.min_house_damage", "disaster_min_damage_rank", Kind.rank,
       "触发的最低房屋受损程度", "least house damage that triggers (minor/severe/collapsed/never)",
       choices=DAMAGE_RANKS),
    FieldSpec("triggers.housing.min_grade", "housing_min_grade_rank", Kind.rank, "房屋安全鉴定等级",
       "least house-safety grade that triggers (C or D)", choices=GRADE_RANKS),
    FieldSpec(f"{_DEPT}.job_loss", "trig_job_loss", Kind.switch, "主要劳动力失业",
       "main worker lost their job"),
    FieldSpec(f"{_DEPT}.death_or_disability", "trig_death_disability", Kind.switch, "劳动力死亡或致残",
       "a worker died or was disabled"),
    FieldSpec(f"{_DEPT}.new_assistance", "trig_new_assistance", Kind.switch, "新纳入低保/特困",
       "newly granted 低保 or 特困"),
    FieldSpec(f"{_DEPT}.school_dropout", "trig_school_dropout", Kind.switch, "义务教育阶段辍学",
       "a compulsory-age child dropped out"),
    FieldSpec(f"{_DEPT}.water_problem", "trig_water", Kind.switch, "饮水安全问题",
       "drinking-water problem reported"),
    FieldSpec("triggers.guarantees.uninsured_member", "trig_uninsured", Kind.switch,
       "有成员未参加基本医疗保险即为风险",
       "a member without basic medical insurance is a monitoring risk by itself "
       "(unset: off, an enrolment task)", required=False),
    FieldSpec("procedure.notice_days", "notice_days", Kind.integer, "公示天数",
       "public notice lasts at least this many days", bounds=NOTICE_DAYS),
    FieldSpec("procedure.identification_deadline_days", "deadline_days", Kind.integer, "识别认定时限",
       "days from the first risk lead to approval", bounds=DEADLINE_DAYS),
    FieldSpec("procedure.day_count", "day_count", Kind.word, "计日方式",
       "how days are counted: calendar or working", choices=DAY_COUNTS),
    FieldSpec("elimination.min_monitored_months", "elim_min_months", Kind.integer, "最短监测时间（月）",
       "months a household must be monitored before elimination", bounds=ELIMINATION_MONTHS),
    FieldSpec("elimination.income_stable_months", "elim_income_stable_months", Kind.integer,
       "收入稳定时间（月）", "months income must have been stable above the line",
       bounds=ELIMINATION_MONTHS),
)
# fmt: on

FIELD_BY_PATH: Final = MappingProxyType({f.path: f for f in FIELDS})
FLAT_KEYS: Final[tuple[str, ...]] = tuple(f.flat_key for f in FIELDS)
RIGID_PATHS: Final[tuple[str, ...]] = tuple(f.path for f in FIELDS if f.section == _RIGID)
DISPOSABLE_SHARE_PATH: Final = f"{_RIGID}.share_of_disposable_income"
PRIOR_INCOME_PATH: Final = "standard.prior_year_rural_disposable_income"
NOTICE_PATH: Final = "procedure.notice_days"
DEADLINE_PATH: Final = "procedure.identification_deadline_days"

META_KEYS: Final = ("region", "year", "title", "source")
SECTIONS: Final[tuple[str, ...]] = tuple(dict.fromkeys(f.section for f in FIELDS))
# Tables that only hold other tables ("triggers" holds "triggers.medical", ...).
CONTAINERS: Final[frozenset[str]] = frozenset(s.rpartition(".")[0] for s in SECTIONS if "." in s)


def children_of(prefix: str) -> list[str]:
    """Known keys and sub-tables directly under ``prefix`` ("" for the top level)."""
    if prefix == "":
        return ["meta", *dict.fromkeys(s.split(".")[0] for s in SECTIONS)]
    if prefix == "meta":
        return list(META_KEYS)
    depth = prefix.count(".") + 1
    names = (p for p in (*SECTIONS, *FIELD_BY_PATH) if p.startswith(prefix + "."))
    return list(dict.fromkeys(n.split(".")[depth] for n in names))


def normalise_number(value: int | float) -> int | float:
    """Integral floats become ints, so ``8700`` and ``8700.0`` hash alike."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return value
