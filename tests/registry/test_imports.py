"""Importing the national system's export: first load, re-imports and their diffs, rejects, all
or nothing — on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import csv
import datetime as dt
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError as DBIntegrityError

from bottomline.db import session_scope
from bottomline.errors import InputFileError
from bottomline.errors import IntegrityError as StoreIntegrityError
from bottomline.ids import check_char, mask_id
from bottomline.registry.actions import load_snapshot_tables
from bottomline.registry.imports import RegistryImportReport, import_registry
from bottomline.registry.imports import write as import_writes
from bottomline.registry.imports.diff import masked_ids
from bottomline.registry.models import Household, Member, Region, RegistryImport
from bottomline.registry.national_export import (
    COLUMNS,
    EXPORT_COLUMNS,
    TITLE,
    RejectCode,
    WarningCode,
)
from bottomline.registry.queries import count_households
from bottomline.registry.snapshot import export_snapshot
from bottomline.synth import Population, population_for, write_registry_export
from bottomline.synth.registry_export import export_table
from bottomline.users.actor import SYSTEM

COUNTY = "532328000000"  # 元谋县
HEADERS = [column.header for column in EXPORT_COLUMNS]
H = {column.name: column.header for column in EXPORT_COLUMNS}  # catalogue name -> header

Row = dict[str, str]


# ------------------------------------------------------------------ files and helpers


@pytest.fixture(scope="module")
def population() -> Population:
    return population_for(scope=COUNTY, households=30, seed=11, year=2025)


@pytest.fixture(scope="module")
def export_rows(population: Population) -> list[Row]:
    """The population's export as rows of text keyed by header."""
    table = export_table(population)
    return [
        {H[name]: "" if value is None else str(value) for name, value in row.items() if name in H}
        for row in table.to_pylist()
    ]


@pytest.fixture
def rows(export_rows: list[Row]) -> list[Row]:
    return copy.deepcopy(export_rows)


