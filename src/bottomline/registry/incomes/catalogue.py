"""The income, expenditure and guarantee columns (收支情况, 三保障和饮水安全) of a household form.

One catalogue for both files that carry them: the national system's export (on every member row
of a household, or on a sheet of their own keyed by 户编号) and the yearly income collection
(年度收入采集 / 集中排查, one row per household and year). Field by field they follow the 2023
collection schema (policy-notes §2, §12). Columns with ``stored=False`` are stated totals: they
are checked against their parts and not kept (the store derives them).
"""

from __future__ import annotations

from functools import cache

from bottomline.registry.national_export import YES_NO, ExportColumn, Level
from bottomline.sources import normalise_header

_H: Level = "household"


def _money(name: str, header: str, meaning: str, *aliases: str, signed: bool = False,
           stored: bool = True) -> ExportColumn:  # fmt: skip
    return ExportColumn(name, header, _H, meaning, kind="money", aliases=aliases, signed=signed,
                        stored=stored)  # fmt: skip


def _flag(name: str, header: str, meaning: str, *aliases: str) -> ExportColumn:
    return ExportColumn(name, header, _H, meaning, kind="code", codes=YES_NO, aliases=aliases)


KEY = ExportColumn("household_no", "户编号", _H, "household number", required=True,
                   aliases=("户码", "户编码", "家庭户编号"), max_length=32)  # fmt: skip
YEAR = ExportColumn("income_year", "年度", _H, "the year the incomes are of (or the import's year option)",
                    kind="int", aliases=("收入年度", "年份", "统计年度", "收入年份"), bounds=(2013, 2099))  # fmt: skip
COLLECTED = ExportColumn("collected_on", "采集日期", _H, "day the figures were collected (as_of; empty: the import day)",
                         kind="date", aliases=("采集时间", "填报日期", "调查日期", "摸排日期"))  # fmt: skip
SIZE = ExportColumn("household_size", "家庭人口数", _H, "household size for the per-capita check (collection only; default: the file's rows of the household, or the registry's members)",
                    kind="int", aliases=("家庭人口", "家庭成员数", "人口数"), bounds=(1, 99))  # fmt: skip

AMOUNTS: tuple[ExportColumn, ...] = (
    _money("wage", "工资性收入", "wage income", "工资性收入合计", "工资收入"),
    _money("business", "生产经营性收入", "production and business income (may be negative)",
           "生产经营性收入合计", "经营性收入", "家庭经营性收入", signed=True),
    _money("property", "财产性收入", "property income", "财产性收入合计", "财产收入"),
    _money("transfer_total", "转移性收入", "transfer income in total: checked against its items; without items it is stored as 其他转移性收入",
           "转移性收入合计", "转移收入", stored=False),
    _money("transfer_dibao", "低保金", "minimum living allowance (低保) paid", "低保金收入", "最低生活保障金"),
    _money("transfer_tekun", "特困供养金", "extreme-poverty support (特困) paid", "特困供养金收入", "特困人员救助供养金"),
    _money("transfer_pension", "养老金", "pensions", "养老保险金", "养老金或离退休金", "养老金收入", "基础养老金"),
    _money("transfer_eco", "生态补偿金", "ecological compensation", "生态补偿金收入", "生态补偿收入"),
    _money("transfer_relief", "救灾款", "disaster relief and temporary assistance", "临时救助",
           "临时救助金", "救灾款/临时救助", "救灾款及临时救助"),
    _money("transfer_insurance", "防贫保险", "anti-poverty insurance paid out", "防贫保险赔付",
           "防贫保险金", "防返贫保险赔付"),
    _money("transfer_other", "其他转移性收入", "other transfer income", "其他转移收入"),
    _money("production_costs", "生产经营性支出", "production and business costs", "生产经营支出",
           "家庭经营费用支出"),
    _money("net_income", "家庭纯收入", "household net income: checked against wage + business + property + transfers - costs; not stored",
           "年纯收入", "家庭年纯收入", "纯收入", signed=True, stored=False),
    _money("per_capita_net", "家庭人均纯收入", "per-capita net income: checked against net income / household size (to the fen); not stored",
           "人均纯收入", "家庭年人均纯收入", "年人均纯收入", signed=True, stored=False),
    _money("insurance_claims", "家庭理赔收入", "insurance claims (beside net income, not in it)",
           "理赔收入", "其他理赔收入"),
    _money("medical_oop", "合规自付医疗支出", "compliant out-of-pocket medical spending",
           "合规自付医疗费用", "医疗合规自付支出"),
    _money("education_oop", "合规自付教育支出", "compliant out-of-pocket education spending",
           "教育合规自付支出"),
    _money("oop_total", "合规自付支出", "compliant out-of-pocket spending in total: checked against medical + education; alone it is stored as medical",
           "合规自负支出", "其他合规自负支出", stored=False),
)  # fmt: skip
GUARANTEES: tuple[ExportColumn, ...] = (
    _flag("food_clothing_insecure", "是否吃穿不愁出现问题", "food or clothing insecure (是: a problem)",
          "吃穿不愁是否有问题", "是否存在吃穿问题", "吃穿不愁有问题"),
    _flag("housing_unsafe", "是否住房出现安全问题", "housing unsafe (是: a problem)",
          "住房安全是否有问题", "是否存在住房安全问题", "住房安全有问题"),
    _flag("water_unsafe", "是否饮水出现安全问题", "drinking water unsafe (是: a problem)",
          "饮水安全是否有问题", "是否存在饮水安全问题", "饮水安全有问题"),
)  # fmt: skip

# Stored amounts and their parts.
TRANSFER_ITEMS = (
    "transfer_dibao", "transfer_tekun", "transfer_pension", "transfer_eco", "transfer_relief",
    "transfer_insurance", "transfer_other",
)  # fmt: skip
OOP_ITEMS = ("medical_oop", "education_oop")
GUARANTEE_FIELDS = tuple(c.name for c in GUARANTEES)
FIGURES = (*AMOUNTS, *GUARANTEES)  # the columns that make a file carry incomes
INCOME_FILE_COLUMNS: tuple[ExportColumn, ...] = (KEY, YEAR, COLLECTED, SIZE, *FIGURES)
COLUMNS: dict[str, ExportColumn] = {c.name: c for c in INCOME_FILE_COLUMNS}
FIGURE_NAMES = frozenset(c.name for c in FIGURES)


@cache
def header_index() -> dict[str, ExportColumn]:
    """Every header and alias, normalised as the file reader does, to its column."""
    index: dict[str, ExportColumn] = {}
    for column in INCOME_FILE_COLUMNS:
        for header in column.headers:
            found = index.setdefault(normalise_header(header), column)
            if found is not column:  # pragma: no cover - checked by a test
                raise ValueError(f"header {header!r} names both {found.name} and {column.name}")
    return index


def known_headers(*, with_key: bool = True) -> list[str]:
    """The normalised headers of the catalogue (without 户编号 when ``with_key`` is False)."""
    return [h for h, c in header_index().items() if with_key or c is not KEY]
