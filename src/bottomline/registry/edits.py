"""Audited local edits of a household: deaths, births, moves, guarantees, household and member
fields (docs/households.md).

Each function is one action: it takes the acting user, reaches the household only through
``access_household`` (a removed household cannot be edited), checks values as the registry
import does (``field_values``), writes one audit row with before and after in the caller's
transaction (personal values withheld), and notes every field it changed in ``local_edits`` so
a later registry import that disagrees shows a conflict instead of undoing it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bottomline import audit
from bottomline.db import utcnow
from bottomline.errors import PermissionDenied, UserError
from bottomline.ids import birth_date_of, mask_id
from bottomline.registry.access import access_household
from bottomline.registry.enums import (
    Education,
    IdKind,
    IncomeSource,
    LabourCapacity,
    MemberEventKind,
    MoveReason,
    Relationship,
    Schooling,
    Sex,
)
from bottomline.registry.field_values import (
    HOUSEHOLD_EDITABLE,
    MEMBER_EDITABLE,
    PERSONAL_FIELDS,
    field_value,
)
from bottomline.registry.models import (
    Household,
    HouseholdGuarantee,
    LocalEdit,
    Member,
    MemberEvent,
)
from bottomline.users.actor import Actor
from bottomline.users.enums import Role
from bottomline.workdays import today_in_china

# Who may edit a household in their region: every edit alike (village cadres their village).
EDITORS = frozenset({Role.village, Role.township, Role.county})
GUARANTEE_FIELDS = ("food_clothing_insecure", "housing_unsafe", "water_unsafe")
MEMBERSHIP = "household_no"  # the local edit of a member's household (None: left it)
LISTED = "listed"  # the local edit of a household closed when its last member left


@dataclass(frozen=True, slots=True)
class NewPerson:
    """A member to add: a newborn (most fields default) or someone moving in (all given)."""

    name: str
    id_number: str
    relationship: str
    sex: str | None = None  # default: from the ID number
    birth_date: dt.date | None = None  # default: from the ID number
    ethnicity: str | None = None  # default: the head's
    fields: Mapping[str, str | bool | int] | None = None  # MEMBER_EDITABLE values


# A newborn's fields: not at school, healthy, no labour, no insurance until enrolled.
NEWBORN: Mapping[str, Any] = {
    "education": Education.preschool_age.value,
    "schooling": Schooling.not_in_school.value,
    "health": "healthy",
    "disability_grade": None,
    "labour_capacity": LabourCapacity.none.value,
    "migrant_months": 0,
    "migrant_place": None,
    "insured_medical": False,
    "insured_serious_illness": False,
    "insured_pension": False,
    "dibao": False,
    "tekun": False,
    "public_welfare_job": False,
}
REQUIRED_ON_MOVE_IN = ("education", "schooling", "health", "labour_capacity")


def editable_household(session: Session, *, actor: Actor, number: str | int) -> Household:
    """The household, if the actor's role may edit and their region covers it."""
    if actor.role not in EDITORS:
        raise PermissionDenied(
            f"{actor} 不能修改农户信息 / {actor} cannot edit households",
            hint="农户信息由村、乡镇、县级用户在本辖区修改 / "
            "village, township and county users edit households in their own region",
        )
    return access_household(session, actor=actor, number=number)


def find_member(household: Household, ref: str) -> Member:
    """A present member by ID number, by the masked number ``show`` prints, or by member id."""
    ref = ref.strip().upper()
    present = [m for m in household.members if m.removed_at is None]
    found = [m for m in present if ref in (m.id_number.upper(), mask_id(m.id_number).upper())]
    if not found and ref.isdigit() and len(ref) <= 12:
        found = [m for m in present if m.id == int(ref)]
    if len(found) > 1:
        raise UserError(
            f"户 {household.household_no} 中有多名成员与 {ref} 相符 / more than one member matches",
            hint="给出该成员完整的证件号码或成员编号 / give the member's full ID number or member id",
        )
    if not found:
        raise UserError(
            f"户 {household.household_no} 中没有成员 {ref} / no such member in the household",
            hint="给出成员的证件号码、成员编号或户信息中显示的遮蔽号码 / "
            "give the member's ID number, member id or masked number as the household shows",
        )
    return found[0]


# --- deaths and moves out --------------------------------------------------------------------


def record_death(
    session: Session,
    *,
    actor: Actor,
    number: str | int,
    member: str,
    died_on: dt.date,
    new_head: str | None = None,
) -> Member:
    """The member died on ``died_on``: removed from the household, the death kept as an event."""
    return _remove_member(session, actor, number, member, died_on, None, new_head)


