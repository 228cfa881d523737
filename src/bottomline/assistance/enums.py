"""Code lists of assistance (帮扶): measure categories, their kind, and a measure's status.

The categories are those of the national system's help-measure table (codes 100A39–100A55,
shared/domain/policy-notes.md §5, source S46), plus ``other``. Each category has a **kind**,
which the plan checks use for the national principle "households that can work get
development-oriented help; households without labour capacity get safety-net cover" (§5, S3,
S34):

* **development** (开发式帮扶): raises what the household earns by its own work or production —
  industry, employment, finance (micro-credit is for production only), public-welfare jobs (paid
  work) and other education (雨露计划 pays for vocational school, i.e. future employment).
* **safety_net** (保障性帮扶): cash or cover from the social-security system, whether or not the
  household works — comprehensive security (低保, 特困, 临时救助, 受灾人员救助), health (medical
  assistance and insurance: the medical "triple protection" is social insurance plus social
  assistance) and social help (社会帮扶: pairing, enterprises and charity). Social help that
  creates jobs or industry is recorded under employment or industry; what remains in 社会帮扶 is
  mostly donations and visits, hence safety net. Note that 社会帮扶 is *not* 社会救助 (social
  assistance in the legal sense): 低保/特困/临时救助 belong to comprehensive security.
* **basic** (基本保障): public services and facilities that meet 两不愁三保障 and drinking water —
  housing, drinking water, compulsory education, relocation, production and living conditions,
  infrastructure. They remove a deprivation but neither pay an income nor create one. Health is
  also one of the 三保障, but its measures are social-security instruments, hence safety net.
* **other** (其他): the ``other`` category; not known to be development-oriented.

A measure type may override its category's kind in the catalogue (防贫保险 is a financial product
but pays out on a loss, so it is safety net; see catalogue.toml).
"""

from __future__ import annotations

from bottomline.labels import LabelledEnum


class MeasureKind(LabelledEnum):
    """What kind of help a measure gives (see the module docstring for the reasoning)."""

    development = ("development", "开发式帮扶", "development-oriented")
    safety_net = ("safety_net", "保障性帮扶", "safety net (social assistance and insurance)")
    basic = ("basic", "基本保障", "basic services and facilities (三保障, water, infrastructure)")
    other = ("other", "其他", "not classified")


class MeasureCategory(LabelledEnum):
    """Category of an assistance measure (帮扶措施类别), as in the national help-measure table."""

    industry = ("industry", "产业帮扶", "industry")
    employment = ("employment", "就业帮扶", "employment")
    finance = ("finance", "金融帮扶", "finance (micro-credit, insurance)")
    public_welfare_job = ("public_welfare_job", "公益岗位", "public-welfare jobs")
    housing = ("housing", "住房安全保障", "housing safety")
    drinking_water = ("drinking_water", "饮水安全保障", "drinking-water safety")
    health = ("health", "健康帮扶", "health (medical insurance and assistance)")
    compulsory_education = ("compulsory_education", "义务教育保障", "compulsory education")
    other_education = ("other_education", "其他教育帮扶", "other education (雨露计划 and others)")
    comprehensive_security = (
        "comprehensive_security",
        "综合保障",
        "comprehensive security (低保, 特困 and other social assistance)",
    )
    social_assistance = (
        "social_assistance",
        "社会帮扶",
        "social help (pairing, enterprises, charity; not 社会救助)",
    )
    relocation = ("relocation", "易地搬迁", "relocation")
    living_conditions = (
        "living_conditions",
        "生产生活条件改善",
        "production and living conditions",
    )
    infrastructure = ("infrastructure", "基础设施", "infrastructure")
    other = ("other", "其他", "other")

    @property
    def kind(self) -> MeasureKind:
        return _KINDS[self]


_KINDS: dict[MeasureCategory, MeasureKind] = {
    MeasureCategory.industry: MeasureKind.development,
    MeasureCategory.employment: MeasureKind.development,
    MeasureCategory.finance: MeasureKind.development,
    MeasureCategory.public_welfare_job: MeasureKind.development,
    MeasureCategory.other_education: MeasureKind.development,
    MeasureCategory.comprehensive_security: MeasureKind.safety_net,
    MeasureCategory.health: MeasureKind.safety_net,
    MeasureCategory.social_assistance: MeasureKind.safety_net,
    MeasureCategory.housing: MeasureKind.basic,
    MeasureCategory.drinking_water: MeasureKind.basic,
    MeasureCategory.compulsory_education: MeasureKind.basic,
    MeasureCategory.relocation: MeasureKind.basic,
    MeasureCategory.living_conditions: MeasureKind.basic,
    MeasureCategory.infrastructure: MeasureKind.basic,
    MeasureCategory.other: MeasureKind.other,
}


class MeasureStatus(LabelledEnum):
    """Where a household's measure stands. Every status but ``cancelled`` is part of the plan."""

    planned = ("planned", "计划", "planned")
    in_progress = ("in_progress", "实施中", "in progress")
    implemented = ("implemented", "已落实", "implemented")
    ended = ("ended", "已结束", "ended")
    cancelled = ("cancelled", "已取消", "cancelled")

    @property
    def in_plan(self) -> bool:
        """Whether the measure counts for the household's plan (a cancelled one does not)."""
        return self is not MeasureStatus.cancelled


class HouseholdGroup(LabelledEnum):
    """Which households a measure is for, where its source says (e.g. micro-credit, S35)."""

    formerly_poor = ("formerly_poor", "脱贫户", "formerly registered poor household")
    monitored = ("monitored", "监测对象", "monitored household (any category)")
