"""Loading a snapshot into the store and exporting it back, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine, func, select

from bottomline.db import session_scope, utcnow
from bottomline.errors import InputFileError, UserError
from bottomline.registry.actions import load_snapshot_tables
from bottomline.registry.columns import EXTRA_TABLES, SNAPSHOT_TABLES
from bottomline.registry.models import Household, HouseholdIncome, Member
from bottomline.registry.queries import count_households
from bottomline.registry.snapshot import SNAPSHOT_KEYS, export_snapshot, read_snapshot
from tests.registry.snapshots import VILLAGE_A1, small_snapshot, sorted_by_key


def test_load_then_export_gives_back_the_snapshot(engine: Engine, tmp_path: Path) -> None:
    snapshot = small_snapshot()

    counts = load_snapshot_tables(engine=engine, tables=snapshot)
    paths = export_snapshot(engine=engine, out_dir=tmp_path / "out")

    assert counts == {table: data.num_rows for table, data in snapshot.items()}
    assert sorted(paths) == sorted(SNAPSHOT_TABLES | EXTRA_TABLES)
    assert pq.read_table(paths["followups"]).num_rows == 0  # no query given: written empty
    for table, data in snapshot.items():
        exported = pq.read_table(paths[table])
        assert exported.schema.equals(SNAPSHOT_TABLES[table]), table
        assert exported.equals(sorted_by_key(data, SNAPSHOT_KEYS[table])), table
    assert not list((tmp_path / "out").glob("*.partial"))


def test_read_snapshot_reads_an_export(engine: Engine, tmp_path: Path) -> None:
    snapshot = small_snapshot()
    load_snapshot_tables(engine=engine, tables=snapshot)
    export_snapshot(engine=engine, out_dir=tmp_path)

    tables = read_snapshot(tmp_path)

    assert tables["members"].equals(sorted_by_key(snapshot["members"], ("member_id",)))


def test_an_empty_store_exports_empty_tables(engine: Engine, tmp_path: Path) -> None:
    paths = export_snapshot(engine=engine, out_dir=tmp_path)

    for table, path in paths.items():
        exported = pq.read_table(path)
        assert exported.num_rows == 0
        assert exported.schema.equals((SNAPSHOT_TABLES | EXTRA_TABLES)[table])


def test_follow_ups_are_exported_from_the_query_the_caller_gives(
    engine: Engine, tmp_path: Path
) -> None:
    from bottomline.assistance.models import IncomeFollowUp
    from bottomline.assistance.queries import followups_snapshot

    load_snapshot_tables(engine=engine, tables=small_snapshot())
    with session_scope(engine) as session:
        ids = list(session.scalars(select(Household.id).order_by(Household.id)))
        removed = session.get(Household, ids[1])
        assert removed is not None
        removed.removed_at = utcnow()
        for hid, day, pc_income in (
            (ids[0], dt.date(2025, 8, 1), Decimal("9123.45")),
            (ids[0], dt.date(2025, 3, 1), Decimal("-12.50")),
            (ids[1], dt.date(2025, 8, 1), Decimal("100")),  # a removed household: left out
        ):
            session.add(
                IncomeFollowUp(
                    household_id=hid, followed_on=day, per_capita_income=pc_income, recorded_by="t"
                )
            )

    paths = export_snapshot(
        engine=engine, out_dir=tmp_path, extra={"followups": followups_snapshot()}
    )

    exported = pq.read_table(paths["followups"])
    assert exported.schema.equals(EXTRA_TABLES["followups"])
    assert exported.to_pylist() == [
        {"household_id": ids[0], "followed_on": dt.date(2025, 3, 1), "per_capita_income": -12.5},
        {"household_id": ids[0], "followed_on": dt.date(2025, 8, 1), "per_capita_income": 9123.45},
    ]


def test_an_unknown_extra_table_is_refused(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not extra snapshot tables"):
        export_snapshot(engine=engine, out_dir=tmp_path, extra={"cases": select(Household.id)})


def test_money_is_stored_as_exact_decimals(engine: Engine) -> None:
    snapshot = small_snapshot()
    incomes = snapshot["incomes"]
    # 0.1 + 0.2 is 0.30000000000000004 in float: stored as 0.30 yuan, the nearest fen.
    wage = pa.array([0.1 + 0.2] + [0.0] * (incomes.num_rows - 1))
    snapshot["incomes"] = incomes.set_column(incomes.schema.get_field_index("wage"), "wage", wage)
    load_snapshot_tables(engine=engine, tables=snapshot)

    with session_scope(engine) as session:
        first = session.get(HouseholdIncome, (1, 2025))
        eco = session.scalar(
            select(HouseholdIncome.transfer_eco).where(HouseholdIncome.household_id == 3)
        )
        assert first is not None
        assert (first.wage, first.business, first.transfer_other) == (
            Decimal("0.30"),
            Decimal("0.50"),
            Decimal("0.29"),
        )
        assert eco == Decimal("123456789.12")
        assert first.net_income == Decimal("0.30") + Decimal("0.50") + Decimal("0.29") - 300
        net = session.scalar(
            select(HouseholdIncome.net_income).where(
                HouseholdIncome.household_id == 2, HouseholdIncome.year == 2025
            )
        )
        assert Decimal(str(net)).quantize(Decimal("0.01")) == Decimal("7080.30")


def test_loaded_rows_read_back_through_the_orm(engine: Engine) -> None:
    load_snapshot_tables(engine=engine, tables=small_snapshot())

    with session_scope(engine) as session:
        household = session.get(Household, 1)
        disabled = session.get(Member, 4)
        assert household is not None
        assert disabled is not None
        assert household.village_code == VILLAGE_A1
        assert household.poverty_exit_year is None
        assert household.created_at.tzinfo is not None
        assert [m.id for m in household.members] == [1, 2, 3]
        assert household.members[2].birth_date.isoformat() == "2010-05-05"
        assert (disabled.disability_grade, disabled.insured_medical) == (4, True)


def test_new_rows_get_ids_after_the_loaded_ones(engine: Engine) -> None:
    load_snapshot_tables(engine=engine, tables=small_snapshot())

    with session_scope(engine) as session:
        household = Household(
            household_no="5323280005",
            village_code=VILLAGE_A1,
            household_type="ordinary",
            formerly_poor=False,
            relocated=False,
            no_labour_household=False,
        )
        session.add(household)
        session.flush()
        assert household.id == 5


def test_load_refuses_a_registry_that_holds_households(engine: Engine) -> None:
    load_snapshot_tables(engine=engine, tables=small_snapshot())

    with pytest.raises(UserError, match="not empty") as caught:
        load_snapshot_tables(engine=engine, tables=small_snapshot())

    # The way out is a new data directory or database (no command has a --fresh option).
    assert "BOTTOMLINE_DATA_DIR" in str(caught.value)
    assert "--fresh" not in str(caught.value)
    with session_scope(engine) as session:
        assert count_households(session=session) == 4


def test_load_is_all_or_nothing(engine: Engine) -> None:
    def fail_in_members(table: str, done: int, total: int) -> None:
        if table == "members":
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        load_snapshot_tables(engine=engine, tables=small_snapshot(), progress=fail_in_members)

    with session_scope(engine) as session:
        assert count_households(session=session) == 0
        assert session.scalar(select(func.count()).select_from(Member)) == 0
    load_snapshot_tables(engine=engine, tables=small_snapshot())  # and the store is still usable


def test_progress_reports_every_table_to_its_end(engine: Engine) -> None:
    seen: dict[str, tuple[int, int]] = {}

    load_snapshot_tables(
        engine=engine,
        tables=small_snapshot(),
        progress=lambda table, done, total: seen.__setitem__(table, (done, total)),
    )

    assert seen == {table: (n.num_rows, n.num_rows) for table, n in small_snapshot().items()}


def _with(table: str, change: str) -> dict[str, pa.Table]:
    snapshot = small_snapshot()
    data = snapshot[table]
    if change == "unknown household":
        column = pc.if_else(pc.equal(data["household_id"], 3), 99, data["household_id"])
        data = data.set_column(
            data.schema.get_field_index("household_id"), data.field("household_id"), column
        )
    elif change == "duplicate key":
        data = pa.concat_tables([data, data.slice(0, 1)])
    elif change == "extra column":
        data = data.append_column("note", pa.array(["x"] * data.num_rows))
    elif change == "missing column":
        data = data.drop_columns(["phone"])
    elif change == "null in required column":
        data = data.set_column(
            1, data.field(1).with_nullable(True), pa.nulls(data.num_rows, pa.string())
        )
    elif change == "too long":
        data = data.set_column(1, data.field(1), pa.array(["5" * 33] * data.num_rows))
    elif change == "unknown level":
        data = data.set_column(2, "level", pa.array(["hamlet"] * data.num_rows))
    elif change == "not money":
        data = data.set_column(2, "wage", pa.array([float("nan")] * data.num_rows))
    snapshot[table] = data
    return snapshot


@pytest.mark.parametrize(
    ("table", "change", "message"),
    [
        ("members", "unknown household", "household_id that is not a household_id in households"),
        ("incomes", "unknown household", "household_id that is not"),
        ("members", "duplicate key", "repeat the member_id"),
        ("households", "extra column", "unexpected ['note']"),
        ("households", "missing column", "missing ['phone']"),
        (
            "households",
            "null in required column",
            "empty values in required columns ['household_no']",
        ),
        ("households", "too long", "values of household_no are longer than 32 characters"),
        ("regions", "unknown level", "unknown levels ['hamlet']"),
        ("incomes", "not money", "not amounts of money"),
    ],
)
def test_load_rejects_a_snapshot_that_contradicts_itself(
    engine: Engine, table: str, change: str, message: str
) -> None:
    with pytest.raises(InputFileError, match=re.escape(message)):
        load_snapshot_tables(engine=engine, tables=_with(table, change))

    with session_scope(engine) as session:
        assert count_households(session=session) == 0


def test_duplicate_id_numbers_are_reported_without_the_numbers(engine: Engine) -> None:
    snapshot = small_snapshot()
    members = snapshot["members"]
    ids = members["id_number"].to_pylist()
    ids[1] = ids[0]
    snapshot["members"] = members.set_column(2, members.field(2), pa.array(ids))

    with pytest.raises(InputFileError, match="repeat the id_number") as caught:
        load_snapshot_tables(engine=engine, tables=snapshot)

    assert ids[0] not in str(caught.value)


def test_read_snapshot_names_a_missing_file(tmp_path: Path) -> None:
    for table, data in small_snapshot().items():
        if table != "guarantees":
            pq.write_table(data, tmp_path / f"{table}.parquet")

    with pytest.raises(InputFileError, match=r"guarantees\.parquet is missing"):
        read_snapshot(tmp_path)


def test_read_snapshot_says_which_columns_differ(tmp_path: Path) -> None:
    for table, data in small_snapshot().items():
        if table == "members":
            data = data.rename_columns(
                [("idcard" if n == "id_number" else n) for n in data.column_names]
            )
        pq.write_table(data, tmp_path / f"{table}.parquet")

    with pytest.raises(InputFileError, match=r"members\.parquet has the wrong columns") as caught:
        read_snapshot(tmp_path)

    assert "missing ['id_number']" in str(caught.value)
    assert "unexpected ['idcard']" in str(caught.value)
