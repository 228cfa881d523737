"""``/cases``, ``/cases/{id}``, ``/clues`` and ``/pipeline``: the case work of a region."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.orm import Session

from bottomline.api.schemas import (
    CaseEventOut,
    CaseList,
    CaseOut,
    CaseRow,
    ClueOut,
    CluePageOut,
    Label,
    PipelineOut,
    TransitionIn,
    errors,
    text,
)
from bottomline.api.security import current_actor, loaded_policies, transaction
from bottomline.cases.enums import Stage
from bottomline.cases.models import Case
from bottomline.db import MAX_ID
from bottomline.labels import LabelledEnum
from bottomline.registry.access import access_count_region, access_region
from bottomline.screening.enums import Triage
from bottomline.users.actor import Actor
from bottomline.workdays import today_in_china

E = TypeVar("E", bound=LabelledEnum)
router = APIRouter(tags=["cases"])
ERRORS = errors(400, 401, 403, 404, 409, 422)
Region = Annotated[
    str | None,
    Query(
        pattern=r"^\d{12}$",
        description="12-digit code of a region inside yours (default: your region)",
    ),
]


def _row(case: Case) -> CaseRow:
    return CaseRow(
        id=case.id,
        household_id=case.household_id,
        village_code=case.village_code,
        stage=Label.of(Stage(case.stage)),
        category=case.category,
        first_lead_on=case.first_lead_on,
        deadline_on=case.deadline_on,
        version=case.version,
    )


@router.get("/cases", response_model=CaseList, responses=ERRORS)
def case_list(
    request: Request,
    actor: Actor = Depends(current_actor),  # noqa: B008
    region: Region = None,
    stage: Stage | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> CaseList:
    """案件 / The cases of your region (or a region inside it), oldest first."""
    from bottomline.cases.queries import cases_in

    with transaction(request, actor) as session:
        scope = access_region(session, actor=actor, code=region)
        return CaseList(
            rows=[_row(c) for c in cases_in(session, scope, stage=stage, limit=limit)], limit=limit
        )


@router.get("/cases/{case_id}", response_model=CaseOut, responses=ERRORS)
def case_detail(
    case_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    request: Request,
    actor: Actor = Depends(current_actor),  # noqa: B008
) -> CaseOut:
    """案件详情 / One case with its clock and history. One outside your region answers like
    one that does not exist."""
    with transaction(request, actor) as session:
        return _case_out(session, case_id, actor)


def _case_out(session: Session, case_id: int, actor: Actor) -> CaseOut:
    from bottomline.cases.queries import access_case, case_file

    found = case_file(session, access_case(session, case_id, actor), today_in_china())
    return CaseOut(
        **_row(found.case).model_dump(),
        household_no=found.household.household_no,
        risk_types=list(found.case.risk_types),
        days_used=found.clock.days_used,
        days_left=found.clock.days_left,
        overdue=found.clock.overdue,
        events=[
            CaseEventOut(
                occurred_on=e.occurred_on,
                from_stage=e.from_stage,
                to_stage=e.to_stage,
                actor=e.actor,
                role=e.role,
                reason=text(e.reason),
            )
            for e in found.events
        ],
        notices=[n.id for n in found.notices],
        visits=len(found.visits),
        measures=len(found.measures),
    )


@router.post("/cases/{case_id}/transitions", response_model=CaseOut, responses=ERRORS)
def case_transition(
    case_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    decision: TransitionIn,
    request: Request,
    actor: Actor = Depends(current_actor),  # noqa: B008
) -> CaseOut:
    """流转 / Move a case to its next stage, on the version you saw: if someone moved it since,
    nothing changes and the answer is 409 (reload the case and decide again)."""
    from bottomline.cases.queries import access_case
    from bottomline.cases.workflow import transition

    with transaction(request, actor) as session:
        policies = loaded_policies(request)
        evidence: dict[str, Any] = dict(decision.evidence)
        if decision.risk_types:
            evidence["risk_types"] = [r.value for r in decision.risk_types]
        if decision.category:
            evidence["category"] = decision.category.value
        if decision.method:
            evidence["method"] = decision.method.value
        case = access_case(session, case_id, actor)
        transition(
            session,
            case,
            decision.to,
            actor=actor,
            reason=decision.reason,
            evidence=evidence,
            on=decision.on or today_in_china(),
            policies=policies,
            expected_version=decision.version,
        )
        return _case_out(session, case_id, actor)


@router.get("/clues", response_model=CluePageOut, responses=ERRORS)
def clue_list(
    request: Request,
    actor: Actor = Depends(current_actor),  # noqa: B008
    township: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    village: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    status: Triage = Triage.pending,
    sort: Annotated[str, Query(pattern="^(oldest|newest|village|household|hits)$")] = "oldest",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CluePageOut:
    """线索 / The screening clues of your region waiting for triage (or dispatched, dismissed)."""
    from bottomline.cases.clues.queries import ClueFilter, clue_page

    with transaction(request, actor) as session:
        filters = ClueFilter(township=township, village=village, status=status)
        found = clue_page(
            session, actor=actor, filters=filters, sort=sort, page=page, page_size=page_size
        )
        return CluePageOut(
            total=found.total,
            page=found.page,
            page_size=found.page_size,
            pages=found.pages,
            rows=[ClueOut.model_validate(r, from_attributes=True) for r in found.rows],
        )


@router.get("/pipeline", response_model=PipelineOut, responses=ERRORS)
def pipeline_counts(
    request: Request,
    actor: Actor = Depends(current_actor),  # noqa: B008
    region: Region = None,
    level: Annotated[str, Query(pattern="^(county|township|village)$")] = "township",
) -> PipelineOut:
    """案件进度 / Cases per region and stage: the dashboard's counts (analysts too: counts,
    no record)."""
    from bottomline.cases.queries import pipeline

    with transaction(request, actor) as session:
        scope = access_count_region(session, actor=actor, code=region)
        return PipelineOut(
            level=level, region_code=scope.region_code, counts=pipeline(session, scope, level=level)
        )
