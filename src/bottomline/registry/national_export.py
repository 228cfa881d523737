"""The columns of the national monitoring system's (全国防返贫监测信息系统) member export.

The export has one row per household member; the household's fields are repeated on each of
its members' rows. Every column we read is declared here once — its Chinese header and the
aliases other versions of the export use, the registry column it fills, whether it is required,
and for coded columns the wording the system writes mapped to the registry's value (the
``registry.enums`` Chinese labels plus common variants). :func:`read_cells` turns a column of
cell text into the registry's values and says which cells it refuses and why (``RejectCode``).
``registry.imports`` reads a file with this catalogue; ``synth.registry_export`` writes one;
docs/registry-import.md lists it.

A *required* column must be in the file and non-empty on every row. An optional column may be
missing from the file (the stored value is then left as it is, and new records get the
column's default) or empty in a row (the default, or no value).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bottomline.ids import IdProblem, person_number_problem, valid_id_mask
from bottomline.labels import LabelledEnum
from bottomline.registry.divisions import all_divisions
from bottomline.registry.enums import (
    MAX_RISK_TYPES,
    Category,
    Education,
    Health,
    HouseholdType,
    IdKind,
    LabourCapacity,
    Relationship,
    RiskType,
    Schooling,
    Sex,
)
from bottomline.sources import normalise_header

Level = Literal["household", "member"]
# How a cell is read: text (trimmed), a code of ``codes``, a whole number in ``bounds``, a date,
# a 12-digit village code, an ID or disability-certificate number, a division code (6 or 12
# digits), an ethnic group (name or GB 3304 code), or an amount of money (yuan, at most two
# decimals; negative only where ``signed``).
Kind = Literal[
    "text", "code", "int", "date", "village_code", "id_number", "division", "ethnicity", "money"
]
# Personal values are masked in reports: ID numbers, phones, names and addresses.
Personal = Literal["", "id", "phone", "name", "address"]
Stored = str | bool | int | None
MONEY_TYPE = pa.decimal128(14, 2)  # the store's Numeric(14, 2)


@dataclass(frozen=True, slots=True)
class ExportColumn:
    name: str  # the registry column it fills; for a column not stored, a name of its own
    header: str  # the header the national system writes
    level: Level
    meaning: str  # in English, for the documentation
    kind: Kind = "text"
    required: bool = False
    aliases: tuple[str, ...] = ()
    codes: Mapping[str, Stored] = field(default_factory=dict)  # the file's wording -> value
    default: Stored = None  # the value of an empty cell in an optional column
    bounds: tuple[int, int] | None = None  # inclusive range of a whole number
    max_length: int | None = None  # the store column's length
    personal: Personal = ""
    stored: bool = True  # False: read and checked, not kept (place names, the head's name)
    signed: bool = False  # money that may be negative (business income, net incomes)

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)

    @property
    def arrow_type(self) -> pa.DataType:
        """The Arrow type of the column's values."""
        if self.kind == "int":
            return pa.int64()
        if self.kind == "date":
            return pa.date32()
        if self.kind == "money":
            return MONEY_TYPE
        kinds = {type(v) for v in self.codes.values() if v is not None}
        if kinds == {bool}:
            return pa.bool_()
        if kinds == {int}:
            return pa.int64()
        return pa.string()

    def wording(self, value: Stored) -> str:
        """The wording the national system writes for a stored value (the first code for it)."""
        for text, code in self.codes.items():
            if code == value and value is not None:
                return text
        return "" if value is None else str(value)


YES_NO: dict[str, Stored] = {
    "是": True,
    "否": False,
    "Y": True,
    "N": False,
    "y": True,
    "n": False,
    "1": True,
    "0": False,
}

# GB 3304-1991 names of ethnic groups and their two-digit codes (97 其他, 98 外国血统中国籍人士).
_GB3304 = (
    "汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 土家族 "
    "哈尼族 哈萨克族 傣族 黎族 傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 景颇族 "
    "柯尔克孜族 土族 达斡尔族 仫佬族 羌族 布朗族 撒拉族 毛南族 仡佬族 锡伯族 阿昌族 普米族 "
    "塔吉克族 怒族 乌孜别克族 俄罗斯族 鄂温克族 德昂族 保安族 裕固族 京族 塔塔尔族 独龙族 "
    "鄂伦春族 赫哲族 门巴族 珞巴族 基诺族"
)
ETHNIC_GROUPS: dict[str, str] = {
    name: f"{code:02d}" for code, name in enumerate(_GB3304.split(" "), start=1)
} | {"其他": "97", "外国血统中国籍人士": "98"}