def write(path: Path, rows: Sequence[Row], *, headers: Sequence[str] = HEADERS) -> Path:
    """A CSV export with the title row: row 1 the title, row 2 the header, data from row 3."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([TITLE])
        writer.writerow(headers)
        writer.writerows([row.get(h, "") for h in headers] for row in rows)
    return path


def run(engine: Engine, path: Path, **options: Any) -> RegistryImportReport:
    report = import_registry(
        actor=SYSTEM, engine=engine, path=path, report_dir=path.parent / "reports", **options
    )
    assert report.rows_in == report.accepted + report.rejected
    return report


def rejects(report: RegistryImportReport) -> list[dict[str, str]]:
    assert report.rejects_path is not None
    with report.rejects_path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def registry(engine: Engine) -> dict[str, dict[str, dict[str, Any]]]:
    """Every household by 户编号 and member by ID number, as stored (ids and times included)."""
    with engine.connect() as connection:
        households = connection.execute(select(Household.__table__)).all()
        members = connection.execute(select(Member.__table__)).all()
        regions = connection.execute(select(Region.__table__)).all()
    return {
        "households": {row.household_no: dict(row._mapping) for row in households},
        "members": {row.id_number: dict(row._mapping) for row in members},
        "regions": {row.code: dict(row._mapping) for row in regions},
    }


def imports_made(engine: Engine) -> list[tuple[str, int, int, int]]:
    with engine.connect() as connection:
        t = RegistryImport.__table__
        stmt = select(t.c.status, t.c.rows_in, t.c.accepted, t.c.rejected).order_by(t.c.id)
        return [tuple(row) for row in connection.execute(stmt)]


def households_of(rows: Sequence[Row]) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {}
    for row in rows:
        out.setdefault(row[H["household_no"]], []).append(row)
    return out


def person_number(serial: int, *, birth: str = "19800101", region: str = "532328") -> str:
    body = f"{region}{birth}{serial:03d}"
    return body + check_char(body)


def new_household(template: list[Row], number: str, first_serial: int) -> list[Row]:
    """A copy of a household under another 户编号 with new people."""
    out = copy.deepcopy(template)
    for i, row in enumerate(out):
        row[H["household_no"]] = number
        row[H["id_number"]] = person_number(
            first_serial + i, birth=row[H["birth_date"]].replace("-", "")
        )
        row[H["sex"]] = "男" if (first_serial + i) % 2 else "女"
    return out


def diff_of(report: RegistryImportReport) -> dict[str, Any]:
    """The diff of households and members (tests/registry/test_incomes.py checks the rest)."""
    found = report.diff.as_dict()
    return {"households": found["households"], "members": found["members"]}


# ------------------------------------------------------------------ first import and round trips


def test_first_import_fills_an_empty_store_with_the_population(
    engine: Engine, population: Population, tmp_path: Path
) -> None:
    path = tmp_path / "export.xlsx"
    written = write_registry_export(population, path)  # XLSX, with the title row

    report = run(engine, path)

    households = population.tables["households"].num_rows
    members = population.tables["members"].num_rows
    assert (report.status, report.rows_in, report.accepted, report.rejected) == (
        "committed", written, members, 0,
    )  # fmt: skip
    assert diff_of(report) == {
        "households": {"new": households, "changed": 0, "removed": 0, "unchanged": 0, "fields": {}},
        "members": {"new": members, "changed": 0, "removed": 0, "unchanged": 0, "fields": {}},
    }
    assert report.counties == [COUNTY]
    assert imports_made(engine) == [("committed", members, members, 0)]
    with session_scope(engine) as session:
        stored = session.scalars(select(RegistryImport)).one()
        assert stored.diff["members"]["new"] == members
        assert stored.content_sha256 == report.content_sha256
    _assert_store_holds(engine, population, tmp_path / "snapshot")


def _assert_store_holds(engine: Engine, population: Population, out: Path) -> None:
    """The store's snapshot is the population's, but for the ids."""
    export_snapshot(engine=engine, out_dir=out)
    names = ("regions", "households", "members")
    exported = {name: pq.read_table(out / f"{name}.parquet") for name in names}
    for name in names:
        assert _comparable(exported[name], name, exported["households"]) == _comparable(
            population.tables[name], name, population.tables["households"]
        ), name


def _comparable(table: Any, name: str, households: Any) -> list[dict[str, Any]]:
    if name == "regions":
        return sorted(table.to_pylist(), key=lambda r: r["code"])
    if name == "households":
        return sorted(
            table.drop_columns("household_id").to_pylist(), key=lambda r: r["household_no"]
        )
    numbers = dict(
        zip(
            households["household_id"].to_pylist(),
            households["household_no"].to_pylist(),
            strict=True,
        )
    )
    out = []
    for row in table.to_pylist():
        row["household_id"] = numbers[row["household_id"]]
        del row["member_id"]
        out.append(row)
    return sorted(out, key=lambda r: r["id_number"])


def test_an_export_of_a_loaded_snapshot_changes_nothing(
    engine: Engine, population: Population, rows: list[Row], tmp_path: Path
) -> None:
    load_snapshot_tables(engine=engine, tables=population.tables)
    before = registry(engine)

    report = run(engine, write(tmp_path / "export.csv", rows))

    households = population.tables["households"].num_rows
    members = population.tables["members"].num_rows
    assert diff_of(report) == {
        "households": {"new": 0, "changed": 0, "removed": 0, "unchanged": households, "fields": {}},
        "members": {"new": 0, "changed": 0, "removed": 0, "unchanged": members, "fields": {}},
    }
    assert registry(engine) == before


def test_the_same_content_again_changes_nothing(
    engine: Engine, rows: list[Row], tmp_path: Path
) -> None:
    first = run(engine, write(tmp_path / "export.csv", rows))
    before = registry(engine)
    (tmp_path / "again").mkdir()
    copy_path = tmp_path / "again" / "renamed.csv"
    copy_path.write_bytes((tmp_path / "export.csv").read_bytes())

    again = run(engine, copy_path)

    assert again.status == "unchanged"
    assert again.previous_import_id == first.import_id
    assert again.diff.empty
    assert registry(engine) == before
    assert [status for status, *_ in imports_made(engine)] == ["committed", "unchanged"]


# ------------------------------------------------------------------ re-imports and their diff


def test_a_reimport_with_edits_gives_the_exact_diff(
    engine: Engine, rows: list[Row], tmp_path: Path
) -> None:
    run(engine, write(tmp_path / "first.csv", rows))
    before = registry(engine)
    by_household = households_of(rows)
    numbers = list(by_household)
    sizes = {number: len(members) for number, members in by_household.items()}
    big = next(n for n in numbers if sizes[n] >= 3)  # loses a member who is not the head
    phone, dropped, edited = [n for n in numbers if n != big][:3]
    for row in by_household[phone]:
        row[H["phone"]] = "13912345678"
    edited_row = by_household[edited][0]
    edited_row[H["education"]] = (
        "大专及以上" if edited_row[H["education"]] != "大专及以上" else "小学"
    )
    gone = next(row for row in by_household[big] if row[H["relationship"]] != "户主")
    added = new_household(by_household[numbers[-1]], "53232899999900001", 500)
    newcomer = copy.deepcopy(by_household[big][-1])
    newcomer[H["id_number"]] = person_number(900, birth="20240301")
    newcomer[H["relationship"]] = "孙子女"
    edited_rows = [r for r in rows if r[H["household_no"]] != dropped and r is not gone]
    edited_rows += [*added, newcomer]

    report = run(engine, write(tmp_path / "edited.csv", edited_rows))

    households, members = len(numbers), len(rows)
    assert diff_of(report) == {
        "households": {
            "new": 1, "changed": 1, "removed": 1, "unchanged": households - 2, "fields": {"phone": 1},
        },
        "members": {
            "new": len(added) + 1,
            "changed": 1,
            "removed": sizes[dropped] + 1,
            "unchanged": members - sizes[dropped] - 2,
            "fields": {"education": 1},
        },
    }  # fmt: skip
    after = registry(engine)
    assert after["households"][dropped]["removed_at"] is not None  # kept, marked removed
    assert after["members"][gone[H["id_number"]]]["removed_at"] is not None
    assert after["households"][phone]["phone"] == "13912345678"
    unchanged = [n for n in numbers if n not in (phone, dropped, edited, big)]
    assert all(after["households"][n] == before["households"][n] for n in unchanged)
    changes = _read_csv(report.changes_path)
    assert Counter((c["对象 kind"], c["变动 change"]) for c in changes) == {
        ("户 household", "新增 new"): 1,
        ("户 household", "变更 changed"): 1,
        ("户 household", "移除 removed"): 1,
        ("人 member", "新增 new"): len(added) + 1,
        ("人 member", "变更 changed"): 1,
        ("人 member", "移除 removed"): sizes[dropped] + 1,
    }
    with session_scope(engine) as session:
        assert count_households(session=session) == households  # one removed, one new


def _read_csv(path: Path | None) -> list[dict[str, str]]:
    assert path is not None
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_a_removed_household_comes_back(engine: Engine, rows: list[Row], tmp_path: Path) -> None:
    run(engine, write(tmp_path / "full.csv", rows))
    number = rows[0][H["household_no"]]
    size = sum(1 for r in rows if r[H["household_no"]] == number)
    without = [r for r in rows if r[H["household_no"]] != number]

    removed = run(engine, write(tmp_path / "without.csv", without))
    snapshot = tmp_path / "snapshot"
    export_snapshot(engine=engine, out_dir=snapshot)
    exported = pq.read_table(snapshot / "households.parquet")["household_no"].to_pylist()
    back = run(engine, write(tmp_path / "back.csv", rows))

    assert (removed.diff.households.removed, removed.diff.members.removed) == (1, size)
    assert number not in exported
    assert len(exported) == len(households_of(rows)) - 1
    assert (back.diff.households.changed, back.diff.members.changed) == (1, size)
    assert back.diff.households.fields == {"removed_at": 1}
    assert back.diff.members.fields == {"removed_at": size}
    assert back.diff.households.new == back.diff.members.new == 0
    after = registry(engine)
    assert after["households"][number]["removed_at"] is None
    with session_scope(engine) as session:
        assert count_households(session=session) == len(households_of(rows))


def test_the_snapshot_leaves_out_what_an_import_removed(
    engine: Engine, population: Population, rows: list[Row], tmp_path: Path
) -> None:
    load_snapshot_tables(engine=engine, tables=population.tables)
    by_household = households_of(rows)
    gone = next(iter(by_household))
    leaver = next(r for n, members in by_household.items() if n != gone for r in members[1:])
    kept = [r for r in rows if r[H["household_no"]] != gone and r is not leaver]

    run(engine, write(tmp_path / "export.csv", kept))
    export_snapshot(engine=engine, out_dir=tmp_path / "snapshot")

    tables = {
        name: pq.read_table(tmp_path / "snapshot" / f"{name}.parquet")
        for name in ("households", "members", "incomes", "guarantees")
    }
    households = population.tables["households"]
    gone_id = households.filter(pc.equal(households["household_no"], gone))["household_id"][0]
    assert gone not in tables["households"]["household_no"].to_pylist()
    numbers = set(tables["members"]["id_number"].to_pylist())
    assert numbers == {r[H["id_number"]] for r in kept}
    for name in ("incomes", "guarantees"):
        ids = set(tables[name]["household_id"].to_pylist())
        assert gone_id.as_py() not in ids
        assert ids == set(tables["households"]["household_id"].to_pylist()) & set(
            population.tables[name]["household_id"].to_pylist()
        )
    with session_scope(engine) as session:
        assert count_households(session=session) == len(by_household) - 1


def test_a_member_moving_household_is_a_change(
    engine: Engine, rows: list[Row], tmp_path: Path
) -> None:
    run(engine, write(tmp_path / "first.csv", rows))
    by_household = households_of(rows)
    source = next(n for n, members in by_household.items() if len(members) >= 2)
    target = next(n for n in by_household if n != source)
    mover = next(r for r in by_household[source] if r[H["relationship"]] != "户主")
    for column in EXPORT_COLUMNS:
        if column.level == "household":
            mover[column.header] = by_household[target][0][column.header]
    mover[H["relationship"]] = "其他"

    report = run(engine, write(tmp_path / "moved.csv", rows))

    assert report.diff.members.changed == 1
    assert report.diff.members.fields == {"household_no": 1, "relationship": 1}
    assert report.diff.households.changed == report.diff.households.removed == 0
    after = registry(engine)
    moved = after["members"][mover[H["id_number"]]]
    assert moved["household_id"] == after["households"][target]["id"]


def test_people_and_households_from_another_county_are_matched_not_duplicated(
    engine: Engine, rows: list[Row], tmp_path: Path
) -> None:
    by_household = households_of(rows)
    templates = [m for m in by_household.values() if len(m) >= 2][:2]
    other = []  # two households of 五华区 (another county)
    for i, template in enumerate(templates):
        household = new_household(template, f"5301021012010000{i}", 600 + 10 * i)
        for row in household:
            row[H["village_code"]] = "530102101201"
        other.append(household)
    run(engine, write(tmp_path / "both.csv", [*rows, *other[0], *other[1]]))
    mover = other[0][-1]  # moves into a household of 元谋县
    host = by_household[next(iter(by_household))]
    moved = {
        **mover,
        **{c.header: host[0][c.header] for c in EXPORT_COLUMNS if c.level == "household"},
    }
    moved[H["relationship"]] = "其他"
    for row in other[1]:  # the whole household moves to 元谋县
        row[H["village_code"]] = rows[0][H["village_code"]]

    report = run(engine, write(tmp_path / "yuanmou.csv", [*rows, moved, *other[1]]))

    assert report.counties == [COUNTY]
    assert diff_of(report)["households"] == {
        "new": 0, "changed": 1, "removed": 0, "unchanged": len(by_household),
        "fields": {"village_code": 1},
    }  # fmt: skip
    assert diff_of(report)["members"] == {
        "new": 0, "changed": 1, "removed": 0, "unchanged": len(rows) + len(other[1]),
        "fields": {"household_no": 1, "relationship": 1},
    }  # fmt: skip
    after = registry(engine)
    assert after["households"][other[0][0][H["household_no"]]]["removed_at"] is None
    assert (
        after["members"][mover[H["id_number"]]]["household_id"]
        == (after["households"][host[0][H["household_no"]]]["id"])
    )


def test_a_column_missing_from_the_file_keeps_the_stored_values(
    engine: Engine, rows: list[Row], tmp_path: Path
) -> None:
    run(engine, write(tmp_path / "first.csv", rows))
    before = registry(engine)
    headers = [h for h in HEADERS if h not in (H["phone"], H["birth_date"], H["sex"])]

    report = run(engine, write(tmp_path / "fewer.csv", rows, headers=headers))

    assert report.diff.empty, report.diff.as_dict()
    assert registry(engine)["households"] == before["households"]
    assert registry(engine)["members"] == before["members"]  # birth dates and sex from the IDs


# ------------------------------------------------------------------ rejects


def test_rejected_rows_have_their_row_number_column_and_reason(
    engine: Engine, rows: list[Row], tmp_path: Path
) -> None:
    by_household = households_of(rows)
    numbers = list(by_household)
    bad_id, _, no_name, bad_months = (by_household[n][0] for n in numbers[:4])
    bad_id[H["id_number"]] = bad_id[H["id_number"]][:17] + (
        "0" if bad_id[H["id_number"]][17] != "0" else "1"
    )
    for row in by_household[numbers[1]]:
        row[H["household_type"]] = "富裕户"
    no_name[H["name"]] = ""
    bad_months[H["migrant_months"]] = "13"
    path = write(tmp_path / "export.csv", rows)

    report = run(engine, path)

    found = {(r["行号 row"], r["列 column"], r["代码 code"]) for r in rejects(report)}
    row_of = {id(row): str(i + 3) for i, row in enumerate(rows)}  # title row 1, header row 2
    assert (row_of[id(bad_id)], "证件号码", "id_checksum") in found
    assert (row_of[id(no_name)], "姓名", "missing") in found
    assert (row_of[id(bad_months)], "务工时间", "out_of_range") in found
    bad_type_rows = [row_of[id(r)] for r in by_household[numbers[1]]]
    # every row of the household carries the household field's problem
    assert {(n, "户类型", "bad_code") for n in bad_type_rows} <= found
    whole = sum(len(by_household[n]) for n in numbers[:4])
    assert (report.rejected, report.accepted) == (whole, len(rows) - whole)
    assert report.reasons[("id_checksum", "id_number")] == 1
    assert report.reasons[("household_rejected", "")] == whole - 3 - len(bad_type_rows)
    reason = next(r for r in rejects(report) if r["代码 code"] == "bad_code")
    assert "一般农户" in reason["原因"]
    assert "allowed" in reason["reason"]
    assert all(r["文件 file"] == "export.csv" for r in rejects(report))
    assert report.diff.households.new == len(numbers) - 4


def test_a_rejected_household_is_left_as_stored(
    engine: Engine, rows: list[Row], tmp_path: Path
) -> None:
    run(engine, write(tmp_path / "first.csv", rows))
    before = registry(engine)
    number = rows[0][H["household_no"]]
    members = [r for r in rows if r[H["household_no"]] == number]
    for row in members:
        row[H["phone"]] = "13900000000"  # a change that must not be applied
    members[-1][H["health"]] = "不详"  # rejects the household

    report = run(engine, write(tmp_path / "second.csv", rows))

    assert report.rejected == len(members)
    assert report.diff.households.removed == report.diff.members.removed == 0
    assert report.diff.households.changed == 0
    after = registry(engine)
    assert after["households"][number] == before["households"][number]
    assert all(
        after["members"][r[H["id_number"]]] == before["members"][r[H["id_number"]]] for r in members
    )


def test_the_same_person_twice_rejects_all_their_rows(
    engine: Engine, rows: list[Row], tmp_path: Path
) -> None:
    by_household = households_of(rows)
    first, second = list(by_household)[:2]
    twice = by_household[second][-1]
    twice[H["id_number"]] = by_household[first][0][H["id_number"]].lower()  # x and X are one

    report = run(engine, write(tmp_path / "export.csv", rows))

    duplicates = [r for r in rejects(report) if r["代码 code"] == "duplicate_id"]
    assert len(duplicates) == 2
    row_numbers = sorted(int(r["行号 row"]) for r in duplicates)
    assert all(f"{row_numbers[0]}、{row_numbers[1]}" in r["原因"] for r in duplicates)
    assert "more than once" in duplicates[0]["reason"]
    assert report.rejected == len(by_household[first]) + len(by_household[second])


def test_a_household_whose_rows_disagree_is_rejected_whole(
    engine: Engine, rows: list[Row], tmp_path: Path
) -> None:
    by_household = households_of(rows)
    split = next(n for n, members in by_household.items() if len(members) >= 2)
    by_household[split][1][H["household_type"]] = (
        "低保户" if by_household[split][0][H["household_type"]] != "低保户" else "一般农户"
    )
    two_heads = next(n for n, members in by_household.items() if len(members) >= 2 and n != split)
    for row in by_household[two_heads]:
        row[H["relationship"]] = "户主"

    report = run(engine, write(tmp_path / "export.csv", rows))

    lines = rejects(report)
    disagree = [r for r in lines if r["代码 code"] == "household_inconsistent"]
    assert len(disagree) == len(by_household[split])
    assert all(r["列 column"] == "户类型" and "户类型" in r["原因"] for r in disagree)
    heads = [r for r in lines if r["代码 code"] == "head_count"]
    assert len(heads) == len(by_household[two_heads])
    assert f"{len(by_household[two_heads])} 名" in heads[0]["原因"]
    assert report.rejected == len(by_household[split]) + len(by_household[two_heads])


def test_sex_that_contradicts_the_id_number_is_a_warning_not_a_reject(
    engine: Engine, rows: list[Row], tmp_path: Path
) -> None:
    rows[0][H["sex"]] = "女" if rows[0][H["sex"]] == "男" else "男"

    report = run(engine, write(tmp_path / "export.csv", rows))

    assert report.rejected == 0
    assert report.warnings == {("sex_mismatch", "sex"): 1}


def test_formula_text_is_defused_in_the_rejects_report(
    engine: Engine, rows: list[Row], tmp_path: Path
) -> None:
    by_household = households_of(rows)
    first, second = list(by_household)[:2]
    for row in by_household[first]:
        row[H["household_type"]] = "=1+2"
    by_household[second][0][H["name"]] = "=HYPERLINK(1)" + "长" * 70  # too long, masked

    report = run(engine, write(tmp_path / "export.csv", rows))

    values = {r["代码 code"]: r["值 value"] for r in rejects(report)}
    assert values["bad_code"] == "'=1+2"
    assert values["too_long"] == "'=*"
    text = report.rejects_path.read_text(encoding="utf-8-sig")  # type: ignore[union-attr]
    assert "HYPERLINK" not in text


def test_reports_never_hold_a_full_id_number_or_phone(
    engine: Engine, rows: list[Row], tmp_path: Path
) -> None:
    for row in rows[::3]:
        row[H["relationship"]] = "邻居"  # rejects a third of the rows' households
    rows[1][H["id_number"]] = rows[1][H["id_number"]][:17]  # too short

    report = run(engine, write(tmp_path / "export.csv", rows))

    assert report.rejected > 0
    text = report.rejects_path.read_text(encoding="utf-8-sig")  # type: ignore[union-attr]
    text += report.changes_path.read_text(encoding="utf-8-sig")  # type: ignore[union-attr]
    for row in rows:
        assert row[H["id_number"]] not in text
        assert not row[H["phone"]] or row[H["phone"]] not in text
        assert len(row[H["name"]]) < 2 or row[H["name"]] not in text
    assert mask_id(rows[1][H["id_number"]]) in text


def test_a_file_without_a_required_column_is_refused(
    engine: Engine, rows: list[Row], tmp_path: Path
) -> None:
    headers = [h for h in HEADERS if h != "证件号码"]

    with pytest.raises(InputFileError, match="证件号码"):
        run(engine, write(tmp_path / "export.csv", rows, headers=headers))
    assert imports_made(engine) == [("failed", 0, 0, 0)]
    assert not (tmp_path / "reports").exists()


# ------------------------------------------------------------------ all or nothing, dry runs


def test_a_failure_while_writing_leaves_the_store_as_it_was(
    engine: Engine, rows: list[Row], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(engine, write(tmp_path / "first.csv", rows))
    before = registry(engine)
    for row in rows[:5]:
        row[H["address"]] = "新地址"
    edited = [r for r in rows if r[H["household_no"]] != rows[-1][H["household_no"]]]

    def fail(*args: object) -> None:  # the last write of an import: removals
        raise RuntimeError("disk full")

    monkeypatch.setattr(import_writes, "_remove", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        run(engine, write(tmp_path / "edited.csv", edited))

    assert registry(engine) == before
    assert [status for status, *_ in imports_made(engine)] == ["committed", "failed"]
    with session_scope(engine) as session:
        failed = session.scalars(
            select(RegistryImport).where(RegistryImport.status == "failed")
        ).one()
        assert failed.error == "RuntimeError: disk full"
    changes = sorted(p.name for p in (tmp_path / "reports").glob("*/changes.csv*"))
    assert changes == ["changes.csv"]  # the first import's; the failed one left none


def test_a_store_error_is_reported_without_the_rows_it_quotes(
    engine: Engine, rows: list[Row], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = rows[0][H["id_number"]]

    def refuse(*args: object) -> None:
        raise DBIntegrityError("INSERT …", {"id_number": number}, Exception("UNIQUE failed"))

    monkeypatch.setattr(import_writes, "_remove", refuse)
    with pytest.raises(StoreIntegrityError) as raised:
        run(engine, write(tmp_path / "export.csv", rows))

    assert "UNIQUE failed" in str(raised.value)
    assert number not in str(raised.value)
    assert raised.value.__cause__ is None
    assert registry(engine)["households"] == {}
    with session_scope(engine) as session:
        failed = session.scalars(select(RegistryImport)).one()
        assert failed.status == "failed"
        assert failed.error is not None
        assert number not in failed.error


def test_a_dry_run_computes_the_diff_and_writes_nothing(
    engine: Engine, rows: list[Row], tmp_path: Path
) -> None:
    run(engine, write(tmp_path / "first.csv", rows))
    before = registry(engine)
    dropped = rows[0][H["household_no"]]
    edited = [r for r in rows if r[H["household_no"]] != dropped]

    report = run(engine, write(tmp_path / "edited.csv", edited), dry_run=True)

    assert report.status == "dry_run"
    assert report.diff.households.removed == 1
    assert report.import_id is None
    assert registry(engine) == before
    assert imports_made(engine) == [("committed", len(rows), len(rows), 0)]
    assert report.changes_path is not None
    assert report.changes_path.is_file()


def test_new_regions_are_created_below_a_real_county(
    engine: Engine, rows: list[Row], tmp_path: Path
) -> None:
    household = households_of(rows)[rows[0][H["household_no"]]]
    for row in household:
        row[H["village_code"]] = "532328777201"
        row[H["township_name"]] = "新设镇"
        row[H["village_name"]] = "新设村"
    elsewhere = new_household(household, "53010299999900001", 700)
    for row in elsewhere:
        row[H["village_code"]] = "530102101201"  # 五华区, 昆明市
        row[H["township_name"]] = row[H["village_name"]] = ""

    report = run(engine, write(tmp_path / "export.csv", [*rows, *elsewhere]))

    assert report.rejected == 0
    regions = registry(engine)["regions"]
    shown = {code: (r["name"], r["level"], r["parent_code"]) for code, r in regions.items()}
    assert shown["532328777000"] == ("新设镇", "township", COUNTY)
    assert shown["532328777201"] == ("新设村", "village", "532328777000")
    assert shown["530102101201"] == ("530102101201", "village", "530102101000")
    assert shown["530100000000"] == ("昆明市", "city", "530000000000")
    assert report.counties == ["530102000000", COUNTY]


def test_an_unknown_county_is_rejected(engine: Engine, rows: list[Row], tmp_path: Path) -> None:
    number = rows[0][H["household_no"]]
    for row in rows:
        if row[H["household_no"]] == number:
            row[H["village_code"]] = "539999101201"

    report = run(engine, write(tmp_path / "export.csv", rows))

    codes = {r["代码 code"] for r in rejects(report)}
    assert codes == {"unknown_county"}
    assert "539999000000" not in registry(engine)["regions"]


# ------------------------------------------------------------------ the catalogue


def test_every_column_wording_and_reject_code_is_documented() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "registry-import.md"
    text = docs.read_text(encoding="utf-8")
    coded = ("household_type", "relationship", "sex", "education", "schooling", "health")
    coded += ("labour_capacity", "id_kind")
    missing = [h for column in EXPORT_COLUMNS for h in column.headers if h not in text]
    missing += [w for name in coded for w in COLUMNS[name].codes if w not in text]
    missing += [f"`{code.value}`" for code in (*RejectCode, *WarningCode)]
    assert [m for m in missing if m not in text] == []


def test_every_registry_label_is_an_accepted_wording() -> None:
    from bottomline.registry import enums

    coded = {
        "household_type": enums.HouseholdType,
        "relationship": enums.Relationship,
        "sex": enums.Sex,
        "education": enums.Education,
        "schooling": enums.Schooling,
        "health": enums.Health,
        "labour_capacity": enums.LabourCapacity,
        "id_kind": enums.IdKind,
    }
    for name, enum in coded.items():
        codes = COLUMNS[name].codes
        assert {member.zh: codes.get(member.zh) for member in enum} == {m.zh: m.value for m in enum}


@pytest.mark.parametrize(
    ("column", "text", "value"),
    [
        ("ethnicity", "汉族", "01"),
        ("ethnicity", "彝", "07"),
        ("ethnicity", "7", "07"),
        ("ethnicity", "基诺族", "56"),
        ("formerly_poor", "是", True),
        ("public_welfare_job", "", False),
        ("disability_grade", "二级", 2),
        ("disability_grade", "", None),
        ("migrant_months", "6.0", 6),
        ("migrant_months", "", 0),
        ("migrant_place", "440300", "440300000000"),
        ("migrant_place", "532328101000", "532328101000"),
        ("birth_date", "2001/2/3", dt.date(2001, 2, 3)),
        ("birth_date", "20010203", dt.date(2001, 2, 3)),
        ("birth_date", "2001-02-03 00:00:00", dt.date(2001, 2, 3)),
        ("relationship", "之子", "child"),
    ],
)
def test_cells_are_read_as_the_registry_stores_them(column: str, text: str, value: object) -> None:
    import pyarrow as pa

    from bottomline.registry.national_export import read_cells

    values, problems = read_cells(COLUMNS[column], pa.array([text]))

    assert values.to_pylist() == [value]
    assert problems == []


@pytest.mark.parametrize(
    ("column", "text", "code"),
    [
        ("ethnicity", "火星族", "bad_code"),
        ("migrant_months", "半年", "bad_number"),
        ("migrant_months", "99999999999999999999", "bad_number"),
        ("migrant_place", "广东深圳", "unknown_division"),
        ("migrant_place", "999999", "unknown_division"),
        ("poverty_exit_year", "1999", "out_of_range"),
        ("village_code", "53232810120", "bad_village_code"),
        ("village_code", "532328101000", "bad_village_code"),
        ("birth_date", "2001-02-30", "bad_date"),
        ("id_number", "532328198001010012", "id_checksum"),
        ("id_number", "532328198002300011", "id_birth_date"),
        ("household_no", "", "missing"),
    ],
)
def test_bad_cells_get_a_reject_code(column: str, text: str, code: str) -> None:
    import pyarrow as pa

    from bottomline.registry.national_export import read_cells

    values, problems = read_cells(COLUMNS[column], pa.array([text]))

    assert [found for _mask, found in problems] == [code]
    assert values.to_pylist() == [None]


def test_sex_is_derived_from_the_id_number(engine: Engine, rows: list[Row], tmp_path: Path) -> None:
    headers = [h for h in HEADERS if h != H["sex"]]

    report = run(engine, write(tmp_path / "export.csv", rows, headers=headers))

    assert report.rejected == 0
    members = registry(engine)["members"]
    for row in rows:
        odd = int(row[H["id_number"]][16]) % 2
        assert members[row[H["id_number"]]]["sex"] == ("male" if odd else "female")


# ------------------------------------------------------------------ XLSX as officials send it


def write_xlsx(path: Path, rows: Sequence[Row], *, blank_after: int | None = None) -> Path:
    """The export as a workbook: the title row, the header, the rows (whole numbers typed as
    numbers, as the national system writes them), an empty row after row ``blank_after``."""
    import xlsxwriter

    with xlsxwriter.Workbook(path, {"constant_memory": True}) as book:
        sheet = book.add_worksheet("家庭成员")
        sheet.write_row(0, 0, [TITLE])
        sheet.write_row(1, 0, HEADERS)
        at = 2
        for i, row in enumerate(rows):
            for c, header in enumerate(HEADERS):
                value = row.get(header, "")
                numeric = header in (H["migrant_months"], H["poverty_exit_year"])
                if numeric and value.isdigit():
                    sheet.write_number(at, c, int(value))
                elif value:
                    sheet.write_string(at, c, value)
            at += 2 if i == blank_after else 1
    return path


def test_rejects_from_xlsx_have_the_row_numbers_excel_shows(
    engine: Engine, rows: list[Row], tmp_path: Path
) -> None:
    """Title row 1, header row 2, an empty row in the middle: every reject's row number is the
    row Excel shows, and the same rows as CSV give the same rejects (less the empty row)."""
    by_household = households_of(rows)
    numbers = list(by_household)
    bad_months, no_name = by_household[numbers[0]][0], by_household[numbers[-1]][-1]
    bad_months[H["migrant_months"]] = "13"
    no_name[H["name"]] = ""
    middle = len(rows) // 2
    report = run(engine, write_xlsx(tmp_path / "export.xlsx", rows, blank_after=middle))

    def shown(row: Row) -> str:
        at = next(i for i, r in enumerate(rows) if r is row)
        return str(at + 3 + (at > middle))  # rows below the empty one are one further down

    found = {(r["行号 row"], r["列 column"], r["代码 code"]) for r in rejects(report)}
    assert (shown(bad_months), "务工时间", "out_of_range") in found
    assert (shown(no_name), "姓名", "missing") in found
    whole = len(by_household[numbers[0]]) + len(by_household[numbers[-1]])
    assert (report.rows_in, report.rejected) == (len(rows), whole)
    assert all(r["工作表 sheet"] == "家庭成员" for r in rejects(report))
    csv_report = run(engine, write(tmp_path / "export.csv", rows), dry_run=True)
    assert Counter(r["代码 code"] for r in rejects(csv_report)) == Counter(
        r["代码 code"] for r in rejects(report)
    )


def test_the_same_rows_as_xlsx_then_csv_change_nothing(
    engine: Engine, rows: list[Row], tmp_path: Path
) -> None:
    """A re-import of the same rows in other bytes is compared in full and changes nothing."""
    first = run(engine, write_xlsx(tmp_path / "export.xlsx", rows))
    before = registry(engine)
    again = run(engine, write(tmp_path / "export.csv", rows))
    assert first.diff.households.new == len(households_of(rows))
    assert again.status == "committed"
    assert again.diff.empty
    assert again.diff.members.unchanged == len(rows)
    assert registry(engine) == before


def test_an_unreadable_cell_on_one_row_of_a_household_splits_it(
    engine: Engine, rows: list[Row], tmp_path: Path
) -> None:
    """The same unreadable wording on every row is one problem per row; on one row only the
    household's rows also disagree."""
    by_household = households_of(rows)
    big = [n for n, members in by_household.items() if len(members) >= 2]
    everywhere, once = by_household[big[0]], by_household[big[1]]
    for row in everywhere:
        row[H["household_type"]] = "富裕户"
    once[-1][H["household_type"]] = "富裕户"

    report = run(engine, write(tmp_path / "export.csv", rows))

    lines = rejects(report)
    split = {r["行号 row"] for r in lines if r["代码 code"] == "household_inconsistent"}
    row_of = {id(row): str(i + 3) for i, row in enumerate(rows)}
    assert split == {row_of[id(r)] for r in once}
    bad = {r["行号 row"] for r in lines if r["代码 code"] == "bad_code"}
    assert bad == {row_of[id(r)] for r in [*everywhere, once[-1]]}
    assert report.rejected == len(everywhere) + len(once)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.none() | st.text("53X张0", max_size=24), max_size=12))
def test_masked_ids_are_mask_id_column_wise(values: list[str | None]) -> None:
    masked = masked_ids(pa.array(values, pa.string())).to_pylist()
    assert masked == [mask_id(v) for v in values]
