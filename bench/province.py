"""A province's month: all department files of one month to dispatched clues, through the CLI
(issue 9 §8: 5M households, all feeds of one month, ≤ 10 min on this machine).

    uv run python bench/province.py                       # Yunnan, 5,000,000 households, 1 run
    uv run python bench/province.py --households 100000 --data bench/data/province-100k  # a look

Prepared once and cached in ``bench/data/province/`` (git-ignored), not timed:

1. **Files** (a child process): ``synth.population_for(scope=530000000000,
   households=5,000,000, seed=20251024, year=2025)``; its registry export as one CSV per county
   (``synth.write_registry_export`` on the county's part of the population: ``registry/<county
   code>.csv``; one 17M-row file would be ~8 GB and an import of it one 17M-row transaction),
   and one month of department files, 2025-10 (``synth.simulate_panel(months=1)`` +
   ``synth.write_feeds``, ``raw/2025-10/``). The yearly income collection is not written: the
   export already carries the year's incomes and guarantees on every member row, and the
   timed month does not read a collection.
2. **A template data directory** (``template/``): every county file through the public CLI,
   ``python -m bottomline.cli import registry registry/<county>.csv`` (one file a process, as
   the command takes one), then ``user add bench.province --role province --region
   530000000000 --as system``. Each import is timed (wall, peak RSS, load before) and reported
   as its own row, *outside* the month's total: a province does not re-import its registry
   every month.

Each run copies the template to a fresh data directory (not timed) and runs, each step its own
``python -m bottomline.cli`` process (``harness.cli_step``; interpreter start included):

1. ``import feed raw/2025-10`` — the folder of the month's department files, one process
2. ``month --cycle 2025-10 --as bench.province``
3. ``clue dispatch --all --township T --as bench.province`` (T: the township with most
   households in the province)

Wall time per step around the process, peak memory by ``os.wait4``, the load average before;
the ``✓ … (N s)`` lines the commands print are summed per command (screening, data quality,
export …). ``--repeat`` runs (default 1: a run takes minutes at this size), medians;
``--more`` adds runs to those already in ``province.json`` (same files and code). The
children import a frozen copy of src/ (``harness.freeze_src``). Results:
``bench/results/province.md`` and ``province.json``; another ``--data`` writes
``bench/work/<its name>/`` instead.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

import harness
import month
from harness import Json, say

BENCH = Path(__file__).resolve().parent
DEFAULT_DATA = BENCH / "data" / "province"
DATA = DEFAULT_DATA
RESULTS = BENCH / "results"
SCOPE = "530000000000"  # 云南省
SEED = 20251024
CYCLE = "2025-10"
YEAR = 2025
USER = "bench.province"
TARGET_TOTAL = 600.0  # issue 9 §8: a province's month, all feeds of one month, ≤ 10 min
PACKAGES = month.PACKAGES
COUNTY_USER = "bench.county"  # clues are dispatched by a county or township user, not the province


def add_users(township: str) -> list[list[str]]:
    """The template's users: the province's (runs the month) and the county's of the township
    dispatched (a province user may not triage clues)."""
    county = township[:6] + "000000"
    return [
        ["user", "add", USER, "--name", "省级用户", "--role", "province", "--region", SCOPE],
        ["user", "add", COUNTY_USER, "--name", "县级用户", "--role", "county", "--region", county],
    ]


# --- preparing the files (a child, not timed) ----------------------------------------------------


def county_part(pop, county: str, county_of_household, county_of_member):
    """The part of ``pop`` in one county, as a Population (the synth writes a whole one)."""
    import pyarrow.compute as pc

    from bottomline.synth.population import Population

    t = pop.tables
    households = t["households"].filter(pc.equal(county_of_household, county[:6]))
    ids = households["household_id"]
    tables = {
        "regions": t["regions"],
        "households": households,
        "members": t["members"].filter(pc.equal(county_of_member, county[:6])),
        "incomes": t["incomes"].filter(pc.is_in(t["incomes"]["household_id"], value_set=ids)),
        "guarantees": t["guarantees"].filter(
            pc.is_in(t["guarantees"]["household_id"], value_set=ids)
        ),
    }
    return Population(pop.year, tables, [county])


def prepare(households: int, seed: int, out: Path) -> None:
    """Write the province's files into ``out`` and ``out/prepare.json``."""
    import gc
    from collections import Counter

    import pyarrow.compute as pc

    from bottomline.synth import population_for, simulate_panel, write_feeds
    from bottomline.synth.registry_export import write_registry_export

    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    pop = population_for(scope=SCOPE, households=households, seed=seed, year=YEAR)
    seconds["population"] = round(time.perf_counter() - t0, 1)
    say(f"population: {pop.tables['members'].num_rows:,} people ({seconds['population']} s)")
    hh = pop.tables["households"]
    county_of_household = pc.utf8_slice_codeunits(hh["village_code"], 0, 6)
    at = pc.index_in(pop.tables["members"]["household_id"], value_set=hh["household_id"])
    county_of_member = county_of_household.take(at)
    t0 = time.perf_counter()
    counties = []
    for county in pop.county_codes:
        part = county_part(pop, county, county_of_household, county_of_member)
        n = part.tables["households"].num_rows
        if n == 0:
            continue
        path = out / "registry" / f"{county}.csv"
        rows = write_registry_export(part, path)
        counties.append({"county": county, "households": n, "rows": rows, "file": path.name})
        del part
    seconds["registry_export"] = round(time.perf_counter() - t0, 1)
    say(f"registry export: {len(counties)} county files ({seconds['registry_export']} s)")
    villages = hh["village_code"].to_pylist()
    township, township_households = Counter(v[:9] + "000" for v in villages).most_common(1)[0]
    del villages, county_of_member
    gc.collect()
    t0 = time.perf_counter()
    panel = simulate_panel(pop, first_period=CYCLE, months=1, seed=seed)
    feeds = write_feeds(panel, pop, out / "raw")
    seconds["department_files"] = round(time.perf_counter() - t0, 1)
    say(f"department files: {len(feeds)} ({seconds['department_files']} s)")
    registry_bytes = sum((out / "registry" / c["file"]).stat().st_size for c in counties)
    harness.write_json(
        out / "prepare.json",
        {
            "households": households,
            "seed": seed,
            "scope": SCOPE,
            "members": pop.tables["members"].num_rows,
            "registry_rows": sum(c["rows"] for c in counties),
            "counties": counties,
            "feeds": [str(p.relative_to(out)) for p in feeds],
            "feed_bytes": {str(p.relative_to(out)): p.stat().st_size for p in feeds},
            "township": township,
            "township_households": township_households,
            "registry_mb": round(registry_bytes / 1e6, 1),
            "feeds_mb": round(sum(p.stat().st_size for p in feeds) / 1e6, 1),
            "generate_seconds": seconds,
        },
    )