def ethnicity_codes() -> dict[str, str]:
    """Every accepted wording of an ethnic group: 汉族, 汉, 01 and 1 all give ``01``."""
    codes: dict[str, str] = {}
    for name, code in ETHNIC_GROUPS.items():
        codes[name] = code
        if name.endswith("族"):
            codes.setdefault(name[:-1], code)
        codes[code] = code
        codes.setdefault(str(int(code)), code)
    return codes


def _variants(enum: type[LabelledEnum], table: dict[str, tuple[str, ...]]) -> dict[str, Stored]:
    codes: dict[str, Stored] = {member.zh: member.value for member in enum}
    for value, wordings in table.items():
        enum(value)
        codes |= dict.fromkeys(wordings, value)
    return codes


HOUSEHOLD_TYPES = _variants(
    HouseholdType,
    {
        "ordinary": ("一般户", "普通农户", "一般农户（非低保特困）"),
        "dibao": ("低保", "农村低保户"),
        "tekun": ("特困户", "特困", "分散供养特困户", "集中供养特困户", "特困供养"),
    },
)
RELATIONSHIPS = _variants(
    Relationship,
    {
        "head": ("本人", "本人（户主）"),
        "spouse": ("妻", "夫", "妻子", "丈夫"),
        "child": ("之子", "之女", "儿子", "女儿", "长子", "次子", "三子", "长女", "次女", "三女"),
        "child_in_law": ("儿媳", "女婿", "之儿媳", "之女婿"),
        "grandchild": ("孙子", "孙女", "之孙子", "之孙女", "外孙子", "外孙女"),
        "parent": ("父亲", "母亲", "之父", "之母", "岳父", "岳母", "公公", "婆婆"),
        "grandparent": ("祖父", "祖母", "外祖父", "外祖母"),
        "sibling": ("兄弟", "姐妹", "兄", "弟", "姐", "妹", "兄弟姐妹"),
        "other": ("其他亲属", "非亲属"),
    },
)
EDUCATION = _variants(
    Education,
    {
        "none": ("文盲", "半文盲", "文盲半文盲"),
        "senior": ("高中", "中专", "中职", "技校", "职高"),
        "tertiary": ("大专", "本科", "本科及以上", "研究生", "大学"),
        "preschool_age": ("学龄前儿童",),
    },
)
SCHOOLING = _variants(
    Schooling,
    {
        "preschool": ("学前", "学前班", "幼儿园"),
        "compulsory": ("义务教育", "小学在校", "初中在校", "小学", "初中"),
        "senior_high": ("普通高中", "高中在校", "高中"),
        "vocational": ("中职在校", "高职在校", "中职", "高职", "中职（中专）", "中专在校"),
        "higher": ("大专在校", "本科在校", "研究生在校", "大专及以上在校", "高等教育在校"),
        "dropout": ("失学辍学", "辍学或失学"),
    },
)
HEALTH = _variants(
    Health,
    {
        "chronic": ("慢性病", "长期慢性病患者"),
        "serious": ("大病", "患大病"),
    },
)
LABOUR = _variants(
    LabourCapacity,
    {
        "skilled": ("技能劳动力（有技能）",),
        "weak": ("弱劳动力", "半劳动力", "弱劳动力或半劳动"),
        "lost": ("丧失劳动能力",),
    },
)
ID_KINDS = _variants(
    IdKind,
    {
        "resident_id": ("身份证", "居民身份证号码", "第二代居民身份证"),
        "disability_cert": ("残疾证", "第二代残疾人证", "残疾人证号"),
    },
)
SEXES = _variants(Sex, {})
GRADES: dict[str, Stored] = {
    text: grade
    for grade, zh in enumerate("一二三四", start=1)
    for text in (f"{zh}级", f"{grade}级", str(grade), zh)
} | {"无": None}


