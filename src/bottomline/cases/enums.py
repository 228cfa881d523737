"""Code lists of the case workflow, with Chinese and English labels."""

from __future__ import annotations

from bottomline.labels import LabelledEnum


class Stage(LabelledEnum):
    """Where a case stands (docs/cases.md draws the whole table)."""

    lead = ("lead", "线索待核实", "lead, to be verified")
    verifying = ("verifying", "入户核实", "home verification")
    emergency_assistance = ("emergency_assistance", "先帮扶后认定", "assist first, identify later")
    comparing = ("comparing", "数据比对", "data comparison")
    village_review = ("village_review", "村级民主评议和公示", "village review and public notice")
    township_review = ("township_review", "乡镇审核", "township review")
    county_approval = ("county_approval", "县级审定", "county approval")
    monitored = ("monitored", "已纳入监测", "monitored")
    assisting = ("assisting", "帮扶中", "assistance under way")
    elimination_proposed = ("elimination_proposed", "拟消除风险", "risk elimination proposed")
    elimination_review = (
        "elimination_review",
        "风险消除评议和公示",
        "elimination review and public notice",
    )
    eliminated = ("eliminated", "风险已消除", "risk eliminated")
    post_exit_watch = ("post_exit_watch", "消除后跟踪监测", "post-exit watch")
    reverted = ("reverted", "风险消除回退", "reverted: elimination proved unstable")
    rejected = ("rejected", "不予纳入", "rejected")
    withdrawn = ("withdrawn", "撤回", "withdrawn")

    @property
    def active(self) -> bool:
        """A household has at most one case in an active stage."""
        return self not in _INACTIVE

    @property
    def identification(self) -> bool:
        """Before the county's decision: the statutory clock runs."""
        return self in _IDENTIFYING


_INACTIVE = frozenset({Stage.eliminated, Stage.post_exit_watch, Stage.rejected, Stage.withdrawn})
_IDENTIFYING = frozenset(
    {
        Stage.lead,
        Stage.verifying,
        Stage.emergency_assistance,
        Stage.comparing,
        Stage.village_review,
        Stage.township_review,
        Stage.county_approval,
    }
)


class Channel(LabelledEnum):
    """How a lead reached us (policy-notes §3: three channels, and imports of each)."""

    screening = ("screening", "部门数据筛查预警", "department data screening")
    self_declaration = ("self_declaration", "农户自主申报", "household self-declaration")
    cadre_visit = ("cadre_visit", "干部走访排查", "cadre home visit")
    odk = ("odk", "走访排查（ODK 采集）", "cadre visit captured with ODK")
    department = ("department", "部门推送", "pushed by a department")
    lookback = ("lookback", "回头看排查", "look-back campaign")


class LeadStatus(LabelledEnum):
    open = ("open", "待处理或处理中", "open, or its case is under way")
    closed = ("closed", "已办结", "closed with its case")
    dismissed = ("dismissed", "已排除", "dismissed")


class DismissReason(LabelledEnum):
    """Why a county or township dismisses a screening clue without verifying it (排除理由)."""

    data_error = ("data_error", "数据有误", "the data behind it is wrong")
    known_situation = (
        "known_situation",
        "情况已掌握，已有帮扶或保障",
        "already known and covered by assistance or a safety net",
    )
    not_resident = ("not_resident", "已迁出或长期不在本地", "moved away or long absent")
    other = ("other", "其他", "other (say why)")


class EliminationMethod(LabelledEnum):
    """风险消除方式 (policy-notes §6, source S46)."""

    assisted = ("assisted", "帮扶消除", "eliminated through assistance")
    natural = ("natural", "自然消除", "eliminated naturally")


class NoticeKind(LabelledEnum):
    identification = ("identification", "监测对象识别", "identification of monitored households")
    elimination = ("elimination", "风险消除", "risk elimination")


class NoticeStatus(LabelledEnum):
    open = ("open", "公示中", "on public notice")
    closed = ("closed", "公示结束", "notice period over")


class TaskStatus(LabelledEnum):
    open = ("open", "待核查", "to verify")
    done = ("done", "已核查", "verified")


class TaskResult(LabelledEnum):
    stable = ("stable", "稳定，无风险", "stable, no risk")
    risk_found = ("risk_found", "发现风险", "risk found")
    data_fixed = ("data_fixed", "数据已更正", "data corrected")
