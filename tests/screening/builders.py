"""Hand-made households for rule tests: small, explicit, at the edges."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from bottomline.ingest.catalogue import FEEDS, period_index, staged_schema
from bottomline.ingest.store import staged_path
from bottomline.registry.columns import EXTRA_TABLES, MONEY_COLUMNS, SNAPSHOT_TABLES
from tests.registry.snapshots import loaded

VILLAGE = "532328101201"
YEAR = 2025
CYCLE = "2025-10"

POLICY_TYPES: dict[str, pa.DataType] = {
    "income_line": pa.float64(),
    "prior_disposable_income": pa.float64(),
    "rigid_absolute": pa.float64(),
    "rigid_income_share": pa.float64(),
    "rigid_disposable_share": pa.float64(),
    "drop_share": pa.float64(),
    "drop_watch_multiple": pa.float64(),
    "medical_formerly_poor": pa.float64(),
    "medical_other": pa.float64(),
    "medical_window_months": pa.int32(),
    "medical_inpatient": pa.bool_(),
    "medical_chronic_outpatient": pa.bool_(),
    "medical_outpatient": pa.bool_(),
    "education_self_pay": pa.float64(),
    "disaster_loss": pa.float64(),
    "disaster_min_damage_rank": pa.int32(),
    "housing_min_grade_rank": pa.int32(),
    "trig_job_loss": pa.bool_(),
    "trig_death_disability": pa.bool_(),
    "trig_new_assistance": pa.bool_(),
    "trig_school_dropout": pa.bool_(),
    "trig_water": pa.bool_(),
    "trig_uninsured": pa.bool_(),
    "notice_days": pa.int32(),
    "deadline_days": pa.int32(),
    "day_count": pa.string(),
    "elim_min_months": pa.int32(),
    "elim_income_stable_months": pa.int32(),
}

DEFAULT_POLICY: dict[str, object] = {
    "income_line": 8700.0,
    "prior_disposable_income": 16000.0,
    "rigid_absolute": 20000.0,
    "rigid_income_share": None,
    "rigid_disposable_share": None,
    "drop_share": 0.3,
    "drop_watch_multiple": 1.5,
    "medical_formerly_poor": 5000.0,
    "medical_other": 20000.0,
    "medical_window_months": 12,
    "medical_inpatient": True,
    "medical_chronic_outpatient": True,
    "medical_outpatient": False,
    "education_self_pay": 10000.0,
    "disaster_loss": 10000.0,
    "disaster_min_damage_rank": 2,
    "housing_min_grade_rank": 3,
    "trig_job_loss": True,
    "trig_death_disability": True,
    "trig_new_assistance": True,
    "trig_school_dropout": True,
    "trig_water": True,
    "trig_uninsured": None,
    "notice_days": 5,
    "deadline_days": 15,
    "day_count": "calendar",
    "elim_min_months": 6,
    "elim_income_stable_months": 6,
}


def policy_table(villages: list[str], **overrides: object) -> pa.Table:
    params = DEFAULT_POLICY | overrides
    cols = {"region_code": pa.array(villages, pa.string())}
    cols["policy_ref"] = pa.array(["test-policy"] * len(villages), pa.string())
    for key, typ in POLICY_TYPES.items():
        cols[key] = pa.array([params[key]] * len(villages), typ)
    return pa.table(cols)


@dataclass
class M:
    """A member; ``age`` in completed years at the cycle."""

    age: int = 40
    labour: str = "able"
    health: str = "healthy"
    schooling: str = "not_in_school"
    insured: bool = True
    migrant_months: int = 0
    relationship: str = "head"


@dataclass
class HH:
    household_id: int
    members: list[M] = field(default_factory=lambda: [M()])
    income: float | None = 30000.0  # wage of year Y (net, everything else zero)
    prev_income: float | None = None  # wage of Y-1 (defaults to income)
    medical_oop: float = 0.0
    education_oop: float = 0.0
    formerly_poor: bool = False
    housing_unsafe: bool = False
    water_unsafe: bool = False
    food_clothing_insecure: bool = False
    village_code: str = VILLAGE
    # explicit annual records instead of income / prev_income: year -> (wage, as_of, source)
    annual: dict[int, tuple[float, dt.date, str]] | None = None
    followups: list[tuple[dt.date, float]] = field(default_factory=list)  # (day, per capita)
    business: float = 0.0  # business income of year Y (added to the wage)


def _id_number(member_id: int, birth: dt.date) -> str:
    from bottomline.ids import check_char

    body = f"532328{birth:%Y%m%d}{member_id % 1000:03d}"
    return body + check_char(body)


def member_ids(h: HH) -> list[int]:
    return [h.household_id * 10 + i for i in range(len(h.members))]


def id_number_of(h: HH, index: int) -> str:
    m = h.members[index]
    return _id_number(member_ids(h)[index], dt.date(YEAR - m.age, 1, 1))


def _rows(households: list[HH]) -> dict[str, list[dict[str, object]]]:
    out: dict[str, list[dict[str, object]]] = {k: [] for k in (*SNAPSHOT_TABLES, *EXTRA_TABLES)}
    out["regions"].append(
        {"code": VILLAGE, "name": "测试村", "level": "village", "parent_code": None}
    )
    for h in households:
        out["households"].append(
            {
                "household_id": h.household_id,
                "household_no": f"H{h.household_id:08d}",
                "village_code": h.village_code,
                "address": None,
                "phone": None,
                "household_type": "ordinary",
                "formerly_poor": h.formerly_poor,
                "poverty_exit_year": 2019 if h.formerly_poor else None,
                "relocated": False,
                "no_labour_household": False,
                "monitoring_category": None,
                "monitoring_risks": [],
                "monitored_on": None,
                "risk_eliminated_on": None,
            }
        )
        for mid, m in zip(member_ids(h), h.members, strict=True):
            birth = dt.date(YEAR - m.age, 1, 1)
            out["members"].append(
                {
                    "member_id": mid,
                    "household_id": h.household_id,
                    "id_number": _id_number(mid, birth),
                    "id_kind": "resident_id",
                    "name": "测试",
                    "relationship": m.relationship,
                    "sex": "male",
                    "birth_date": birth,
                    "ethnicity": "01",
                    "education": "junior",
                    "schooling": m.schooling,
                    "health": m.health,
                    "disability_grade": None,
                    "labour_capacity": m.labour,
                    "migrant_months": m.migrant_months,
                    "migrant_place": None,
                    "insured_medical": m.insured,
                    "insured_serious_illness": m.insured,
                    "insured_pension": False,
                    "dibao": False,
                    "tekun": False,
                }
            )
        out["incomes"] += _income_rows(h)
        out["followups"] += [
            {"household_id": h.household_id, "followed_on": on, "per_capita_income": pc}
            for on, pc in h.followups
        ]
        out["guarantees"].append(
            {
                "household_id": h.household_id,
                "year": YEAR,
                "food_clothing_insecure": h.food_clothing_insecure,
                "housing_unsafe": h.housing_unsafe,
                "water_unsafe": h.water_unsafe,
                **loaded(YEAR),
            }
        )
    return out


def _income_rows(h: HH) -> list[dict[str, object]]:
    if h.annual is not None:
        records = {y: (w, on, src) for y, (w, on, src) in h.annual.items()}
    else:
        records = {}
        for year, wage in ((YEAR, h.income), (YEAR - 1, h.prev_income)):
            wage = h.income if wage is None and year == YEAR - 1 else wage
            if wage is not None:
                records[year] = (wage, dt.date(year, 12, 31), "load")
    rows = []
    for year, (wage, as_of, source) in records.items():
        current = year == YEAR
        rows.append(
            {
                "household_id": h.household_id,
                "year": year,
                **dict.fromkeys(MONEY_COLUMNS, 0.0),
                **loaded(year),
                "source": source,
                "as_of": as_of,
                "wage": wage - (h.business if current else 0.0),
                "business": h.business if current else 0.0,
                "medical_oop": h.medical_oop if current else 0.0,
                "education_oop": h.education_oop if current else 0.0,
            }
        )
    return rows


def write_snapshot(directory: Path, households: list[HH]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    schemas = SNAPSHOT_TABLES | EXTRA_TABLES
    for name, rows in _rows(households).items():
        pq.write_table(
            pa.Table.from_pylist(rows, schema=schemas[name]), directory / f"{name}.parquet"
        )
    return directory


def write_feed(staged_dir: Path, feed: str, period: str, rows: list[dict[str, object]]) -> Path:
    """Staged rows: each row gives household_id, member_id and the feed's own columns."""
    schema = staged_schema(FEEDS[feed])
    first_day = dt.date(int(period[:4]), int(period[5:]), 1)
    defaults = {pa.date32(): first_day, pa.float64(): 0.0, pa.string(): ""}
    full = []
    for i, row in enumerate(rows, start=1):
        base = {f.name: (defaults.get(f.type) if not f.nullable else None) for f in schema}
        base |= {
            "period": period,
            "period_index": period_index(period),
            "batch_id": 1,
            "source_file": "test.csv",
            "source_row": i + 1,
            "source_ordinal": i - 1,
        }
        full.append(base | row)
    path = staged_path(staged_dir, feed, period, batch_id=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(full, schema=schema), path)
    return path
