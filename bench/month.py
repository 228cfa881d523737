"""A county's month from its own files to dispatched clues, through the CLI (issue 9 §8).

    uv run python bench/month.py                          # the demo county, 3 runs if they fit
    uv run python bench/month.py --households 20000 --repeat 1 --data bench/data/month-20k  # a quick look
    uv run python bench/month.py ... --per-file          # also the 27 files one process each

The files are generated once (not timed) and cached in ``bench/data/month/`` (git-ignored):
``synth.population_for(scope=532328000000, households=100,000, seed=20251023, year=2025)``,
its registry export as XLSX (the officials' format) and, for the same-run baseline, as CSV
(``synth.write_registry_export``), the 2025 income collection as XLSX
(``synth.write_income_collection``) and three months of department files up to 2025-10
(``synth.simulate_panel`` + ``synth.write_feeds``, as ``bottomline generate`` does).

Each run starts from an empty data directory and runs, as a user would, every step as its own
``python -m bottomline.cli`` process (interpreter start and imports included):

1. ``import registry registry.xlsx``
2. ``import incomes incomes-2025.xlsx``
3. ``import feed raw`` — the folder of the three months' department files, one process (each
   file its own batch; feed and month from each file's name and folder)
4. ``user add bench.county --role county --region 532328000000 --as system``
5. ``month --cycle 2025-10 --as bench.county``
6. ``clue dispatch --all --township T --as bench.county`` (T: the township with most households)

then, in a second empty data directory, ``import registry registry.csv`` (the same rows as
CSV: the baseline of step 1). With ``--per-file``, the data directory as it stood after step 2
is copied (not timed) and step 3 is run there the old way, ``import feed FILE --feed F --period
P`` as one process per file: the same-run comparison of the folder form (not in the total). Each step's wall time is measured by the parent around the
process, its peak memory by ``os.wait4``. A run is repeated (``--repeat``, default 3) while the
previous one took under ``--under`` seconds (default 400); medians are reported. The children
import a frozen copy of src/ (``harness.freeze_src``). Results: ``bench/results/month.md`` and
``month.json``.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import time
from pathlib import Path

import harness
from harness import Json, say

BENCH = Path(__file__).resolve().parent
DEFAULT_DATA = BENCH / "data" / "month"
DATA = DEFAULT_DATA
RESULTS = BENCH / "results"
SCOPE = "532328000000"  # 元谋县, the demo county
SEED = 20251023  # the demo's seed
CYCLE = "2025-10"
MONTHS = 3
YEAR = 2025
USER = "bench.county"
TARGET_TOTAL = 60.0  # issue 9 §8: a county's month from files to dispatched clues
TARGET_REGISTRY = 20.0  # issue 9 §8: registry XLSX import at county size
PACKAGES = ("duckdb", "ibis-framework", "pyarrow", "fastexcel", "sqlalchemy", "typer")


# --- preparing the files (a child, not timed) ----------------------------------------------------


def prepare(households: int, seed: int, out: Path) -> None:
    """Write the county's files into ``out`` and ``out/prepare.json``."""
    from collections import Counter

    from bottomline.ingest.catalogue import period_index, period_of
    from bottomline.synth import population_for, simulate_panel, write_feeds
    from bottomline.synth.registry_export import write_income_collection, write_registry_export

    t0 = time.perf_counter()
    pop = population_for(scope=SCOPE, households=households, seed=seed, year=YEAR)
    rows = write_registry_export(pop, out / "registry.xlsx")
    write_registry_export(pop, out / "registry.csv")
    collection = write_income_collection(pop, out / f"incomes-{YEAR}.xlsx", YEAR)
    first = period_of(period_index(CYCLE) - MONTHS + 1)
    panel = simulate_panel(pop, first_period=first, months=MONTHS, seed=seed)
    feeds = write_feeds(panel, pop, out / "raw")
    villages = pop.tables["households"]["village_code"].to_pylist()
    township, township_households = Counter(v[:9] + "000" for v in villages).most_common(1)[0]
    meta = {
        "households": households,
        "seed": seed,
        "members": pop.tables["members"].num_rows,
        "registry_rows": rows,
        "collection_rows": collection,
        "feeds": [str(p.relative_to(out)) for p in feeds],
        "township": township,
        "township_households": township_households,
        "sizes_mb": {
            name: round((out / name).stat().st_size / 1e6, 1)
            for name in ("registry.xlsx", "registry.csv", f"incomes-{YEAR}.xlsx")
        },
        "feeds_mb": round(sum(p.stat().st_size for p in feeds) / 1e6, 1),
        "generate_seconds": round(time.perf_counter() - t0, 1),
    }
    harness.write_json(out / "prepare.json", meta)


