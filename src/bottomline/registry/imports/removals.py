"""The bound on removals: a file that lists far fewer households than the registry holds for
its counties (a truncated file, one township's sheet) must not silently remove the rest.

An import is refused, unless confirmed, when it would remove more than
``registry_removal_share`` of the stored households of the file's counties (default 5 %), or
every stored household of a township that holds at least ``registry_removal_township``
(default 10). Both are settings (docs/configuration.md).
"""

from __future__ import annotations

from collections import Counter

from bottomline.config import get_settings
from bottomline.errors import UserError
from bottomline.registry.imports.diff import Plan
from bottomline.registry.imports.fields import HOUSEHOLD_FIELDS
from bottomline.registry.imports.store import State

_VILLAGE = HOUSEHOLD_FIELDS.index("village_code")


class MassRemovalError(UserError):
    """The import would remove more households than the bound allows."""


def check_removals(state: State, plan: Plan, allowed: bool) -> tuple[int, int, bool]:
    """(households removed, stored households of the file's counties, beyond the bound);
    raises MassRemovalError beyond the bound unless ``allowed``."""
    stored = [s for s in state.households.values() if s.in_scope and not s.removed]
    removed = len(plan.removed_households)
    if not removed:
        return 0, len(stored), False
    settings = get_settings()
    gone = set(plan.removed_households)
    towns = Counter(s.values[_VILLAGE][:9] for s in stored)
    emptied = Counter(s.values[_VILLAGE][:9] for s in stored if s.id in gone)
    whole = sorted(
        town + "000"
        for town, n in emptied.items()
        if n == towns[town] and n >= settings.registry_removal_township
    )
    share = removed / len(stored)
    beyond = share > settings.registry_removal_share or bool(whole)
    if allowed or not beyond:
        return removed, len(stored), beyond
    towns_text = f"，整乡镇 whole townships {'、'.join(whole[:5])}" if whole else ""
    raise MassRemovalError(
        f"本次导入将移除 {removed:,} 户（登记库中这些县共 {len(stored):,} 户，{share:.1%}）{towns_text}"
        f" / the import would remove {removed:,} of the {len(stored):,} households stored for "
        "the file's counties; nothing was changed",
        hint="请核对文件是否为这些县的完整导出（未截断，每个乡镇的工作表都在）；移除无误则予以确认 / "
        "check that the file is the whole export of its counties (not truncated, every "
        "township's sheet); if the removals are right, confirm them",
    )