def record_move_out(
    session: Session,
    *,
    actor: Actor,
    number: str | int,
    member: str,
    moved_on: dt.date,
    reason: MoveReason,
    new_head: str | None = None,
) -> Member:
    """The member left the household (married out, moved away, joined the army …)."""
    if not reason.moving_out:
        raise UserError(
            f"{reason.label} 不是迁出原因 / is not a reason for moving out",
            hint="可选 / choose: "
            + ", ".join(f"{r.value} ({r.zh})" for r in MoveReason if r.moving_out),
        )
    return _remove_member(session, actor, number, member, moved_on, reason, new_head)


def _remove_member(
    session: Session,
    actor: Actor,
    number: str | int,
    ref: str,
    on: dt.date,
    reason: MoveReason | None,
    new_head: str | None,
) -> Member:
    household = editable_household(session, actor=actor, number=number)
    member = find_member(household, ref)
    _check_day(on, member.birth_date)
    heir = _heir(household, member, new_head)
    kind = MemberEventKind.death if reason is None else MemberEventKind.move_out
    now = utcnow()
    member.removed_at = now
    _event(session, actor, member, kind, on, reason)
    _note(session, actor, household, member, MEMBERSHIP, None)
    after: dict[str, Any] = {"kind": kind.value, "on": on, "reason": reason and reason.value}
    if heir is not None:
        heir.relationship = Relationship.head.value
        _note(session, actor, household, heir, "relationship", heir.relationship)
        after["new_head_member_id"] = heir.id
    if not any(m.removed_at is None for m in household.members):
        household.removed_at = now
        _note(session, actor, household, None, LISTED, False)
        after["household_closed"] = True
    session.flush()
    _audit(session, actor, f"member.{kind.value}", "member", member.id, household,
           before={"household_no": household.household_no}, after=after)  # fmt: skip
    return member


def _heir(household: Household, member: Member, new_head: str | None) -> Member | None:
    """The new head when the head leaves (required if anyone stays), else None."""
    others = [m for m in household.members if m.removed_at is None and m.id != member.id]
    if member.relationship != Relationship.head.value or not others:
        if new_head is not None and member.relationship != Relationship.head.value:
            raise UserError(
                "只有户主离开时才指定新户主 / a new head is named only when the head leaves",
                hint="与户主关系请用成员字段修改 / change relationships with the member field edit instead",
            )
        return None
    if new_head is None:
        raise UserError(
            f"成员 {mask_id(member.id_number)} 是户主，需指定新户主 / the member is the head: "
            "name the new head",
            hint="给出新户主的证件号码或成员编号（见户信息的成员列表） / "
            "give the new head's ID number or member id (the household lists its members)",
        )
    heir = find_member(household, new_head)
    if heir.id == member.id:
        raise UserError("新户主不能是离开的成员 / the new head cannot be the member who leaves")
    return heir


# --- births and moves in ---------------------------------------------------------------------


def record_birth(session: Session, *, actor: Actor, number: str | int, person: NewPerson) -> Member:
    """A child born into the household: relationship child or grandchild, a newborn's fields.

    The ID number is required: a child enters the registry with the 公民身份号码 issued at birth
    registration (户口登记), and the national system keys members by it.
    """
    relationship = field_value("relationship", person.relationship)
    if relationship not in (Relationship.child.value, Relationship.grandchild.value):
        raise UserError(
            f"新生儿与户主关系应为子女或孙子女 / a newborn is the head's child or grandchild, "
            f"not {person.relationship!r}",
            hint="child (子女) or grandchild (孙子女)",
        )
    household = editable_household(session, actor=actor, number=number)
    values = dict(NEWBORN) | _member_fields(person.fields or {})
    member = _add_member(session, actor, household, person, values)
    _event(session, actor, member, MemberEventKind.birth, member.birth_date, None)
    _audit_added(session, actor, household, member, MemberEventKind.birth, member.birth_date, None)
    return member


def record_move_in(
    session: Session,
    *,
    actor: Actor,
    number: str | int,
    person: NewPerson,
    moved_on: dt.date,
    reason: MoveReason,
) -> Member:
    """Someone joins the household (married in, returned) with all their member fields."""
    if not reason.moving_in:
        raise UserError(
            f"{reason.label} 不是迁入原因 / is not a reason for moving in",
            hint="可选 / choose: "
            + ", ".join(f"{r.value} ({r.zh})" for r in MoveReason if r.moving_in),
        )
    given = person.fields or {}
    missing = [name for name in REQUIRED_ON_MOVE_IN if name not in given]
    if missing:
        raise UserError(
            f"迁入成员缺少字段 / a member moving in needs: {', '.join(missing)}",
            hint="填写全国系统表格的全部成员字段 / give every member field of the national form",
        )
    household = editable_household(session, actor=actor, number=number)
    values = dict(NEWBORN) | _member_fields(given)
    member = _add_member(session, actor, household, person, values)
    _check_day(moved_on, member.birth_date)
    _event(session, actor, member, MemberEventKind.move_in, moved_on, reason)
    _audit_added(session, actor, household, member, MemberEventKind.move_in, moved_on, reason)
    return member


