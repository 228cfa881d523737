"""Registry and income imports are audited actions of a user allowed to import, in their region."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bottomline import audit
from bottomline.db import session_scope
from bottomline.errors import PermissionDenied
from bottomline.registry.imports import import_registry
from bottomline.registry.incomes.run import import_incomes
from bottomline.registry.models import Household
from bottomline.synth import Population, population_for, write_registry_export
from bottomline.synth.registry_export import write_income_collection
from bottomline.users.actor import SYSTEM, Actor
from bottomline.users.enums import Role

COUNTY = "532328000000"


@pytest.fixture(scope="module")
def population() -> Population:
    return population_for(scope=COUNTY, households=30, seed=11, year=2025)


def _audit_rows(engine: Engine, action: str) -> list[audit.AuditEntry]:
    with session_scope(engine) as session:
        rows = list(
            session.scalars(select(audit.AuditEntry).where(audit.AuditEntry.action == action))
        )
        assert audit.verify(session).intact
    return rows


def test_imports_are_audited_and_refused_outside_the_region(
    engine: Engine, population: Population, tmp_path: Path
) -> None:
    export = tmp_path / "export.csv"
    write_registry_export(population, export)
    elsewhere = Actor("county.other", Role.county, "530102000000")
    cadre = Actor("cadre", Role.village, COUNTY[:9] + "101201")

    with pytest.raises(PermissionDenied, match="outside the region"):
        import_registry(engine=engine, actor=elsewhere, path=export, report_dir=tmp_path / "r")
    with pytest.raises(PermissionDenied, match="cannot import"):
        import_registry(engine=engine, actor=cadre, path=export, report_dir=tmp_path / "r")
    with session_scope(engine) as session:
        assert session.scalars(select(Household)).first() is None  # nothing was written
    assert _audit_rows(engine, "registry.import") == []

    first = import_registry(engine=engine, actor=SYSTEM, path=export, report_dir=tmp_path / "r")
    county = Actor("county.li", Role.county, COUNTY)
    again = import_registry(engine=engine, actor=county, path=export, report_dir=tmp_path / "r")
    # another user's region: compared in full (what a file changes depends on the region), and
    # nothing changed; the same user again is recognised by the content key
    assert again.status == "committed"
    assert (again.diff.households.new, again.diff.households.changed) == (0, 0)
    third = import_registry(engine=engine, actor=county, path=export, report_dir=tmp_path / "r")
    assert third.status == "unchanged"
    rows = _audit_rows(engine, "registry.import")
    assert [(r.actor, r.entity_id) for r in rows] == [
        ("system", str(first.import_id)),
        ("county.li", str(again.import_id)),
        ("county.li", str(third.import_id)),
    ]
    assert rows[0].after is not None
    assert rows[0].after["status"] == "committed"
    assert rows[0].after["counties"] == [COUNTY]
    assert rows[0].after["diff"]["households"]["new"] == population.tables["households"].num_rows
    assert rows[2].after is not None
    assert rows[2].after["status"] == "unchanged"


def test_an_income_collection_matches_only_the_users_households(
    engine: Engine, population: Population, tmp_path: Path
) -> None:
    export, collection = tmp_path / "export.csv", tmp_path / "collection.csv"
    write_registry_export(population, export)
    write_income_collection(population, collection, population.year - 1)
    import_registry(engine=engine, actor=SYSTEM, path=export, report_dir=tmp_path / "r")
    n = population.tables["households"].num_rows

    elsewhere = Actor("county.other", Role.county, "530102000000")
    theirs = import_incomes(engine=engine, actor=elsewhere, path=collection, report_dir=tmp_path)
    assert (theirs.rows_in, theirs.accepted, theirs.unmatched) == (n, 0, n)  # as if absent
    ours = import_incomes(
        engine=engine,
        actor=Actor("county.li", Role.county, COUNTY),
        path=tmp_path / "collection.csv",
        report_dir=tmp_path / "r2",
        dry_run=True,
    )
    assert (ours.accepted, ours.unmatched) == (n, 0)
    rows = _audit_rows(engine, "incomes.import")
    assert [(r.actor, r.entity_id) for r in rows] == [("county.other", str(theirs.import_id))]
    with pytest.raises(PermissionDenied, match="cannot import"):
        import_incomes(
            engine=engine,
            actor=Actor("auditor", Role.auditor, COUNTY),
            path=collection,
            report_dir=tmp_path,
        )
