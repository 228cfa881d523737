"""``bottomline check`` as a user runs it: counts by rule and region, the export, clear errors."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update

from bottomline.db import make_engine, upgrade
from bottomline.registry.actions import load_snapshot_tables
from bottomline.registry.models import Household, Member, Region
from bottomline.synth import population_for
from tests.cli.test_cli import run

COUNTY = "532328000000"
TOWN = "532328101000"  # the synthetic county's first township: every household of _store
OTHER_TOWN, OTHER_VILLAGE = "532328102000", "532328102201"  # where _store moves half of them


def _store(data: Path) -> list[str]:
    """A synthetic county in ``data``'s store with one headless household; its ID numbers."""
    engine = make_engine(f"sqlite:///{data / 'bottomline.db'}")
    upgrade(engine)
    load_snapshot_tables(
        engine=engine,
        tables=population_for(scope=COUNTY, households=300, seed=3, year=2025).tables,
    )
    with engine.begin() as connection:
        connection.execute(update(Member).where(Member.id == 1).values(relationship="other"))
        # a second township, so that a township's reads have something to leave out
        connection.execute(
            insert(Region),
            [
                {"code": OTHER_TOWN, "name": "羊街镇", "level": "township", "parent_code": COUNTY},
                {
                    "code": OTHER_VILLAGE,
                    "name": "某村",
                    "level": "village",
                    "parent_code": OTHER_TOWN,
                },
            ],
        )
        connection.execute(
            update(Household).where(Household.id > 150).values(village_code=OTHER_VILLAGE)
        )
        numbers = list(connection.scalars(select(Member.id_number)))
    engine.dispose()
    return numbers


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    data = tmp_path_factory.mktemp("data")
    numbers = _store(data)
    for name, role, region in (("county.li", "county", COUNTY), ("town.wang", "township", TOWN)):
        added = run(
            "user", "add", name, "--name", name, "--role", role, "--region", region,
            "--as", "system", data_dir=data,
        )  # fmt: skip
        assert added.returncode == 0, added.stdout + added.stderr
    return data, numbers


def rule_row(stdout: str, code: str) -> list[str]:
    """The numbers in the rules table's row of ``code``: open, new, resolved."""
    line = next(line for line in stdout.splitlines() if re.match(rf"\W*{code}\b", line))
    return re.findall(r"\b\d[\d,]*\b", line.split(code, 1)[1])[-3:]


def test_check_prints_counts_by_rule_and_region_and_exports(
    data: tuple[Path, list[str]], tmp_path: Path
) -> None:
    directory, numbers = data
    out = tmp_path / "queue" / "problems.csv"

    proc = run("check", "--as", "county.li", "--export", str(out), data_dir=directory)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert rule_row(proc.stdout, "Q201") == ["1", "1", "0"]
    assert rule_row(proc.stdout, "Q101") == ["0", "0", "0"]
    assert "no public_security feed data" in proc.stdout
    assert "township" in proc.stdout
    assert str(out) in proc.stdout.replace("\n", "")
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    # Ages are taken at today's date, so age-based rules may find some synthetic children; the
    # synthetic county has members to enrol in medical insurance (Q403); its incomes are of
    # 2024-2025, so from 2027 on none is valid for the month of the check (Q106).
    time_or_tasks = {"Q402", "Q403", "Q106"}
    assert [r[3] for r in rows[1:] if r[3] not in time_or_tasks] == ["Q201"]
    assert "Q403" in {r[3] for r in rows[1:]}
    assert not [n for n in numbers if n in proc.stdout + out.read_text(encoding="utf-8-sig")]

    again = run("check", "--as", "county.li", "--region", COUNTY, data_dir=directory)
    assert again.returncode == 0, again.stdout + again.stderr
    assert rule_row(again.stdout, "Q201") == ["1", "0", "0"]


def test_a_township_officer_checks_and_exports_their_township_only(
    data: tuple[Path, list[str]], tmp_path: Path
) -> None:
    county_out, town_out = tmp_path / "county.csv", tmp_path / "town.csv"
    for user, out in (("county.li", county_out), ("town.wang", town_out)):
        proc = run("check", "--as", user, "--export", str(out), data_dir=data[0])
        assert proc.returncode == 0, proc.stdout + proc.stderr
    with county_out.open(encoding="utf-8-sig") as fh:
        county = [row[2] for row in list(csv.reader(fh))[1:]]
    with town_out.open(encoding="utf-8-sig") as fh:
        town = [row[2] for row in list(csv.reader(fh))[1:]]
    assert town
    assert {code[:9] for code in town} == {TOWN[:9]}
    assert sorted(town) == sorted(code for code in county if code.startswith(TOWN[:9]))
    assert len(county) > len(town)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("check", "--as", "county.li", "--region", "532329000000"), "no region '532329000000'"),
        (("check", "--as", "town.wang", "--region", COUNTY), f"no region '{COUNTY}' in your"),
        (("check", "--as", "county.li", "--region", "yuanmou"), "12-digit"),
        (("check", "--as", "county.li", "--export", "queue.xlsx"), ".csv"),
        (("check", "--as", "county.li", "--feeds", "no/such/feeds"), "no/such/feeds"),
        (("check", "--as", "nobody"), "no active user 'nobody'"),
    ],
)
def test_user_mistakes_exit_2_with_a_message(
    data: tuple[Path, list[str]], args: tuple[str, ...], message: str
) -> None:
    proc = run(*args, data_dir=data[0])

    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert message in proc.stdout


def test_an_empty_registry_is_a_user_mistake(tmp_path: Path) -> None:
    proc = run("check", "--as", "system", data_dir=tmp_path)

    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "empty" in proc.stdout
    assert "import" in proc.stdout


def test_a_check_date_that_is_not_a_date_is_refused(tmp_path: Path) -> None:
    proc = run("check", "--as", "system", "--date", "2025-13-40", data_dir=tmp_path)
    assert proc.returncode == 2
    assert "not a date" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
