"""Code lists of the household registry, with Chinese and English labels.

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
