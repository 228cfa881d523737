"""The export for the national system: a period's monitoring objects, the registry kept in line
with the county's decisions, and the round trip through the registry import — on SQLite and
PostgreSQL."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from bottomline.audit import AuditEntry
from bottomline.cases.enums import Stage
from bottomline.cases.national import export_national
from bottomline.db import session_scope, write_scope
from bottomline.errors import PermissionDenied
from bottomline.policy.resolve import PolicyIndex
from bottomline.registry.imports import import_registry
from bottomline.registry.imports.removals import MassRemovalError
from bottomline.registry.models import Household, Member
from bottomline.registry.national_export import COLUMNS, PARTIAL_MARK
from bottomline.synth import write_registry_export
from bottomline.synth.population import Population
from bottomline.users.actor import SYSTEM, Actor
from bottomline.users.enums import Role
from tests.cases.conftest import People
from tests.cases.walk import EVIDENCE, Walk

H = {name: column.header for name, column in COLUMNS.items()}


@pytest.fixture
def county(engine: Engine, population: Population, tmp_path: Path) -> Engine:
    """A county store made the way a county makes it: the registry import of an export."""
    path = tmp_path / "export.csv"
    write_registry_export(population, path)
    import_registry(actor=SYSTEM, engine=engine, path=path, report_dir=tmp_path / "reports")
    return engine


def _first_household(store: Engine) -> Household:
    with session_scope(store) as session:
        return session.scalars(
            select(Household).where(Household.monitoring_category.is_(None)).order_by(Household.id)
        ).first()  # type: ignore[return-value]


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        title = next(csv.reader(fh))
        return title, list(csv.DictReader(fh))


def _counts(store: Engine) -> tuple[int, int]:
    with session_scope(store) as session:
        households = session.scalar(select(func.count()).select_from(Household))
        members = session.scalar(select(func.count()).select_from(Member))
    return households or 0, members or 0


def test_an_approved_case_is_exported_and_the_round_trip_changes_nothing(
    county: Engine, policies: PolicyIndex, tmp_path: Path
) -> None:
    household = _first_household(county)
    people = People(household.village_code)
    Walk(county, household.id, people, policies, tmp_path / "notices").to(Stage.monitored)
    with session_scope(county) as session:  # the effect: the registry follows the decision
        stored = session.get_one(Household, household.id)
        assert stored.monitoring_category == EVIDENCE["category"]
        assert stored.monitoring_risks == EVIDENCE["risk_types"]
        assert str(stored.monitored_on) == "2026-03-11"
        assert stored.risk_eliminated_on is None
        ids = sorted(m.id_number for m in stored.members if m.removed_at is None)
        monitored = session.scalar(
            select(func.count())
            .select_from(Household)
            .where(
                Household.monitoring_category.is_not(None), Household.risk_eliminated_on.is_(None)
            )
        )
    out = tmp_path / "监测对象.csv"

    with write_scope(county) as session:
        result = export_national(session, actor=people.county, period="2026-03", out=out)

    title, rows = _read(out)
    assert PARTIAL_MARK in title[0]
    assert (result.identified, result.from_cases) == (1, 1)
    numbers = {row[H["household_no"]] for row in rows}
    assert household.household_no in numbers
    assert result.households == len(numbers) <= (monitored or 0)
    assert result.members == len(rows)
    mine = [row for row in rows if row[H["household_no"]] == household.household_no]
    assert sorted(row[H["id_number"]] for row in mine) == ids  # full ID numbers
    assert {row[H["monitored_on"]] for row in mine} == {"2026-03-11"}
    assert {row[H["monitoring_category"]] for row in mine} == {"边缘易致贫户"}
    assert {row[H["risk_1"]] for row in mine} == {"因病"}
    with session_scope(county) as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "registry.national_export")
        ).one()
        assert (entry.actor, entry.after["households"]) == ("county", result.households)
    before = _counts(county)

    report = import_registry(actor=SYSTEM, engine=county, path=out, report_dir=tmp_path / "reports")

    assert report.partial
    assert (report.rows_in, report.rejected) == (len(rows), 0)
    diff = report.diff.as_dict()
    for kind in ("households", "members"):
        assert (diff[kind]["new"], diff[kind]["changed"], diff[kind]["removed"]) == (0, 0, 0), kind
    for kind in ("incomes", "guarantees", "monitoring"):
        assert diff[kind]["unchanged"] == result.households, kind
        assert (diff[kind]["new"], diff[kind]["changed"], diff[kind]["removed"]) == (0, 0, 0), kind
    assert _counts(county) == before
    with session_scope(county) as session:
        assert (
            session.scalar(
                select(func.count()).select_from(Household).where(Household.removed_at.is_not(None))
            )
            == 0
        )


def test_an_eliminated_household_is_exported_in_its_month_only(
    county: Engine, policies: PolicyIndex, tmp_path: Path
) -> None:
    household = _first_household(county)
    people = People(household.village_code)
    Walk(county, household.id, people, policies, tmp_path / "notices").to(Stage.eliminated)
    with session_scope(county) as session:
        assert str(session.get_one(Household, household.id).risk_eliminated_on) == "2026-11-22"

    listed = {}
    for period in ("2026-11", "2026-12"):
        out = tmp_path / f"{period}.csv"
        with write_scope(county) as session:
            export_national(session, actor=people.county, period=period, out=out)
        listed[period] = {row[H["household_no"]]: row for row in _read(out)[1]}

    row = listed["2026-11"][household.household_no]
    assert (row[H["risk_eliminated_on"]], row[H["risk_eliminated"]]) == ("2026-11-22", "是")
    assert household.household_no not in listed["2026-12"]
    report = import_registry(
        actor=SYSTEM, engine=county, path=tmp_path / "2026-11.csv", report_dir=tmp_path / "reports"
    )
    assert report.diff.empty


def test_only_county_users_and_above_export_their_own_region(
    county: Engine, tmp_path: Path
) -> None:
    household = _first_household(county)
    people = People(household.village_code)
    out = tmp_path / "x.csv"
    for actor, region in (
        (people.township, None),
        (people.village, None),
        (people.auditor, None),
        (people.other_county, household.village_code),
        (people.county, "530102000000"),
        (Actor("yunnan", Role.province, "530000000000"), "110101000000"),
    ):
        with write_scope(county) as session, pytest.raises(PermissionDenied):
            export_national(session, actor=actor, period="2026-03", out=out, region_code=region)
    with session_scope(county) as session:
        assert not session.scalars(
            select(AuditEntry).where(AuditEntry.action == "registry.national_export")
        ).all()
    with write_scope(county) as session:  # another county's own region: nothing of this one
        empty = export_national(session, actor=people.other_county, period="2026-03", out=out)
    assert (empty.households, empty.members) == (0, 0)
    assert _read(out)[1] == []


def test_a_partial_import_adds_and_updates_and_removes_nothing(
    county: Engine, population: Population, tmp_path: Path
) -> None:
    path = tmp_path / "part.csv"
    write_registry_export(population, path, title_row=False)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh))
    keep = {row[0] for row in lines[1:]}
    keep = set(sorted(keep)[: len(keep) // 2])
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([lines[0], *(r for r in lines[1:] if r[0] in keep)])
    before = _counts(county)

    with pytest.raises(MassRemovalError):
        import_registry(actor=SYSTEM, engine=county, path=path, report_dir=tmp_path / "r1")
    report = import_registry(
        actor=SYSTEM, engine=county, path=path, report_dir=tmp_path / "r2", partial=True
    )

    assert report.partial
    counts = report.diff.as_dict()
    assert counts["households"]["removed"] == counts["members"]["removed"] == 0
    assert counts["households"]["unchanged"] == len(keep)
    assert _counts(county) == before


def test_an_export_whose_transaction_fails_leaves_no_file(county: Engine, tmp_path: Path) -> None:
    people = People(_first_household(county).village_code)
    out = tmp_path / "exports" / "监测对象.xlsx"
    out.parent.mkdir()

    def export_then_fail() -> None:
        with write_scope(county) as session:
            export_national(session, actor=people.county, period="2026-03", out=out)
            raise RuntimeError("the commit does not happen")  # e.g. the audit head moved on

    with pytest.raises(RuntimeError, match="the commit does not happen"):
        export_then_fail()
    assert list(out.parent.iterdir()) == []  # neither the file nor its staged copy
    with session_scope(county) as session:
        assert not session.scalars(
            select(AuditEntry).where(AuditEntry.action == "registry.national_export")
        ).all()
    with write_scope(county) as session:
        export_national(session, actor=people.county, period="2026-03", out=out)
    assert [p.name for p in out.parent.iterdir()] == [out.name]