CATEGORIES = _variants(
    Category,
    {
        "unstable": ("脱贫不稳定", "脱贫不稳定户（监测对象）"),
        "marginal": ("边缘易致贫", "边缘易致贫户（监测对象）", "边缘户"),
        "sudden": ("突发严重困难", "突发严重困难户（监测对象）", "严重困难户"),
    },
) | dict.fromkeys(("脱贫户", "一般户", "一般农户", "非监测对象", "否", "无"), None)
# National codes of risk types (code table 100A27, policy-notes §1): 02 is every natural disaster.
RISKS = _variants(
    RiskType,
    {
        "illness": ("01", "1", "因病致贫", "因病返贫"),
        "disaster_other": ("02", "2", "因灾", "因自然灾害", "因自然灾害（其他）"),
        "lack_of_labour": ("04", "4", "缺劳力", "缺劳动力致贫"),
        "accident": ("05", "5", "因意外", "因意外事故致贫"),
        "industry_failure": ("06", "6", "因产业项目失败", "产业失败"),
        "unstable_employment": ("07", "7", "因务工就业不稳定", "务工就业不稳"),
        "schooling": ("09", "9", "因学致贫", "因学返贫"),
        "disability": ("因残致贫", "因残返贫"),
        "housing": ("因住房安全问题", "住房安全"),
        "drinking_water": ("因饮水安全问题", "饮水安全"),
        "other": ("99", "其他原因"),
    },
) | {"无": None}


def _id_reason(problem: IdProblem) -> tuple[str, str, str]:
    zh, en = problem.label.split(" / ", 1)
    return f"id_{problem.value}", zh, en


class RejectCode(LabelledEnum):
    """Why a row of the export was rejected (a row can have several, one per column)."""

    malformed = ("malformed", "列数不符", "wrong number of fields")
    missing = ("missing", "必填项为空", "required value is empty")
    bad_code = ("bad_code", "不是允许的取值", "not one of the allowed values")
    bad_number = ("bad_number", "应为整数", "not a whole number")
    out_of_range = ("out_of_range", "超出允许范围", "outside the allowed range")
    too_long = ("too_long", "超过最大长度", "longer than allowed")
    bad_date = ("bad_date", "日期无效", "not a valid date")
    bad_village_code = (
        "bad_village_code",
        "村代码应为12位行政村代码",
        "not a 12-digit village code",
    )
    unknown_county = (
        "unknown_county",
        "村代码所属的县不在区划代码表中",
        "the village code's county is not a known division",
    )
    unknown_division = ("unknown_division", "不是已知的行政区划代码", "not a known division code")
    id_length = _id_reason(IdProblem.LENGTH)
    id_characters = _id_reason(IdProblem.CHARACTERS)
    id_birth_date = _id_reason(IdProblem.BIRTH_DATE)
    id_region = _id_reason(IdProblem.REGION)
    id_checksum = _id_reason(IdProblem.CHECKSUM)
    id_disability_suffix = _id_reason(IdProblem.DISABILITY_SUFFIX)
    id_kind_mismatch = (
        "id_kind_mismatch",
        "证件类型与号码长度不符",
        "the kind of document does not match the number's length",
    )
    duplicate_id = (
        "duplicate_id",
        "证件号码在文件中重复出现",
        "the person number appears more than once in the file",
    )
    household_inconsistent = (
        "household_inconsistent",
        "同户各行的户信息不一致",
        "rows of the household disagree on a household field",
    )
    head_count = ("head_count", "户内应有且只有一名户主", "a household must have exactly one head")
    household_rejected = ("household_rejected", "同户其他行有错误，整户未导入", "another row of this household was rejected, so the household was not imported")  # fmt: skip
    bad_amount = ("bad_amount", "金额应为最多两位小数的数字", "not an amount with at most two decimals")  # fmt: skip
    negative_amount = ("negative_amount", "金额不能为负数", "the amount cannot be negative")
    transfer_mismatch = ("transfer_mismatch", "转移性收入与各分项之和不符", "transfer income does not equal the sum of its items")  # fmt: skip
    oop_mismatch = ("oop_mismatch", "合规自付支出与医疗、教育分项之和不符", "compliant out-of-pocket spending does not equal medical + education")  # fmt: skip
    net_income_mismatch = ("net_income_mismatch", "家庭纯收入与各项收入减生产经营性支出不符", "household net income does not equal the incomes minus production costs")  # fmt: skip
    per_capita_mismatch = ("per_capita_mismatch", "家庭人均纯收入与家庭纯收入除以人口数不符", "per-capita net income does not equal net income divided by household size")  # fmt: skip
    duplicate_income = ("duplicate_income", "同一户同一年度的收入出现多行", "the household's income for the year appears on more than one row")  # fmt: skip
    income_household_missing = ("income_household_missing", "收支情况中的户编号不在家庭成员表中", "the 户编号 of the income row is not among the file's members")  # fmt: skip


