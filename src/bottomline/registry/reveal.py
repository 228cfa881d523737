"""A member's full ID number, for the officials whose work needs it: each reveal is an audited
action with its purpose.

Everything else shows ID numbers masked (``ids.mask_id``). A village cadre, a township officer
or a county official may see one member's full number in their region, saying why from a code
list (:class:`~bottomline.registry.enums.RevealPurpose`); the audit row records who saw whose
number, when and why — not the number. City and province analysts, auditors, and the roles that
read no records never see one (the auditor also because every audited action is refused to it);
a household outside the region answers like one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bottomline import audit
from bottomline.errors import PermissionDenied
from bottomline.registry.access import access_household
from bottomline.registry.edits import find_member
from bottomline.registry.enums import RevealPurpose
from bottomline.users.actor import Actor
from bottomline.users.enums import Role

REVEALERS = frozenset({Role.village, Role.township, Role.county})


@dataclass(frozen=True, slots=True)
class Revealed:
    household_no: str
    member_id: int
    id_number: str


def reveal_id_number(
    session: Session, *, actor: Actor, number: str | int, member: str, purpose: RevealPurpose
) -> Revealed:
    """The full ID number of ``member`` (masked number, member id or ID number, as
    ``find_member`` takes it) of household ``number``, with the reveal's audit row."""
    if actor.role not in REVEALERS:
        raise PermissionDenied(
            f"{actor} 不能查看完整证件号码 / {actor} cannot see full ID numbers",
            hint="完整证件号码只对本辖区的村、乡镇、县级经办人显示 / full ID numbers are shown "
            "only to village, township and county officials in their region",
        )
    household = access_household(session, actor=actor, number=number)
    found = find_member(household, member)
    change = audit.Change(
        "member.reveal_id",
        "member",
        found.id,
        region_code=household.village_code,
        after={"household_id": household.id, "purpose": purpose.value},
        reason=purpose.zh,
    )
    audit.record(session, change, actor=actor.name, role=actor.role.value)
    return Revealed(household.household_no, found.id, found.id_number)