def province_files(households: int, seed: int, timeout: float) -> Json:
    """The cached files of this size and seed, generated when missing."""
    made_with = {"households": households, "seed": seed, "scope": SCOPE}
    meta = harness.kept_data(DATA, made_with, ["raw", "registry"])
    if meta is not None:
        say(f"reusing the files in {DATA}")
        return meta
    say(f"generating the province's files ({households:,} households) into {DATA}")
    args = ["_prepare", "province", "--households", str(households), "--seed", str(seed)]
    return harness.build_data(Path(__file__), [*args, "--out", str(DATA)], DATA, timeout, "files")


def template(meta: Json, code: Json, timeout: float) -> Json:
    """The data directory with the registry imported and the province user added (cached: its
    ``template.json`` records the files, the store's schema — its migrations — and the code it
    was built with). It is kept while the files and the schema are the same: a province's store
    outlives the code that loaded it, and 129 imports take 20 minutes."""
    import json

    tpl = DATA / "template"
    record = tpl.parent / "template.json"
    schema = harness.source_fingerprint("migrations/versions/*.py")
    made_with = {"households": meta["households"], "seed": meta["seed"], "schema": schema}
    if record.exists() and tpl.is_dir():
        kept: Json = json.loads(record.read_text())
        if kept.get("made_with") == made_with:
            say(f"reusing the template data dir {tpl}")
            if "user_add" in kept:  # a template of before the county user: the province's
                kept["users"] = {USER: kept.pop("user_add")}
            return with_users(kept, meta, timeout)
    shutil.rmtree(tpl, ignore_errors=True)
    tpl.mkdir(parents=True)
    logs = DATA / "template-logs"
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir()
    imports = []
    say(f"importing {len(meta['counties'])} county files into {tpl}")
    for i, county in enumerate(meta["counties"], start=1):
        args = ["import", "registry", "--as", "system", str(DATA / "registry" / county["file"])]
        step = harness.cli_step(args, tpl, logs / f"registry-{county['county']}.log", timeout)
        if "failed" in step:
            raise SystemExit(
                f"import registry {county['file']}: {step['failed']}\n{step['log_tail']}"
            )
        imports.append({"county": county["county"], "households": county["households"]} | step)
        if i % 10 == 0 or i == len(meta["counties"]):
            done = sum(s["seconds"] for s in imports)
            say(f"  {i}/{len(meta['counties'])} county files, {done:.0f} s so far")
    seconds = [s["seconds"] for s in imports]
    kept = {
        "made_with": made_with,
        "built_with": code,
        "registry_imports": {
            "files": len(imports),
            "seconds": round(sum(seconds), 1),
            "median_seconds_per_file": round(statistics.median(seconds), 2),
            "max_seconds_per_file": round(max(seconds), 2),
            "first_seconds": seconds[:3],
            "last_seconds": seconds[-3:],
            "peak_rss_gb": max(s["peak_rss_gb"] for s in imports),
            "load_average_before": [
                imports[0]["load_average_before"],
                imports[-1]["load_average_before"],
            ],
        },
        "users": {},
        "imports": imports,
    }
    return with_users(kept, meta, timeout)