class WarningCode(LabelledEnum):
    """Data-quality findings of an import: the row is accepted as the file gives it."""

    sex_mismatch = (
        "sex_mismatch",
        "性别与证件号码第17位不符",
        "sex does not match the ID number's 17th digit",
    )
    birth_date_mismatch = ("birth_date_mismatch", "出生日期与证件号码不符", "birth date does not match the ID number")  # fmt: skip


_H: Level = "household"
_M: Level = "member"

EXPORT_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("household_no", "户编号", _H, "household number (the key of a household)",
                 required=True, aliases=("户码", "户编码", "家庭户编号"), max_length=32),
    ExportColumn("province_name", "省", _H, "province name (not stored; regions come from the division code list)",
                 aliases=("省份", "省(自治区、直辖市)"), stored=False),
    ExportColumn("city_name", "市", _H, "city or prefecture name (not stored)",
                 aliases=("市(州)", "地市", "市(地、州、盟)"), stored=False),
    ExportColumn("county_name", "县", _H, "county name (not stored)",
                 aliases=("县(市、区)", "县区", "县(市、区、旗)"), stored=False),
    ExportColumn("township_name", "乡(镇)", _H, "township name: names a township the registry does not have yet",
                 aliases=("乡镇", "乡（镇）", "乡镇(街道)"), max_length=100, stored=False),
    ExportColumn("village_name", "村", _H, "village name: names a village the registry does not have yet",
                 aliases=("行政村", "村(社区)"), max_length=100, stored=False),
    ExportColumn("village_code", "村代码", _H, "12-digit statistical code of the village; its first 9 digits + 000 are the township, its first 6 + 000000 a county in the division code list",
                 kind="village_code", required=True,
                 aliases=("行政村代码", "村级代码", "村编码", "行政区划代码")),
    ExportColumn("head_name", "户主姓名", _H, "name of the head (checked to agree on every row of the household; not stored)",
                 aliases=("户主",), personal="name", stored=False),
    ExportColumn("address", "家庭住址", _H, "address", aliases=("住址", "家庭地址", "详细地址"),
                 max_length=200, personal="address"),
    ExportColumn("phone", "联系电话", _H, "contact phone", aliases=("电话", "联系方式", "手机号码", "手机号"),
                 max_length=32, personal="phone"),
    ExportColumn("household_type", "户类型", _H, "household type", kind="code", required=True,
                 aliases=("农户类型", "户属性"), codes=HOUSEHOLD_TYPES),
    ExportColumn("formerly_poor", "是否脱贫户", _H, "formerly registered poor household (建档立卡脱贫户)",
                 kind="code", required=True, aliases=("脱贫户", "是否建档立卡脱贫户"), codes=YES_NO),
    ExportColumn("poverty_exit_year", "脱贫年度", _H, "year the household left poverty",
                 kind="int", aliases=("脱贫年份", "脱贫时间"), bounds=(2013, 2030)),
    ExportColumn("relocated", "是否易地扶贫搬迁户", _H, "relocated for poverty alleviation (易地扶贫搬迁)",
                 kind="code", required=True, aliases=("是否易地搬迁户", "易地扶贫搬迁户"), codes=YES_NO),
    ExportColumn("no_labour_household", "是否整户无劳动力", _H, "no member of the household can work (as recorded)",
                 kind="code", required=True, aliases=("整户无劳动力",), codes=YES_NO),
    ExportColumn("monitoring_category", "监测对象类别", _H, "monitoring category as the national system records it (脱贫不稳定户, 边缘易致贫户, 突发严重困难户); 脱贫户, 一般户 or empty: not monitored",
                 kind="code", aliases=("监测对象类型", "监测类型", "监测户类型"), codes=CATEGORIES),
    *(
        ExportColumn(f"risk_{i}", f"致贫返贫风险{i}", _H, f"risk type {i} of 5 (a RiskType label, or the national code 01, 02, 04, 05, 06, 07, 09, 99); stored together as the household's risk list",
                     kind="code", codes=RISKS,
                     aliases=(f"致贫/返贫风险{i}", f"返贫致贫风险{i}", f"风险类型{i}", f"致贫返贫风险类型{i}"))
        for i in range(1, MAX_RISK_TYPES + 1)
    ),
    ExportColumn("monitored_on", "识别监测时间", _H, "day the household was identified for monitoring",
                 kind="date", aliases=("纳入监测时间", "识别时间", "纳入监测日期", "识别监测日期")),
    ExportColumn("risk_eliminated_on", "风险消除时间", _H, "day its risk was eliminated (empty: not eliminated)",
                 kind="date", aliases=("消除风险时间", "风险消除日期")),
    ExportColumn("risk_eliminated", "是否风险消除", _H, "risk eliminated (是/否; read and checked, not stored: the day decides)",
                 kind="code", aliases=("风险是否消除", "是否已消除风险"), codes=YES_NO, stored=False),
    ExportColumn("name", "姓名", _M, "member's name", required=True, aliases=("成员姓名",),
                 max_length=64, personal="name"),
    ExportColumn("id_kind", "证件类型", _M, "kind of number; when missing or empty: resident ID for 18 characters, disability certificate for 20 or 22",
                 kind="code", aliases=("证件种类",), codes=ID_KINDS),
    ExportColumn("id_number", "证件号码", _M, "resident ID number (GB 11643, 18 characters) or disability certificate number (20 or 22); the key of a member",
                 kind="id_number", required=True,
                 aliases=("身份证号码", "身份证号", "证件号", "公民身份号码", "残疾人证号"), personal="id"),
    ExportColumn("relationship", "与户主关系", _M, "relationship to the head of household",
                 kind="code", required=True, aliases=("与户主的关系", "家庭关系"), codes=RELATIONSHIPS),
    ExportColumn("sex", "性别", _M, "sex; when missing or empty, from the ID number's 17th digit",
                 kind="code", codes=SEXES),
    ExportColumn("birth_date", "出生日期", _M, "birth date (YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD); when missing or empty, from the ID number",
                 kind="date", aliases=("出生年月日",)),
    ExportColumn("ethnicity", "民族", _M, "ethnic group: a GB 3304 name (汉族 or 汉) or its two-digit code (01)",
                 kind="ethnicity", required=True),
    ExportColumn("education", "文化程度", _M, "education", kind="code", required=True,
                 aliases=("学历",), codes=EDUCATION),
    ExportColumn("schooling", "在校生状况", _M, "schooling status", kind="code", required=True,
                 aliases=("在校生情况", "在校情况"), codes=SCHOOLING),
    ExportColumn("health", "健康状况", _M, "health", kind="code", required=True, codes=HEALTH),
    ExportColumn("disability_grade", "残疾等级", _M, "disability grade 1-4", kind="code",
                 aliases=("残疾级别",), codes=GRADES),
    ExportColumn("labour_capacity", "劳动技能", _M, "labour capacity", kind="code", required=True,
                 aliases=("劳动能力",), codes=LABOUR),
    ExportColumn("migrant_months", "务工时间（月）", _M, "months of migrant work last year (empty: 0)",
                 kind="int", aliases=("务工时间", "外出务工时间", "务工月数"), bounds=(0, 12), default=0),
    ExportColumn("migrant_place", "务工所在地", _M, "division code (6 or 12 digits) of the workplace",
                 kind="division", aliases=("务工地点", "务工所在地代码")),
    ExportColumn("insured_medical", "是否参加城乡居民基本医疗保险", _M, "in the basic medical insurance (resident or employee)",
                 kind="code", required=True, codes=YES_NO,
                 aliases=("是否参加城乡居民（职工）基本医疗保险", "是否参加基本医疗保险")),
    ExportColumn("insured_serious_illness", "是否参加大病保险", _M, "in the serious-illness insurance",
                 kind="code", required=True, codes=YES_NO),
    ExportColumn("insured_pension", "是否参加城乡居民基本养老保险", _M, "in the basic pension scheme (resident or employee)",
                 kind="code", required=True, codes=YES_NO,
                 aliases=("是否参加城乡居民（职工）基本养老保险", "是否参加基本养老保险")),
    ExportColumn("dibao", "是否享受低保", _M, "receives the minimum living allowance (低保)",
                 kind="code", required=True, codes=YES_NO, aliases=("是否享受农村低保", "是否低保")),
    ExportColumn("tekun", "是否特困供养", _M, "receives extreme-poverty support (特困供养)",
                 kind="code", required=True, codes=YES_NO, aliases=("是否特困供养人员", "是否享受特困供养")),
    ExportColumn("public_welfare_job", "是否公益岗位", _M, "holds a public-welfare job (公益岗位; empty: 否)",
                 kind="code", codes=YES_NO, default=False, aliases=("是否公益性岗位", "是否在公益岗位就业")),
)  # fmt: skip

