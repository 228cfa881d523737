"""Incomes, guarantees and monitoring from the export and the yearly collection; mass removals
refused — on SQLite and PostgreSQL, through the domain functions and the CLI."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine, select

from bottomline.registry.imports import import_registry
from bottomline.registry.imports.removals import MassRemovalError
from bottomline.registry.incomes.catalogue import FIGURES
from bottomline.registry.incomes.read import IncomeYearMissingError
from bottomline.registry.incomes.run import import_incomes
from bottomline.registry.models import HouseholdIncome
from bottomline.registry.snapshot import export_snapshot
from bottomline.synth import Population, population_for, write_registry_export
from bottomline.synth.registry_export import export_table, write_income_collection
from bottomline.users.actor import SYSTEM
from tests.cli.test_cli import run as run_cli

COUNTY = "532328000000"


@pytest.fixture(scope="module")
def population() -> Population:
    return population_for(scope=COUNTY, households=40, seed=7, year=2025)


def _by_number(table: Any, households: Any, names: tuple[str, ...]) -> dict[Any, tuple[Any, ...]]:
    numbers = dict(
        zip(
            households["household_id"].to_pylist(),
            households["household_no"].to_pylist(),
            strict=True,
        )
    )
    out = {}
    for row in table.to_pylist():
        key = (numbers[row["household_id"]], row["year"])
        out[key] = tuple(round(row[n], 2) if isinstance(row[n], float) else row[n] for n in names)
    return out


def test_export_and_collection_round_trip_into_an_empty_store(
    engine: Engine, population: Population, tmp_path: Path
) -> None:
    export = tmp_path / "export.xlsx"
    write_registry_export(population, export)
    collection = tmp_path / "collection.csv"
    write_income_collection(population, collection, population.year - 1)

    first = import_registry(actor=SYSTEM, engine=engine, path=export, report_dir=tmp_path / "r")
    second = import_incomes(actor=SYSTEM, engine=engine, path=collection, report_dir=tmp_path / "r")

    n = population.tables["households"].num_rows
    assert first.diff.incomes.new == first.diff.guarantees.new == n
    assert (second.rows_in, second.accepted, second.rejected, second.unmatched) == (n, n, 0, 0)
    export_snapshot(engine=engine, out_dir=tmp_path / "snap")
    stored_h = pq.read_table(tmp_path / "snap" / "households.parquet")
    for name in ("incomes", "guarantees"):
        stored = pq.read_table(tmp_path / "snap" / f"{name}.parquet")
        names = tuple(
            c
            for c in stored.column_names
            if c not in ("household_id", "year", "source", "source_ref", "as_of")
        )
        expected = population.tables[name]
        if name == "guarantees":  # the population has guarantees of year Y only
            assert set(stored["year"].to_pylist()) >= set(expected["year"].to_pylist())
        got = _by_number(stored, stored_h, names)
        want = _by_number(expected, population.tables["households"], names)
        assert {k: got[k] for k in want} == want, name
    sources = set(pq.read_table(tmp_path / "snap" / "incomes.parquet")["source"].to_pylist())
    assert sources == {"export", "collection"}
    again = import_registry(actor=SYSTEM, engine=engine, path=export, report_dir=tmp_path / "r")
    assert again.status == "unchanged"
    repeat = import_incomes(actor=SYSTEM, engine=engine, path=collection, report_dir=tmp_path / "r")
    assert repeat.status == "unchanged"


def _clerk_file(path: Path, rows: list[list[str]], header: list[str]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["2025年度收入采集表（元谋县）"])
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_a_clerks_collection_file_is_checked_row_by_row(
    engine: Engine, population: Population, tmp_path: Path
) -> None:
    export = tmp_path / "export.csv"
    write_registry_export(population, export)
    import_registry(actor=SYSTEM, engine=engine, path=export, report_dir=tmp_path / "r")
    numbers = population.tables["households"]["household_no"].to_pylist()
    header = ["户编号", "工资性收入（元）", "生产经营性收入（元）", "财产性收入（元）", "转移性收入（元）",
              "低保金（元）", "生产经营性支出（元）", "家庭纯收入（元）", "是否住房出现安全问题"]  # fmt: skip
    rows = [
        [numbers[0], "12,000.50", "-1500", "0", "3000", "1000", "500", "13000.50", "否"],
        [numbers[1], "8000", "0", "0", "3000", "4000", "0", "11000", "是"],  # items > total
        [numbers[2], "8000", "0", "0", "0", "0", "0", "9000", "否"],  # net disagrees
        ["99999999999999999", "1", "0", "0", "0", "0", "0", "1", "否"],  # unknown household
        [numbers[3], "1.234", "0", "0", "0", "0", "0", "1.23", "否"],  # three decimals
    ]
    path = _clerk_file(tmp_path / "采集.csv", rows, header)

    with pytest.raises(IncomeYearMissingError):
        import_incomes(actor=SYSTEM, engine=engine, path=path, report_dir=tmp_path / "r")
    report = import_incomes(
        actor=SYSTEM, engine=engine, path=path, report_dir=tmp_path / "r", year=2024
    )

    assert (report.rows_in, report.accepted, report.rejected, report.unmatched) == (5, 1, 3, 1)
    with report.rejects_path.open(encoding="utf-8-sig") as fh:  # type: ignore[union-attr]
        text = fh.read()
    for shown in ("transfer_mismatch", "3,000.00", "4,000.00"):  # both numbers
        assert shown in text
    for shown in ("net_income_mismatch", "9,000.00", "8,000.00"):
        assert shown in text
    assert "bad_amount" in text
    with report.unmatched_path.open(encoding="utf-8-sig") as fh:  # type: ignore[union-attr]
        assert "99999999999999999" in fh.read()
    with engine.connect() as connection:
        stored = connection.execute(
            select(HouseholdIncome.__table__).where(HouseholdIncome.year == 2024)
        ).all()
    assert len(stored) == 1
    row = stored[0]._mapping
    assert (row["wage"], row["business"], row["transfer_dibao"], row["transfer_other"]) == (
        Decimal("12000.50"), Decimal("-1500.00"), Decimal("1000.00"), Decimal("2000.00"),
    )  # fmt: skip
    assert row["source"] == "collection"


def test_an_income_sheet_beside_the_members_is_read(
    engine: Engine, population: Population, tmp_path: Path
) -> None:
    table = export_table(population)
    from bottomline.registry.national_export import EXPORT_COLUMNS

    book = openpyxl.Workbook()
    members = book.active
    members.title = "家庭成员"
    members.append(["家庭成员信息"])
    members.append([c.header for c in EXPORT_COLUMNS])
    for row in table.select([c.name for c in EXPORT_COLUMNS]).to_pylist():
        members.append(["" if v is None else v for v in row.values()])
    sheet = book.create_sheet("收支情况")
    sheet.append(["户编号", "年度", "工资性收入(元)", "家庭人均纯收入(元)", "转移性收入(元)",
                  "生产经营性收入(元)", "财产性收入(元)"])  # fmt: skip
    numbers = population.tables["households"]["household_no"].to_pylist()
    sizes = {n: 0 for n in numbers}
    for n in table["household_no"].to_pylist():
        sizes[n] += 1
    for i, number in enumerate(numbers):
        per_capita = round(6000 / sizes[number], 2) if i else 1.0  # the first one disagrees
        sheet.append([number, 2025, 6000, per_capita, 0, 0, 0])
    path = tmp_path / "export.xlsx"
    book.save(path)

    report = import_registry(actor=SYSTEM, engine=engine, path=path, report_dir=tmp_path / "r")

    members_n = table.num_rows
    assert report.rows_in == members_n + len(numbers)
    assert report.reasons[("per_capita_mismatch", "per_capita_net")] == 1
    assert report.diff.incomes.new == len(numbers) - 1
    assert report.diff.households.new == len(numbers) - 1


def test_a_truncated_export_does_not_remove_the_rest(
    engine: Engine, population: Population, tmp_path: Path
) -> None:
    full = tmp_path / "export.csv"
    write_registry_export(population, full)
    import_registry(actor=SYSTEM, engine=engine, path=full, report_dir=tmp_path / "r")
    lines = full.read_text(encoding="utf-8-sig").splitlines()
    truncated = tmp_path / "truncated.csv"
    truncated.write_text("\n".join(lines[: len(lines) // 2]) + "\n", encoding="utf-8-sig")

    with pytest.raises(MassRemovalError) as refused:
        import_registry(actor=SYSTEM, engine=engine, path=truncated, report_dir=tmp_path / "r")
    assert "of the 40 households" in refused.value.message
    dry = import_registry(
        actor=SYSTEM, engine=engine, path=truncated, report_dir=tmp_path / "r", dry_run=True
    )
    assert dry.removals[1] == 40
    assert dry.removals[0] > 2
    done = import_registry(
        actor=SYSTEM, engine=engine, path=truncated, report_dir=tmp_path / "r", allow_removals=True
    )
    assert done.diff.households.removed == dry.removals[0]


def test_import_incomes_through_the_cli(population: Population, tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    write_registry_export(population, export)
    collection = tmp_path / "collection.xlsx"
    write_income_collection(population, collection, population.year - 1)
    assert (
        run_cli("import", "registry", "--as", "system", str(export), data_dir=tmp_path).returncode
        == 0
    )

    proc = run_cli("import", "incomes", "--as", "system", str(collection), data_dir=tmp_path)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "40 rows in = 40 accepted + 0 rejected + 0 unmatched" in proc.stdout
    assert "收入 incomes" in proc.stdout
    bad = _clerk_file(
        tmp_path / "noyear.csv", [["1", "2", "3"]], ["户编号", "工资性收入", "财产性收入"]
    )
    proc = run_cli("import", "incomes", "--as", "system", str(bad), data_dir=tmp_path)
    assert proc.returncode == 2
    assert "--year" in proc.stdout + proc.stderr


def _export_rows(population: Population) -> tuple[list[str], list[dict[str, str]]]:
    """The synthetic export as header texts and rows of text keyed by header."""
    from bottomline.registry.incomes.catalogue import COLUMNS as INCOME_COLUMNS
    from bottomline.registry.national_export import COLUMNS as MEMBER_COLUMNS

    table = export_table(population)
    known = MEMBER_COLUMNS | INCOME_COLUMNS
    headers = {name: known[name].header for name in table.column_names}
    rows = [
        {headers[k]: "" if v is None else str(v) for k, v in row.items()}
        for row in table.to_pylist()
    ]
    return list(headers.values()), rows


def _write_rows(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["防返贫监测信息系统 家庭成员信息导出"])
        writer.writerow(header)
        writer.writerows([row.get(h, "") for h in header] for row in rows)
    return path


def test_monitoring_and_incomes_on_member_rows_are_diffed(
    engine: Engine, population: Population, tmp_path: Path
) -> None:
    header, rows = _export_rows(population)
    number = rows[0]["户编号"]
    mine = [r for r in rows if r["户编号"] == number]
    for row in mine:
        row |= {"监测对象类别": "边缘易致贫户", "致贫返贫风险1": "01", "致贫返贫风险2": "因残",
                "识别监测时间": "2024/3/5"}  # fmt: skip
    first = import_registry(
        actor=SYSTEM,
        engine=engine,
        path=_write_rows(tmp_path / "a.csv", header, rows),
        report_dir=tmp_path,
    )
    assert first.diff.monitoring.unchanged == 0  # every household is new
    # The monitored among the new households are counted new and listed, this one too.
    assert first.changes_path is not None
    with first.changes_path.open(encoding="utf-8-sig", newline="") as fh:
        listed = [r[2:] for r in csv.reader(fh) if r[:2] == ["监测 monitoring", "新增 new"]]
    assert first.diff.monitoring.new == len(listed) >= 1
    assert [number, "", "", "monitoring_category monitoring_risks monitored_on"] in listed
    with engine.connect() as connection:
        from bottomline.registry.models import Household

        stored = connection.execute(
            select(Household.monitoring_category, Household.monitoring_risks,
                   Household.monitored_on).where(Household.household_no == number)
        ).one()  # fmt: skip
    assert stored[0] == "marginal"
    assert list(stored[1]) == ["illness", "disability"]
    assert stored[2].isoformat() == "2024-03-05"
    # Business income turns negative; wage rises to match, so the stated totals stay true.
    old_business = Decimal(mine[0]["生产经营性收入"] or 0)
    for row in mine:
        row["监测对象类别"] = "突发严重困难户"
        row["生产经营性收入"] = "-2000.00"
        row["工资性收入"] = str(Decimal(row["工资性收入"]) + old_business + 2000)
    second = import_registry(
        actor=SYSTEM,
        engine=engine,
        path=_write_rows(tmp_path / "b.csv", header, rows),
        report_dir=tmp_path,
    )
    n = population.tables["households"].num_rows
    assert second.diff.monitoring.changed == 1
    assert second.diff.monitoring.fields == {"monitoring_category": 1}
    assert second.diff.incomes.changed == 1
    assert dict(second.diff.incomes.fields) == {"wage": 1, "business": 1}
    assert second.diff.incomes.unchanged == n - 1
    assert second.diff.households.changed == 0
    assert second.changes_path is not None
    changes = second.changes_path.read_text(encoding="utf-8-sig")
    assert "监测 monitoring" in changes
    assert "2025: wage business" in changes
    with engine.connect() as connection:
        business = connection.execute(
            select(HouseholdIncome.business)
            .join(Household, Household.id == HouseholdIncome.household_id)
            .where(Household.household_no == number)
        ).scalar_one()
    assert business == Decimal("-2000.00")


def test_income_columns_without_a_year_need_one(
    engine: Engine, population: Population, tmp_path: Path
) -> None:
    header, rows = _export_rows(population)
    header = [h for h in header if h != "年度"]
    path = _write_rows(tmp_path / "noyear.csv", header, rows)

    with pytest.raises(IncomeYearMissingError) as missing:
        import_registry(actor=SYSTEM, engine=engine, path=path, report_dir=tmp_path)
    assert "年度" in (missing.value.hint or "")
    report = import_registry(
        actor=SYSTEM, engine=engine, path=path, report_dir=tmp_path, income_year=2024
    )
    assert report.rejected == 0
    with engine.connect() as connection:
        years = set(connection.scalars(select(HouseholdIncome.year)))
    assert years == {2024}


def test_income_fields_must_agree_across_a_households_rows(
    engine: Engine, population: Population, tmp_path: Path
) -> None:
    header, rows = _export_rows(population)
    sizes: dict[str, int] = {}
    for row in rows:
        sizes[row["户编号"]] = sizes.get(row["户编号"], 0) + 1
    number = next(n for n, size in sizes.items() if size > 1)
    first = next(r for r in rows if r["户编号"] == number)
    first["财产性收入"] = "1.00"
    path = _write_rows(tmp_path / "split.csv", header, rows)

    report = import_registry(actor=SYSTEM, engine=engine, path=path, report_dir=tmp_path)

    assert report.reasons[("household_inconsistent", "property")] == sizes[number]
    assert report.diff.incomes.new == len(sizes) - 1


def test_a_dry_run_of_a_truncated_export_reports_the_removals(
    population: Population, tmp_path: Path
) -> None:
    full = tmp_path / "export.csv"
    write_registry_export(population, full)
    assert (
        run_cli("import", "registry", "--as", "system", str(full), data_dir=tmp_path).returncode
        == 0
    )
    lines = full.read_text(encoding="utf-8-sig").splitlines()
    truncated = tmp_path / "truncated.csv"
    truncated.write_text("\n".join(lines[:12]) + "\n", encoding="utf-8-sig")

    dry = run_cli(
        "import", "registry", "--as", "system", str(truncated), "--dry-run", data_dir=tmp_path
    )
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "beyond the bound" in dry.stdout
    refused = run_cli("import", "registry", "--as", "system", str(truncated), data_dir=tmp_path)
    assert refused.returncode == 2
    assert "--allow-removals" in refused.stdout + refused.stderr
    assert "of the 40 households" in refused.stdout + refused.stderr
    confirmed = run_cli(
        "import",
        "registry",
        "--as",
        "system",
        str(truncated),
        "--allow-removals",
        data_dir=tmp_path,
    )
    assert confirmed.returncode == 0, confirmed.stdout + confirmed.stderr


def test_per_capita_uses_the_registry_size_unless_the_file_gives_one(
    engine: Engine, population: Population, tmp_path: Path
) -> None:
    import_registry(
        actor=SYSTEM, engine=engine, path=write_and(population, tmp_path), report_dir=tmp_path
    )
    members = population.tables["members"]["household_id"].to_pylist()
    households = population.tables["households"]
    size = {
        number: members.count(home)
        for home, number in zip(
            households["household_id"].to_pylist(),
            households["household_no"].to_pylist(),
            strict=True,
        )
    }
    a, b = list(size)[:2]
    header = ["户编号", "工资性收入", "家庭纯收入", "家庭人均纯收入", "家庭人口数"]
    rows = [
        [a, "10000", "10000", f"{10000 / size[a]:.2f}", ""],  # the registry's size: right
        [b, "9000", "9000", "3000.00", "3"],  # the file's size: right
    ]
    path = _clerk_file(tmp_path / "pc.csv", rows, header)

    report = import_incomes(actor=SYSTEM, engine=engine, path=path, report_dir=tmp_path, year=2024)
    assert (report.accepted, report.rejected) == (2, 0)
    rows[1][4] = str(size[b] + 7)  # now 3000 per head disagrees
    path = _clerk_file(tmp_path / "pc2.csv", rows, header)
    report = import_incomes(actor=SYSTEM, engine=engine, path=path, report_dir=tmp_path, year=2023)
    assert report.reasons[("per_capita_mismatch", "per_capita_net")] == 1
    again = import_incomes(actor=SYSTEM, engine=engine, path=path, report_dir=tmp_path, year=2022)
    assert again.status == "committed"  # the same file for another year is not "unchanged"


def write_and(population: Population, tmp_path: Path) -> Path:
    path = tmp_path / "export.csv"
    write_registry_export(population, path)
    return path


def test_the_income_catalogue_shares_only_the_household_number_and_is_documented() -> None:
    from bottomline.registry.incomes.catalogue import INCOME_FILE_COLUMNS
    from bottomline.registry.incomes.catalogue import header_index as income_index
    from bottomline.registry.national_export import header_index

    shared = {h for h in income_index() if h in header_index()}
    assert {header_index()[h].name for h in shared} == {"household_no"}
    docs = Path(__file__).resolve().parents[2] / "docs" / "registry-import.md"
    text = docs.read_text(encoding="utf-8")
    missing = [h for c in INCOME_FILE_COLUMNS for h in c.headers if h not in text]
    assert missing == []


def test_a_clerks_xlsx_through_the_cli(population: Population, tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    write_registry_export(population, export)
    assert (
        run_cli("import", "registry", "--as", "system", str(export), data_dir=tmp_path).returncode
        == 0
    )
    numbers = population.tables["households"]["household_no"].to_pylist()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "收支情况"
    sheet.append(["2024年度收入集中排查表"])
    sheet.append(["户编号", "年度", "工资性收入\n（元）", "生产经营性收入（元）", "转移性收入（元）",
                  "养老金（元）", "家庭纯收入（元）", "是否饮水出现安全问题", "采集日期"])  # fmt: skip
    sheet.append([numbers[0], 2024, 15000.5, -300, 2400, 2400, 17100.5, "否", "2024-11-20"])
    sheet.append([numbers[1], 2024, 9000, 0, 2400, 1200, 10200, "是", None])  # net 9000+2400
    sheet.append([numbers[2], None, 9000, 0, 0, 0, 9000, "否", None])  # no year
    sheet.append(["53232800000000000", 2024, 1, 0, 0, 0, 1, "否", None])  # unknown
    path = tmp_path / "排查.xlsx"
    book.save(path)

    proc = run_cli("import", "incomes", "--as", "system", str(path), data_dir=tmp_path)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "4 rows in = 1 accepted + 2 rejected + 1 unmatched" in out
    assert "家庭纯收入与各项收入减生产经营性支出不符" in out
    assert "必填项为空" in out
    reports = sorted((tmp_path / "reports").glob("incomes-*"))[-1]
    rejects = (reports / "rejects.csv").read_text(encoding="utf-8-sig")
    assert "10,200.00" in rejects
    assert "11,400.00" in rejects
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 'bottomline.db'}")
    with engine.connect() as connection:
        rows = connection.execute(
            select(HouseholdIncome.wage, HouseholdIncome.business, HouseholdIncome.as_of,
                   HouseholdIncome.source).where(HouseholdIncome.year == 2024)
        ).all()  # fmt: skip
    engine.dispose()
    assert [tuple(r) for r in rows] == [
        (Decimal("15000.50"), Decimal("-300.00"), dt.date(2024, 11, 20), "collection")
    ]


def test_an_empty_income_section_is_no_record(
    engine: Engine, population: Population, tmp_path: Path
) -> None:
    header, rows = _export_rows(population)
    number = rows[0]["户编号"]
    amounts = [h for h in header if h not in ("年度",) and h in _INCOME_HEADERS]
    for row in rows:
        if row["户编号"] == number:
            for h in amounts:
                row[h] = ""
    report = import_registry(
        actor=SYSTEM,
        engine=engine,
        path=_write_rows(tmp_path / "e.csv", header, rows),
        report_dir=tmp_path,
    )
    n = population.tables["households"].num_rows
    assert report.rejected == 0
    assert report.diff.incomes.new == n - 1


_INCOME_HEADERS = {h for c in FIGURES for h in c.headers}