def with_users(kept: Json, meta: Json, timeout: float) -> Json:
    """Add the template's users it does not have yet (``user add … --as system``), record it."""
    tpl, logs = DATA / "template", DATA / "template-logs"
    for args in add_users(meta["township"]):
        if args[2] in kept["users"]:
            continue
        log = logs / f"user-add-{args[2]}.log"
        step = harness.cli_step([*args, "--as", "system"], tpl, log, timeout)
        if "failed" in step:
            raise SystemExit(f"user add {args[2]}: {step['failed']}\n{step['log_tail']}")
        kept["users"][args[2]] = step
    kept["size_gb"] = dir_gb(tpl)
    harness.write_json(DATA / "template.json", kept)
    return kept


def dir_gb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e9, 2)


def results_dir() -> Path:
    return RESULTS if DATA == DEFAULT_DATA else work_dir()


def work_dir() -> Path:
    return BENCH / "work" / DATA.name


# --- the runs ------------------------------------------------------------------------------------


def feed_step_name(meta: Json) -> str:
    return f"import feed ({len(meta['feeds'])} files of {CYCLE}, one process)"


def steps(meta: Json) -> list[tuple[str, list[list[str]]]]:
    folder = str(DATA / "raw" / CYCLE)
    return [
        (feed_step_name(meta), [["import", "feed", "--as", "system", folder]]),
        ("month", [["month", "--cycle", CYCLE, "--as", USER]]),
        (
            "clue dispatch (one township)",
            [["clue", "dispatch", "--all", "--township", meta["township"], "--as", COUNTY_USER]],
        ),
    ]


def one_run(meta: Json, run: int, timeout: float) -> Json:
    """The month's steps once in a fresh copy of the template (the copy not timed)."""
    out: Json = {"steps": {}}
    for stale in work_dir().glob(f"run{run}-*.log"):
        stale.unlink()
    with harness.scratch_dir(work_dir() / f"run{run}") as data_dir:
        t0 = time.perf_counter()
        shutil.rmtree(data_dir)
        shutil.copytree(DATA / "template", data_dir)
        out["copy_seconds"] = round(time.perf_counter() - t0, 1)
        for name, commands in steps(meta):
            step = month.run_step(name, commands, data_dir, f"run{run}", timeout)
            if "failed" in step:
                return out | step
            out["steps"][name] = step
            say(f"  {name}: {step['seconds']:.1f} s, peak {step['peak_rss_gb']:.2f} GB")
        out["size_after_gb"] = dir_gb(data_dir)
        out["outcome"] = month.outcome(data_dir.parent, run) | feed_outcome(data_dir.parent, run)
    out["seconds"] = round(sum(s["seconds"] for s in out["steps"].values()), 3)
    return out