COLUMNS: dict[str, ExportColumn] = {column.name: column for column in EXPORT_COLUMNS}
HOUSEHOLD_COLUMNS = tuple(c for c in EXPORT_COLUMNS if c.level == "household")
MEMBER_COLUMNS = tuple(c for c in EXPORT_COLUMNS if c.level == "member")
TITLE = "防返贫监测信息系统 家庭成员信息导出"
# A file that lists only some households of its counties (the export of a period's monitored
# households for the national system) carries this in its title row: an import of it updates
# and adds the households it lists and removes nothing (``registry.imports``, partial mode).
PARTIAL_MARK = "部分户 partial"


def is_partial_title(title: str) -> bool:
    """Whether a file's title row marks it as listing only some households."""
    return PARTIAL_MARK in title


@cache
def header_index() -> dict[str, ExportColumn]:
    """Every header and alias, as the file reader normalises it, to its column."""
    index: dict[str, ExportColumn] = {}
    for column in EXPORT_COLUMNS:
        for header in column.headers:
            found = index.setdefault(normalise_header(header), column)
            if found is not column:  # pragma: no cover - the catalogue is checked by a test
                raise ValueError(f"header {header!r} names both {found.name} and {column.name}")
    return index


def known_headers() -> list[str]:
    """The normalised headers and aliases of every column (to find the header row)."""
    return list(header_index())


