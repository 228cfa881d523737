"""The work queue across runs: open → kept → resolved, scope, skipped feeds, counts and reads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bottomline import audit
from bottomline.db import session_scope
from bottomline.errors import PermissionDenied, UnknownRegionError, UserError
from bottomline.quality.actions import QualityRunResult
from bottomline.quality.models import QualityIssue, QualityRun
from bottomline.quality.queries import breakdown_level, open_issues, queue_counts
from bottomline.registry.access import access_region
from bottomline.registry.models import Household
from bottomline.users.actor import SYSTEM, Actor
from bottomline.users.enums import Role
from bottomline.users.scope import Scope
from tests.quality.conftest import (
    COUNTY,
    Planter,
    check,
    open_subjects,
    record_batch,
    write_public_security,
)


def issues_of(store: Engine, rule: str) -> list[QualityIssue]:
    with session_scope(store) as session:
        stmt = select(QualityIssue).where(QualityIssue.rule_code == rule)
        return list(session.scalars(stmt.order_by(QualityIssue.id)))


def by_rule(result: QualityRunResult, field: str) -> dict[str, int]:
    """A per-rule count of a run, without the zeros."""
    return {r.code: getattr(r, field) for r in result.rules if getattr(r, field)}


def test_issues_open_then_stay_open_then_resolve_after_a_fix(
    store: Engine, planter: Planter
) -> None:
    first = planter.member("relationship = 'head'")
    second = planter.member("relationship = 'head'")
    for picked in (first, second):
        planter.set_member(picked.member_id, insured_serious_illness=False)

    run1 = check(store)
    run2 = check(store)
    planter.set_member(first.member_id, insured_serious_illness=True)
    run3 = check(store)

    assert (run1.opened, run1.kept, run1.resolved) == (2, 0, 0)
    assert (run2.opened, run2.kept, run2.resolved) == (0, 2, 0)
    assert (run3.opened, run3.kept, run3.resolved) == (0, 1, 1)
    issues = {i.member_id: i for i in issues_of(store, "Q401")}
    fixed, kept = issues[first.member_id], issues[second.member_id]
    assert (fixed.status, fixed.first_run_id, fixed.resolved_run_id) == (
        "resolved",
        run1.run_id,
        run3.run_id,
    )
    assert (kept.status, kept.first_run_id, kept.last_run_id, kept.resolved_run_id) == (
        "open",
        run1.run_id,
        run3.run_id,
        None,
    )
    assert by_rule(run3, "open") == {"Q401": 1}


def test_a_problem_that_comes_back_opens_a_new_issue(store: Engine, planter: Planter) -> None:
    picked = planter.member("relationship = 'head'")
    planter.set_member(picked.member_id, insured_serious_illness=False)
    check(store)
    planter.set_member(picked.member_id, insured_serious_illness=True)
    check(store)
    planter.set_member(picked.member_id, insured_serious_illness=False)

    again = check(store)

    statuses = [(i.status, i.first_run_id) for i in issues_of(store, "Q401")]
    assert statuses == [("resolved", again.run_id - 2), ("open", again.run_id)]


def test_a_kept_issue_takes_the_new_detail(store: Engine, planter: Planter) -> None:
    picked = planter.member("migrant_months > 0 AND schooling = 'not_in_school'")
    planter.set_member(picked.member_id, migrant_months=13)
    check(store)
    planter.set_member(picked.member_id, migrant_months=14)

    check(store)

    [issue] = issues_of(store, "Q303")
    assert issue.detail == {"migrant_months": 14}


def test_a_run_checks_and_resolves_only_its_scope(store: Engine, planter: Planter) -> None:
    here, there = _two_villages(store)
    in_village = "household_id IN (SELECT id FROM households WHERE village_code = :v)"
    inside = planter.member(in_village, v=here)
    outside = planter.member(in_village, v=there)
    for picked in (inside, outside):
        planter.set_member(picked.member_id, insured_serious_illness=False)

    first = check(store, scope_code=here)
    assert open_subjects(store) == {"Q401": {inside.subject}}
    assert first.households < 500

    check(store)  # the whole registry
    planter.set_member(outside.member_id, insured_serious_illness=True)
    check(store, scope_code=here)
    assert open_subjects(store) == {"Q401": {inside.subject, outside.subject}}

    check(store, scope_code=COUNTY)
    assert open_subjects(store) == {"Q401": {inside.subject}}


def _two_villages(store: Engine) -> tuple[str, str]:
    with store.connect() as connection:
        villages = connection.scalars(
            select(Household.village_code).distinct().order_by(Household.village_code)
        ).all()
    assert len(villages) > 1
    return villages[0], villages[-1]


def test_without_feed_data_the_feed_rule_is_skipped_and_keeps_its_issues(
    store: Engine, planter: Planter, tmp_path: Path
) -> None:
    dead = planter.member("relationship = 'head'")
    write_public_security(
        tmp_path, 7, "2025-08", [(dead.member_id, dead.household_id, "death", dt.date(2025, 8, 9))]
    )
    record_batch(store, 7, "2025-08")
    with_feed = check(store, feeds_dir=tmp_path)

    without = check(store, feeds_dir=None)
    missing_dir = check(store, feeds_dir=tmp_path / "nowhere")

    assert by_rule(with_feed, "opened") == {"Q105": 1}
    for run in (without, missing_dir):
        outcome = next(r for r in run.rules if r.code == "Q105")
        assert outcome.skipped == "no public_security feed data"
        assert (outcome.found, outcome.resolved, outcome.open) == (0, 0, 1)
    with session_scope(store) as session:
        summary = session.get_one(QualityRun, without.run_id).summary
    assert summary["skipped"] == {"Q105": "no public_security feed data"}
    assert "Q105" not in summary["rules"]


def test_the_run_records_its_summary(store: Engine, planter: Planter) -> None:
    picked = planter.member("relationship = 'head'")
    planter.set_member(picked.member_id, insured_serious_illness=False)

    result = check(store, scope_code=COUNTY)

    with session_scope(store) as session:
        run = session.get_one(QualityRun, result.run_id)
        assert run.scope_code == COUNTY
        assert run.finished_at is not None
        assert run.summary["rules"]["Q401"] == 1
        assert run.summary["opened"] == 1
        assert run.summary["households"] == 500
        assert run.summary["today"] == "2025-10-01"


COUNTY_SCOPE = Scope.of(Actor("county", Role.county, COUNTY))
OTHER_COUNTY = Actor("elsewhere", Role.county, "530102000000")


def test_queue_counts_by_region_level(store: Engine, planter: Planter) -> None:
    picked = [planter.member("relationship = 'head'") for _ in range(3)]
    for p in picked:
        planter.set_member(p.member_id, insured_serious_illness=False)
    check(store)

    with session_scope(store) as session:
        assert breakdown_level(COUNTY_SCOPE) == "township"
        assert breakdown_level(Scope.of(SYSTEM)) == "county"
        county = queue_counts(session=session, scope=Scope.of(SYSTEM), level="county")
        towns = queue_counts(session=session, scope=COUNTY_SCOPE)
        villages = queue_counts(session=session, scope=COUNTY_SCOPE, level="village")
        one_town = towns[0].region_code
        inside = queue_counts(session=session, scope=COUNTY_SCOPE.narrowed(one_town))
        officer = Scope.of(Actor("town", Role.township, one_town))
        theirs = open_issues(session=session, scope=officer)
        elsewhere = queue_counts(session=session, scope=Scope.of(OTHER_COUNTY))

    assert [(c.region_code, c.region_name, c.rule_code, c.open) for c in county] == [
        (COUNTY, "元谋县", "Q401", 3)
    ]
    assert sum(c.open for c in towns) == sum(c.open for c in villages) == 3
    assert all(c.region_name for c in towns + villages)
    assert {c.region_code[:9] for c in towns} == {c.region_code[:9] for c in villages}
    assert {c.region_code[:9] for c in inside} == {one_town[:9]}
    assert sum(c.open for c in inside) == next(c.open for c in towns if c.region_code == one_town)
    assert len(theirs) == sum(c.open for c in inside)
    assert {i.village_code[:9] for i in theirs} == {one_town[:9]}
    assert elsewhere == []


def test_open_issues_filters_by_rule_and_masks_ids(store: Engine, planter: Planter) -> None:
    member = planter.member("relationship = 'head'")
    planter.set_member(member.member_id, insured_serious_illness=False)
    household = planter.member("relationship = 'head'")
    planter.set_member(household.member_id, relationship="other")
    check(store)

    with session_scope(store) as session:
        everything = open_issues(session=session, scope=Scope.of(SYSTEM))
        heads = open_issues(session=session, scope=COUNTY_SCOPE, rule="Q201")

    assert {i.rule_code for i in everything} == {"Q401", "Q201"}
    [issue] = heads
    assert (issue.household_id, issue.member_id, issue.masked_id) == (
        household.household_id,
        None,
        "",
    )
    [insured] = [i for i in everything if i.rule_code == "Q401"]
    assert insured.masked_id == member.id_number[:4] + "*" * 12 + member.id_number[-2:]
    assert insured.village_name


def test_reads_refuse_unknown_regions_and_rules(store: Engine) -> None:
    with session_scope(store) as session:
        with pytest.raises(UnknownRegionError, match="532329000000"):
            access_region(session, actor=SYSTEM, code="532329000000")
        with pytest.raises(UserError, match="Q999"):
            open_issues(session=session, scope=Scope.of(SYSTEM), rule="Q999")
        with pytest.raises(UserError, match="hamlet"):
            queue_counts(session=session, scope=Scope.of(SYSTEM), level="hamlet")


def test_a_check_is_one_audited_action_of_its_user(store: Engine, planter: Planter) -> None:
    picked = planter.member("relationship = 'head'")
    planter.set_member(picked.member_id, insured_serious_illness=False)
    county = Actor("county.li", Role.county, COUNTY)
    result = check(store, actor=county)
    with session_scope(store) as session:
        (row,) = session.scalars(
            select(audit.AuditEntry).where(audit.AuditEntry.action == "quality.run")
        ).all()
        assert audit.verify(session).intact
    assert (row.actor, row.role, row.region_code) == ("county.li", "county", COUNTY)
    assert row.entity_id == str(result.run_id)
    assert row.after is not None
    assert (row.after["opened"], row.after["households"]) == (result.opened, result.households)
    with pytest.raises(PermissionDenied, match="reads only"):
        check(store, actor=Actor("auditor", Role.auditor, COUNTY))


def test_checks_refuse_an_unknown_region(store: Engine) -> None:
    with pytest.raises(UnknownRegionError, match="532329000000"):
        check(store, scope_code="532329000000")


def test_checks_refuse_an_empty_registry(engine: Engine) -> None:
    with pytest.raises(UserError, match="empty") as caught:
        check(engine)
    assert caught.value.hint is not None
    with session_scope(engine) as session:
        assert session.scalars(select(QualityRun)).all() == []
