"""``import registry`` at county size, from XLSX and from CSV, through the CLI (issue 9 §8).

    uv run python bench/registry_import.py                       # the demo county, 3 runs
    uv run python bench/registry_import.py --households 20000 --repeat 1    # a quick look
    uv run python bench/registry_import.py --before 1af17cf      # also the code of a commit

The files are generated once (not timed) and cached in ``bench/data/registry-import/``
(git-ignored): ``synth.population_for(scope=532328000000, households=100,000, seed=20251023,
year=2025)`` written by ``synth.write_registry_export`` as XLSX (one sheet, inline strings, as
large exports are) and as CSV: the same rows.

Every run is four ``python -m bottomline.cli`` processes, as a user types them (interpreter
start and imports included), each timed by the parent around the process, its peak memory by
``os.wait4``:

1. ``import registry registry.xlsx`` into an empty data directory (a first import);
2. ``import registry registry.xlsx`` again (the same file: recognised by its content hash);
3. ``import registry registry.csv`` into the same store (the same rows in other bytes: read,
   checked and compared in full; it must change nothing — the benchmark fails otherwise);
4. ``import registry registry.csv`` into another empty data directory: the same-run baseline of
   step 1 (the same rows as CSV).

``python -m bottomline.cli --help`` is timed too (start-up alone). Each import's diff is read
back from ``registry_imports`` and checked (step 1 and 4: every household new; step 3: nothing
new, changed or removed). ``--before COMMIT`` runs the same steps, in the same runs, with the
src/ of that commit (``git archive``; the code before a change, as a baseline). The children
import a frozen copy of src/ (``harness.freeze_src``). Medians of ``--repeat`` runs (default 3)
go to ``bench/results/registry-import.md`` and ``registry-import.json``.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sqlite3
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import harness
from harness import Json, say

BENCH = Path(__file__).resolve().parent
DATA = BENCH / "data" / "registry-import"
RESULTS = BENCH / "results"
SCOPE = "532328000000"  # 元谋县, the demo county
SEED = 20251023  # the demo's seed
YEAR = 2025
TARGET = 20.0  # issue 9 §8: registry XLSX import at county size
PACKAGES = ("pyarrow", "fastexcel", "sqlalchemy", "numpy")
FILES = ("registry.xlsx", "registry.csv")
STEPS = (
    ("first", "first import, XLSX (empty store)"),
    ("same_file", "the same XLSX again (content hash)"),
    ("same_rows", "the same rows as CSV (full compare, no changes)"),
    ("csv_first", "baseline: first import, CSV (empty store)"),
)
_REPORTED = re.compile(r"✓ .*\(([\d.]+) s\)")


# --- the files (a child, not timed) --------------------------------------------------------------


def prepare(households: int, seed: int, out: Path) -> None:
    from bottomline.synth import population_for
    from bottomline.synth.registry_export import write_registry_export

    t0 = time.perf_counter()
    pop = population_for(scope=SCOPE, households=households, seed=seed, year=YEAR)
    rows = write_registry_export(pop, out / "registry.xlsx")
    write_registry_export(pop, out / "registry.csv")
    meta = {
        "households": households,
        "seed": seed,
        "members": pop.tables["members"].num_rows,
        "rows": rows,
        "sizes_mb": {name: round((out / name).stat().st_size / 1e6, 1) for name in FILES},
        "generate_seconds": round(time.perf_counter() - t0, 1),
    }
    harness.write_json(out / "prepare.json", meta)


def county_files(households: int, seed: int, timeout: float) -> Json:
    made_with = {"households": households, "seed": seed}
    meta = harness.kept_data(DATA, made_with, FILES)
    if meta is None:
        say(f"generating the county's export ({households:,} households) in {DATA}")
        args = ["_prepare", "files", "--households", str(households), "--seed", str(seed)]
        meta = harness.build_data(
            Path(__file__), [*args, "--out", str(DATA)], DATA, timeout, "prepare"
        )
    return meta


# --- the code measured -----------------------------------------------------------------------------


def code_of(commit: str) -> tuple[str, dict[str, str]]:
    """src/ of ``commit`` extracted once under ``DATA/_src/``; (short hash, child environment)."""
    short = subprocess.run(
        ["git", "rev-parse", "--short", commit], cwd=harness.ROOT, capture_output=True,
        text=True, check=True,
    ).stdout.strip()  # fmt: skip
    where = DATA / "_src" / f"commit-{short}"
    if not (where / "bottomline").is_dir():
        archive = subprocess.run(
            ["git", "archive", short, "src/bottomline"], cwd=harness.ROOT, capture_output=True,
            check=True,
        ).stdout  # fmt: skip
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(where / "tmp", filter="data")
        (where / "tmp" / "src" / "bottomline").rename(where / "bottomline")
    return short, {"PYTHONPATH": str(where)}


# --- one step: a CLI process -----------------------------------------------------------------------


def cli_step(
    args: list[str], data_dir: Path, log: Path, env: dict[str, str], timeout: float
) -> Json:
    """:func:`harness.cli_step` with the seconds the command reports for its own work."""
    result = harness.cli_step(args, data_dir, log, timeout, env)
    reported = [float(x) for x in _REPORTED.findall(log.read_text())]
    return result | {"reported_seconds": reported[0] if reported else None}


def last_diff(data_dir: Path) -> Json:
    """The diff and status of the store's latest registry import."""
    with sqlite3.connect(data_dir / "bottomline.db") as db:
        status, diff = db.execute(
            "SELECT status, diff FROM registry_imports ORDER BY id DESC LIMIT 1"
        ).fetchone()
    return {"status": status, "diff": json.loads(diff) if diff else {}}


