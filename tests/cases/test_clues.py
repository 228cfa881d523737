"""Screening clues: the queue, dispatch (the clock starts that day), dismissal that holds for the
same evidence through real screening runs, the region scope, and bulk decisions on cases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update

from bottomline import audit
from bottomline.assistance.queries import followups_snapshot
from bottomline.cases.clues.actions import dismiss_clues, dispatch_clues, reopen_clues
from bottomline.cases.clues.queries import ClueFilter, clue_ids, clue_page
from bottomline.cases.decisions import decide_cases
from bottomline.cases.enums import Channel, DismissReason, Stage
from bottomline.cases.leads import NewLead, record_lead
from bottomline.cases.models import Case, CaseEvent, CaseLead
from bottomline.db import session_scope, write_scope
from bottomline.errors import PermissionDenied, UserError
from bottomline.policy.loader import load_directory
from bottomline.policy.resolve import PolicyIndex
from bottomline.registry.columns import MONEY_COLUMNS
from bottomline.registry.models import Household, HouseholdIncome, Region
from bottomline.screening.cycle import run_cycle
from bottomline.screening.enums import Category, RiskType
from bottomline.screening.models import Lead, LeadHit, ScreeningRun
from bottomline.users.actor import SYSTEM, Actor
from bottomline.users.enums import Role
from tests.cases.conftest import COUNTY, POLICIES, People
from tests.cases.walk import Walk

D = dt.date
SCREENED = D(2026, 3, 2)  # the day the screening run raised the clues
OTHER_TOWNSHIP, OTHER_VILLAGE = "532328202000", "532328202201"


def _households(store: Engine, n: int) -> list[int]:
    with session_scope(store) as session:
        return list(session.scalars(select(Household.id).order_by(Household.id).limit(n)))


def _clue(
    store: Engine,
    household_id: int,
    *,
    rule: str = "income.within_range",
    evidence: dict[str, float] | None = None,
    risks: tuple[str, ...] = ("illness",),
    category: str = "marginal",
    extra_hits: int = 0,
) -> int:
    """A screening run's clue with its hits (as ``record_run`` stores them)."""
    values = evidence or {"pc_net_income": 5200.0, "income_line": 8700.0, "size": 3.0}
    with write_scope(store) as session:
        lead = Lead(
            household_id=household_id,
            village_code=session.get_one(Household, household_id).village_code,
            cycle="2026-03",
            category=category,
            risk_types=list(risks),
            policy_ref="abc",
            reported_on=SCREENED,
        )
        session.add(lead)
        session.flush()
        for _ in range(1 + extra_hits):
            session.add(
                LeadHit(
                    lead_id=lead.id,
                    rule_id=rule,
                    rule_version=1,
                    policy_ref="abc",
                    evidence=values,
                )
            )
        return lead.id


def _elsewhere(store: Engine, household_id: int) -> None:
    """Move a household to a village of another township of the county."""
    with write_scope(store) as session:
        session.add(Region(code=OTHER_TOWNSHIP, name="别乡", level="township", parent_code=COUNTY))
        session.add(
            Region(code=OTHER_VILLAGE, name="别村", level="village", parent_code=OTHER_TOWNSHIP)
        )
        session.flush()
        session.execute(
            update(Household).where(Household.id == household_id).values(village_code=OTHER_VILLAGE)
        )


# --- dispatch and the clock -------------------------------------------------------------------


def test_dispatch_opens_the_case_with_the_clock_started_on_the_dispatch_day(
    store: Engine, people: People, policies: PolicyIndex
) -> None:
    hid = _households(store, 1)[0]
    clue = _clue(store, hid)
    with session_scope(store) as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0  # a clue is no case
    with write_scope(store) as session:
        intake = dispatch_clues(
            session, [clue], actor=people.township, policies=policies, on=D(2026, 3, 16)
        )
    assert (intake.leads, intake.cases_opened, intake.merged) == (1, 1, 0)
    with session_scope(store) as session:
        case = session.get_one(Case, intake.case_ids[0])
        lead = session.get_one(Lead, clue)
        opening = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).one()
        row = session.scalars(
            select(audit.AuditEntry).where(audit.AuditEntry.action == "clue.dispatched")
        ).one()
    # Yunnan: 15 calendar days from the day of dispatch, not from the screening day (2 March).
    assert (case.first_lead_on, case.deadline_on, case.stage) == (
        D(2026, 3, 16),
        D(2026, 3, 31),
        "lead",
    )
    assert opening.occurred_on == D(2026, 3, 16)
    assert (lead.triage, lead.decided_by, lead.decided_on, lead.status) == (
        "dispatched",
        "township",
        D(2026, 3, 16),
        "open",
    )
    assert (row.actor, row.entity_id, row.region_code) == ("township", str(clue), case.village_code)
    assert row.after is not None
    assert row.after["case"] == case.id


