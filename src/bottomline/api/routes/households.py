"""``/households/{number}``: one household, masked, reached through the access layer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from bottomline.api.schemas import (
    HouseholdOut,
    IncomeOut,
    Label,
    MemberOut,
    RevealIn,
    RevealOut,
    errors,
)
from bottomline.api.security import current_actor, transaction
from bottomline.db import MAX_ID
from bottomline.ids import mask_id, mask_name, mask_phone
from bottomline.registry.access import access_household
from bottomline.registry.enums import Category, HouseholdType, Relationship
from bottomline.users.actor import Actor

router = APIRouter(tags=["registry"])
ERRORS = errors(401, 403, 404)


@router.get("/households/{number}", response_model=HouseholdOut, responses=ERRORS)
def household(
    number: Annotated[str, Path(min_length=1, max_length=32, description="户编号")],
    request: Request,
    actor: Actor = Depends(current_actor),  # noqa: B008
) -> HouseholdOut:
    """农户 / A household by 户编号: members, incomes by year and cases (masked). One outside
    your region answers like one that does not exist."""
    from bottomline.cases.queries import cases_of
    from bottomline.registry.records import incomes_of

    with transaction(request, actor) as session:
        found = access_household(session, actor=actor, number=number, removed=True)
        members = [m for m in found.members if m.removed_at is None]
        size = len(members)
        return HouseholdOut(
            id=found.id,
            household_no=found.household_no,
            village_code=found.village_code,
            household_type=Label.of(HouseholdType(found.household_type)),
            formerly_poor=found.formerly_poor,
            monitoring_category=None
            if found.monitoring_category is None
            else Label.of(Category(found.monitoring_category)),
            monitored_on=found.monitored_on,
            risk_eliminated_on=found.risk_eliminated_on,
            removed=found.removed_at is not None,
            phone=mask_phone(found.phone),
            members=[
                MemberOut(
                    id=m.id,
                    id_number=mask_id(m.id_number),
                    name=mask_name(m.name),
                    relationship=Label.of(Relationship(m.relationship)),
                    sex=m.sex,
                    birth_year=m.birth_date.year,
                )
                for m in members
            ],
            incomes=[
                IncomeOut(
                    year=i.year,
                    net_income=str(i.net_income),
                    per_capita_net_income=str(i.per_capita_net_income(size)) if size else "",
                )
                for i in incomes_of(session, found.id)
            ],
            cases=[c.id for c in cases_of(session, found.id)],
        )


@router.post(
    "/households/{number}/members/{member_id}/id-number",
    response_model=RevealOut,
    responses=errors(400, 401, 403, 404, 422),
)
def reveal_id_number(
    number: Annotated[str, Path(min_length=1, max_length=32, description="户编号")],
    member_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    reveal: RevealIn,
    request: Request,
    response: Response,
    actor: Actor = Depends(current_actor),  # noqa: B008
) -> RevealOut:
    """完整证件号码 / One member's full ID number, for a village, township or county official
    in their region, saying why: each reveal is an audited action (the audit row holds who,
    whose and why, never the number). The answer is not to be cached."""
    from bottomline.registry.reveal import reveal_id_number as reveal_number

    response.headers["Cache-Control"] = "no-store"
    with transaction(request, actor) as session:
        shown = reveal_number(
            session, actor=actor, number=number, member=str(member_id), purpose=reveal.purpose
        )
        return RevealOut(
            household_no=shown.household_no, member_id=shown.member_id, id_number=shown.id_number
        )
