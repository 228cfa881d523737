"""A screening cycle on the store: recorded with its audit row, idempotent over the same inputs."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update

from bottomline.assistance.queries import followups_snapshot
from bottomline.audit import AuditEntry
from bottomline.db import session_scope
from bottomline.errors import PermissionDenied
from bottomline.policy import load_directory
from bottomline.registry.actions import load_snapshot_tables
from bottomline.registry.models import HouseholdIncome
from bottomline.screening.cycle import run_cycle
from bottomline.screening.models import Lead, ScreeningRun
from bottomline.synth import population_for
from bottomline.users.actor import Actor
from bottomline.users.enums import Role

COUNTY = "532328000000"  # 元谋县
COUNTY_USER = Actor("county.li", Role.county, COUNTY)
POLICIES = Path(__file__).resolve().parents[2] / "policies"


@pytest.fixture
def county(engine: Engine) -> Engine:
    pop = population_for(scope=COUNTY, households=600, seed=7, year=2025)
    load_snapshot_tables(engine=engine, tables=pop.tables)
    return engine


def _run(engine: Engine, data: Path, actor: Actor = COUNTY_USER):  # type: ignore[no-untyped-def]
    return run_cycle(
        engine=engine,
        data_dir=data,
        cycle="2025-10",
        scope_code=COUNTY,
        documents=load_directory(POLICIES),
        staged_dir=data / "feeds",
        actor=actor,
        extra_tables={"followups": followups_snapshot()},
    )


def _count(engine: Engine, what: object) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(what)) or 0  # type: ignore[arg-type]


def test_a_run_is_recorded_with_its_audit_row(county: Engine, tmp_path: Path) -> None:
    outcome = _run(county, tmp_path)

    assert not outcome.unchanged
    assert outcome.result is not None
    assert outcome.result.leads.num_rows > 0
    assert _count(county, Lead) == outcome.result.leads.num_rows
    with session_scope(county) as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "screening.run")
        ).one()
        run = session.get_one(ScreeningRun, outcome.run_id)
        assert entry.actor == "county.li"
        assert entry.entity_id == str(run.id)
        assert entry.after["inputs_sha256"] == run.summary["inputs_sha256"]
        stored = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "policy.store")
        ).all()
        documents = load_directory(POLICIES)
        assert len(stored) == len(documents) > 0  # each document of the run, stored once
        assert {(e.actor, e.after["content_hash"]) for e in stored} == {
            ("county.li", d.content_hash) for d in documents
        }


def test_the_same_inputs_again_change_nothing(county: Engine, tmp_path: Path) -> None:
    first = _run(county, tmp_path)
    leads = _count(county, Lead)

    again = _run(county, tmp_path)

    assert again.unchanged
    assert again.result is None
    assert again.run_id == first.run_id
    assert _count(county, ScreeningRun) == 1
    assert _count(county, Lead) == leads
    assert _count(county, AuditEntry) == 1 + len(load_directory(POLICIES))  # nothing more


def test_changed_inputs_run_again_without_raising_covered_households(
    county: Engine, tmp_path: Path
) -> None:
    first = _run(county, tmp_path)
    assert first.result is not None
    raised = set(first.result.leads["household_id"].to_pylist())
    with session_scope(county) as session:  # one household's wage falls to nothing
        quiet = session.scalar(
            select(HouseholdIncome.household_id)
            .where(HouseholdIncome.household_id.not_in(raised))
            .order_by(HouseholdIncome.household_id)
            .limit(1)
        )
        session.execute(
            update(HouseholdIncome)
            .where(HouseholdIncome.household_id == quiet)
            .values(
                wage=0, business=0, property=0, transfer_other=0, transfer_pension=0, transfer_eco=0
            )
        )

    second = _run(county, tmp_path)

    assert not second.unchanged
    assert second.result is not None
    assert second.run_id != first.run_id
    assert set(second.result.leads["household_id"].to_pylist()) == {quiet}
    assert second.result.suppressed >= len(raised)


def test_a_user_outside_the_county_cannot_screen_it(county: Engine, tmp_path: Path) -> None:
    other = Actor("li.other", Role.county, "532301000000")
    with pytest.raises(PermissionDenied):
        _run(county, tmp_path, other)
    assert _count(county, ScreeningRun) == 0