def test_other_channels_start_the_clock_on_the_day_they_arrived(
    store: Engine, people: People, policies: PolicyIndex
) -> None:
    hid = _households(store, 1)[0]
    for channel in (Channel.self_declaration, Channel.cadre_visit, Channel.department):
        with write_scope(store) as session:
            new = NewLead(hid, channel, D(2026, 3, 2), (RiskType.illness,))
            _lead, case = record_lead(session, new, actor=people.village, policies=policies)
            assert case.first_lead_on == D(2026, 3, 2)
    with write_scope(store) as session, pytest.raises(UserError, match="triaged as clues"):
        record_lead(
            session,
            NewLead(hid, Channel.screening, D(2026, 3, 2)),
            actor=people.village,
            policies=policies,
        )


def test_a_dispatched_clue_joins_the_case_under_way_without_moving_its_clock(
    store: Engine, people: People, policies: PolicyIndex
) -> None:
    hid = _households(store, 1)[0]
    with write_scope(store) as session:
        new = NewLead(hid, Channel.self_declaration, D(2026, 3, 2), (RiskType.schooling,))
        _lead, case = record_lead(session, new, actor=people.village, policies=policies)
    clue = _clue(store, hid)
    with write_scope(store) as session:
        intake = dispatch_clues(
            session, [clue], actor=people.county, policies=policies, on=D(2026, 3, 9)
        )
    assert (intake.cases_opened, intake.merged, intake.case_ids) == (0, 1, [case.id])
    with session_scope(store) as session:
        merged = session.get_one(Case, case.id)
        linked = set(session.scalars(select(CaseLead.lead_id).where(CaseLead.case_id == case.id)))
    assert merged.first_lead_on == D(2026, 3, 2)
    assert merged.risk_types == ["illness", "schooling"]
    assert clue in linked


def test_triage_is_for_county_and_township_users_on_pending_clues(
    store: Engine, people: People, policies: PolicyIndex
) -> None:
    hid = _households(store, 1)[0]
    clue = _clue(store, hid)
    with write_scope(store) as session, pytest.raises(PermissionDenied):
        dispatch_clues(session, [clue], actor=people.village, policies=policies)
    with write_scope(store) as session, pytest.raises(UserError, match="came in on"):
        dispatch_clues(session, [clue], actor=people.township, policies=policies, on=D(2026, 3, 1))
    with write_scope(store) as session, pytest.raises(UserError, match="needs a reason"):
        dismiss_clues(session, [clue], actor=people.township)
    with write_scope(store) as session, pytest.raises(UserError, match="personal data"):
        dismiss_clues(session, [clue], actor=people.township, reason="户主 13800138000 说没事")
    with write_scope(store) as session:
        dismiss_clues(session, [clue], actor=people.township, code=DismissReason.data_error)
    with write_scope(store) as session, pytest.raises(UserError, match="already triaged"):
        dispatch_clues(session, [clue], actor=people.township, policies=policies)
    with session_scope(store) as session:
        lead = session.get_one(Lead, clue)
        rows = session.scalar(
            select(func.count())
            .select_from(audit.AuditEntry)
            .where(audit.AuditEntry.action.like("clue.%"))
        )
    assert (lead.triage, lead.status, lead.dismiss_code) == ("dismissed", "dismissed", "data_error")
    assert lead.evidence_fingerprint is not None
    assert rows == 1  # refused decisions leave no trace but their error


# --- the region scope -------------------------------------------------------------------------


