"""Categories of monitored households and risk types, with bilingual labels.

Risk-type national codes follow the national system's code table 100A27 where it is known
(shared/domain/policy-notes.md §1, source S46); types the national table is not confirmed to
have (因残, 住房安全, 饮水安全) carry ``national_code = None`` rather than an invented code.
"""

from __future__ import annotations

from bottomline.labels import LabelledEnum

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
