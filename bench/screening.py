"""Screening benchmark: the engine, hand-written SQL and plain pandas, side by side.

For each size (a synthetic county, city or province) it generates a population and one
cycle of department feeds, stages the feeds, resolves the policy, then runs the three
implementations in turn — each in its own subprocess, so wall time and peak memory of one do
not pollute another — checks that they find the same hits, and writes
``bench/results/screening-<size>.json`` and ``bench/results/screening.md``.

    uv run python bench/screening.py --sizes county city province
    uv run python bench/screening.py --sizes county --households county=20000 --keep

See bench/README.md for what is measured and the targets.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import harness

SCRIPT = Path(__file__).resolve()  # the children run this file
BENCH = SCRIPT.parent
ROOT = BENCH.parent
WORK = BENCH / "work"
RESULTS = BENCH / "results"
IMPLS = ("engine", "sql", "pandas")
SEED = 20251
CYCLE = "2025-09"  # a school-term and flood-season month: every feed has rows
REPEAT_UNDER_SECONDS = 60.0  # repeat a run only while one takes less than this (--under)
MEMORY_HEADROOM = 0.85  # skip a run whose expected peak exceeds this share of available memory
# package versions noted with the machine
PACKAGES = ("duckdb", "ibis-framework", "sqlglot", "pandas", "pyarrow", "numpy")


@dataclass(frozen=True, slots=True)
class Size:
    name: str
    scope: str  # a 12-digit division code: county, city or province
    households: int


SIZES: dict[str, Size] = {
    "county": Size("county", "532328000000", 100_000),  # 元谋县
    "city": Size("city", "532300000000", 1_000_000),  # 楚雄彝族自治州
    "province": Size("province", "530000000000", 5_000_000),  # 云南省
}

TARGETS = {
    "engine_seconds_max": 10.0,  # province screening, all rules
    "engine_over_sql_max": 1.2,  # issue 9 §8 (issue 2 had 1.5)
    "pandas_over_engine_min": 50.0,
    "engine_peak_gb_max": 8.0,
}


# --- preparing the data (runs in a subprocess) ------------------------------------------------


def prepare(size: Size, work: Path, seed: int, cycle: str) -> dict[str, Any]:
    """Population → snapshot, one cycle of feeds → staged Parquet, policy → policy.parquet."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from bottomline.policy import load_directory, policy_table
    from bottomline.synth.feeds import write_feeds
    from bottomline.synth.panel import simulate_panel
    from bottomline.synth.population import population_for, write_snapshot

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    pop = population_for(
        scope=size.scope, households=size.households, seed=seed, year=int(cycle[:4])
    )
    write_snapshot(pop, work / "snap")
    timings["population"] = time.perf_counter() - t0
    counts = {name: table.num_rows for name, table in pop.tables.items()}
    villages = pc.unique(pop.tables["households"]["village_code"]).to_pylist()
    t0 = time.perf_counter()
    files = _department_files(simulate_panel, write_feeds, pop, work / "department", seed, cycle)
    timings["department_files"] = time.perf_counter() - t0
    del pop  # staging reads the members back from the snapshot: one large thing at a time
    gc.collect()
    t0 = time.perf_counter()
    feeds = _stage(files, work, seed, cycle)
    timings["staging"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    policy = policy_table(load_directory(ROOT / "policies"), int(cycle[:4]), villages)
    pq.write_table(policy, work / "policy.parquet")
    timings["policy"] = time.perf_counter() - t0
    return {
        "scope": size.scope,
        "households": counts["households"],
        "members": counts["members"],
        "snapshot_rows": counts,
        "villages": len(villages),
        "policies": len(set(policy["policy_ref"].to_pylist())),
        "feed_rows": sum(feeds["rows"].values()),
        "feeds": feeds,
        "seconds": {k: round(v, 2) for k, v in timings.items()},
    }


def _department_files(
    simulate_panel: Any, write_feeds: Any, pop: Any, out: Path, seed: int, cycle: str
) -> list[Path]:
    """One month of department files (CSV, XLSX) as synth writes them."""
    panel = simulate_panel(pop, first_period=cycle, months=1, seed=seed)
    return list(write_feeds(panel, pop, out))


def _stage(files: list[Path], work: Path, seed: int, cycle: str) -> dict[str, Any]:
    """Import every department file as a batch (``ingest.actions.import_feed``) into work/staged."""
    import pyarrow.parquet as pq

    from bottomline.db import make_engine, upgrade
    from bottomline.ingest.actions import import_feed, open_feed_file
    from bottomline.ingest.match import MemberIndex
    from bottomline.users.actor import SYSTEM

    members = MemberIndex(
        pq.read_table(
            work / "snap" / "members.parquet",
            columns=["id_number", "member_id", "household_id", "name", "birth_date"],
        )
    )
    engine = make_engine(f"sqlite:///{(work / 'batches.db').resolve()}")
    upgrade(engine)
    rows: dict[str, int] = {}
    sizes: dict[str, int] = {}
    rows_in, not_accepted = 0, 0
    for path in files:
        sizes[f"{path.stem}{path.suffix}"] = path.stat().st_size
        r = import_feed(
            open_feed_file(path, feed=path.stem),
            engine=engine,
            actor=SYSTEM,
            feed=path.stem,
            period=path.parent.name,
            members=members,
            feeds_dir=work / "staged",
            reports_dir=work / "reports",
        )
        rows[path.stem] = rows.get(path.stem, 0) + r.accepted
        rows_in += r.rows_in
        not_accepted += r.rejected + r.unmatched
    engine.dispose()
    shutil.rmtree(work / "department", ignore_errors=True)
    return {
        "source": "bottomline.synth (simulate_panel, write_feeds: department CSV/XLSX files), "
        "imported with bottomline.ingest.actions.import_feed",
        "rows": rows,
        "department_rows": rows_in,
        "rejected_or_unmatched": not_accepted,
        "department_file_bytes": sizes,
    }


def _max_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: kilobytes


def run_one(impl: str, work: Path, cycle: str, hits_out: Path | None) -> dict[str, Any]:
    """Run one implementation once; the timer covers the screening call only."""
    import pyarrow.parquet as pq

    sys.path.insert(0, str(BENCH))
    snap, staged = work / "snap", work / "staged"
    policy = pq.read_table(work / "policy.parquet")
    extra: dict[str, Any] = {}
    call: Callable[[], Any]
    if impl == "engine":
        import ibis.backends.duckdb  # noqa: F401  (imported before the timer, like a warm server)

        from bottomline.screening.engine import screen

        def call() -> Any:
            result = screen(snapshot_dir=snap, staged_dir=staged, policy=policy, cycle=cycle)
            extra["engine_timings"] = result.timings
            extra["leads"] = result.leads.num_rows
            return result.hits

    elif impl == "sql":
        from baselines.sql_rules import screen_sql

        def call() -> Any:
            return screen_sql(snap, staged, policy, cycle)

    else:
        from baselines.pandas_rules import screen_pandas

        def call() -> Any:
            return screen_pandas(snap, staged, policy, cycle)

    rss_before = _max_rss_bytes()
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    hits = call()
    seconds = time.perf_counter() - t0
    peak = _max_rss_bytes()
    if hits_out is not None:
        pq.write_table(hits, hits_out)
    return {
        "impl": impl,
        "seconds": seconds,
        "peak_rss_bytes": peak,
        "rss_before_bytes": rss_before,
        "hits": hits.num_rows,
        "load_average_before": round(load, 2),
        **extra,
    }


# --- the parent: subprocesses, measurement, comparison ---------------------------------------


def _measure(impl: str, work: Path, cycle: str, run: int, timeout: float) -> dict[str, Any]:
    out = work / f"run-{impl}-{run}.json"
    args = ["_run", impl, "--work", str(work), "--cycle", cycle, "--out", str(out)]
    if run == 0:
        args += ["--hits", str(work / f"hits-{impl}.parquet")]
    log = work / f"run-{impl}-{run}.log"
    return {"impl": impl} | harness.measure(SCRIPT, args, out, log, timeout)


def _summary(runs: list[dict[str, Any]], rows: int) -> dict[str, Any]:
    ok = [r for r in runs if "failed" not in r]
    if not ok:
        return harness.failure(runs)
    median = statistics.median(r["seconds"] for r in ok)
    peak = max(max(r["peak_rss_bytes"], r["process_peak_rss_bytes"]) for r in ok)
    out = harness.seconds_figures(ok) | {
        "peak_rss_gb": round(peak / 1e9, 3),
        "rss_after_imports_gb": round(min(r["rss_before_bytes"] for r in ok) / 1e9, 3),
        "rows_per_second": round(rows / median),
        "hits": ok[0]["hits"],
    }
    if "engine_timings" in ok[0]:
        out["engine_timings_median"] = harness.medians(ok, "engine_timings")
        out["leads"] = ok[0]["leads"]
    return out


def _pandas_plan(size: Size, households: int) -> tuple[bool, str]:
    """Whether to run pandas at this size: not if its expected peak would not fit in memory."""
    known = []
    for path in RESULTS.glob("screening-*.json"):
        data = json.loads(path.read_text())
        pandas = data.get("implementations", {}).get("pandas", {})
        if "peak_rss_gb" in pandas and data["households"] < households:
            known.append((data["households"], pandas["peak_rss_gb"]))
    if not known:
        return True, ""
    n, peak_gb = max(known)
    expected = peak_gb * 1e9 * households / n
    available = harness.meminfo_bytes("MemAvailable")
    if expected > MEMORY_HEADROOM * available:
        return False, (
            f"skipped: expected peak {expected / 1e9:.1f} GB (scaled from {peak_gb:.2f} GB at "
            f"{n:,} households) exceeds {MEMORY_HEADROOM:.0%} of the "
            f"{available / 1e9:.1f} GB available"
        )
    return True, ""


def benchmark(
    size: Size, work: Path, impls: Sequence[str], args: argparse.Namespace
) -> dict[str, Any]:
    prep_json = work / "prepare.json"
    if args.reuse and prep_json.exists():
        harness.say(f"{size.name}: reusing the data in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        harness.say(
            f"{size.name}: generating {size.households:,} households and one cycle of feeds"
        )
        prep_args = ["_prepare", size.name, "--households", str(size.households)]
        prep_args += ["--work", str(work), "--seed", str(args.seed), "--cycle", args.cycle]
        code, peak, _ = harness.run_child(SCRIPT, prep_args, work / "prepare.log", args.timeout)
        if code != 0:
            raise SystemExit(
                f"preparing {size.name} failed (exit {code}, peak {peak / 1e9:.1f} GB):\n{(work / 'prepare.log').read_text()[-3000:]}"
            )
        data = json.loads(prep_json.read_text())
        data["peak_rss_gb"] = round(peak / 1e9, 3)
        prep_json.write_text(json.dumps(data, indent=2))
    prep = json.loads(prep_json.read_text())
    rows = prep["households"] + prep["feed_rows"]
    harness.say(
        f"{size.name}: {prep['households']:,} households, {prep['members']:,} members, "
        f"{prep['feed_rows']:,} feed rows"
    )
    skipped: dict[str, str] = {}
    if "pandas" in impls:
        run_pandas, why = _pandas_plan(size, prep["households"])
        if not run_pandas:
            skipped["pandas"] = why
    active = [i for i in impls if i not in skipped]
    runs: dict[str, list[dict[str, Any]]] = {i: [] for i in active}
    for round_no in range(args.repeat):
        for impl in active:
            done = runs[impl]
            if not harness.again(done, args.under):
                continue
            result = _measure(impl, work, args.cycle, round_no, args.timeout)
            done.append(result)
            shown = (
                result.get("failed")
                or f"{result['seconds']:.2f} s, peak {result['peak_rss_bytes'] / 1e9:.2f} GB"
            )
            harness.say(f"{size.name}: {impl} run {round_no + 1}: {shown}")
    summary = {impl: _summary(r, rows) for impl, r in runs.items()}
    summary |= {impl: {"skipped": why} for impl, why in skipped.items()}
    agreement = _agreement(work, [i for i in active if "failed" not in summary[i]])
    return {
        "size": size.name,
        "scope": size.scope,
        "cycle": args.cycle,
        "seed": args.seed,
        "households": prep["households"],
        "members": prep["members"],
        "feed_rows": prep["feed_rows"],
        "rows": rows,
        "data": prep,
        "implementations": summary,
        "ratios": _ratios(summary),
        "agreement": agreement,
        "targets": _targets(summary),
        "machine": harness.machine(PACKAGES),
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def _agreement(work: Path, impls: list[str]) -> dict[str, Any]:
    """Compare each implementation's hits with the engine's: keys exactly, values to 1e-6."""
    import numpy as np
    import pyarrow.parquet as pq

    keys = ["household_id", "rule_id", "risk_type"]
    if "engine" not in impls:
        return {}
    frames = {
        i: pq.read_table(work / f"hits-{i}.parquet")
        .to_pandas()
        .sort_values(keys, kind="stable")
        .reset_index(drop=True)
        for i in impls
    }
    engine = frames["engine"]
    out: dict[str, Any] = {
        "hits_by_rule": {k: int(v) for k, v in engine.groupby("rule_id").size().items()}
    }
    for impl in impls:
        if impl == "engine":
            continue
        other = frames[impl]
        same_keys = len(other) == len(engine) and other[keys].equals(engine[keys])
        result: dict[str, Any] = {"same_hits": same_keys}
        if same_keys:
            bad = 0
            for col in ("v1", "v2", "v3", "v4", "v5", "v6", "pc"):
                close = np.isclose(other[col], engine[col], rtol=1e-6, atol=1e-9, equal_nan=True)
                bad += int((~close).sum())
            result["values_differing"] = bad
            result["agree"] = bad == 0
        else:
            left = set(map(tuple, engine[keys].itertuples(index=False)))
            right = set(map(tuple, other[keys].itertuples(index=False)))
            result |= {"engine_only": len(left - right), f"{impl}_only": len(right - left)}
            result["agree"] = False
        out[impl] = result
    return out


def _ratios(summary: dict[str, Any]) -> dict[str, float | None]:
    engine, sql, pandas = (
        harness.median_seconds(summary, impl) for impl in ("engine", "sql", "pandas")
    )
    return {
        "engine_over_sql": round(engine / sql, 2) if engine and sql else None,
        "pandas_over_engine": round(pandas / engine, 2) if engine and pandas else None,
        "pandas_over_sql": round(pandas / sql, 2) if sql and pandas else None,
    }


def _targets(summary: dict[str, Any]) -> dict[str, Any]:
    ratios = _ratios(summary)
    engine = summary.get("engine", {})

    def check(value: float | None, limit: float, at_most: bool) -> dict[str, Any]:
        if value is None:
            return {"value": None, "limit": limit, "met": None}
        return {
            "value": value,
            "limit": limit,
            "met": value <= limit if at_most else value >= limit,
        }

    return {
        "engine_seconds": check(engine.get("median_seconds"), TARGETS["engine_seconds_max"], True),
        "engine_over_sql": check(ratios["engine_over_sql"], TARGETS["engine_over_sql_max"], True),
        "pandas_over_engine": check(
            ratios["pandas_over_engine"], TARGETS["pandas_over_engine_min"], False
        ),
        "engine_peak_gb": check(engine.get("peak_rss_gb"), TARGETS["engine_peak_gb_max"], True),
    }


# --- the report ---------------------------------------------------------------------------------


def _cell(impl: dict[str, Any], key: str, spec: str = ".2f") -> str:
    if "skipped" in impl:
        return "skipped"
    if "failed" in impl:
        return "failed"
    return harness.fmt(impl.get(key), spec)


def write_markdown() -> Path:
    order = {name: i for i, name in enumerate(SIZES)}
    results = sorted(
        (json.loads(p.read_text()) for p in RESULTS.glob("screening-*.json")),
        key=lambda d: (order.get(d["size"], 99), d["households"]),
    )
    lines = [
        "# Screening benchmark",
        "",
        "Written by `bench/screening.py` (how and what: bench/README.md). Each figure is the",
        "median wall time of the screening call in a fresh subprocess; peak memory is that",
        "subprocess's maximum RSS. Rows = households + department feed rows of the cycle.",
        "",
        "| size | households | feed rows | engine s | SQL s | pandas s | engine / SQL | pandas / engine "
        "| engine peak GB | SQL peak GB | pandas peak GB | engine rows/s | same hits |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for d in results:
        impl = d["implementations"]
        eng, sql, pds = (impl.get(k, {"skipped": "not run"}) for k in IMPLS)
        agree = d.get("agreement", {})
        same = ", ".join(
            f"{k}: {'yes' if v.get('agree') else 'NO'}" for k, v in agree.items() if k in IMPLS
        )
        lines.append(
            f"| {d['size']} | {d['households']:,} | {d['feed_rows']:,} "
            f"| {_cell(eng, 'median_seconds')} | {_cell(sql, 'median_seconds')} "
            f"| {_cell(pds, 'median_seconds')} "
            f"| {harness.fmt(d['ratios']['engine_over_sql'], '.2f', '×')} "
            f"| {harness.fmt(d['ratios']['pandas_over_engine'], '.2f', '×')} "
            f"| {_cell(eng, 'peak_rss_gb')} | {_cell(sql, 'peak_rss_gb')} | {_cell(pds, 'peak_rss_gb')} "
            f"| {harness.fmt(eng.get('rows_per_second'), ',.0f')} | {same} |"
        )
    lines += ["", "Runs per implementation (seconds):", ""]
    for d in results:
        for k in IMPLS:
            impl = d["implementations"].get(k, {})
            if "seconds" in impl:
                lines.append(f"- {d['size']} {k}: {impl['seconds']}")
            elif "skipped" in impl or "failed" in impl:
                lines.append(f"- {d['size']} {k}: {impl.get('skipped') or impl.get('failed')}")
    lines += _targets_markdown(results)
    if results:
        m = results[-1]["machine"]
        lines += [
            "",
            "## Machine",
            "",
            f"{m['cpu']}, {m['nproc']} CPUs ({m['cpus_usable']} usable), {m['memory_gb']} GB, "
            f"Linux {m['kernel']}, Python {m['python']}; "
            + ", ".join(f"{k} {v}" for k, v in m["versions"].items())
            + f"; commit {m['commit']}.",
            "",
            "Data: " + "; ".join(_sources(results)) + ".",
        ]
    out = RESULTS / "screening.md"
    out.write_text("\n".join(lines) + "\n")
    return out


def _sources(results: list[dict[str, Any]]) -> list[str]:
    """'county, city: <how the feeds were made>' for each distinct way."""
    by_source: dict[str, list[str]] = {}
    for d in results:
        by_source.setdefault(d["data"]["feeds"]["source"], []).append(d["size"])
    return [f"{', '.join(sizes)}: {source}" for source, sizes in by_source.items()]


def _targets_markdown(results: list[dict[str, Any]]) -> list[str]:
    if not results:
        return []
    d = max(results, key=lambda r: r["households"])
    names = {
        "engine_seconds": "engine screening time, all rules (s) ≤",
        "engine_over_sql": "engine / hand-written SQL ≤",
        "pandas_over_engine": "pandas / engine ≥",
        "engine_peak_gb": "engine peak memory (GB) ≤",
    }
    lines = [
        "",
        f"## Targets (set for the province; largest size run: {d['size']}, "
        f"{d['households']:,} households)",
        "",
        "| target | limit | measured | met |",
        "|---|---:|---:|---|",
    ]
    for key, t in d["targets"].items():
        met = "–" if t["met"] is None else ("yes" if t["met"] else "**no**")
        lines.append(f"| {names[key]} | {t['limit']} | {harness.fmt(t['value'])} | {met} |")
    return lines


# --- command line -----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("_prepare", "_run"):
        _internal(argv)
        return
    parser = harness.size_parser(__doc__, SIZES, "override household counts, e.g. county=20000")
    parser.add_argument("--impls", nargs="+", choices=IMPLS, default=list(IMPLS))
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs per implementation (fewer when one takes longer than --under)",
    )
    parser.add_argument(
        "--under",
        type=float,
        default=REPEAT_UNDER_SECONDS,
        help=f"repeat a run only while one takes less than this many seconds "
        f"(default {REPEAT_UNDER_SECONDS:.0f})",
    )
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--cycle", default=CYCLE)
    parser.add_argument(
        "--timeout", type=float, default=3600.0, help="seconds before a subprocess is killed"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep bench/work/<size> (data and hits)"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="reuse data already in bench/work/<size>"
    )
    args = parser.parse_args(argv)
    overrides = harness.household_overrides(args.households, SIZES)
    RESULTS.mkdir(parents=True, exist_ok=True)
    for name in args.sizes:
        base = SIZES[name]
        size = Size(name, base.scope, overrides.get(name, base.households))
        work = WORK / name
        result = benchmark(size, work, args.impls, args)
        path = RESULTS / f"screening-{name}.json"
        harness.write_json(path, result)
        harness.say(f"{name}: wrote {path.relative_to(ROOT)}; ratios {result['ratios']}")
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        write_markdown()
    if not args.keep and WORK.exists() and not any(WORK.iterdir()):
        WORK.rmdir()
    harness.say(f"wrote {(RESULTS / 'screening.md').relative_to(ROOT)}")


def _internal(argv: list[str]) -> None:
    parser = harness.child_parser(SEED)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--cycle", default=CYCLE)
    parser.add_argument("--hits", type=Path)
    args = parser.parse_args(argv)
    if args.command == "_prepare":
        size = Size(args.what, SIZES[args.what].scope, args.households)
        data = prepare(size, args.work, args.seed, args.cycle)
        (args.work / "prepare.json").write_text(json.dumps(data, indent=2))
    else:
        data = run_one(args.what, args.work, args.cycle, args.hits)
        args.out.write_text(json.dumps(data))


if __name__ == "__main__":
    main()