def county_files(households: int, seed: int, timeout: float) -> Json:
    """The cached files of this size and seed, generated when missing."""
    made_with = {"households": households, "seed": seed}
    files = ["registry.xlsx", "registry.csv", f"incomes-{YEAR}.xlsx"]
    meta = harness.kept_data(DATA, made_with, files)
    if meta is not None:
        say(f"reusing the files in {DATA}")
        return meta
    say(f"generating the county's files ({households:,} households) into {DATA}")
    args = ["_prepare", "month", "--households", str(households), "--seed", str(seed)]
    return harness.build_data(Path(__file__), [*args, "--out", str(DATA)], DATA, timeout, "files")


def results_dir() -> Path:
    """``bench/results/`` for the demo county's files; another ``--data`` (a quick look at
    another size) writes next to its runs, ``bench/work/<name>/``, and leaves the results be."""
    return RESULTS if DATA == DEFAULT_DATA else work_dir()


def work_dir() -> Path:
    """Where the runs' data dirs and logs go: ``bench/work/<name of the files' dir>``."""
    return BENCH / "work" / DATA.name


# --- one step: a CLI process ---------------------------------------------------------------------


cli_step = harness.cli_step


ADD_USER = ["user", "add", USER, "--name", "县级用户", "--role", "county", "--region", SCOPE]


def per_file_feeds(meta: Json) -> list[list[str]]:
    """Step 3 the old way: one ``import feed`` process per file, feed and month given."""
    return [
        [
            "import",
            "feed",
            "--as",
            "system",
            str(DATA / f),
            "--feed",
            Path(f).stem,
            "--period",
            Path(f).parent.name,
        ]
        for f in meta["feeds"]
    ]


def feed_step_name(meta: Json) -> str:
    return f"import feed ({len(meta['feeds'])} files, one process)"


def steps(meta: Json) -> list[tuple[str, list[list[str]]]]:
    """The month's steps as a user types them: (name, the commands of the step)."""
    folders = sorted({Path(f).parts[0] for f in meta["feeds"]})  # raw/
    return [
        (
            "import registry (XLSX)",
            [["import", "registry", "--as", "system", str(DATA / "registry.xlsx")]],
        ),
        (
            "import incomes (XLSX)",
            [["import", "incomes", "--as", "system", str(DATA / f"incomes-{YEAR}.xlsx")]],
        ),
        (
            feed_step_name(meta),
            [["import", "feed", "--as", "system", *(str(DATA / f) for f in folders)]],
        ),
        (
            "user add (county)",
            [[*ADD_USER, "--as", "system"]],
        ),
        ("month", [["month", "--cycle", CYCLE, "--as", USER]]),
        (
            "clue dispatch (one township)",
            [["clue", "dispatch", "--all", "--township", meta["township"], "--as", USER]],
        ),
    ]


def run_step(
    name: str, commands: list[list[str]], data_dir: Path, logs: str, timeout: float
) -> Json:
    """The step's commands one after another: their summed seconds, or the failure."""
    done = []
    for i, args in enumerate(commands):
        log = data_dir.parent / f"{logs}-{name.split()[0]}-{args[1]}-{i}.log"
        done.append(cli_step(args, data_dir, log, timeout))
        if "failed" in done[-1]:
            return {"failed": f"{name}: {done[-1]['failed']}", "log_tail": done[-1]["log_tail"]}
    step: Json = {
        "seconds": round(sum(d["seconds"] for d in done), 3),
        "peak_rss_gb": max(d["peak_rss_gb"] for d in done),
        "load_average_before": done[0]["load_average_before"],
        "processes": len(done),
    }
    if len(done) > 1:
        step["commands"] = [d["seconds"] for d in done]
    return step


