"""Code lists of the household registry, with Chinese and English labels.

Monitoring categories and risk types live here because the registry records them as the national
system gives them (a household already monitored there); risk-type national codes follow the
national system's code table 100A27 where it is known (policy-notes §1, S46); types the national
table is not confirmed to have (因残, 住房安全, 饮水安全) carry ``national_code = None`` rather than
an invented code.

Values are stable strings stored in the operational store and in snapshots. Where the national
monitoring system's form uses the term, the Chinese label is that term (shared/domain/policy-notes.md §7).
"""

from __future__ import annotations

from bottomline.labels import LabelledEnum


class RegionLevel(LabelledEnum):
    province = ("province", "省", "province")
    city = ("city", "市", "city")
    county = ("county", "县", "county")
    township = ("township", "乡镇", "township")
    village = ("village", "村", "village")


class HouseholdType(LabelledEnum):
    ordinary = ("ordinary", "一般农户", "ordinary household")
    dibao = ("dibao", "低保户", "minimum-living-allowance household")
    tekun = ("tekun", "特困供养户", "extreme-poverty support household")


class Relationship(LabelledEnum):
    head = ("head", "户主", "head of household")
    spouse = ("spouse", "配偶", "spouse")
    child = ("child", "子女", "child")
    child_in_law = ("child_in_law", "儿媳/女婿", "child-in-law")
    grandchild = ("grandchild", "孙子女", "grandchild")
    parent = ("parent", "父母", "parent")
    grandparent = ("grandparent", "祖父母", "grandparent")
    sibling = ("sibling", "兄弟姐妹", "sibling")
    other = ("other", "其他", "other")


class Sex(LabelledEnum):
    male = ("male", "男", "male")
    female = ("female", "女", "female")


class Education(LabelledEnum):
    none = ("none", "文盲或半文盲", "illiterate or semi-literate")
    primary = ("primary", "小学", "primary school")
    junior = ("junior", "初中", "junior secondary")
    senior = ("senior", "高中/中专", "senior secondary or vocational")
    tertiary = ("tertiary", "大专及以上", "college or above")
    preschool_age = ("preschool_age", "学龄前", "not yet of school age")


class Schooling(LabelledEnum):
    not_in_school = ("not_in_school", "非在校生", "not in school")
    preschool = ("preschool", "学前教育", "preschool")
    compulsory = ("compulsory", "义务教育在校", "in compulsory education")
    senior_high = ("senior_high", "普通高中在校", "in senior high school")
    vocational = ("vocational", "中职/高职在校", "in vocational school")
    higher = ("higher", "本科及以上在校", "in university")
    dropout = ("dropout", "辍学", "dropped out")


class Health(LabelledEnum):
    healthy = ("healthy", "健康", "healthy")
    chronic = ("chronic", "长期慢性病", "chronic illness")
    serious = ("serious", "患有大病", "serious illness")
    disabled = ("disabled", "残疾", "disabled")


class LabourCapacity(LabelledEnum):
    skilled = ("skilled", "技能劳动力", "skilled labour")
    able = ("able", "普通劳动力", "ordinary labour")
    weak = ("weak", "弱劳动力或半劳动力", "weak or half labour")
    lost = ("lost", "丧失劳动力", "lost labour capacity")
    none = ("none", "无劳动力", "no labour (child, student, elderly)")

    @property
    def can_work(self) -> bool:
        return self in (LabourCapacity.skilled, LabourCapacity.able, LabourCapacity.weak)


class IdKind(LabelledEnum):
    resident_id = ("resident_id", "居民身份证", "resident identity card")
    disability_cert = ("disability_cert", "残疾人证", "disability certificate")


class IncomeSource(LabelledEnum):
    """Where a household's income or guarantee figures came from (the evidence names it)."""

    export = ("export", "国家系统导出", "national system export")
    collection = ("collection", "年度收入采集", "yearly income collection")
    followup = ("followup", "收入跟踪", "income follow-up")
    edit = ("edit", "本地修改", "local edit")
    load = ("load", "直接载入", "loaded into the store")


# A household has at most five risk fields (致贫/返贫风险1–5; policy-notes §1, S46).
MAX_RISK_TYPES = 5