def _add_member(
    session: Session,
    actor: Actor,
    household: Household,
    person: NewPerson,
    values: dict[str, Any],
) -> Member:
    number = str(field_value("id_number", person.id_number))
    if len(number) != 18:
        raise UserError(
            "新成员应填写18位居民身份证号码 / a new member needs an 18-character resident ID number",
            hint="户口簿或出生登记上的号码 / the number on the 户口簿 or the birth registration",
        )
    born, sex = _identity(number, person)
    relationship = str(field_value("relationship", person.relationship))
    if relationship == Relationship.head.value:
        raise UserError(
            "户主已存在 / the household has a head",
            hint="按与户主的关系添加成员；户主在迁出时变更 / "
            "add the member with their relationship to the head; change heads on a move out",
        )
    ethnicity = person.ethnicity or _head_ethnicity(household)
    fields = {
        "id_number": number,
        "id_kind": IdKind.resident_id.value,
        "name": str(field_value("name", person.name)),
        "relationship": relationship,
        "sex": sex,
        "birth_date": born,
        "ethnicity": str(field_value("ethnicity", ethnicity)),
    } | values
    member = _reusable(session, number)
    if member is None:
        member = Member(household_id=household.id, **fields)
        session.add(member)
    else:
        for name, value in fields.items():
            setattr(member, name, value)
        member.household_id, member.removed_at = household.id, None
    session.flush()
    session.refresh(household)
    _note(session, actor, household, member, MEMBERSHIP, household.household_no)
    return member


def _reusable(session: Session, number: str) -> Member | None:
    """The stored record of the person, if they left their household; refused if present."""
    found = session.scalars(select(Member).where(Member.id_number == number)).first()
    if found is not None and found.removed_at is None:
        raise UserError(
            "该证件号码已是另一户的成员 / the person is a member of another household",
            hint="先由原户登记迁出，再由本户登记迁入 / "
            "their household records the move out first, then this household the move in",
        )
    return found


def _identity(number: str, person: NewPerson) -> tuple[dt.date, str]:
    born = birth_date_of(number)
    sex = Sex.male.value if int(number[16]) % 2 else Sex.female.value
    if person.birth_date is not None and person.birth_date != born:
        raise UserError(
            f"出生日期 {person.birth_date} 与证件号码不符 / the birth date does not match the ID "
            "number",
            hint="check the number or the date on the 户口簿",
        )
    if person.sex is not None and field_value("sex", person.sex) != sex:
        raise UserError(
            "性别与证件号码第17位不符 / sex does not match the ID number's 17th digit",
            hint="check the number or the sex on the 户口簿",
        )
    return born, sex


def _head_ethnicity(household: Household) -> str:
    heads = [m for m in household.members if m.relationship == Relationship.head.value]
    return heads[0].ethnicity if heads else "01"


def _member_fields(given: Mapping[str, str | bool | int]) -> dict[str, Any]:
    unknown = sorted(set(given) - set(MEMBER_EDITABLE))
    if unknown:
        raise UserError(f"不能修改的成员字段 / member fields that cannot be edited: {unknown}")
    return {name: field_value(name, value) for name, value in given.items()}


def _audit_added(
    session: Session,
    actor: Actor,
    household: Household,
    member: Member,
    kind: MemberEventKind,
    on: dt.date,
    reason: MoveReason | None,
) -> None:
    after = {
        "kind": kind.value,
        "on": on,
        "reason": reason and reason.value,
        "id_number": mask_id(member.id_number),
        "relationship": member.relationship,
    }
    _audit(session, actor, f"member.{kind.value}", "member", member.id, household, after=after)


# --- fields and guarantees -------------------------------------------------------------------


def set_household_fields(
    session: Session, *, actor: Actor, number: str | int, changes: Mapping[str, str | bool]
) -> Household:
    """Change household fields (address, phone, no-labour flag)."""
    household = editable_household(session, actor=actor, number=number)
    unknown = sorted(set(changes) - set(HOUSEHOLD_EDITABLE))
    if unknown or not changes:
        raise UserError(
            f"可修改的户字段 / household fields that can be edited: {', '.join(HOUSEHOLD_EDITABLE)}"
        )
    values = {name: field_value(name, value) for name, value in changes.items()}
    before, after = _apply(session, actor, household, None, household, values)
    _audit(session, actor, "household.edit", "household", household.id, household,
           before=before, after=after)  # fmt: skip
    return household