# ------------------------------------------------------------------ reading cells

Converted = tuple[pa.Array, list[tuple[np.ndarray, RejectCode]]]  # values, (bad cells, why)

_INT = r"^\d{1,9}(\.0+)?$"
# 2001-02-03, 2001/2/3, 2001.02.03, 20010203 (the first 10 characters: a time after is ignored)
_COMPACT_DATE = (r"^(\d{4})(\d{2})(\d{2})$", r"\1-\2-\3")
_DATE = r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})$"
_EARLIEST_BIRTH = dt.date(1880, 1, 1)


def read_cells(column: ExportColumn, cells: pa.Array) -> Converted:
    """Trimmed cell text -> the column's values (null where empty or bad) and bad-cell masks."""
    empty = as_mask(pc.equal(cells, ""))
    values, masks = _convert(column, cells, empty)
    if column.required:
        masks.append((empty, RejectCode.missing))
    elif column.default is not None:
        default = pa.scalar(column.default, values.type)
        values = pc.if_else(pa.array(empty), default, values)
    return values, [(mask, code) for mask, code in masks if mask.any()]


# Kinds whose cells are mostly distinct (names, addresses, ID numbers): converted cell by cell.
_ROW_WISE = frozenset({"text", "id_number"})


def _convert(column: ExportColumn, cells: pa.Array, empty: np.ndarray) -> Converted:
    """The column's converter over ``cells``: for coded values, numbers and dates (few distinct
    values repeated over the rows, household fields on every member's row) once per distinct
    text, the values and masks then spread to the rows."""
    convert = _CONVERTERS[column.kind]
    if isinstance(cells, pa.ChunkedArray):
        cells = cells.combine_chunks()
    if column.kind in _ROW_WISE or cells.null_count or len(cells) < 64:
        return convert(column, cells, empty)
    encoded = pc.dictionary_encode(cells)
    distinct = encoded.dictionary
    if 2 * len(distinct) > len(cells):
        return convert(column, cells, empty)
    values, masks = convert(column, distinct, as_mask(pc.equal(distinct, "")))
    index = encoded.indices.to_numpy()
    return values.take(encoded.indices), [(mask[index], code) for mask, code in masks]