def test_a_township_user_cannot_see_or_triage_another_townships_clues(
    store: Engine, people: People, policies: PolicyIndex
) -> None:
    ours, theirs = _households(store, 2)
    _elsewhere(store, theirs)
    mine, other = _clue(store, ours), _clue(store, theirs)
    with session_scope(store) as session:
        seen = clue_page(session, actor=people.township, filters=ClueFilter())
        county = clue_page(session, actor=people.county, filters=ClueFilter())
        with pytest.raises(UserError, match="no township"):
            clue_page(session, actor=people.township, filters=ClueFilter(township=OTHER_TOWNSHIP))
    assert [r.id for r in seen.rows] == [mine]
    assert seen.total == 1
    assert {r.id for r in county.rows} == {mine, other}
    for decide in (
        lambda s: dispatch_clues(s, [other], actor=people.township, policies=policies),
        lambda s: dismiss_clues(s, [other], actor=people.township, reason="不是本乡"),
    ):
        with write_scope(store) as session, pytest.raises(UserError, match="no such clue: ") as err:
            decide(session)
        assert str(other) in err.value.message
    # An id that is no clue at all reads the same.
    with write_scope(store) as session, pytest.raises(UserError, match="no such clue: 999"):
        dispatch_clues(session, [999], actor=people.county, policies=policies)
    with session_scope(store) as session:
        assert session.get_one(Lead, other).triage == "pending"


# --- the queue --------------------------------------------------------------------------------


def test_the_queue_filters_sorts_and_pages(store: Engine, people: People) -> None:
    h = _households(store, 5)
    _elsewhere(store, h[4])
    income = _clue(store, h[0])
    housing = _clue(
        store, h[1], rule="guarantee.housing", evidence={"housing_unsafe": 1.0},
        risks=("housing",), category="sudden",
    )  # fmt: skip
    twice = _clue(
        store, h[2], rule="dept.water", evidence={"reports": 2.0}, risks=("drinking_water",),
        extra_hits=2,
    )  # fmt: skip
    other = _clue(store, h[3], risks=("disaster_other",))
    away = _clue(store, h[4], risks=("other",))
    county = people.county

    def ids(**kw: object) -> list[int]:
        with session_scope(store) as session:
            return clue_ids(session, actor=county, filters=ClueFilter(**kw))  # type: ignore[arg-type]

    assert ids() == [income, housing, twice, other, away]
    assert ids(rule="guarantee.housing") == [housing]
    assert ids(category=Category.sudden) == [housing]
    assert ids(risk=RiskType.other) == [away]  # not the "disaster_other" clue
    assert ids(risk=RiskType.disaster_other) == [other]
    assert ids(township=OTHER_TOWNSHIP) == [away]
    assert ids(village=people.village.region_code) == [income, housing, twice, other]
    assert ids(channel="department") == []
    with session_scope(store) as session:
        by_hits = clue_ids(session, actor=county, filters=ClueFilter(), sort="hits")
        newest = clue_ids(session, actor=county, filters=ClueFilter(), sort="newest")
        page = clue_page(session, actor=county, filters=ClueFilter(), page=2, page_size=2)
        with pytest.raises(UserError, match="sort by one of"):
            clue_ids(session, actor=county, filters=ClueFilter(), sort="best")
    assert by_hits[0] == twice
    assert newest == [away, other, twice, housing, income]
    assert (page.total, page.pages, [r.id for r in page.rows]) == (5, 3, [twice, other])
    row = page.rows[0]
    assert row.reasons == ["水利部门报告2项饮水问题"] * 3
    assert row.rules == ["dept.water"]
    assert row.head.endswith("*")
    assert len(row.head) == 2
    assert (row.reported_on, row.triage, row.active_case) == (SCREENED, "pending", None)


# --- dismissal holds for the same evidence, through real screening runs ----------------------


def _set_income(store: Engine, household_id: int, wage: str) -> None:
    with write_scope(store) as session:
        session.execute(
            update(HouseholdIncome)
            .where(HouseholdIncome.household_id == household_id)
            .values({**dict.fromkeys(MONEY_COLUMNS, Decimal("0")), "wage": Decimal(wage)})
        )


def _screen(store: Engine, data: Path) -> int:
    outcome = run_cycle(
        engine=store,
        data_dir=data,
        cycle="2025-10",
        scope_code=COUNTY,
        documents=load_directory(POLICIES),
        staged_dir=None,
        actor=SYSTEM,
        extra_tables={"followups": followups_snapshot()},
    )
    return outcome.run_id