def one_run(meta: Json, run: int, timeout: float, per_file: bool = False) -> Json:
    """Every step once in a fresh data dir, then the CSV registry import in another (and, with
    ``per_file``, the feed step the old way in a copy of the data dir before it)."""
    out: Json = {"steps": {}, "commands": {}}
    for stale in [*work_dir().glob(f"run{run}-*.log"), *work_dir().glob(f"perfile{run}-*.log")]:
        stale.unlink()  # an earlier run's logs would count in this run's outcome
    with harness.scratch_dir(work_dir() / f"run{run}") as data_dir:
        start = cli_step(["--help"], data_dir, data_dir.parent / f"run{run}-help.log", 600)
        out["cli_start_seconds"] = start["seconds"]
        for name, commands in steps(meta):
            if per_file and name == feed_step_name(meta):
                before_feeds = data_dir.parent / f"perfile{run}"
                shutil.rmtree(before_feeds, ignore_errors=True)
                shutil.copytree(data_dir, before_feeds)
            step = run_step(name, commands, data_dir, f"run{run}", timeout)
            if "failed" in step:
                return out | step
            if "commands" in step:
                out["commands"][name] = step.pop("commands")
            out["steps"][name] = step
        out["outcome"] = outcome(data_dir.parent, run)
    if per_file:
        with harness.scratch_dir(work_dir() / f"perfile{run}-data") as data_dir:
            shutil.rmtree(data_dir)
            shutil.move(work_dir() / f"perfile{run}", data_dir)
            name = f"import feed × {len(meta['feeds'])} (one process per file)"
            step = run_step(name, per_file_feeds(meta), data_dir, f"perfile{run}", timeout)
        if "failed" in step:
            return out | step
        out["per_file"] = step
    with harness.scratch_dir(work_dir() / f"csv{run}") as data_dir:
        log = data_dir.parent / f"csv{run}-registry.log"
        csv = cli_step(
            ["import", "registry", "--as", "system", str(DATA / "registry.csv")],
            data_dir,
            log,
            timeout,
        )
    if "failed" in csv:
        out |= {"failed": f"import registry (CSV): {csv['failed']}", "log_tail": csv["log_tail"]}
        return out
    out["csv_registry"] = csv
    out["seconds"] = round(sum(s["seconds"] for s in out["steps"].values()), 3)
    return out


def outcome(logs: Path, run: int) -> Json:
    """What the month and the dispatch said: their steps with the times they report, the
    clues dispatched."""

    def tail(pattern: str) -> list[str]:
        found = sorted(logs.glob(pattern))
        if not found:
            return []
        lines = [ln.strip() for ln in found[0].read_text().splitlines() if ln.strip()]
        return [ln for ln in lines if ln.startswith(("✓", "▶", "派发"))]

    reported: dict[str, float] = {}  # the "✓ … (N s)" times the commands print, by command
    for log in logs.glob(f"run{run}-*-*.log"):
        kind = "-".join(log.stem.split("-")[1:3]).strip("-")
        for found in re.finditer(r"✓.*\(([\d.]+) s\)", log.read_text()):
            reported[kind] = round(reported.get(kind, 0.0) + float(found.group(1)), 2)
    dispatch = tail(f"run{run}-clue-dispatch-0.log")
    match = re.search(r"dispatched ([\d,]+) clues", " ".join(dispatch))
    return {
        "month_tail": tail(f"run{run}-month-*.log"),
        "dispatch_tail": dispatch,
        "dispatched": int(match.group(1).replace(",", "")) if match else None,
        "reported_seconds": dict(sorted(reported.items())),
    }


# --- summary and report --------------------------------------------------------------------------


