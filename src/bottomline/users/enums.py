"""Roles (DESIGN.md, "Who uses it"), with the region level each works at."""

from __future__ import annotations

from bottomline.labels import LabelledEnum


class Role(LabelledEnum):
    village = ("village", "村级（村干部、帮扶责任人）", "village cadre or helper")
    township = ("township", "乡镇", "township officer")
    county = ("county", "县级（乡村振兴部门）", "county bureau")
    city = ("city", "市级", "city analyst")
    province = ("province", "省级", "province analyst")
    auditor = ("auditor", "审计督查（只读）", "auditor or inspector (read-only)")
    analyst = ("analyst", "统计分析（只看汇总）", "analyst (aggregates, no personal records)")
    department = ("department", "行业部门（报送本部门数据）", "department (sends its own feeds)")
    administrator = ("administrator", "系统管理员（用户与令牌）", "administrator (users, tokens)")
    system = ("system", "系统", "the system (screening, automation)")

    @property
    def level(self) -> str | None:
        """The region level a user of this role must be placed at; None: any level."""
        return _LEVELS.get(self)

    @property
    def reads_records(self) -> bool:
        """Whether the role may read households', cases' and leads' records in its region
        (analysts see aggregates, departments their own feeds, administrators users)."""
        return self not in _NO_RECORDS

    @property
    def reads_counts(self) -> bool:
        """Whether the role may read the aggregate counts of its region (no records): every
        role that reads records, and the analyst."""
        return self.reads_records or self is Role.analyst


_NO_RECORDS = frozenset({Role.analyst, Role.department, Role.administrator})
_LEVELS = {
    Role.village: "village",
    Role.township: "township",
    Role.county: "county",
    Role.city: "city",
    Role.province: "province",
}