def feed_outcome(logs: Path, run: int) -> Json:
    """What the feed step said of each file (rows in, accepted, rejected, unmatched) and its
    last line."""
    found = sorted(logs.glob(f"run{run}-import-feed-*.log"))
    lines = [ln.strip() for ln in found[0].read_text().splitlines()] if found else []
    files = {}
    for line in lines:
        cells = [c.strip() for c in line.strip("│").split("│")]
        if len(cells) == 9 and "/raw/" in cells[0]:
            numbers = [int(c.replace(",", "")) for c in cells[5:]]
            files[Path(cells[0]).name] = dict(
                zip(("in", "accepted", "rejected", "unmatched"), numbers, strict=True)
            )
    last = [ln for ln in lines if "个文件 / files" in ln]
    return {"feed_files": files, "feed_last": last[-1] if last else None}


# --- summary and report --------------------------------------------------------------------------


def summary(runs: list[Json]) -> Json:
    ok = [r for r in runs if "failed" not in r]
    if not ok:
        return harness.failure(runs) | {"steps_done": runs[-1]["steps"]}
    per_step = {
        name: {
            "seconds": [r["steps"][name]["seconds"] for r in ok],
            "median_seconds": round(statistics.median(r["steps"][name]["seconds"] for r in ok), 3),
            "peak_rss_gb": max(r["steps"][name]["peak_rss_gb"] for r in ok),
            "load_average_before": [r["steps"][name]["load_average_before"] for r in ok],
        }
        for name in ok[0]["steps"]
    }
    return {"runs": len(ok), "steps": per_step, "total": harness.seconds_figures(ok)}


def report(meta: Json, tpl: Json, result: Json, runs: list[Json]) -> list[str]:
    s = result["summary"]
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    n_runs = s.get("runs", 0)
    label = f"medians of {n_runs} runs" if n_runs > 1 else "**one run** (not a median)"
    gen = meta["generate_seconds"]
    lines = [
        "# A province's month: all department files of one month to dispatched clues (CLI)",
        "",
        f"Written by `bench/province.py` on {when}, commit {result['machine']['commit']}: "
        f"云南省 {SCOPE}, {meta['households']:,} households, {meta['members']:,} people (seed "
        f"{meta['seed']}), registry export as {len(meta['counties'])} county CSV files "
        f"({meta['registry_rows']:,} member rows, {meta['registry_mb']:,} MB); "
        f"{len(meta['feeds'])} department files of {CYCLE} ({meta['feeds_mb']:,} MB). "
        f"Every step is its own `python -m bottomline.cli` process in a fresh copy of the "
        f"template data directory ({tpl['size_gb']} GB; copying not timed); {label}. Machine: "
        f"{result['machine']['cpus_usable']} cores, {result['machine']['memory_gb']} GB, shared "
        f"with another engineer (load average before each step below).",
        "",
        f"Files generated (not timed) in {sum(gen.values()):.0f} s: "
        + ", ".join(f"{k} {v:.0f} s" for k, v in gen.items())
        + f"; peak {meta.get('peak_rss_gb', '–')} GB.",
        "",
    ]
    reg = tpl["registry_imports"]
    template_lines = [
        "Template data directory (not in the month's total: a province does not re-import its "
        "registry every month):",
        "",
        "| step | s | per file (median / max) | peak RSS GB | load before (first, last) |",
        "|---|---:|---|---:|---|",
        f"| import registry × {reg['files']} county CSV files | {reg['seconds']:.1f} "
        f"| {reg['median_seconds_per_file']:.1f} / {reg['max_seconds_per_file']:.1f} "
        f"| {reg['peak_rss_gb']:.2f} | {', '.join(f'{x:.1f}' for x in reg['load_average_before'])} |",
        *(
            f"| user add {name} | {u['seconds']:.1f} | | {u['peak_rss_gb']:.2f} | |"
            for name, u in tpl["users"].items()
        ),
        "",
    ]
    if "failed" in s:
        done = [f"- {k}: {v['seconds']:.1f} s" for k, v in s["steps_done"].items()]
        tail = ["```", str(s.get("log_tail")), "```", ""]
        return [
            *lines,
            f"**Failed**: {s['failed']}",
            "",
            "Steps done:",
            *done,
            "",
            *tail,
            *template_lines,
        ]
    total = s["total"]
    lines += [
        *harness.step_table(s["steps"], total),
        "",
        "| target (issue 9 §8) | figure | |",
        "|---|---:|---|",
        f"| a province's month, all feeds of one month, ≤ {TARGET_TOTAL:.0f} s "
        f"| {total['median_seconds']:.1f} s | {month.met(total['median_seconds'], TARGET_TOTAL)} |",
        "",
        *template_lines,
    ]
    last = next(r for r in reversed(runs) if "failed" not in r)
    got = last["outcome"]
    lines += [
        f"Township dispatched: {meta['township']} ({meta['township_households']:,} households); "
        f"clues dispatched: {got['dispatched']}. Data directory after the run: "
        f"{last.get('size_after_gb')} GB. What `month` reports of its own steps (time inside "
        "the process):",
        "",
        "```",
        *got["month_tail"],
        "```",
        "",
        "Seconds the commands report for their own work (the `✓ … (N s)` lines, summed per "
        "command; the rest of a step's wall time is starting Python, importing and what the "
        "command does between its lines): "
        + ", ".join(f"{k} {v:.1f}" for k, v in got.get("reported_seconds", {}).items())
        + ".",
        "",
        "Department files of the month as `import feed` took them in:",
        "",
        "| file | MB | rows in | accepted | rejected | unmatched |",
        "|---|---:|---:|---:|---:|---:|",
        *(
            f"| {name} | {meta['feed_bytes'].get(f'raw/{CYCLE}/{name}', 0) / 1e6:,.1f} "
            f"| {f['in']:,} | {f['accepted']:,} | {f['rejected']:,} | {f['unmatched']:,} |"
            for name, f in got.get("feed_files", {}).items()
        ),
        "",
        f"`{got.get('feed_last')}`",
        "",
    ]
    return lines


