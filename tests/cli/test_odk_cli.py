"""``bottomline odk form`` and ``bottomline import visits`` as a clerk runs them."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bottomline.db import make_engine, upgrade
from bottomline.registry.actions import load_snapshot_tables
from bottomline.registry.models import Household
from bottomline.synth import population_for
from tests.cases.test_odk_import import HEADER
from tests.cli.test_cli import run

COUNTY = "532328000000"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Household]:
    data = tmp_path_factory.mktemp("data")
    engine = make_engine(f"sqlite:///{data / 'bottomline.db'}")
    upgrade(engine)
    load_snapshot_tables(
        engine=engine, tables=population_for(scope=COUNTY, households=50, seed=5, year=2025).tables
    )
    with engine.connect() as connection:
        household = connection.execute(select(Household).limit(1)).one()
    engine.dispose()
    added = run(
        "user", "add", "zhang.wen", "--name", "张文", "--role", "township",
        "--region", household.village_code[:9] + "000", "--as", "system", data_dir=data,
    )  # fmt: skip
    assert added.returncode == 0, added.stdout + added.stderr
    return data, household  # type: ignore[return-value]


def test_odk_form_writes_a_valid_xlsform(tmp_path: Path) -> None:
    out = tmp_path / "visit.xlsx"
    proc = run("odk", "form", str(out), data_dir=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "valid" in proc.stdout
    assert {"survey", "choices", "settings"} <= set(load_workbook(out).sheetnames)


def test_import_visits_reconciles_and_is_idempotent(
    data: tuple[Path, Household], tmp_path: Path
) -> None:
    directory, household = data
    path = tmp_path / "Submissions.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, HEADER)
        writer.writeheader()
        base = {
            "SubmissionDate": "2026-11-03T02:15:30.123Z",
            "visit-household_no": household.household_no,
            "visit-village_code": household.village_code,
            "visit-visit_date": "2026-11-02",
            "visit-visitor_name": "张文",
            "visit-household_present": "yes",
            "visit-authorization_signed": "yes",
            "visit-household_size": "3",
            "visit-income_estimate": "5200",
            "visit-risk_types": "illness",
            "visit-suggest_monitoring": "yes",
            "FormVersion": "2026112301",
        }
        writer.writerow(
            {k: "" for k in HEADER} | base | {"KEY": "uuid:1", "meta-instanceID": "uuid:1"}
        )
        writer.writerow(
            {k: "" for k in HEADER} | base | {"KEY": "uuid:2", "visit-household_size": "x"}
        )
    first = run("import", "visits", str(path), "--as", "zhang.wen", data_dir=directory)
    assert first.returncode == 0, first.stdout + first.stderr
    said = " ".join(first.stdout.split())  # as the terminal wraps it
    assert "读入 2 行 = 记录 1 + 已导入过 0 + 拒收 1 + 审核退回 0 + 未匹配 0；生成线索 1 条" in said
    assert "2 rows in = 1 recorded + 0 already imported + 1 rejected" in said
    assert "1 lead(s) raised" in said
    again = run("import", "visits", str(path), "--as", "zhang.wen", data_dir=directory)
    said = " ".join(again.stdout.split())
    assert "1 already imported" in said
    assert "0 lead(s) raised" in said


def test_a_file_that_is_not_an_export_is_a_clear_error(
    data: tuple[Path, Household], tmp_path: Path
) -> None:
    directory, _ = data
    path = tmp_path / "wrong.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    proc = run("import", "visits", str(path), "--as", "zhang.wen", data_dir=directory)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "no header row" in proc.stdout
    assert "SubmissionDate" in proc.stdout  # the hint names what an export has