def _clues_of(store: Engine, household_id: int) -> list[Lead]:
    with session_scope(store) as session:
        return list(
            session.scalars(select(Lead).where(Lead.household_id == household_id).order_by(Lead.id))
        )


def test_a_dismissed_clue_is_raised_again_only_on_new_evidence(
    store: Engine, people: People, tmp_path: Path
) -> None:
    hid = _households(store, 1)[0]
    _set_income(store, hid, "3000")
    first_run = _screen(store, tmp_path)
    [first] = _clues_of(store, hid)
    assert first.triage == "pending"
    with session_scope(store) as session:
        rules = set(session.scalars(select(LeadHit.rule_id).where(LeadHit.lead_id == first.id)))
    assert "income.within_range" in rules
    with write_scope(store) as session:
        dismiss_clues(
            session, [first.id], actor=people.township, code=DismissReason.known_situation
        )

    assert _screen(store, tmp_path) == first_run  # the same inputs: nothing runs again
    other = _households(store, 2)[1]
    _set_income(store, other, "90000")  # other data changed: the run is made again …
    run = _screen(store, tmp_path)
    assert run != first_run
    assert [c.id for c in _clues_of(store, hid)] == [first.id]  # … and its evidence is the same
    with session_scope(store) as session:
        recorded = session.get_one(ScreeningRun, run)
    assert recorded.summary["suppressed_dismissed"] == 1

    _set_income(store, hid, "3600")  # a follow-up changed the income: new evidence
    _screen(store, tmp_path)
    later = _clues_of(store, hid)
    assert len(later) == 2
    assert (later[1].triage, later[1].status) == ("pending", "open")


def test_a_dismissal_taken_in_error_is_undone_and_screening_raises_nothing_twice(
    store: Engine, people: People, tmp_path: Path
) -> None:
    hid, other = _households(store, 2)
    _set_income(store, hid, "3000")
    _screen(store, tmp_path)
    [clue] = _clues_of(store, hid)
    with write_scope(store) as session:
        dismiss_clues(session, [clue.id], actor=people.township, code=DismissReason.data_error)
    with write_scope(store) as session, pytest.raises(UserError, match="needs a reason"):
        reopen_clues(session, [clue.id], actor=people.township, reason="  ")
    with write_scope(store) as session, pytest.raises(PermissionDenied):
        reopen_clues(session, [clue.id], actor=people.village, reason="收入数据无误")
    with write_scope(store) as session:
        assert reopen_clues(session, [clue.id], actor=people.county, reason="收入数据无误") == 1
    [again] = _clues_of(store, hid)
    assert (again.id, again.triage, again.status) == (clue.id, "pending", "open")
    assert (again.dismiss_code, again.evidence_fingerprint, again.decided_by) == (None, None, None)
    with session_scope(store) as session:
        entry = session.scalars(
            select(audit.AuditEntry).where(audit.AuditEntry.action == "clue.reopened")
        ).one()
    assert (entry.actor, entry.reason, entry.before["code"]) == (
        "county",
        "收入数据无误",
        "data_error",
    )
    with write_scope(store) as session, pytest.raises(UserError, match="is not dismissed"):
        reopen_clues(session, [clue.id], actor=people.county, reason="再次")

    _set_income(store, other, "90000")  # the run is made again: the reopened clue covers hid
    _screen(store, tmp_path)
    assert [c.id for c in _clues_of(store, hid)] == [clue.id]


def test_a_clue_is_not_reopened_beside_the_households_newer_lead(
    store: Engine, people: People, tmp_path: Path
) -> None:
    hid = _households(store, 1)[0]
    _set_income(store, hid, "3000")
    _screen(store, tmp_path)
    [old] = _clues_of(store, hid)
    with write_scope(store) as session:
        dismiss_clues(session, [old.id], actor=people.township, code=DismissReason.data_error)
    _set_income(store, hid, "3600")  # new evidence: a new clue
    _screen(store, tmp_path)
    [_, new] = _clues_of(store, hid)
    with write_scope(store) as session, pytest.raises(UserError, match=f"has lead {new.id} open"):
        reopen_clues(session, [old.id], actor=people.township, reason="误排除")


# --- bulk decisions on cases ------------------------------------------------------------------


