"""Guards, the statutory clock, leads merging per household, conflicts, and the audit trail."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from bottomline import audit
from bottomline.cases.clock import clock_of, escalations
from bottomline.cases.clues.actions import dispatch_clues
from bottomline.cases.enums import Channel, NoticeKind, NoticeStatus, Stage
from bottomline.cases.leads import NewLead, intake_leads, record_lead
from bottomline.cases.models import Case, CaseEvent, CaseLead, Notice
from bottomline.cases.notices.actions import record_objection, resolve_objection
from bottomline.cases.queries import case_file
from bottomline.cases.visits import NewVisit, record_visit
from bottomline.cases.workflow import transition
from bottomline.db import session_scope, write_scope
from bottomline.errors import ConflictError, PermissionDenied, TransitionError, UserError
from bottomline.policy.resolve import PolicyIndex, index_documents
from bottomline.registry.enums import LabourCapacity
from bottomline.registry.models import Household, Member
from bottomline.screening.enums import Category, RiskType
from bottomline.screening.models import Lead, LeadHit
from bottomline.users.scope import Scope
from tests.cases.conftest import People, load_case
from tests.cases.walk import DAY, EVIDENCE, Walk
from tests.policy.builders import COMPLETE, make_doc

D = dt.date
SQLITE_ONLY = pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)


@pytest.fixture
def walk(
    store: Engine, household: Household, people: People, policies: PolicyIndex, tmp_path: Path
) -> Walk:
    return Walk(store, household.id, people, policies, tmp_path)


# --- guards -----------------------------------------------------------------------------------


def test_comparison_needs_a_signed_home_visit_since_the_first_lead(walk: Walk) -> None:
    walk.to(Stage.verifying)
    with pytest.raises(TransitionError, match="signed authorization"):
        walk.move(Stage.comparing, on=DAY["visit"])
    walk.visit(signed=False)
    with pytest.raises(TransitionError, match="signed authorization"):
        walk.move(Stage.comparing, on=DAY["visit"])
    walk.visit(on=D(2026, 3, 1))  # signed, but before the first lead: a visit for something else
    with pytest.raises(TransitionError, match="signed authorization"):
        walk.move(Stage.comparing, on=DAY["visit"])
    walk.visit()
    walk.move(Stage.comparing, on=DAY["visit"])
    assert walk.stage() is Stage.comparing


def test_village_review_can_only_start_by_publishing_a_notice(walk: Walk) -> None:
    walk.to(Stage.comparing)
    with pytest.raises(TransitionError, match="only when its village's notice is published"):
        walk.move(Stage.village_review)


def test_the_township_step_waits_for_the_whole_notice_period(walk: Walk) -> None:
    walk.to(Stage.village_review)
    notice_end = D(2026, 3, 8)  # 4 March + 5 days, counted inclusively
    with pytest.raises(TransitionError, match="runs until 2026-03-08"):
        walk.move(Stage.township_review, on=notice_end)
    walk.move(Stage.township_review, on=notice_end + dt.timedelta(days=1))
    assert walk.stage() is Stage.township_review
    with session_scope(walk.store) as session:
        notice = session.scalars(select(Notice)).one()
    assert notice.status_on(notice_end) is NoticeStatus.open
    assert notice.status_on(notice_end + dt.timedelta(days=1)) is NoticeStatus.closed


@SQLITE_ONLY
def test_objections_must_be_resolved_before_the_next_step(walk: Walk, store: Engine) -> None:
    walk.to(Stage.village_review)
    with session_scope(store) as session:
        notice = session.scalars(select(Notice)).one()
    with write_scope(store) as session:
        objection = record_objection(
            session,
            actor=walk.people.village,
            notice_id=notice.id,
            case_id=walk.case_id,
            received_on=D(2026, 3, 6),
            summary="邻居反映该户有营运车辆",
        )
    with pytest.raises(TransitionError, match="not resolved"):
        walk.move(Stage.township_review, on=D(2026, 3, 9))
    with write_scope(store) as session:
        resolve_objection(
            session,
            actor=walk.people.village,
            objection_id=objection.id,
            upheld=False,
            resolution="核实车辆已于去年出售",
            on=D(2026, 3, 8),
        )
    walk.move(Stage.township_review, on=D(2026, 3, 9))
    assert walk.stage() is Stage.township_review


@SQLITE_ONLY
def test_an_objection_outside_the_notice_period_is_refused(walk: Walk, store: Engine) -> None:
    walk.to(Stage.village_review)
    with write_scope(store) as session:
        notice = session.scalars(select(Notice)).one()
        with pytest.raises(UserError, match="outside it"):
            record_objection(
                session,
                actor=walk.people.village,
                notice_id=notice.id,
                case_id=walk.case_id,
                received_on=D(2026, 3, 9),
                summary="逾期异议",
            )


def test_assistance_starts_only_with_a_measure(walk: Walk) -> None:
    walk.to(Stage.monitored)
    with pytest.raises(TransitionError, match="no assistance measure"):
        walk.move(Stage.assisting, on=DAY[Stage.assisting])
    walk.measure()
    walk.move(Stage.assisting, on=DAY[Stage.assisting])
    assert walk.stage() is Stage.assisting


def test_elimination_records_the_exit_rules_explanation(walk: Walk, store: Engine) -> None:
    walk.to(Stage.elimination_proposed)
    with session_scope(store) as session:
        event = session.scalars(
            select(CaseEvent).where(CaseEvent.to_stage == Stage.elimination_proposed.value)
        ).one()
    record = event.evidence["exit_rules"]
    assert record["passed"] is True
    assert {c["code"] for c in record["conditions"]} >= {"E01", "E02", "E03", "E04", "E05", "E07"}


def test_income_below_the_line_blocks_elimination(walk: Walk) -> None:
    walk.to(Stage.assisting)
    walk.followups(per_capita=Decimal("8000"))  # Yunnan's 2025 line is 8,700: now unstable
    with pytest.raises(TransitionError, match="E02"):
        walk.move(Stage.elimination_proposed, on=DAY[Stage.elimination_proposed])


def test_a_household_without_labour_is_never_eliminated(walk: Walk, store: Engine) -> None:
    walk.to(Stage.assisting)
    with write_scope(store) as session:
        session.execute(
            update(Member)
            .where(Member.household_id == walk.household_id)
            .values(labour_capacity=LabourCapacity.lost.value)
        )
    with pytest.raises(TransitionError, match="E07"):
        walk.move(Stage.elimination_proposed, on=DAY[Stage.elimination_proposed])
    assert walk.stage() is Stage.assisting


def test_steps_cannot_be_dated_in_the_future_or_before_the_stage(walk: Walk) -> None:
    walk.to(Stage.verifying)
    with pytest.raises(TransitionError, match="in the future"):
        walk.move(Stage.withdrawn, reason="x", on=dt.date.today() + dt.timedelta(days=3))
    with pytest.raises(TransitionError, match="before the case entered"):
        walk.move(Stage.withdrawn, reason="x", on=D(2026, 3, 1))


def test_reasons_with_id_or_phone_numbers_are_refused(walk: Walk) -> None:
    walk.to(Stage.verifying)
    with pytest.raises(UserError, match="personal data"):
        walk.move(Stage.withdrawn, reason="户主电话13912345678要求撤回")


# --- the clock -------------------------------------------------------------------------------


def test_the_deadline_is_15_calendar_days_from_the_first_lead(walk: Walk, store: Engine) -> None:
    case_id = walk.lead(on=D(2026, 9, 28))
    case = load_case(store, case_id)
    assert case.deadline_on == D(2026, 10, 13)
    assert not case.deadline_provisional
    clock = clock_of(case, D(2026, 10, 12))
    assert (clock.days_used, clock.days_left, clock.overdue) == (14, 1, False)
    assert clock.escalate_to == "township"
    assert clock_of(case, D(2026, 10, 14)).escalate_to == "county"


def _working_day_policies(village: str) -> PolicyIndex:
    settings = {**COMPLETE, "procedure.day_count": "working"}
    return index_documents(
        [make_doc("000000000000", 2024, COMPLETE), make_doc(village, 2026, settings)]
    )


def test_working_days_skip_the_national_day_holiday(walk: Walk, store: Engine) -> None:
    walk.policies = _working_day_policies(walk.people.village.region_code)
    case_id = walk.lead(on=D(2026, 9, 28))  # Monday before the Golden Week
    case = load_case(store, case_id)
    # Counting after the 28th: 29, 30 Sep (2); 1-7 Oct are off; 8, 9 Oct and Saturday 10 Oct,
    # a make-up working day (5); 12-16 Oct (10); 19-23 Oct (15).
    assert case.day_count == "working"
    assert case.deadline_on == D(2026, 10, 23)
    clock = clock_of(case, D(2026, 10, 8))
    assert clock.days_used == 3  # 29, 30 Sep and 8 Oct


def test_a_working_day_notice_runs_over_the_holiday(walk: Walk, store: Engine) -> None:
    walk.policies = _working_day_policies(walk.people.village.region_code)
    walk.lead(on=D(2026, 9, 28))
    walk.move(Stage.verifying, on=D(2026, 9, 28))
    walk.visit(on=D(2026, 9, 28))
    walk.move(Stage.comparing, on=D(2026, 9, 28))
    notice = walk.publish(NoticeKind.identification, D(2026, 9, 29))
    # 29, 30 Sep, 8, 9, 10 (make-up Saturday) Oct: five working days.
    assert notice.ends_on == D(2026, 10, 10)


def test_escalations_list_due_and_overdue_cases_of_the_region(
    store: Engine, people: People, policies: PolicyIndex, tmp_path: Path
) -> None:
    with session_scope(store) as session:
        households = list(session.scalars(select(Household).order_by(Household.id).limit(3)))
    days = [D(2026, 3, 2), D(2026, 3, 10), D(2026, 3, 16)]
    for household, day in zip(households, days, strict=True):
        Walk(store, household.id, people, policies, tmp_path).lead(on=day)
    with session_scope(store) as session:
        listed = escalations(session, Scope.of(people.county), D(2026, 3, 18))
        elsewhere = escalations(session, Scope.of(people.other_county), D(2026, 3, 18))
    by_first = {c.first_lead_on: c.escalate_to for c in listed}
    assert by_first == {D(2026, 3, 2): "county"}  # 10 Mar: 7 days left; 16 Mar: 13 left
    assert elsewhere == []


# --- leads from every channel ----------------------------------------------------------------


def test_leads_of_one_household_merge_into_one_case(walk: Walk, store: Engine) -> None:
    first = walk.lead(on=D(2026, 3, 2))
    new = NewLead(
        household_id=walk.household_id,
        channel=Channel.cadre_visit,
        reported_on=D(2026, 3, 5),
        risk_types=(RiskType.schooling,),
        category=Category.marginal,
    )
    with write_scope(store) as session:
        _lead, case = record_lead(session, new, actor=walk.people.village, policies=walk.policies)
    assert case.id == first
    case = load_case(store, first)
    assert case.risk_types == ["illness", "schooling"]
    assert case.first_lead_on == D(2026, 3, 2)  # the clock started with the first lead
    with session_scope(store) as session:
        assert session.scalar(select(func.count()).select_from(CaseLead)) == 2


def test_stored_leads_are_taken_in_per_household_and_screening_clues_are_left_to_triage(
    store: Engine, people: People, policies: PolicyIndex
) -> None:
    with session_scope(store) as session:
        ids = list(session.scalars(select(Household.id).order_by(Household.id).limit(3)))
    with write_scope(store) as session:
        for hid, risks in ((ids[0], ["illness"]), (ids[0], ["schooling"]), (ids[1], ["housing"])):
            session.add(
                Lead(
                    household_id=hid,
                    village_code=session.get_one(Household, hid).village_code,
                    cycle="2026-03",
                    channel="department",
                    category="marginal",
                    risk_types=risks,
                    reported_on=D(2026, 3, 2),
                )
            )
        session.add(
            Lead(
                household_id=ids[2],
                village_code=session.get_one(Household, ids[2]).village_code,
                cycle="2026-03",
                risk_types=["housing"],
            )
        )
    with write_scope(store) as session:
        intake = intake_leads(session, actor=people.system, policies=policies)
    assert (intake.leads, intake.cases_opened, intake.merged) == (3, 2, 0)
    with session_scope(store) as session:
        firsts = set(session.scalars(select(Case.first_lead_on)))
        clue = session.scalars(select(Lead).where(Lead.household_id == ids[2])).one()
    assert firsts == {D(2026, 3, 2)}  # the day they arrived
    assert (clue.channel, clue.triage) == ("screening", "pending")
    with write_scope(store) as session:
        again = intake_leads(session, actor=people.system, policies=policies)
    assert again.leads == 0


def test_a_lead_after_elimination_reopens_a_case(walk: Walk, store: Engine) -> None:
    old = walk.to(Stage.post_exit_watch)
    new = NewLead(
        household_id=walk.household_id,
        channel=Channel.department,
        reported_on=D(2026, 11, 23),
        risk_types=(RiskType.illness,),
    )
    with write_scope(store) as session:
        _lead, case = record_lead(session, new, actor=walk.people.system, policies=walk.policies)
        assert case.id != old
        assert case.reopened_from_id == old
        assert case.stage == Stage.lead.value


def test_closing_a_case_closes_its_leads(walk: Walk, store: Engine) -> None:
    walk.to(Stage.verifying)
    walk.move(Stage.withdrawn, reason="户主主动撤回申请")
    with session_scope(store) as session:
        statuses = set(session.scalars(select(Lead.status)))
    assert statuses == {"closed"}


# --- concurrency -----------------------------------------------------------------------------


def refuse_as_conflict(session: Session, case: Case, to: Stage, **kwargs: Any) -> None:
    with pytest.raises(ConflictError, match="changed by someone"):
        transition(session, case, to, **kwargs)


def test_a_decision_on_a_stale_version_is_a_conflict(walk: Walk, store: Engine) -> None:
    walk.to(Stage.county_approval)
    seen = load_case(store, walk.case_id).version
    walk.move(Stage.monitored)
    with write_scope(store) as session:
        case = session.get_one(Case, walk.case_id)
        refuse_as_conflict(
            session,
            case,
            Stage.rejected,
            actor=walk.people.county,
            reason="重复",
            on=DAY[Stage.monitored],
            policies=walk.policies,
            expected_version=seen,
        )


def test_two_concurrent_approvals_exactly_one_wins(walk: Walk, store: Engine) -> None:
    """Both officials load the case at the same version, then decide at the same moment."""
    walk.to(Stage.county_approval)
    barrier = threading.Barrier(2, timeout=30)
    outcomes: list[str] = []
    lock = threading.Lock()

    def decide(to: Stage, reason: str | None) -> None:
        evidence = EVIDENCE if to is Stage.monitored else {}
        try:
            with session_scope(store) as session:
                seen = session.get_one(Case, walk.case_id).version
            barrier.wait()
            with write_scope(store) as session:
                case = session.get_one(Case, walk.case_id)
                transition(
                    session,
                    case,
                    to,
                    actor=walk.people.county,
                    reason=reason,
                    evidence=evidence,
                    on=DAY[Stage.monitored],
                    policies=walk.policies,
                    expected_version=seen,
                )
            result = "won"
        except (ConflictError, TransitionError) as error:
            result = type(error).__name__
        with lock:
            outcomes.append(result)

    threads = [
        threading.Thread(target=decide, args=(Stage.monitored, None)),
        threading.Thread(target=decide, args=(Stage.rejected, "不符合条件")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ConflictError", "won"]
    with session_scope(store) as session:
        events = session.scalar(
            select(func.count())
            .select_from(CaseEvent)
            .where(
                CaseEvent.case_id == walk.case_id,
                CaseEvent.from_stage == Stage.county_approval.value,
            )
        )
        assert events == 1
        assert audit.verify(session).intact


def test_same_version_updates_race_in_the_database(walk: Walk, store: Engine) -> None:
    """Without an expected version, the version column still stops the second writer."""
    walk.to(Stage.county_approval)
    with session_scope(store) as reader:
        stale = reader.get_one(Case, walk.case_id)
    walk.move(Stage.monitored)
    with pytest.raises(ConflictError), write_scope(store) as session:  # noqa: PT012
        session.add(stale)  # the object as read before the other decision
        transition(
            session,
            stale,
            Stage.rejected,
            actor=walk.people.county,
            reason="重复",
            on=DAY[Stage.monitored],
            policies=walk.policies,
        )


# --- audit ------------------------------------------------------------------------------------


def test_every_action_of_a_whole_case_is_audited_and_the_chain_holds(
    walk: Walk, store: Engine
) -> None:
    walk.to(Stage.post_exit_watch)
    with session_scope(store) as session:
        actions = list(session.scalars(select(audit.AuditEntry.action)))
        moves = session.scalar(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.from_stage.is_not(None))
        )
        result = audit.verify(session)
    assert actions.count("case.transition") == moves
    assert {
        "case.leads_taken_in",
        "visit.record",
        "notice.publish",
        "measure.add",
        "income.followup",
    } <= set(actions)
    assert result.intact
    assert result.rows == len(actions)


# --- who may do what outside the transition table ---------------------------------------------


def test_auditors_only_read(walk: Walk, store: Engine) -> None:
    walk.to(Stage.village_review)
    auditor = walk.people.auditor
    with session_scope(store) as session:
        notice = session.scalars(select(Notice)).one()
    with write_scope(store) as session, pytest.raises(PermissionDenied):
        record_objection(
            session,
            actor=auditor,
            notice_id=notice.id,
            case_id=walk.case_id,
            received_on=D(2026, 3, 5),
            summary="x",
        )
    with write_scope(store) as session, pytest.raises(PermissionDenied):
        record_visit(
            session,
            NewVisit(
                household_id=walk.household_id,
                visit_date=D(2026, 3, 5),
                visitor_name="x",
                authorization_signed=True,
                suggest_monitoring=False,
            ),
            actor=auditor,
            policies=walk.policies,
        )


def test_intake_is_limited_to_the_actors_region_and_role(walk: Walk, store: Engine) -> None:
    with write_scope(store) as session, pytest.raises(PermissionDenied):
        intake_leads(session, actor=walk.people.village, policies=walk.policies)
    with write_scope(store) as session, pytest.raises(PermissionDenied):
        intake_leads(
            session, actor=walk.people.township, policies=walk.policies, scope_code="532328000000"
        )
    with write_scope(store) as session:
        assert intake_leads(session, actor=walk.people.township, policies=walk.policies).leads == 0


def test_the_audit_row_of_a_move_carries_its_evidence(walk: Walk, store: Engine) -> None:
    walk.to(Stage.monitored)
    with session_scope(store) as session:
        row = session.scalars(
            select(audit.AuditEntry)
            .where(audit.AuditEntry.action == "case.transition")
            .order_by(audit.AuditEntry.seq.desc())
            .limit(1)
        ).one()
    assert row.before is not None
    assert row.after is not None
    assert (row.before["stage"], row.after["stage"]) == ("county_approval", "monitored")
    assert row.after["evidence"]["risk_types"] == EVIDENCE["risk_types"]
    assert row.after["on"] == "2026-03-11"


def test_a_case_file_explains_its_screening_leads(
    store: Engine, household: Household, people: People, policies: PolicyIndex
) -> None:
    with write_scope(store) as session:
        lead = Lead(
            household_id=household.id,
            village_code=household.village_code,
            cycle="2026-03",
            category="marginal",
            risk_types=["other"],
            policy_ref="abc",
            reported_on=D(2026, 3, 2),
        )
        session.add(lead)
        session.flush()
        evidence = {"pc_net_income": 5200.0, "income_line": 8700.0, "size": 3.0}
        session.add(
            LeadHit(
                lead_id=lead.id,
                rule_id="income.within_range",
                rule_version=1,
                policy_ref="abc",
                evidence=evidence,
            )
        )
    with write_scope(store) as session:
        intake = dispatch_clues(session, [lead.id], actor=people.township, policies=policies)
        case = session.get_one(Case, intake.case_ids[0])
        reasons = case_file(session, case, D(2026, 3, 3)).reasons
    assert reasons == {lead.id: ["人均纯收入5,200元，低于监测范围8,700元（3口人）"]}
