"""The whole transition table: every allowed move works, every other pair is refused.

Allowed moves are made on real cases walked to the move's source stage with real actions
(tests/cases/walk.py), by an actor of an allowed role; every role the table does not list is
refused, and so is an actor of the right role from another region.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bottomline.cases.enums import Stage
from bottomline.cases.models import Case
from bottomline.cases.transitions import MOVES, TERMINAL, Move, next_stages
from bottomline.cases.workflow import transition
from bottomline.errors import PermissionDenied, TransitionError
from bottomline.policy.resolve import PolicyIndex
from bottomline.registry.models import Household
from bottomline.users.actor import Actor
from bottomline.users.enums import Role
from tests.cases.conftest import People
from tests.cases.walk import EVIDENCE, REASON, Walk

ALLOWED = sorted(MOVES.values(), key=lambda m: (list(Stage).index(m.source), m.target))
FORBIDDEN = [(s, t) for s, t in itertools.product(Stage, Stage) if (s, t) not in MOVES]
SIX_RISKS = ("illness", "schooling", "accident", "housing", "other", "disability")
SQLITE_ONLY = pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)


def _id(move: Move) -> str:
    return f"{move.source.value}->{move.target.value}"


def test_the_table_is_what_the_docs_draw() -> None:
    assert len(MOVES) == 30
    assert {Stage.rejected, Stage.withdrawn} == TERMINAL
    # Every stage but the first is reachable, every non-terminal stage can move on.
    targets = {m.target for m in MOVES.values()}
    assert set(Stage) - targets == {Stage.lead}
    assert all(next_stages(s) for s in Stage if s not in TERMINAL)


@pytest.mark.parametrize(("source", "target"), FORBIDDEN, ids=lambda s: s.value)
def test_every_pair_not_in_the_table_is_refused(source: Stage, target: Stage) -> None:
    case = Case(id=1, stage=source.value, village_code="532328101201", version=1)
    actor = Actor("county", Role.county, "532328000000")
    with pytest.raises(TransitionError, match=f"cannot move to {target.value}"):
        transition(None, case, target, actor=actor)  # type: ignore[arg-type]


@SQLITE_ONLY
@pytest.mark.parametrize("move", ALLOWED, ids=_id)
def test_every_allowed_move_works_with_its_roles_only(
    store: Engine,
    household: Household,
    people: People,
    policies: PolicyIndex,
    tmp_path: Path,
    move: Move,
) -> None:
    walk = Walk(store, household.id, people, policies, tmp_path)
    walk.to(move.source)
    assert walk.stage() is move.source
    everyone = {
        Role.village: people.village,
        Role.township: people.township,
        Role.county: people.county,
        Role.auditor: people.auditor,
        Role.system: people.system,
    }
    for role, actor in everyone.items():
        if role not in move.roles:
            with pytest.raises(PermissionDenied):
                walk.move(move.target, actor=actor)
    stranger = walk.actor_for(move.roles)
    outside = Actor(stranger.name, stranger.role, people.other_county.region_code)
    with pytest.raises(PermissionDenied, match="outside the region"):
        walk.move(move.target, actor=outside)
    walk.step(move.target)  # what the move's guards need, then the move
    assert walk.stage() is move.target


@SQLITE_ONLY
def test_a_reason_is_required_where_the_table_says(
    store: Engine, household: Household, people: People, policies: PolicyIndex, tmp_path: Path
) -> None:
    walk = Walk(store, household.id, people, policies, tmp_path)
    walk.to(Stage.verifying)
    with pytest.raises(TransitionError, match="needs a reason"):
        walk.move(Stage.withdrawn, reason="  ")
    walk.move(Stage.withdrawn, reason=REASON)
    assert walk.stage() is Stage.withdrawn


@SQLITE_ONLY
def test_missing_evidence_is_named(
    store: Engine, household: Household, people: People, policies: PolicyIndex, tmp_path: Path
) -> None:
    walk = Walk(store, household.id, people, policies, tmp_path)
    walk.to(Stage.county_approval)
    with pytest.raises(TransitionError, match="needs evidence: risk_types"):
        walk.move(Stage.monitored, evidence={"category": EVIDENCE["category"]})
    with pytest.raises(TransitionError, match="1 to 5 risk types"):
        walk.move(Stage.monitored, evidence={**EVIDENCE, "risk_types": list(SIX_RISKS)})
    with pytest.raises(TransitionError, match="unknown risk type"):
        walk.move(Stage.monitored, evidence={**EVIDENCE, "risk_types": ["bad_luck"]})
    walk.move(Stage.monitored)
    assert walk.stage() is Stage.monitored


def test_docs_draw_every_move_and_stage() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "cases.md").read_text(encoding="utf-8")
    for move in MOVES.values():
        row = f"| `{move.source.value}` → `{move.target.value}` | "
        roles = ", ".join(r.value for r in sorted(move.roles))
        assert row + roles + " |" in text, f"docs/cases.md lacks or misstates {_id(move)}"
    for stage in Stage:
        assert f"| `{stage.value}` | {stage.zh} |" in text


def test_an_unknown_stage_is_a_domain_error() -> None:
    case = Case(id=1, stage=Stage.lead.value, village_code="532328101201", version=1)
    actor = Actor("cadre", Role.village, "532328101201")
    with pytest.raises(TransitionError, match="unknown stage 'verified'"):
        transition(None, case, "verified", actor=actor)  # type: ignore[arg-type]
