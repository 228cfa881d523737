"""``bottomline export national`` as users run it: the period's monitoring objects as XLSX, read
back by ``import registry`` as a partial file that changes nothing; refusals with exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from bottomline.audit import AuditEntry
from bottomline.db import make_engine, session_scope
from bottomline.registry.models import Household, RegistryImport
from bottomline.registry.national_export import PARTIAL_MARK
from bottomline.synth import population_for, write_registry_export
from tests.cli.test_cli import run

COUNTY = "532328000000"


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A data dir with an imported county (its monitoring stock from the export), a county user
    zhao and a village user li."""
    data = tmp_path_factory.mktemp("data")
    export = data / "export.csv"
    write_registry_export(population_for(scope=COUNTY, households=200, seed=5, year=2025), export)
    assert run("import", "registry", "--as", "system", str(export), data_dir=data).returncode == 0
    engine = make_engine(f"sqlite:///{data / 'bottomline.db'}")
    with session_scope(engine) as session:
        village = session.scalars(select(Household.village_code).limit(1)).one()
    engine.dispose()
    for name, role, region in (("zhao", "county", COUNTY), ("li", "village", village)):
        proc = run("user", "add", name, "--name", name, "--role", role, "--region", region,
                   "--as", "system", data_dir=data)  # fmt: skip
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return data, village


def _monitored(data: Path) -> tuple[int, int]:
    engine = make_engine(f"sqlite:///{data / 'bottomline.db'}")
    with session_scope(engine) as session:
        listed = session.scalar(
            select(func.count())
            .select_from(Household)
            .where(
                Household.monitoring_category.is_not(None), Household.risk_eliminated_on.is_(None)
            )
        )
        total = session.scalar(select(func.count()).select_from(Household))
    engine.dispose()
    return listed or 0, total or 0


def test_the_export_reads_back_as_a_partial_file_that_changes_nothing(
    county: tuple[Path, str],
) -> None:
    data, _village = county
    out = data / "监测对象.xlsx"
    still, total = _monitored(data)
    assert still, "the synthetic county has monitored households"

    proc = run("export", "national", "--period", "2025-12", "--out", str(out), "--as", "zhao",
               data_dir=data)  # fmt: skip

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "个人信息" in proc.stdout
    assert "personal data" in proc.stdout
    book = load_workbook(out, read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    assert PARTIAL_MARK in str(rows[0][0])
    assert rows[1][0] == "户编号"
    numbers = {row[0] for row in rows[2:]}
    assert len(numbers) >= still

    back = run("import", "registry", "--as", "system", str(out), data_dir=data)

    assert back.returncode == 0, back.stdout + back.stderr
    assert "partial import" in back.stdout
    engine = make_engine(f"sqlite:///{data / 'bottomline.db'}")
    with session_scope(engine) as session:
        last = session.scalars(select(RegistryImport).order_by(RegistryImport.id.desc())).first()
        assert last is not None
        for kind in ("households", "members", "incomes", "guarantees", "monitoring"):
            counts = last.diff[kind]
            assert (counts["new"], counts["changed"], counts["removed"]) == (0, 0, 0), kind
        assert last.diff["households"]["unchanged"] == len(numbers)
        assert (
            session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "registry.national_export", AuditEntry.actor == "zhao")
            )
            == 1
        )
    engine.dispose()
    assert _monitored(data) == (still, total)


def test_a_village_user_a_foreign_region_and_a_bad_period_are_refused(
    county: tuple[Path, str],
) -> None:
    data, _village = county
    out = data / "x.xlsx"
    for args, words in (
        (("--period", "2025-12", "--as", "li"), "personal data"),
        (
            ("--period", "2025-12", "--as", "zhao", "--region", "530102000000"),
            "there is no region '530102000000' in your region",
        ),
        (("--period", "2025-13", "--as", "zhao"), "2025-10"),
    ):
        proc = run("export", "national", "--out", str(out), *args, data_dir=data)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert words in " ".join(proc.stdout.split())  # as the terminal wraps it
        assert "Traceback" not in proc.stdout + proc.stderr
    assert not out.exists()