def earlier_runs(meta: Json, code: Json) -> list[Json]:
    """The runs already in province.json, if they ran on these files and this code."""
    import json

    path = results_dir() / "province.json"
    if not path.exists():
        return []
    kept: Json = json.loads(path.read_text())
    if kept["data"] != meta or kept["code"] != code:
        raise SystemExit(f"{path} has runs on other files or code; run without --more")
    return list(kept["runs"])


def main() -> None:
    global DATA
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=5_000_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--repeat", type=int, default=1, help="runs at most (default 1)")
    parser.add_argument(
        "--under", type=float, default=900.0, help="run again only while a run took under this"
    )
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per step")
    parser.add_argument("--data", type=Path, default=DATA, help="where the files are cached")
    parser.add_argument(
        "--prepare-only", action="store_true", help="make the files and the template, no run"
    )
    parser.add_argument(
        "--more",
        action="store_true",
        help="add --repeat runs to those in province.json (same files and code)",
    )
    args = parser.parse_args()
    DATA = args.data.resolve()
    meta = province_files(args.households, args.seed, args.timeout * 2)
    code = harness.code_under_test(DATA, live=False)
    tpl = template(meta, code, args.timeout)
    reg = tpl["registry_imports"]
    say(f"template: {reg['files']} registry imports {reg['seconds']:.1f} s, {tpl['size_gb']} GB")
    if args.prepare_only:
        return
    work_dir().mkdir(parents=True, exist_ok=True)
    runs = earlier_runs(meta, code) if args.more else []
    first = len(runs)  # --more: the first new run runs whatever the earlier ones took
    while len(runs) < first + args.repeat and (
        len(runs) == first or harness.again(runs, args.under)
    ):
        say(f"run {len(runs) + 1}")
        runs.append(one_run(meta, len(runs) + 1, args.timeout))
        if "failed" in runs[-1]:
            say(f"failed: {runs[-1]['failed']}\n{runs[-1]['log_tail']}")
        else:
            say(f"run {len(runs)}: {runs[-1]['seconds']:.1f} s")
    result: Json = {
        "data": meta,
        "code": code,
        "template": {k: v for k, v in tpl.items() if k != "imports"},
        "machine": harness.machine(PACKAGES),
        "summary": summary(runs),
        "runs": runs,
        "registry_imports": tpl["imports"],
    }
    out = results_dir()
    out.mkdir(parents=True, exist_ok=True)
    harness.write_json(out / "province.json", result)
    harness.write_keeping_notes(out / "province.md", report(meta, tpl, result, runs))
    say(f"wrote {out / 'province.md'}")


def child_main() -> None:
    ns = harness.child_parser(SEED).parse_args()
    if ns.command == "_prepare":
        prepare(ns.households, ns.seed, ns.out)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        child_main()
    else:
        main()