def set_member_fields(
    session: Session,
    *,
    actor: Actor,
    number: str | int,
    member: str,
    changes: Mapping[str, str | bool | int],
) -> Member:
    """Change a member's fields (schooling, health, labour capacity, insurance, migrant work …)."""
    household = editable_household(session, actor=actor, number=number)
    found = find_member(household, member)
    if not changes:
        raise UserError(f"可修改的成员字段 / member fields: {', '.join(MEMBER_EDITABLE)}")
    values = _member_fields(changes)
    if values.get("relationship") == Relationship.head.value:
        raise UserError(
            "户主只在原户主离开时变更 / the head changes only when the head leaves",
            hint="登记户主死亡或迁出时指定新户主 / "
            "record the head's death or move out with the new head",
        )
    before, after = _apply(session, actor, household, found, found, values)
    _audit(session, actor, "member.edit", "member", found.id, household,
           before=before, after=after)  # fmt: skip
    return found


def _apply(
    session: Session,
    actor: Actor,
    household: Household,
    member: Member | None,
    record: Household | Member,
    values: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    before, after = {}, {}
    for name, value in values.items():
        old = getattr(record, name)
        if old == value:
            continue
        setattr(record, name, value)
        _note(session, actor, household, member, name, value)
        before[name], after[name] = _logged(name, old), _logged(name, value)
    if not after:
        raise UserError("没有变化 / nothing changes: the values are already recorded")
    session.flush()
    return before, after


def set_guarantees(
    session: Session,
    *,
    actor: Actor,
    number: str | int,
    year: int,
    changes: Mapping[str, bool],
    today: dt.date | None = None,
) -> HouseholdGuarantee:
    """Set the household's 两不愁三保障 + drinking-water status of ``year`` (source ``edit``)."""
    household = editable_household(session, actor=actor, number=number)
    today = today or today_in_china()
    if not 2013 <= year <= today.year:
        raise UserError(f"年度 {year} 无效 / year {year} is not valid", hint=f"2013 … {today.year}")
    unknown = sorted(set(changes) - set(GUARANTEE_FIELDS))
    if unknown or not changes:
        raise UserError(f"保障字段 / guarantee fields: {', '.join(GUARANTEE_FIELDS)}")
    row = session.get(HouseholdGuarantee, (household.id, year))
    before = None if row is None else {f: getattr(row, f) for f in GUARANTEE_FIELDS}
    if row is None:
        row = HouseholdGuarantee(household_id=household.id, year=year, **dict.fromkeys(
            GUARANTEE_FIELDS, False))  # fmt: skip
        session.add(row)
    for name, value in changes.items():
        setattr(row, name, bool(value))
    row.source, row.source_ref, row.as_of = IncomeSource.edit.value, None, today
    session.flush()
    after = {f: getattr(row, f) for f in GUARANTEE_FIELDS} | {"year": year}
    _audit(session, actor, "guarantee.edit", "household", household.id, household,
           before=before, after=after)  # fmt: skip
    return row


# --- shared ----------------------------------------------------------------------------------


def _check_day(on: dt.date, born: dt.date) -> None:
    if on > today_in_china():
        raise UserError(
            f"{on} 是将来的日期 / {on} is in the future",
            hint="给出发生的日期 / give the day it happened",
        )
    if on < born:
        raise UserError(f"{on} 早于出生日期 / {on} is before the member was born")


def _event(
    session: Session,
    actor: Actor,
    member: Member,
    kind: MemberEventKind,
    on: dt.date,
    reason: MoveReason | None,
) -> None:
    session.add(
        MemberEvent(
            member_id=member.id,
            household_id=member.household_id,
            kind=kind.value,
            reason=reason and reason.value,
            occurred_on=on,
            recorded_by=actor.name,
        )
    )


def _note(
    session: Session,
    actor: Actor,
    household: Household,
    member: Member | None,
    name: str,
    value: Any,
) -> None:
    session.add(
        LocalEdit(
            household_id=household.id,
            member_id=member.id if member else None,
            field=name,
            value=value,
            actor=actor.name,
        )
    )


def _logged(name: str, value: Any) -> Any:
    return "（不记录 / withheld）" if name in PERSONAL_FIELDS and value is not None else value


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int,
    household: Household,
    *,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    change = audit.Change(
        action=action,
        entity=entity,
        entity_id=entity_id,
        region_code=household.village_code,
        before=before,
        after={"household_id": household.id, **(after or {})},
    )
    audit.record(session, change, actor=actor.name, role=actor.role.value)
