"""Categories of monitored households and risk types (defined with the registry, which records
them as the national system gives them; re-exported here for the screening engine and cases).
"""

from __future__ import annotations

from bottomline.registry.enums import MAX_RISK_TYPES, Category, RiskType

__all__ = ["MAX_RISK_TYPES", "Category", "RiskType"]
