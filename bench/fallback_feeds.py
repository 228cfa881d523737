"""Staged feed rows drawn directly in the bench: the fallback when ``bottomline.synth`` cannot
simulate department feeds yet.

Rows are already "accepted and matched" (the staged layout of ``ingest.catalogue``): each
names a real member of the snapshot with that member's ID number, so the screening side sees
exactly what staging would have written. Volumes follow the design's province figure (about
four department rows per household a month, most of them medical settlements); values are
drawn so that every rule has hits. Deterministic from the seed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from bottomline.ingest.catalogue import FEEDS, period_index, staged_schema

# rows of each feed per household per month
RATES: dict[str, float] = {
    "medical": 2.4,
    "civil_affairs": 0.6,
    "education": 0.5,
    "human_resources": 0.3,
    "emergency": 0.1,
    "public_security": 0.02,
    "housing": 0.03,
    "water": 0.02,
    "disabled": 0.01,
}

Columns = dict[str, pa.Array | np.ndarray | list[object]]
Draw = Callable[[np.random.Generator, int], Columns]


def _pick(
    rng: np.random.Generator, n: int, values: tuple[str, ...], p: tuple[float, ...]
) -> pa.Array:
    idx = rng.choice(len(values), size=n, p=np.asarray(p) / sum(p))
    return pa.array(np.asarray(values, dtype=object)[idx], pa.string())


def _money(rng: np.random.Generator, n: int, median: float, sigma: float) -> np.ndarray:
    return np.round(rng.lognormal(np.log(median), sigma, n), 2)


def _medical(rng: np.random.Generator, n: int) -> Columns:
    total = _money(rng, n, 900.0, 1.4)
    self_pay = np.round(total * rng.uniform(0.1, 0.6, n), 2)
    basic = np.round((total - self_pay) * 0.8, 2)
    return {
        "visit_type": _pick(rng, n, ("outpatient", "chronic_outpatient", "inpatient"), (6, 2, 2)),
        "total_cost": total,
        "basic_paid": basic,
        "serious_paid": np.round((total - self_pay - basic) * 0.5, 2),
        "assistance_paid": np.round((total - self_pay - basic) * 0.5, 2),
        "self_pay": self_pay,
    }


def _civil(rng: np.random.Generator, n: int) -> Columns:
    return {
        "assistance_type": _pick(rng, n, ("dibao", "tekun", "temporary"), (80, 10, 10)),
        "change": _pick(rng, n, ("continuing", "new", "stopped"), (92, 5, 3)),
        "amount": _money(rng, n, 450.0, 0.3),
    }


def _education(rng: np.random.Generator, n: int) -> Columns:
    stage = _pick(
        rng,
        n,
        ("primary", "junior", "senior_high", "vocational", "higher_vocational", "undergraduate"),
        (35, 20, 15, 10, 10, 10),
    )
    return {
        "stage": stage,
        "event": _pick(rng, n, ("enrolled", "dropout"), (99, 1)),
        "self_pay": _money(rng, n, 3000.0, 0.9),
    }


def _human_resources(rng: np.random.Generator, n: int) -> Columns:
    return {"event": _pick(rng, n, ("employed", "unemployed", "contract_ended"), (5, 3, 2))}


def _emergency(rng: np.random.Generator, n: int) -> Columns:
    types = ("flood", "drought", "biological", "meteorological", "earthquake", "other")
    return {
        "disaster_type": _pick(rng, n, types, (30, 25, 10, 20, 5, 10)),
        "loss": _money(rng, n, 2500.0, 1.2),
        "house_damage": _pick(rng, n, ("none", "minor", "severe", "collapsed"), (70, 20, 7, 3)),
    }


def _public_security(rng: np.random.Generator, n: int) -> Columns:
    return {
        "event": _pick(rng, n, ("death", "disabling_injury", "injury"), (3, 1, 6)),
        "cause": _pick(rng, n, ("traffic", "crime", "accident", "illness"), (3, 1, 3, 3)),
    }


def _housing(rng: np.random.Generator, n: int) -> Columns:
    return {"grade": _pick(rng, n, ("A", "B", "C", "D"), (40, 35, 18, 7))}


def _water(rng: np.random.Generator, n: int) -> Columns:
    return {"problem": _pick(rng, n, ("supply_cut", "quality", "distance"), (4, 3, 3))}


def _disabled(rng: np.random.Generator, n: int) -> Columns:
    return {
        "certificate_no": pa.array(np.char.add("C", rng.integers(10**9, 10**10, n).astype(str))),
        "category": _pick(rng, n, tuple("1234567"), (1, 1, 1, 4, 1, 1, 1)),
        "grade": _pick(rng, n, tuple("1234"), (1, 2, 3, 4)),
    }


DRAWS: dict[str, Draw] = {
    "medical": _medical,
    "civil_affairs": _civil,
    "education": _education,
    "human_resources": _human_resources,
    "emergency": _emergency,
    "public_security": _public_security,
    "housing": _housing,
    "water": _water,
    "disabled": _disabled,
}


def write_fallback_feeds(
    snapshot_dir: Path, staged_dir: Path, period: str, *, seed: int
) -> dict[str, int]:
    """Write ``<staged_dir>/<feed>/<period>.parquet`` for every feed; rows written per feed."""
    members = pq.read_table(
        snapshot_dir / "members.parquet", columns=["member_id", "household_id", "id_number"]
    )
    households = pq.read_metadata(snapshot_dir / "households.parquet").num_rows
    first_day = np.datetime64(f"{period}-01", "D")
    counts = {}
    for i, (feed, rate) in enumerate(RATES.items()):
        rng = np.random.default_rng([seed, i])
        n = int(households * rate)
        who = pa.array(np.sort(rng.integers(0, members.num_rows, n)))
        rows = members.take(who)
        days = (first_day + rng.integers(0, 28, n).astype("timedelta64[D]")).astype("datetime64[D]")
        cols: dict[str, object] = {
            "id_number": rows["id_number"],
            "household_id": rows["household_id"],
            "member_id": rows["member_id"],
            "period": pa.array([period] * n, pa.string()),
            "period_index": np.full(n, period_index(period), np.int32),
            "source_file": pa.array([f"{feed}-{period}.csv"] * n, pa.string()),
            "source_row": np.arange(1, n + 1, dtype=np.int64),
        }
        cols |= DRAWS[feed](rng, n)
        schema = staged_schema(FEEDS[feed])
        for field in schema:
            if field.name not in cols:
                cols[field.name] = days if field.type == pa.date32() else pa.nulls(n, field.type)
        table = pa.table({f.name: cols[f.name] for f in schema}).cast(schema)
        out = staged_dir / feed / f"{period}.parquet"
        out.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, out)
        counts[feed] = n
    return counts