def summary(runs: list[Json]) -> Json:
    ok = [r for r in runs if "failed" not in r]
    if not ok:  # the steps done before the failure are kept
        return harness.failure(runs) | {"steps_done": runs[-1]["steps"]}
    names = list(ok[0]["steps"])
    per_step = {
        name: {
            "seconds": [r["steps"][name]["seconds"] for r in ok],
            "median_seconds": round(statistics.median(r["steps"][name]["seconds"] for r in ok), 3),
            "peak_rss_gb": max(r["steps"][name]["peak_rss_gb"] for r in ok),
            "load_average_before": [r["steps"][name]["load_average_before"] for r in ok],
        }
        for name in names
    }
    csv = [r["csv_registry"]["seconds"] for r in ok]
    per_file = [r["per_file"]["seconds"] for r in ok if "per_file" in r]
    extra: Json = {}
    if per_file:
        extra["per_file"] = {
            "seconds": per_file,
            "median_seconds": round(statistics.median(per_file), 3),
            "peak_rss_gb": max(r["per_file"]["peak_rss_gb"] for r in ok if "per_file" in r),
        }
    return extra | {
        "runs": len(ok),
        "cli_start_seconds": [r["cli_start_seconds"] for r in ok],
        "steps": per_step,
        "total": harness.seconds_figures(ok),
        "csv_registry": {
            "seconds": csv,
            "median_seconds": round(statistics.median(csv), 3),
            "peak_rss_gb": max(r["csv_registry"]["peak_rss_gb"] for r in ok),
        },
    }


def report(meta: Json, result: Json, runs: list[Json]) -> list[str]:
    s = result["summary"]
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    n_runs = s.get("runs", 0)
    label = f"medians of {n_runs} runs" if n_runs > 1 else "**one run** (not a median)"
    lines = [
        "# A county's month from its own files to dispatched clues (CLI)",
        "",
        f"Written by `bench/month.py` on {when}, commit {result['machine']['commit']}: "
        f"{meta['households']:,} households, {meta['members']:,} people (seed {meta['seed']}), "
        f"{len(meta['feeds'])} department files of {MONTHS} months up to {CYCLE} "
        f"({meta['feeds_mb']} MB); registry export {meta['sizes_mb']['registry.xlsx']} MB XLSX "
        f"/ {meta['sizes_mb']['registry.csv']} MB CSV ({meta['registry_rows']:,} member rows). "
        f"Every step is its own `python -m bottomline.cli` process in a fresh data directory; "
        f"{label}. Machine: {result['machine']['cpus_usable']} cores shared with other "
        f"engineers' tests (load average before each step in `month.json`).",
        "",
    ]
    if "failed" in s:
        done = [f"- {k}: {v['seconds']:.1f} s" for k, v in s["steps_done"].items()]
        tail = ["```", str(s.get("log_tail")), "```", ""]
        return [*lines, f"**Failed**: {s['failed']}", "", "Steps done:", *done, "", *tail]
    total = s["total"]
    lines += harness.step_table(s["steps"], total)
    csv = s["csv_registry"]
    xlsx = s["steps"]["import registry (XLSX)"]["median_seconds"]
    runs_c = ", ".join(f"{x:.1f}" for x in csv["seconds"])
    lines += [
        f"| *baseline:* import registry (CSV, same rows) | {csv['median_seconds']:.1f} "
        f"| {runs_c} | {csv['peak_rss_gb']:.2f} | |",
        *per_file_row(s, len(meta["feeds"])),
        "",
        "| target (issue 9 §8) | figure | |",
        "|---|---:|---|",
        f"| month from files to dispatched clues ≤ {TARGET_TOTAL:.0f} s "
        f"| {total['median_seconds']:.1f} s | {met(total['median_seconds'], TARGET_TOTAL)} |",
        f"| registry XLSX import at county size ≤ {TARGET_REGISTRY:.0f} s | {xlsx:.1f} s "
        f"| {met(xlsx, TARGET_REGISTRY)} |",
        f"| XLSX import against the same rows as CSV | {xlsx / csv['median_seconds']:.2f}× | |",
        "",
        *cli_start(s.get("cli_start_seconds")),
    ]
    last = next(r for r in reversed(runs) if "failed" not in r)["outcome"]
    lines += [
        f"Township dispatched: {meta['township']} ({meta['township_households']:,} households); "
        f"clues dispatched: {last['dispatched']}. What `month` reports of its own steps (time "
        "inside the process):",
        "",
        "```",
        *last["month_tail"],
        "```",
        "",
        "Seconds the commands report for their own work (the `✓ … (N s)` lines, summed per "
        "command; the rest of a step's wall time is starting Python and importing): "
        + ", ".join(f"{k} {v:.1f}" for k, v in last.get("reported_seconds", {}).items())
        + ".",
        "",
    ]
    return lines