def check(step: str, found: Json, households: int) -> str | None:
    """What is wrong with an import's outcome, or None."""
    diff = found["diff"]
    if step in ("first", "csv_first"):
        if found["status"] != "committed" or diff["households"]["new"] != households:
            return f"{step}: expected {households:,} new households, got {found}"
    elif step == "same_file":
        if found["status"] != "unchanged":
            return f"{step}: expected status unchanged, got {found['status']}"
    else:
        changed = {
            kind: {k: counts[k] for k in ("new", "changed", "removed") if counts.get(k)}
            for kind, counts in diff.items()
        }
        if found["status"] != "committed" or any(changed.values()):
            return f"{step}: the same rows again changed something: {changed}"
    return None


def one_run(meta: Json, run: int, code: str, env: dict[str, str], timeout: float) -> Json:
    work = BENCH / "work" / DATA.name
    work.mkdir(parents=True, exist_ok=True)
    out: Json = {"code": code, "steps": {}}
    xlsx, csv = str(DATA / "registry.xlsx"), str(DATA / "registry.csv")
    plan = [
        ("first", ["import", "registry", "--as", "system", xlsx], "store"),
        ("same_file", ["import", "registry", "--as", "system", xlsx], "store"),
        ("same_rows", ["import", "registry", "--as", "system", csv], "store"),
        ("csv_first", ["import", "registry", "--as", "system", csv], "csv"),
    ]
    with (
        harness.scratch_dir(work / f"{code}-{run}-store") as store,
        harness.scratch_dir(work / f"{code}-{run}-csv") as other,
    ):
        dirs = {"store": store, "csv": other}
        log = work / f"{code}-{run}-help.log"
        out["help"] = cli_step(["--help"], other / "help", log, env, timeout)
        for step, args, where in plan:
            log = work / f"{code}-{run}-{step}.log"
            result = cli_step(args, dirs[where], log, env, timeout)
            if "failed" not in result:
                result["outcome"] = last_diff(dirs[where])
                problem = check(step, result["outcome"], meta["households"])
                if problem:
                    result |= {"failed": problem, "log_tail": log.read_text()[-2000:]}
            out["steps"][step] = result
            say(
                f"  {code} {step}: {result['seconds']:.1f} s (load {result['load_average_before']})"
            )
            if "failed" in result:
                out["failed"] = f"{step}: {result['failed']}"
                return out
    return out


def summary(runs: list[Json]) -> Json:
    ok = [r for r in runs if "failed" not in r]
    out: Json = {"runs": len(runs), "ok": len(ok)}
    if not ok:
        return out
    for step, _label in (("help", ""), *STEPS):
        values = [r["help"] if step == "help" else r["steps"][step] for r in ok]
        out[step] = {
            "seconds": [v["seconds"] for v in values],
            "median_seconds": round(statistics.median(v["seconds"] for v in values), 2),
            "median_cpu_seconds": round(statistics.median(v["cpu_seconds"] for v in values), 2),
            "peak_rss_gb": max(v["peak_rss_gb"] for v in values),
            "load_before": [v["load_average_before"] for v in values],
            "reported_seconds": [v["reported_seconds"] for v in values],
        }
    return out


