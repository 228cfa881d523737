"""A small hand-made registry snapshot with edge values, for store and query tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pyarrow as pa

from bottomline.registry import columns

PROVINCE, CITY, COUNTY = "530000000000", "532300000000", "532328000000"
TOWN_A, TOWN_B = "532328100000", "532328101000"
VILLAGE_A1, VILLAGE_A2, VILLAGE_B1 = "532328100201", "532328100202", "532328101201"

MEMBER = {
    "id_kind": "resident_id",
    "sex": "female",
    "birth_date": dt.date(1970, 1, 1),
    "ethnicity": "01",
    "education": "primary",
    "schooling": "not_in_school",
    "health": "healthy",
    "disability_grade": None,
    "labour_capacity": "able",
    "migrant_months": 0,
    "migrant_place": None,
    "insured_medical": True,
    "insured_serious_illness": True,
    "insured_pension": True,
    "dibao": False,
    "tekun": False,
}
MONEY_ZERO = dict.fromkeys(columns.MONEY_COLUMNS, 0.0)
# Monitoring as the national system records it: not monitored / an unstable household since 2024.
NOT_MONITORED = (None, [], None, None)
MONITORED = ("unstable", ["illness", "lack_of_labour"], dt.date(2024, 3, 15), None)


def small_snapshot() -> dict[str, pa.Table]:
    """Two townships, three villages, four households (one without members), seven people.

    Rows are deliberately out of key order; edge values: a null poverty_exit_year, null and
    set disability grades, empty and null strings, money of 6000.00, 0.5, 0.29 and 0.0, and
    a 2-byte-per-character name.
    """
    regions = [
        (VILLAGE_B1, "乙一村", "village", TOWN_B),
        (PROVINCE, "云南省", "province", None),
        (COUNTY, "元谋县", "county", CITY),
        (CITY, "楚雄彝族自治州", "city", PROVINCE),
        (TOWN_A, "元马镇", "township", COUNTY),
        (TOWN_B, "黄瓜园镇", "township", COUNTY),
        (VILLAGE_A1, "甲一村", "village", TOWN_A),
        (VILLAGE_A2, "甲二村", "village", TOWN_A),
    ]
    households = [
        (3, "5323280003", VILLAGE_B1, None, None, "tekun", True, 2019, False, True, *MONITORED),
        (
            1,
            "5323280001",
            VILLAGE_A1,
            "甲一村3组12号",
            "13800000001",
            "ordinary",
            False,
            None,
            False,
            False,
            *NOT_MONITORED,
        ),
        (
            2,
            "5323280002",
            VILLAGE_A1,
            "",
            "13800000002",
            "dibao",
            True,
            2016,
            True,
            False,
            *NOT_MONITORED,
        ),
        (
            4,
            "5323280004",
            VILLAGE_A2,
            "甲二村1组",
            None,
            "ordinary",
            False,
            None,
            False,
            False,
            *NOT_MONITORED,
        ),
    ]
    members = [
        _member(1, 1, "532328197001010011", "张三", "head", sex="male"),
        _member(2, 1, "532328197203030022", "李四", "spouse"),
        _member(
            3,
            1,
            "532328201005050033",
            "张小",
            "child",
            birth_date=dt.date(2010, 5, 5),
            schooling="compulsory",
            labour_capacity="none",
            education="primary",
        ),
        _member(
            5,
            2,
            "532328195001010044",
            "王五",
            "head",
            sex="male",
            health="disabled",
            disability_grade=2,
            labour_capacity="lost",
            insured_pension=False,
        ),
        _member(
            4,
            2,
            "53232819520202005566",
            "赵六",
            "spouse",
            id_kind="disability_cert",
            disability_grade=4,
            health="disabled",
        ),
        _member(
            6,
            3,
            "532328194001010077",
            "钱七",
            "head",
            migrant_months=12,
            migrant_place="440300000000",
            tekun=True,
            dibao=False,
        ),
        _member(7, 2, "532328198501010088", "欧阳娜仁花", "child", dibao=True),
    ]
    incomes = [
        _income(1, 2025, wage=6000.0, business=0.5, transfer_other=0.29, production_costs=300.0),
        _income(1, 2024, wage=5000.0, medical_oop=12000.75),
        _income(2, 2025, transfer_dibao=4680.0, transfer_pension=2400.0, property=0.3),
        _income(3, 2025, transfer_tekun=9000.0, transfer_eco=123456789.12),
    ]
    guarantees = [
        (2, 2025, False, True, False, *loaded(2025).values()),
        (1, 2025, False, False, False, *loaded(2025).values()),
        (3, 2025, True, False, True, *loaded(2025).values()),
    ]
    return {
        "regions": _table(columns.REGIONS, regions),
        "households": _table(columns.HOUSEHOLDS, households),
        "members": pa.Table.from_pylist(members, schema=columns.MEMBERS),
        "incomes": pa.Table.from_pylist(incomes, schema=columns.INCOMES),
        "guarantees": _table(columns.GUARANTEES, guarantees),
    }


def _member(
    member_id: int,
    household_id: int,
    id_number: str,
    name: str,
    relationship: str,
    **values: object,
) -> dict[str, object]:
    return {
        "member_id": member_id,
        "household_id": household_id,
        "id_number": id_number,
        "name": name,
        "relationship": relationship,
        **MEMBER,
        **values,
    }


def _income(household_id: int, year: int, **money: float) -> dict[str, object]:
    return {"household_id": household_id, "year": year, **MONEY_ZERO, **money, **loaded(year)}


def loaded(year: int) -> dict[str, object]:
    """The source columns of figures loaded straight into the store, as of the year's end."""
    return {"source": "load", "source_ref": None, "as_of": dt.date(year, 12, 31)}


def _table(schema: pa.Schema, rows: Sequence[tuple[object, ...]]) -> pa.Table:
    return pa.Table.from_pylist(
        [dict(zip(schema.names, row, strict=True)) for row in rows], schema=schema
    )


def sorted_by_key(table: pa.Table, keys: tuple[str, ...]) -> pa.Table:
    return table.sort_by([(key, "ascending") for key in keys])
