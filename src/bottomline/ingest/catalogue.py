"""The feed catalogue: one declared schema per department feed.

Each column has a canonical name (what bottomline stores), the header departments send
(Chinese) with aliases, a type, whether it is required, and for coded columns the mapping
from the department's wording to our code. Adding a feed is declaring a schema here.

The synthetic generator writes department files with the ``header`` of every column; the
importer maps ``header`` or any alias back to the canonical name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from bottomline.errors import InputFileError

if TYPE_CHECKING:  # pyarrow is imported where a schema is built: the CLI starts without it
    import pyarrow as pa

ColumnType = Literal["string", "date", "float", "int"]


@dataclass(frozen=True, slots=True)
class FeedColumn:
    name: str  # canonical name
    header: str  # the header departments send
    type: ColumnType = "string"
    required: bool = True
    aliases: tuple[str, ...] = ()
    codes: dict[str, str] = field(default_factory=dict)  # department wording -> our code
    personal: bool = False  # personal data: masked in logs, lists and exports
    maximum: float | None = None  # numbers: the largest plausible value (yuan for money)
    max_length: int = 100  # text: longer values are refused as not what the column holds


@dataclass(frozen=True, slots=True)
class Feed:
    name: str
    zh: str
    en: str
    department: str  # 部门
    columns: tuple[FeedColumn, ...]
    # The format the synthetic generator writes, as departments commonly send it.
    sample_format: Literal["csv-utf8", "csv-utf8-bom", "csv-gb18030", "xlsx"] = "csv-utf8"
    # The columns that name one fact of a month (one person's line on a roll, one event): a
    # re-sent file whose rows share a key with a committed batch of the month overlaps it even
    # when other values were corrected. Empty where the feed has none (medical: no settlement
    # number in the catalogue, so re-sends are found by row content only).
    natural_key: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.zh} / {self.en}"

    @property
    def known_headers(self) -> list[str]:
        """Every header a department may use for a column of this feed."""
        return [h for c in self.columns for h in (c.header, *c.aliases, c.name)]

    def column(self, name: str) -> FeedColumn:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


# The largest plausible amounts (yuan): above them a value is a unit or typing mistake (fen
# for yuan, a digit too many), not a fact. Generous on purpose: they catch mistakes, not cases.
MEDICAL_MAX = 5_000_000.0  # one settlement
ASSISTANCE_MAX = 20_000.0  # one month of 低保/特困/temporary assistance for one person
SCHOOL_MAX = 500_000.0  # a year of non-compulsory schooling costs
LOSS_MAX = 20_000_000.0  # one household's direct disaster loss
EARLIEST_DATE = "1950-01-01"  # dates before this are typing mistakes in every feed


def _id(header: str = "身份证号") -> FeedColumn:
    return FeedColumn(
        "id_number", header, aliases=("身份证号码", "公民身份号码", "证件号码"), personal=True
    )


def _name() -> FeedColumn:
    return FeedColumn("name", "姓名", required=False, personal=True)


MEDICAL = Feed(
    "medical",
    "医保结算",
    "medical insurance settlements",
    "医疗保障局",
    (
        _id(),
        _name(),
        FeedColumn("settle_date", "结算日期", "date", aliases=("结算时间",)),
        FeedColumn(
            "visit_type",
            "就诊类型",
            codes={
                "住院": "inpatient",
                "普通门诊": "outpatient",
                "门诊慢特病": "chronic_outpatient",
            },
        ),
        FeedColumn("total_cost", "医疗总费用", "float", aliases=("总费用",), maximum=MEDICAL_MAX),
        FeedColumn(
            "basic_paid", "基本医保支付", "float", aliases=("统筹基金支付",), maximum=MEDICAL_MAX
        ),
        FeedColumn("serious_paid", "大病保险支付", "float", maximum=MEDICAL_MAX),
        FeedColumn("assistance_paid", "医疗救助支付", "float", maximum=MEDICAL_MAX),
        FeedColumn(
            "self_pay",
            "个人自付",
            "float",
            aliases=("个人负担", "个人自付金额"),
            maximum=MEDICAL_MAX,
        ),
        FeedColumn("institution", "定点医疗机构", required=False),
    ),
    "csv-utf8",
)

CIVIL_AFFAIRS = Feed(
    "civil_affairs",
    "民政救助",
    "civil affairs assistance rolls",
    "民政局",
    (
        _id(),
        _name(),
        FeedColumn(
            "assistance_type",
            "救助类型",
            codes={"低保": "dibao", "特困供养": "tekun", "特困": "tekun", "临时救助": "temporary"},
        ),
        FeedColumn(
            "change", "变动类型", codes={"新增": "new", "续保": "continuing", "停保": "stopped"}
        ),
        FeedColumn("start_date", "起始日期", "date"),
        FeedColumn("amount", "月救助金额", "float", aliases=("救助金额",), maximum=ASSISTANCE_MAX),
    ),
    "csv-gb18030",
    natural_key=("id_number", "assistance_type"),
)

EDUCATION = Feed(
    "education",
    "教育",
    "education: dropouts and non-compulsory school costs",
    "教育局",
    (
        _id("学生身份证号"),
        _name(),
        FeedColumn(
            "stage",
            "学段",
            codes={
                "小学": "primary",
                "初中": "junior",
                "普通高中": "senior_high",
                "中职": "vocational",
                "高职": "higher_vocational",
                "本科": "undergraduate",
            },
        ),
        FeedColumn("event", "状态", codes={"辍学": "dropout", "在读": "enrolled"}),
        FeedColumn("event_date", "日期", "date"),
        FeedColumn("self_pay", "自付费用", "float", required=False, maximum=SCHOOL_MAX),
    ),
    "xlsx",
    natural_key=("id_number", "event", "event_date"),
)

HUMAN_RESOURCES = Feed(
    "human_resources",
    "人社就业",
    "human resources: employment changes",
    "人力资源和社会保障局",
    (
        _id(),
        _name(),
        FeedColumn(
            "event",
            "事件类型",
            codes={
                "失业登记": "unemployed",
                "解除劳动合同": "contract_ended",
                "就业登记": "employed",
            },
        ),
        FeedColumn("event_date", "事件日期", "date"),
        FeedColumn("employer", "单位名称", required=False),
    ),
    "csv-utf8-bom",
    natural_key=("id_number", "event", "event_date"),
)

EMERGENCY = Feed(
    "emergency",
    "应急灾情",
    "emergency management: disaster losses",
    "应急管理局",
    (
        _id("户主身份证号"),
        _name(),
        FeedColumn(
            "disaster_type",
            "灾害类型",
            codes={
                "洪涝": "flood",
                "干旱": "drought",
                "生物灾害": "biological",
                "气象灾害": "meteorological",
                "地震": "earthquake",
                "其他": "other",
            },
        ),
        FeedColumn("event_date", "受灾日期", "date"),
        FeedColumn("loss", "直接经济损失", "float", maximum=LOSS_MAX),
        FeedColumn(
            "house_damage",
            "房屋损毁",
            codes={"无": "none", "一般损坏": "minor", "严重损坏": "severe", "倒塌": "collapsed"},
        ),
    ),
    "xlsx",
    natural_key=("id_number", "disaster_type", "event_date"),
)

PUBLIC_SECURITY = Feed(
    "public_security",
    "公安",
    "public security: deaths and accidents",
    "公安局",
    (
        _id(),
        _name(),
        FeedColumn(
            "event",
            "事件",
            codes={"死亡": "death", "致残伤害": "disabling_injury", "受伤": "injury"},
        ),
        FeedColumn("event_date", "发生日期", "date"),
        FeedColumn(
            "cause",
            "原因",
            codes={
                "交通事故": "traffic",
                "刑事案件": "crime",
                "意外": "accident",
                "疾病": "illness",
            },
        ),
    ),
    "csv-utf8",
    natural_key=("id_number", "event", "event_date"),
)

HOUSING = Feed(
    "housing",
    "住建房屋安全",
    "housing: safety appraisals",
    "住房和城乡建设局",
    (
        _id("户主身份证号"),
        _name(),
        FeedColumn("appraisal_date", "鉴定日期", "date"),
        FeedColumn("grade", "鉴定等级", codes={"A级": "A", "B级": "B", "C级": "C", "D级": "D"}),
    ),
    "xlsx",
    natural_key=("id_number", "appraisal_date"),
)

WATER = Feed(
    "water",
    "水利饮水",
    "water: supply problems",
    "水利局",
    (
        _id("户主身份证号"),
        _name(),
        FeedColumn(
            "problem",
            "问题类型",
            codes={"断水超1个月": "supply_cut", "水质不达标": "quality", "取水不便": "distance"},
        ),
        FeedColumn("found_date", "发现日期", "date"),
    ),
    "csv-gb18030",
    natural_key=("id_number", "problem"),
)

DISABLED = Feed(
    "disabled",
    "残联",
    "disabled persons' federation: certificates",
    "残疾人联合会",
    (
        _id(),
        _name(),
        FeedColumn("certificate_no", "残疾人证号", personal=True),
        FeedColumn(
            "category",
            "残疾类别",
            codes={
                "视力": "1",
                "听力": "2",
                "言语": "3",
                "肢体": "4",
                "智力": "5",
                "精神": "6",
                "多重": "7",
            },
        ),
        FeedColumn("grade", "残疾等级", codes={"一级": "1", "二级": "2", "三级": "3", "四级": "4"}),
        FeedColumn("issue_date", "发证日期", "date"),
    ),
    "csv-utf8",
    natural_key=("certificate_no",),
)

FEEDS: dict[str, Feed] = {
    f.name: f
    for f in (
        MEDICAL,
        CIVIL_AFFAIRS,
        EDUCATION,
        HUMAN_RESOURCES,
        EMERGENCY,
        PUBLIC_SECURITY,
        HOUSING,
        WATER,
        DISABLED,
    )
}


def _staged_extra() -> tuple[pa.Field, ...]:
    """Columns every staged (accepted, matched) feed row carries besides its feed's own."""
    import pyarrow as pa

    return (
        pa.field("household_id", pa.int64(), nullable=False),
        pa.field("member_id", pa.int64(), nullable=False),
        pa.field("period", pa.string(), nullable=False),  # "YYYY-MM" the batch is for
        pa.field("period_index", pa.int32(), nullable=False),  # year * 12 + month - 1
        pa.field("batch_id", pa.int64(), nullable=False),  # ingest_batches.id: lineage to the file
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("source_sheet", pa.string()),  # the XLSX sheet; null for other formats
        pa.field("source_row", pa.int64(), nullable=False),  # row number as a spreadsheet shows it
        # Position among the file's data rows (0-based): with batch_id, the row's unique key.
        pa.field("source_ordinal", pa.int64(), nullable=False),
    )