def report(meta: Json, result: Json) -> list[str]:
    codes = result["summaries"]
    now = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        "# `import registry` at county size: XLSX and CSV, through the CLI",
        "",
        f"Written by `bench/registry_import.py` on {now}, commit {result['machine']['commit']}: "
        f"{meta['households']:,} households, {meta['rows']:,} member rows (seed {meta['seed']}); "
        f"{meta['sizes_mb']['registry.xlsx']} MB XLSX / {meta['sizes_mb']['registry.csv']} MB "
        "CSV of the same rows. Every step is its own `python -m bottomline.cli` process (start-up "
        "and imports included); wall time around the process, CPU (user + system) and peak "
        "memory from `os.wait4`; medians of the runs. Machine: 2 cores shared with other "
        "engineers' work; the load average before each step is in the table.",
        "",
        "| code | step | median s | CPU s | runs (s) | load before | peak RSS GB | reported s |",
        "|---|---|---:|---:|---|---|---:|---|",
    ]
    for code, s in codes.items():
        if not s.get("ok"):
            lines.append(f"| {code} | failed | | | | | | |")
            continue
        for step, label in (("help", "`--help` (start-up alone)"), *STEPS):
            f = s[step]
            runs = ", ".join(f"{x:.1f}" for x in f["seconds"])
            loads = ", ".join(f"{x:.1f}" for x in f["load_before"])
            said = ", ".join("–" if x is None else f"{x:.1f}" for x in f["reported_seconds"])
            lines.append(
                f"| {code} | {label} | {f['median_seconds']:.1f} | {f['median_cpu_seconds']:.1f} "
                f"| {runs} | {loads} | {f['peak_rss_gb']:.2f} | {said} |"
            )
    lines += ["", "| target (issue 9 §8) | figure | |", "|---|---:|---|"]
    current = codes[result["code"]]
    if current.get("ok"):
        first = current["first"]["median_seconds"]
        verdict = "met" if first <= TARGET else f"missed ({first / TARGET:.2f}× the target)"
        lines.append(
            f"| registry XLSX import at county size ≤ {TARGET:.0f} s | {first:.1f} s | {verdict} |"
        )
        ratio = first / current["csv_first"]["median_seconds"]
        lines.append(f"| XLSX against the same rows as CSV (same runs) | {ratio:.2f}× | |")
        for code, s in codes.items():
            if code != result["code"] and s.get("ok"):
                before = s["first"]["median_seconds"]
                lines.append(
                    f"| XLSX first import, {code} against this code (same runs) "
                    f"| {before / first:.2f}× | |"
                )
    lines += [
        "",
        '"reported s" is the time the command reports for its own work (its `✓ … (N s)` line);',
        "the rest of a step's wall time is starting Python and importing.",
        "",
    ]
    return lines


def main() -> None:
    global DATA
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--repeat", type=int, default=3, help="runs (default 3)")
    parser.add_argument("--before", metavar="COMMIT", help="also measure the src/ of COMMIT")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per step")
    parser.add_argument("--data", type=Path, default=DATA, help="where the files are cached")
    harness.add_no_freeze(parser)
    args = parser.parse_args()
    DATA = args.data.resolve()
    meta = county_files(args.households, args.seed, args.timeout)
    code = harness.code_under_test(DATA, live=args.no_freeze)
    codes = {"this": dict(harness._CHILD_ENV)}
    if args.before:
        short, env = code_of(args.before)
        codes[short] = env
    runs: dict[str, list[Json]] = {name: [] for name in codes}
    for run in range(1, args.repeat + 1):
        for name, env in codes.items():  # interleaved: the same load for both
            say(f"run {run}, code {name}")
            runs[name].append(one_run(meta, run, name, env, args.timeout))
            if "failed" in runs[name][-1]:
                say(f"failed: {runs[name][-1]['failed']}")
    result: Json = {
        "data": meta,
        "code": "this",
        "src": code,
        "machine": harness.machine(PACKAGES),
        "summaries": {name: summary(rs) for name, rs in runs.items()},
        "runs": runs,
    }
    harness.write_json(RESULTS / "registry-import.json", result)
    harness.write_keeping_notes(RESULTS / "registry-import.md", report(meta, result))
    say(f"wrote {RESULTS / 'registry-import.md'}")


def child_main() -> None:
    ns = harness.child_parser(SEED).parse_args()
    if ns.command == "_prepare":
        prepare(ns.households, ns.seed, ns.out)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        child_main()
    else:
        main()
