"""The workflow as one explicit table: every allowed move, who may make it, what it needs.

A move not in :data:`MOVES` is illegal. Each move names the roles that may make it (the actor's
region must also contain the case's village), the evidence keys it requires, whether a reason is
required, its guards — checks against the store and the policy, run by
:func:`bottomline.cases.workflow.transition` (``cases/guards.py`` defines them) — and its
effects beyond the case, applied in the same transaction (``cases/effects.py``: the registry's
monitoring fields follow the county's decisions). docs/cases.md
shows the table as a diagram; ``tests/cases/test_transitions.py`` walks every pair.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from bottomline.cases.enums import Stage
from bottomline.users.enums import Role

S = Stage
VILLAGE: Final = frozenset({Role.village})
TOWNSHIP: Final = frozenset({Role.township})
COUNTY: Final = frozenset({Role.county})
FIELD: Final = frozenset({Role.village, Role.township})  # field work: cadres and township
OFFICIALS: Final = frozenset({Role.township, Role.county})  # decisions above the village
ANY_OFFICE: Final = frozenset({Role.village, Role.township, Role.county})


@dataclass(frozen=True, slots=True)
class Move:
    source: Stage
    target: Stage
    roles: frozenset[Role]
    needs: tuple[str, ...] = ()  # evidence keys that must be given
    reason: bool = False  # a reason must be given
    guards: tuple[str, ...] = ()  # names of checks in cases.guards
    effects: tuple[str, ...] = ()  # names of effects in cases.effects

    @property
    def key(self) -> tuple[Stage, Stage]:
        return (self.source, self.target)


def _moves(*moves: Move) -> Mapping[tuple[Stage, Stage], Move]:
    table = {m.key: m for m in moves}
    if len(table) != len(moves):
        raise ValueError("a move is declared twice in the transition table")
    return MappingProxyType(table)


# fmt: off
MOVES: Final = _moves(
    # identification (识别): lead → verification → comparison → village → township → county
    Move(S.lead, S.verifying, FIELD),
    Move(S.lead, S.withdrawn, FIELD, reason=True),
    Move(S.lead, S.emergency_assistance, OFFICIALS, needs=("emergency",), reason=True),
    Move(S.verifying, S.comparing, FIELD, guards=("home_visit_signed",)),
    Move(S.verifying, S.emergency_assistance, OFFICIALS, needs=("emergency",), reason=True),
    Move(S.verifying, S.withdrawn, FIELD, reason=True),
    Move(S.verifying, S.rejected, OFFICIALS, reason=True),
    Move(S.emergency_assistance, S.comparing, FIELD, guards=("home_visit_signed",)),
    Move(S.emergency_assistance, S.rejected, OFFICIALS, reason=True),
    Move(S.comparing, S.village_review, VILLAGE, guards=("on_notice",)),
    Move(S.comparing, S.rejected, OFFICIALS, reason=True),
    Move(S.comparing, S.withdrawn, FIELD, reason=True),
    Move(S.village_review, S.township_review, VILLAGE, needs=("democratic_review",),
         guards=("notice_over", "objections_resolved")),
    Move(S.village_review, S.rejected, FIELD, reason=True, guards=("objections_resolved",)),
    Move(S.township_review, S.county_approval, TOWNSHIP, needs=("township_opinion",)),
    Move(S.township_review, S.verifying, TOWNSHIP, reason=True),
    Move(S.township_review, S.rejected, TOWNSHIP, reason=True),
    Move(S.county_approval, S.monitored, COUNTY, needs=("category", "risk_types"),
         guards=("category_and_risks",), effects=("registry_monitored",)),
    Move(S.county_approval, S.verifying, COUNTY, reason=True),
    Move(S.county_approval, S.rejected, COUNTY, reason=True),
    # assistance and risk elimination (帮扶, 风险消除)
    Move(S.monitored, S.assisting, ANY_OFFICE, guards=("has_measure",)),
    Move(S.assisting, S.elimination_proposed, FIELD, needs=("method",),
         guards=("exit_rules",)),
    Move(S.elimination_proposed, S.elimination_review, VILLAGE, guards=("on_notice",)),
    Move(S.elimination_proposed, S.assisting, FIELD, reason=True),
    Move(S.elimination_review, S.eliminated, COUNTY,
         needs=("democratic_review", "township_opinion"),
         guards=("notice_over", "objections_resolved", "exit_rules"),
         effects=("registry_eliminated",)),
    Move(S.elimination_review, S.assisting, ANY_OFFICE, reason=True,
         guards=("objections_resolved",)),
    Move(S.eliminated, S.post_exit_watch, ANY_OFFICE),
    Move(S.eliminated, S.reverted, OFFICIALS, reason=True, guards=("no_other_active_case",),
         effects=("registry_reverted",)),
    Move(S.post_exit_watch, S.reverted, OFFICIALS, reason=True,
         guards=("no_other_active_case",), effects=("registry_reverted",)),
    Move(S.reverted, S.assisting, ANY_OFFICE, guards=("has_measure",)),
)
# fmt: on

TERMINAL: Final = frozenset(s for s in Stage if not any(m.source is s for m in MOVES.values()))


def move_for(source: Stage, target: Stage) -> Move | None:
    return MOVES.get((source, target))


def next_stages(source: Stage) -> list[Stage]:
    """The stages a case in ``source`` may move to, in table order."""
    return [m.target for m in MOVES.values() if m.source is source]
