"""The case rules (Q5xx) find the problems planted for them and nothing else, on both backends.

Cases and measures are inserted as rows, as an import or old data could hold them (the case
workflow refuses some of these states; the checks are for the data it did not write). A plant
returns the households its rule must report; its near misses — the edge of the rule, a
household monitored again, a cancelled measure — return nothing, so any finding they caused
fails the exact comparison with the open issues.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, cast

import pytest
from sqlalchemy import Engine, Table, insert, select

from bottomline.assistance.enums import MeasureCategory, MeasureStatus
from bottomline.assistance.models import Measure
from bottomline.cases.enums import EliminationMethod, Stage
from bottomline.cases.models import Case
from bottomline.db import utcnow
from bottomline.quality import rules
from bottomline.quality.models import QualityIssue
from bottomline.quality.rules import CASES, MEASURES, RULES_BY_CODE, Subject
from bottomline.registry.enums import LabourCapacity
from bottomline.registry.models import Household
from bottomline.screening.enums import RiskType
from tests.quality.conftest import Planter, check, open_subjects

Expected = dict[str, set[str]]
CASE_RULES = ("Q501", "Q502", "Q503", "Q504", "Q505", "Q506")
IDENTIFIED = dt.date(2024, 3, 15)
ELIMINATED = dt.date(2025, 1, 20)  # ten months later: not a quick elimination
ELIMINATED_STAGES = ("eliminated", "post_exit_watch")
MEASURE_TYPES = {  # a catalogue code of each category the plants use
    "industry": "industry_subsidy",
    "drinking_water": "water_supply",
    "health": "medical_assistance",
    "comprehensive_security": "dibao",
    "social_assistance": "social_help",
}


# --- planting ------------------------------------------------------------------------------


def add_case(
    p: Planter,
    household_id: int,
    stage: str,
    *,
    risks: tuple[str, ...] = ("other",),
    identified_on: dt.date | None = IDENTIFIED,
    eliminated_on: dt.date | None = None,
    method: str | None = None,
) -> int:
    """A case row; an eliminated one defaults to natural elimination on ELIMINATED."""
    if stage in ELIMINATED_STAGES:
        eliminated_on = eliminated_on or ELIMINATED
        method = method or EliminationMethod.natural.value
    first_lead = (identified_on or IDENTIFIED) - dt.timedelta(days=20)
    village = p.execute(select(Household.village_code).where(Household.id == household_id))
    row = {
        "household_id": household_id,
        "village_code": village[0][0],
        "stage": stage,
        "active": Stage(stage).active,
        "category": "marginal",
        "risk_types": sorted(risks),
        "first_lead_on": first_lead,
        "deadline_on": first_lead + dt.timedelta(days=30),
        "notice_days": 5,
        "deadline_days": 15,
        "day_count": "working",
        "stage_since": eliminated_on or identified_on or first_lead,
        "identified_on": identified_on,
        "eliminated_on": eliminated_on,
        "elimination_method": method,
        "version": 1,
    }
    table = _table(Case)
    return int(p.execute(insert(table).values(**row).returning(table.c.id))[0][0])


def add_measure(p: Planter, household_id: int, category: str, status: str = "implemented") -> None:
    p.execute(
        insert(_table(Measure)).values(
            household_id=household_id,
            measure_type=MEASURE_TYPES[category],
            category=category,
            start_on=IDENTIFIED + dt.timedelta(days=30),
            status=status,
            created_by="test",
        )
    )


def _table(model: Any) -> Table:
    return cast(Table, model.__table__)


def working(p: Planter) -> int:
    """A household with a member who can work (the clean county's unflagged households)."""
    return p.household("no_labour_household = :f", f=False)


def without_labour(p: Planter) -> int:
    """A household whose members have all lost their labour capacity (flagged as such)."""
    household_id = working(p)
    p.set_members(household_id, labour_capacity="lost")
    p.set_household(household_id, no_labour_household=True)
    return household_id


def only_worker_removed(p: Planter) -> int:
    """A household whose only member who could work (not the head) has been removed."""
    household_id = p.household(
        "no_labour_household = :f AND (SELECT count(*) FROM members m "
        "WHERE m.household_id = h.id AND m.relationship <> 'head') >= 1",
        f=False,
    )
    p.set_members(household_id, labour_capacity="none")
    worker = next(m for m, relationship, _ in p.members_of(household_id) if relationship != "head")
    p.set_member(worker, labour_capacity="skilled", removed_at=utcnow())
    p.set_household(household_id, no_labour_household=True)
    return household_id


def weak_only(p: Planter) -> int:
    """A household whose members are all weak labour: they can work (not flagged)."""
    household_id = working(p)
    p.set_members(household_id, labour_capacity="weak")
    return household_id


def hh(*household_ids: int) -> set[str]:
    return {f"household:{h}" for h in household_ids}


# --- plants, one per rule ------------------------------------------------------------------


def plant_assisted_without_measure(p: Planter) -> Expected:
    bare = working(p)
    add_case(p, bare, "eliminated", method="assisted")
    planned_only = working(p)
    add_case(p, planned_only, "post_exit_watch", method="assisted")
    for status in ("planned", "in_progress", "cancelled"):
        add_measure(p, planned_only, "industry", status)
    ended = working(p)  # near miss: an ended measure happened
    add_case(p, ended, "eliminated", method="assisted")
    add_measure(p, ended, "industry", "ended")
    implemented = working(p)  # near miss
    add_case(p, implemented, "post_exit_watch", method="assisted")
    add_measure(p, implemented, "industry", "cancelled")
    add_measure(p, implemented, "industry", "implemented")
    natural = working(p)  # near miss: eliminated naturally
    add_case(p, natural, "eliminated")
    again = working(p)  # near miss: monitored again, so no longer an eliminated household
    add_case(p, again, "eliminated", method="assisted", identified_on=dt.date(2023, 2, 1))
    add_case(p, again, "monitored", identified_on=dt.date(2025, 6, 3))
    return {"Q501": hh(bare, planned_only)}


def plant_quick_elimination(p: Planter) -> Expected:
    found = {}
    for identified, eliminated in (
        (dt.date(2025, 3, 31), dt.date(2025, 4, 30)),  # the next month, to its last day
        (dt.date(2025, 3, 2), dt.date(2025, 3, 28)),  # the same month
        (dt.date(2024, 12, 31), dt.date(2025, 1, 1)),  # the next month, across a year
        (dt.date(2025, 6, 10), dt.date(2025, 2, 1)),  # before identification
    ):
        household_id = working(p)
        found[household_id] = (identified, eliminated)
        stage = "post_exit_watch" if identified.day == 2 else "eliminated"
        add_case(
            p,
            household_id,
            stage,
            identified_on=identified,
            eliminated_on=eliminated,
            method="assisted",
        )
        add_measure(p, household_id, "industry")
    later = working(p)  # near miss: the month after next
    add_case(
        p,
        later,
        "eliminated",
        identified_on=dt.date(2025, 3, 31),
        eliminated_on=dt.date(2025, 5, 1),
        method="assisted",
    )
    add_measure(p, later, "industry")
    natural = working(p)  # near miss: the Guizhou rule leaves out natural elimination
    add_case(p, natural, "eliminated", identified_on=ELIMINATED, eliminated_on=ELIMINATED)
    return {"Q502": hh(*found)}


def plant_eliminated_without_labour(p: Planter) -> Expected:
    lost = without_labour(p)
    add_case(p, lost, "eliminated")
    removed = only_worker_removed(p)
    add_case(p, removed, "post_exit_watch")
    verifying = without_labour(p)  # a new lead being verified: still an eliminated household
    add_case(p, verifying, "eliminated")
    add_case(p, verifying, "verifying", identified_on=None)
    weak = weak_only(p)  # near miss: weak labour can work
    add_case(p, weak, "eliminated")
    monitored = without_labour(p)  # near miss: stays monitored, as it should
    add_case(p, monitored, "monitored")
    gone = without_labour(p)  # near miss: a removed household is not checked
    add_case(p, gone, "eliminated")
    p.set_household(gone, removed_at=utcnow())
    rejected = without_labour(p)  # near miss: never identified
    add_case(p, rejected, "rejected", identified_on=None)
    return {"Q503": hh(lost, removed, verifying)}


def plant_water_without_measure(p: Planter) -> Expected:
    cancelled = working(p)
    add_case(p, cancelled, "monitored", risks=("illness", "drinking_water"))
    add_measure(p, cancelled, "drinking_water", "cancelled")
    add_measure(p, cancelled, "health")
    reverted = working(p)
    add_case(p, reverted, "reverted", risks=("drinking_water",))
    planned = working(p)  # near miss: a planned measure is in the plan
    add_case(p, planned, "assisting", risks=("drinking_water", "housing"))
    add_measure(p, planned, "drinking_water", "planned")
    unidentified = working(p)  # near miss: not monitored before the county's decision
    add_case(p, unidentified, "county_approval", risks=("drinking_water",), identified_on=None)
    eliminated = working(p)  # near miss: the rule is about monitored households
    add_case(p, eliminated, "eliminated", risks=("drinking_water",))
    other = working(p)  # near miss: other risks, an empty list
    add_case(p, other, "monitored", risks=("housing", "schooling"))
    empty = working(p)
    add_case(p, empty, "monitored", risks=())
    return {"Q504": hh(cancelled, reverted)}


def plant_illness_without_measure(p: Planter) -> Expected:
    wrong_kind = working(p)
    add_case(p, wrong_kind, "eliminated", risks=("illness",))
    add_measure(p, wrong_kind, "industry")
    add_measure(p, wrong_kind, "health", "cancelled")
    bare = working(p)
    add_case(p, bare, "post_exit_watch", risks=("disability", "illness", "schooling"))
    for category in ("health", "comprehensive_security", "social_assistance"):
        covered = working(p)  # near misses: each category counts, whatever its status
        add_case(p, covered, "eliminated", risks=("illness",))
        add_measure(p, covered, category, "planned" if category == "health" else "ended")
    monitored = working(p)  # near miss: not eliminated yet
    add_case(p, monitored, "monitored", risks=("illness",))
    return {"Q505": hh(wrong_kind, bare)}


def plant_employment_without_labour(p: Planter) -> Expected:
    lost = without_labour(p)
    add_case(p, lost, "monitored", risks=("unstable_employment",))
    removed = only_worker_removed(p)
    add_case(p, removed, "assisting", risks=("accident", "unstable_employment"))
    weak = weak_only(p)  # near miss: weak labour can work
    add_case(p, weak, "monitored", risks=("unstable_employment",))
    other = without_labour(p)  # near miss: another risk
    add_case(p, other, "monitored", risks=("lack_of_labour",))
    return {"Q506": hh(lost, removed)}


PLANTS: dict[str, Callable[[Planter], Expected]] = {
    "Q501": plant_assisted_without_measure,
    "Q502": plant_quick_elimination,
    "Q503": plant_eliminated_without_labour,
    "Q504": plant_water_without_measure,
    "Q505": plant_illness_without_measure,
    "Q506": plant_employment_without_labour,
}


# --- tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("code", CASE_RULES)
def test_each_case_rule_finds_what_was_planted_and_nothing_else(
    store: Engine, planter: Planter, code: str
) -> None:
    expected = PLANTS[code](planter)

    result = check(store)

    assert set(expected) == {code}
    assert open_subjects(store) == expected
    assert {r.code: r.found for r in result.rules}[code] == len(expected[code])


def test_case_rules_do_not_disturb_each_other(store: Engine, planter: Planter) -> None:
    expected: Expected = {}
    for plant in PLANTS.values():
        expected |= plant(planter)

    check(store)

    assert open_subjects(store) == expected


def test_every_case_rule_has_a_plant() -> None:
    assert sorted(PLANTS) == sorted(c for c in RULES_BY_CODE if c.startswith("Q5"))
    assert list(PLANTS) == list(CASE_RULES)
    assert all(RULES_BY_CODE[c].subject is Subject.household for c in CASE_RULES)


def test_details_name_the_case_and_its_dates(store: Engine, planter: Planter) -> None:
    water = working(planter)
    case_id = add_case(planter, water, "monitored", risks=("illness", "drinking_water"))
    quick = working(planter)
    add_case(
        planter,
        quick,
        "eliminated",
        identified_on=dt.date(2025, 3, 31),
        eliminated_on=dt.date(2025, 4, 30),
        method="assisted",
    )
    add_measure(planter, quick, "industry", "planned")
    lost = without_labour(planter)
    add_case(planter, lost, "monitored", risks=("unstable_employment",))
    members = len(planter.members_of(lost))

    check(store)

    details = _details(store)
    assert details["Q504"] == [
        {
            "case_id": case_id,
            "stage": "monitored",
            "identified_on": IDENTIFIED.isoformat(),
            "risk_types": ["drinking_water", "illness"],
        }
    ]
    assert details["Q502"] == [
        {
            "case_id": details["Q502"][0]["case_id"],
            "stage": "eliminated",
            "identified_on": "2025-03-31",
            "eliminated_on": "2025-04-30",
            "risk_types": ["other"],
        }
    ]
    assert [(d["eliminated_on"], d["measures"]) for d in details["Q501"]] == [("2025-04-30", 1)]
    assert [(d["members"], d["risk_types"]) for d in details["Q506"]] == [
        (members, ["unstable_employment"])
    ]


def _details(store: Engine) -> dict[str, list[dict[str, Any]]]:
    details: dict[str, list[dict[str, Any]]] = {}
    with store.connect() as connection:
        for code, detail in connection.execute(
            select(QualityIssue.rule_code, QualityIssue.detail).where(QualityIssue.status == "open")
        ):
            details.setdefault(code, []).append(detail)
    return details


def test_a_measure_recorded_resolves_the_issue(store: Engine, planter: Planter) -> None:
    household_id = working(planter)
    add_case(planter, household_id, "monitored", risks=("drinking_water",))
    assert check(store).opened == 1

    add_measure(planter, household_id, "drinking_water", "in_progress")

    assert {r.code: r.resolved for r in check(store).rules}["Q504"] == 1
    assert open_subjects(store) == {}


@pytest.mark.parametrize(("declared", "model"), [(CASES, Case), (MEASURES, Measure)])
def test_declared_tables_match_the_models(declared: Table, model: Any) -> None:
    real = _table(model)
    assert declared.name == real.name
    for column in declared.columns:
        assert column.name in real.columns, f"{real.name}.{column.name} is gone"
        assert column.type.python_type is real.columns[column.name].type.python_type


def test_code_values_are_those_of_the_enums() -> None:
    assert {Stage(s) for s in rules.ELIMINATED} == {Stage.eliminated, Stage.post_exit_watch}
    assert not any(Stage(s).active for s in rules.ELIMINATED)
    assert EliminationMethod(rules.ASSISTED) is EliminationMethod.assisted
    assert {MeasureStatus(s) for s in rules.CARRIED_OUT} == {
        MeasureStatus.implemented,
        MeasureStatus.ended,
    }
    assert not MeasureStatus(rules.CANCELLED).in_plan
    assert {MeasureCategory(c) for c in rules.WATER_MEASURES + rules.ILLNESS_MEASURES}
    for risk in (rules.WATER_RISK, rules.ILLNESS_RISK, rules.EMPLOYMENT_RISK):
        assert RiskType(risk).value == risk
    assert set(rules.WORKING) == {c.value for c in LabourCapacity if c.can_work}


def test_no_risk_type_occurs_quoted_inside_another() -> None:
    """What makes the LIKE on the JSON text of the risk types a membership test."""
    values = [r.value for r in RiskType]
    assert not [(a, b) for a in values for b in values if a != b and f'"{a}"' in f'"{b}"']
