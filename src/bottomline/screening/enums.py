"""Categories of monitored households and risk types (defined with the registry, which records
them as the national system gives them; re-exported here for the screening engine and cases),
and the triage of screening clues.
"""

from __future__ import annotations

from bottomline.labels import LabelledEnum
from bottomline.registry.enums import MAX_RISK_TYPES, Category, RiskType

__all__ = ["CLUE_CHANNELS", "MAX_RISK_TYPES", "Category", "RiskType", "Triage"]

# Channels (cases.enums.Channel values) whose leads are clues, triaged before any case opens;
# leads of every other channel go straight into a case on the day they arrived.
CLUE_CHANNELS = frozenset({"screening"})


class Triage(LabelledEnum):
    """研判 of a clue (线索) in the county's queue (docs/cases.md, "Triage")."""

    pending = ("pending", "待研判", "waiting for triage")
    dispatched = ("dispatched", "已派发核实", "dispatched for verification")
    dismissed = ("dismissed", "已排除", "dismissed")