def staged_schema(feed: Feed) -> pa.Schema:
    """Schema of a feed's staged rows: its canonical columns, then the lineage columns."""
    import pyarrow as pa

    types = {"string": pa.string(), "date": pa.date32(), "float": pa.float64(), "int": pa.int64()}
    own = [pa.field(c.name, types[c.type], nullable=not c.required) for c in feed.columns]
    return pa.schema([*own, *_staged_extra()])


def parse_period(value: str) -> str:
    """Check a ``YYYY-MM`` period and return it; a clear error otherwise."""
    ok = len(value) == 7 and value[4] == "-" and value[:4].isdigit() and value[5:].isdigit()
    if not ok or not 1 <= int(value[5:]) <= 12 or not 2000 <= int(value[:4]) <= 2100:
        raise InputFileError(
            f"月份 {value!r} 不是 2025-10 这样的月份 / period {value!r} is not a month like 2025-10",
            hint="月份写作 YYYY-MM，例如 2025-10 / give the period as YYYY-MM, e.g. 2025-10",
        )
    return value


def period_index(period: str) -> int:
    """``"2025-10"`` → 2025 * 12 + 9; the inverse of :func:`period_of`."""
    year, month = period.split("-")
    return int(year) * 12 + int(month) - 1


def period_end(period: str) -> dt.date:
    """The last day of a ``YYYY-MM`` period."""
    index = period_index(period) + 1
    return dt.date(index // 12, index % 12 + 1, 1) - dt.timedelta(days=1)


def period_of(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _check_natural_keys() -> None:
    for feed in FEEDS.values():
        names = {c.name for c in feed.columns}
        unknown = set(feed.natural_key) - names
        if unknown:  # pragma: no cover - a declaration mistake, caught at import
            raise ValueError(f"feed {feed.name}: natural key names unknown columns {unknown}")


_check_natural_keys()