def as_mask(mask: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean Arrow array as numpy, null as False."""
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)


def _null_where(values: pa.Array, mask: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(mask), pa.scalar(None, values.type), values)


def _text(column: ExportColumn, cells: pa.Array, empty: np.ndarray) -> Converted:
    masks = []
    if column.max_length is not None:
        masks.append(
            (as_mask(pc.greater(pc.utf8_length(cells), column.max_length)), RejectCode.too_long)
        )
    return _null_where(cells, empty | _any(masks, len(cells))), masks


def _code(column: ExportColumn, cells: pa.Array, empty: np.ndarray) -> Converted:
    codes = ethnicity_codes() if column.kind == "ethnicity" else column.codes
    return _lookup(codes, pc.replace_substring_regex(cells, r"\s+", ""), empty, column.arrow_type)


def _lookup(
    codes: dict[str, Any] | Any, cells: pa.Array, empty: np.ndarray, kind: pa.DataType
) -> Converted:
    keys = pa.array(list(codes), pa.string())
    index = pc.index_in(cells, value_set=keys)
    values = pa.array(list(codes.values()), kind).take(index)
    return values, [(~empty & as_mask(pc.is_null(index)), RejectCode.bad_code)]


def _int(column: ExportColumn, cells: pa.Array, empty: np.ndarray) -> Converted:
    ok = as_mask(pc.match_substring_regex(cells, _INT))
    whole = pc.if_else(pa.array(ok), pc.replace_substring_regex(cells, r"\.0+$", ""), None)
    values = (
        pc.cast(whole, pa.int64(), safe=False) if ok.any() else pa.nulls(len(cells), pa.int64())
    )
    masks = [(~empty & ~ok, RejectCode.bad_number)]
    if column.bounds is not None:
        low, high = column.bounds
        outside = as_mask(pc.or_(pc.less(values, low), pc.greater(values, high)))
        masks.append((outside, RejectCode.out_of_range))
        values = _null_where(values, outside)
    return values, masks


def _date(column: ExportColumn, cells: pa.Array, empty: np.ndarray) -> Converted:
    head = pc.utf8_slice_codeunits(cells, 0, 10)
    head = pc.replace_substring_regex(head, _COMPACT_DATE[0], _COMPACT_DATE[1])
    parts = pc.extract_regex(head, _DATE)
    iso = pc.binary_join_element_wise(
        parts.field("y"),
        pc.utf8_lpad(parts.field("m"), 2, "0"),
        pc.utf8_lpad(parts.field("d"), 2, "0"),
        "-",
    )
    values = strict_date(iso, "%Y-%m-%d")
    today = dt.date.today()
    wrong = as_mask(pc.or_(pc.less(values, _EARLIEST_BIRTH), pc.greater(values, today)))
    values = _null_where(values, wrong)
    return values, [(~empty & (as_mask(pc.is_null(values))), RejectCode.bad_date)]


def strict_date(text: pa.Array, fmt: str) -> pa.Array:
    """Dates of ``text`` in format ``fmt``; null where it is not one (Arrow alone would read
    2001-02-30 as 2001-03-02). Parsed once per distinct text (birth dates repeat)."""
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    encoded = pc.dictionary_encode(text)
    distinct = encoded.dictionary
    parsed = pc.strptime(distinct, format=fmt, unit="s", error_is_null=True)
    same = pc.equal(pc.strftime(parsed, format=fmt), distinct)
    dates = pc.if_else(same, parsed.cast(pa.date32()), pa.scalar(None, pa.date32()))
    return dates.take(encoded.indices)


def _village_code(column: ExportColumn, cells: pa.Array, empty: np.ndarray) -> Converted:
    shaped = as_mask(pc.match_substring_regex(cells, r"^\d{9}(?:[1-9]\d\d|0[1-9]\d|00[1-9])$"))
    shaped &= ~as_mask(pc.equal(pc.utf8_slice_codeunits(cells, 6, 9), "000"))
    county = pc.binary_join_element_wise(pc.utf8_slice_codeunits(cells, 0, 6), "000000", "")
    known = _known_counties(county)
    unknown = shaped & ~known
    values = _null_where(cells, ~shaped | unknown)
    return values, [
        (~empty & ~shaped, RejectCode.bad_village_code),
        (unknown, RejectCode.unknown_county),
    ]


def _known_counties(codes: pa.Array) -> np.ndarray:
    divisions = all_divisions()
    unique = pc.unique(codes).to_pylist()
    counties = [c for c in unique if c in divisions and divisions[c].level == "county"]
    return as_mask(pc.is_in(codes, value_set=pa.array(counties, pa.string())))


def _division(column: ExportColumn, cells: pa.Array, empty: np.ndarray) -> Converted:
    """A province, city or county code, or a 12-digit code below a known county."""
    six = as_mask(pc.match_substring_regex(cells, r"^\d{6}$"))
    padded = pc.if_else(pa.array(six), pc.binary_join_element_wise(cells, "000000", ""), cells)
    county = pc.binary_join_element_wise(pc.utf8_slice_codeunits(padded, 0, 6), "000000", "")
    known = pa.array(list(all_divisions()), pa.string())
    shaped = as_mask(pc.match_substring_regex(padded, r"^\d{12}$"))
    ok = shaped & as_mask(
        pc.or_(pc.is_in(padded, value_set=known), pc.is_in(county, value_set=known))
    )
    return _null_where(padded, ~ok), [(~empty & ~ok, RejectCode.unknown_division)]


def _id_number(column: ExportColumn, cells: pa.Array, empty: np.ndarray) -> Converted:
    normal = pc.utf8_upper(pc.replace_substring_regex(cells, r"\s+", ""))
    # Most numbers are valid 18-character IDs: checked vectorised; the rest one by one.
    born = strict_date(pc.utf8_slice_codeunits(normal, 6, 14), "%Y%m%d")
    plausible = pc.and_(
        pc.greater_equal(born, _EARLIEST_BIRTH), pc.less_equal(born, dt.date.today())
    )
    region = pc.invert(pc.starts_with(normal, "00"))
    fine = valid_id_mask(normal) & as_mask(pc.and_(plausible, region))
    others = pc.unique(pc.filter(normal, pa.array(~fine & ~empty))).to_pylist()
    problems = {value: problem for value in others if (problem := person_number_problem(value))}
    masks = []
    for problem in IdProblem:
        wrong = [value for value, found in problems.items() if found is problem]
        if wrong:
            masks.append(
                (
                    as_mask(pc.is_in(normal, value_set=pa.array(wrong))),
                    RejectCode(f"id_{problem.value}"),
                )
            )
    return _null_where(normal, empty | _any(masks, len(cells))), masks


_AMOUNT = r"^-?\d{1,12}(\.\d{1,2})?$"


def _money(column: ExportColumn, cells: pa.Array, empty: np.ndarray) -> Converted:
    """Yuan with at most two decimals (thousands separators and a trailing 元 allowed)."""
    plain = pc.replace_substring_regex(cells, r"[,，\s]|元$", "")
    ok = as_mask(pc.match_substring_regex(plain, _AMOUNT))
    bad = ~empty & ~ok
    text = pc.if_else(pa.array(ok), plain, pa.scalar(None, pa.string()))
    values = pc.cast(pc.cast(text, pa.decimal128(16, 2)), MONEY_TYPE) if ok.any() else None
    if values is None:
        values = pa.nulls(len(cells), MONEY_TYPE)
    masks = [(bad, RejectCode.bad_amount)]
    if not column.signed:
        negative = as_mask(pc.less(values, pa.scalar(0, MONEY_TYPE)))
        masks.append((negative, RejectCode.negative_amount))
        values = _null_where(values, negative)
    return values, masks


def _any(masks: Sequence[tuple[np.ndarray, str]], n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    for mask, _code in masks:
        out |= mask
    return out


_CONVERTERS: dict[str, Callable[[ExportColumn, pa.Array, np.ndarray], Converted]] = {
    "text": _text,
    "code": _code,
    "ethnicity": _code,
    "int": _int,
    "date": _date,
    "village_code": _village_code,
    "division": _division,
    "id_number": _id_number,
    "money": _money,
}