class Category(LabelledEnum):
    """Monitoring category (监测对象类型) suggested for a lead; people decide."""

    unstable = ("unstable", "脱贫不稳定户", "unstable after leaving poverty")
    marginal = ("marginal", "边缘易致贫户", "marginal, prone to poverty")
    sudden = ("sudden", "突发严重困难户", "sudden severe difficulty")


class RiskType(LabelledEnum):
    """Risk type (致贫/返贫风险类型)."""

    illness = ("illness", "因病", "illness")
    disaster_flood = ("disaster_flood", "因自然灾害（洪涝）", "natural disaster: flood")
    disaster_drought = ("disaster_drought", "因自然灾害（干旱）", "natural disaster: drought")
    disaster_biological = (
        "disaster_biological",
        "因自然灾害（生物灾害）",
        "natural disaster: biological",
    )
    disaster_meteorological = (
        "disaster_meteorological",
        "因自然灾害（气象灾害）",
        "natural disaster: meteorological",
    )
    disaster_earthquake = (
        "disaster_earthquake",
        "因自然灾害（地震）",
        "natural disaster: earthquake",
    )
    disaster_other = ("disaster_other", "因自然灾害（其他）", "natural disaster: other")
    disability = ("disability", "因残", "disability")
    lack_of_labour = ("lack_of_labour", "缺劳动力", "lack of labour")
    accident = ("accident", "因意外事故", "accident")
    industry_failure = ("industry_failure", "因产业失败", "failed enterprise")
    unstable_employment = ("unstable_employment", "因务工就业不稳", "unstable employment")
    schooling = ("schooling", "因学", "schooling costs")
    housing = ("housing", "因住房安全", "housing safety")
    drinking_water = ("drinking_water", "因饮水安全", "drinking-water safety")
    other = ("other", "其他", "other")

    @property
    def national_code(self) -> str | None:
        return _NATIONAL_CODES.get(self)


_NATIONAL_CODES: dict[RiskType, str] = {
    RiskType.illness: "01",
    RiskType.disaster_flood: "02",
    RiskType.disaster_drought: "02",
    RiskType.disaster_biological: "02",
    RiskType.disaster_meteorological: "02",
    RiskType.disaster_earthquake: "02",
    RiskType.disaster_other: "02",
    RiskType.lack_of_labour: "04",
    RiskType.accident: "05",
    RiskType.industry_failure: "06",
    RiskType.unstable_employment: "07",
    RiskType.schooling: "09",
    RiskType.other: "99",
}


class MemberEventKind(LabelledEnum):
    """A natural or mechanical population change (人口自然变更 / 机械变更) recorded locally."""

    death = ("death", "死亡", "death")
    birth = ("birth", "出生", "birth")
    move_in = ("move_in", "迁入", "moved in")
    move_out = ("move_out", "迁出", "moved out")


class MoveReason(LabelledEnum):
    """Why a member moved into or out of a household."""

    marriage_in = ("marriage_in", "婚入", "married into the household")
    returned = ("returned", "返乡回迁", "returned home")
    marriage_out = ("marriage_out", "婚出", "married out")
    moved_away = ("moved_away", "户口迁出", "moved away (registration moved)")
    army = ("army", "参军入伍", "joined the army")
    study = ("study", "升学迁出", "moved for study")
    prison = ("prison", "服刑", "serving a prison sentence")
    other = ("other", "其他", "other")

    @property
    def moving_in(self) -> bool:
        return self in (MoveReason.marriage_in, MoveReason.returned, MoveReason.other)

    @property
    def moving_out(self) -> bool:
        return self not in (MoveReason.marriage_in, MoveReason.returned)


class RevealPurpose(LabelledEnum):
    """Why an official needs a member's full ID number (查看完整证件号码的用途): chosen from this
    list, never typed, so the audit row that records each reveal holds no free text."""

    identity_check = ("identity_check", "入户核实身份", "checking identity on a home visit")
    benefit_payment = (
        "benefit_payment",
        "帮扶资金或救助发放",
        "paying assistance or a benefit to the person",
    )
    department_query = (
        "department_query",
        "向行业部门核查",
        "a check with a department (medical insurance, civil affairs …)",
    )
    national_system = (
        "national_system",
        "国家系统录入核对",
        "entering or checking the national system",
    )