def test_bulk_approval_moves_each_case_on_its_own_and_reports_the_refused(
    store: Engine, people: People, policies: PolicyIndex, tmp_path: Path
) -> None:
    a, b = _households(store, 2)
    first = Walk(store, a, people, policies, tmp_path).to(Stage.county_approval)
    second = Walk(store, b, people, policies, tmp_path / "b").to(Stage.county_approval)
    six = ["illness", "schooling", "housing", "drinking_water", "disability", "accident"]
    with write_scope(store) as session:  # the second's leads suggested six risk types
        session.execute(update(Case).where(Case.id == second).values(risk_types=six))
    with session_scope(store) as session:
        version = session.get_one(Case, second).version
    with write_scope(store) as session:
        decided = decide_cases(
            session,
            [first, second, 999],
            Stage.monitored,
            actor=people.county,
            on=D(2026, 3, 11),
            policies=policies,
        )
    assert [(d.case_id, d.moved) for d in decided] == [(first, True), (second, False), (999, False)]
    assert "cannot move to monitored" in (decided[1].problem or "")
    assert "give 1 to 5 risk types" in (decided[1].problem or "")
    assert decided[2].problem == "你的辖区内没有案件 999 / no case 999 in your region"
    with session_scope(store) as session:
        approved, refused = session.get_one(Case, first), session.get_one(Case, second)
        moves = list(
            session.scalars(
                select(audit.AuditEntry.entity_id).where(
                    audit.AuditEntry.action == "case.transition",
                    audit.AuditEntry.after["stage"].as_string() == "monitored",
                )
            )
        )
        assert audit.verify(session).intact
    assert (approved.stage, approved.category, approved.risk_types) == (
        "monitored",
        "marginal",
        ["illness"],
    )
    assert (refused.stage, refused.version) == ("county_approval", version)
    assert moves == [str(first)]


def test_bulk_withdrawal_needs_a_reason_and_leaves_other_stages_alone(
    store: Engine, people: People, policies: PolicyIndex, tmp_path: Path
) -> None:
    a, b = _households(store, 2)
    at_lead = Walk(store, a, people, policies, tmp_path).to(Stage.lead)
    monitored = Walk(store, b, people, policies, tmp_path / "b").to(Stage.monitored)
    with write_scope(store) as session:
        refused = decide_cases(
            session, [at_lead], Stage.withdrawn, actor=people.township, on=D(2026, 3, 12)
        )
    assert "needs a reason" in (refused[0].problem or "")
    with write_scope(store) as session:
        decided = decide_cases(
            session,
            [at_lead, monitored],
            Stage.withdrawn,
            actor=people.township,
            reason="户主申请撤回",
            on=D(2026, 3, 12),
        )
    assert [d.moved for d in decided] == [True, False]
    assert "cannot move to withdrawn" in (decided[1].problem or "")
    with session_scope(store) as session:
        assert session.get_one(Case, at_lead).stage == "withdrawn"
        assert session.get_one(Case, monitored).stage == "monitored"
    with write_scope(store) as session, pytest.raises(UserError, match="bulk decisions"):
        decide_cases(session, [at_lead], Stage.verifying, actor=people.township)


def test_an_actor_outside_the_region_sees_no_case(
    store: Engine, people: People, policies: PolicyIndex, tmp_path: Path
) -> None:
    case = Walk(store, _households(store, 1)[0], people, policies, tmp_path).to(Stage.lead)
    elsewhere = Actor("far", Role.township, OTHER_TOWNSHIP)
    with write_scope(store) as session:
        [decided] = decide_cases(session, [case], Stage.withdrawn, actor=elsewhere, reason="x")
    assert decided.problem == f"你的辖区内没有案件 {case} / no case {case} in your region"


def test_docs_name_every_triage_state_dismiss_reason_and_sort_key() -> None:
    from bottomline.cases.clues.queries import SORTS
    from bottomline.screening.enums import Triage

    text = (POLICIES.parent / "docs" / "cases.md").read_text(encoding="utf-8")
    for triage in Triage:
        assert f"| `{triage.value}` | {triage.zh} |" in text
    for reason in DismissReason:
        assert f"`{reason.value}` {reason.zh}" in text
    for key in SORTS:
        assert f"`{key}`" in text