def per_file_row(s: Json, files: int) -> list[str]:
    """The feed step the old way (``--per-file``), if it was run: a comparison row."""
    if "per_file" not in s:
        return []
    f = s["per_file"]
    runs = ", ".join(f"{x:.1f}" for x in f["seconds"])
    return [
        f"| *comparison:* import feed × {files}, one process per file | "
        f"{f['median_seconds']:.1f} | {runs} | {f['peak_rss_gb']:.2f} | |"
    ]


def rewrite_report() -> None:
    """month.md (and the outcome in month.json) again from month.json and the kept logs."""
    import json

    out = results_dir()
    result: Json = json.loads((out / "month.json").read_text())
    for i, run in enumerate(result["runs"], start=1):
        if "outcome" in run:
            run["outcome"] = outcome(work_dir(), i)
    harness.write_json(out / "month.json", result)
    harness.write_keeping_notes(out / "month.md", report(result["data"], result, result["runs"]))


def cli_start(seconds: list[float] | None) -> list[str]:
    """A line on what starting the CLI alone costs, if it was measured."""
    if not seconds:
        return []
    return [
        "Starting the CLI alone (`python -m bottomline.cli --help`, imports included): "
        + ", ".join(f"{x:.1f}" for x in seconds)
        + " s per run; every step above pays it once per process.",
        "",
    ]


def met(value: float, target: float) -> str:
    return "met" if value <= target else f"missed ({value / target:.1f}× the target)"


def main() -> None:
    global DATA
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--repeat", type=int, default=3, help="runs at most (default 3)")
    parser.add_argument(
        "--under", type=float, default=400.0, help="run again only while a run took under this"
    )
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per step")
    harness.add_no_freeze(parser)
    parser.add_argument(
        "--report", action="store_true", help="rewrite the report from month.json and the logs"
    )
    parser.add_argument("--data", type=Path, default=DATA, help="where the files are cached")
    parser.add_argument(
        "--per-file",
        action="store_true",
        help="also run the feed step as one process per file (a comparison, not in the total)",
    )
    args = parser.parse_args()
    DATA = args.data.resolve()
    if args.report:
        rewrite_report()
        return
    meta = county_files(args.households, args.seed, args.timeout)
    code = harness.code_under_test(DATA, live=args.no_freeze)
    runs: list[Json] = []
    while len(runs) < args.repeat and harness.again(runs, args.under):
        say(f"run {len(runs) + 1}")
        runs.append(one_run(meta, len(runs) + 1, args.timeout, args.per_file))
        if "failed" in runs[-1]:
            say(f"failed: {runs[-1]['failed']}\n{runs[-1]['log_tail']}")
        else:
            say(f"run {len(runs)}: {runs[-1]['seconds']:.1f} s {runs[-1]['steps']}")
    result: Json = {
        "data": meta,
        "code": code,
        "machine": harness.machine(PACKAGES),
        "summary": summary(runs),
        "runs": runs,
    }
    out = results_dir()
    out.mkdir(parents=True, exist_ok=True)
    harness.write_json(out / "month.json", result)
    harness.write_keeping_notes(out / "month.md", report(meta, result, runs))
    say(f"wrote {out / 'month.md'}")


def child_main() -> None:
    parser = harness.child_parser(SEED)
    ns = parser.parse_args()
    if ns.command == "_prepare":
        prepare(ns.households, ns.seed, ns.out)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        child_main()
    else:
        main()
