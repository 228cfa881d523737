"""Department-feed import benchmark: bottomline's streamed import against plain pandas.

Issue 3 §7: parse + validate + match at least 1M rows/s on 2 cores for CSV; a 20M-row
province medical batch in at most 60 s; memory bounded (streamed, not the whole file in
memory); compared in the same run with a plain pandas read-validate-merge of the same file.

For each size (a synthetic county, city or province) it generates — or reuses from the data
directory — the registry members and one month of the medical feed (``bottomline.synth``),
then runs, each in a fresh subprocess so that time and peak memory of one do not touch
another, interleaved and repeated:

- ``parse``: the CSV reader alone (``open_feed_file(...).chunks()``), one thread;
- ``pvm``: parse + validate + match, what the target names: the chunks (read ahead on a
  second thread, as the import reads them), ``validate.check_chunk`` and
  ``MemberIndex.match``; nothing written, no store;
- ``import``: the whole ``ingest.actions.import_feed`` into a fresh SQLite store and feed
  directory: also the SHA-256 of the file, Parquet of accepted and unmatched rows, the
  rejects report, duplicates, the secondary match and the batch row;
- ``pandas``: ``bench/baselines/pandas_ingest.py`` — ``read_csv`` of the whole file, the same
  rules vectorised, a merge with the members, duplicates dropped, accepted rows to Parquet.

Files: the medical CSV as synth writes it (UTF-8, clean); at county size the same file
re-encoded to GB18030; at county and city sizes a "dirty" copy with 0.2 % of rows given one
fault each (bad check digit, unknown visit type, impossible date, negative amount, a record
with too few fields, a duplicate row, ... and faults that are valid after normalisation:
full-width digits, ``2025/09/03``, ``1,234.50``). The benchmark checks that pandas and the
import count the same accepted, rejected and unmatched rows.

    uv run python bench/ingest.py --sizes county city province
    uv run python bench/ingest.py --sizes county --households county=20000 --repeat 1

Every subprocess imports one copy of src/bottomline taken at the start (others may edit src/
during a long run; ``--src-copy`` reuses an earlier copy, ``--no-freeze`` measures the live
tree). Generated data is kept in bench/data/ingest/<size>/ (git-ignored; 2.4 GB at province)
and reused while size, seed and period match (``--regenerate`` makes it again).

Writes ``bench/results/ingest.json`` (every run, per size) and ``bench/results/ingest.md``
(the tables; hand-written notes below its notes marker are kept).
"""

from __future__ import annotations

import argparse
import codecs
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import harness

SCRIPT = Path(__file__).resolve()  # the children run this file
BENCH = SCRIPT.parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
DATA = BENCH / "data" / "ingest"  # git-ignored; generated data is kept here and reused
SEED = 20251
PERIOD = "2025-09"
FEED = "medical"
IMPLS = ("parse", "pvm", "import", "pandas")
VARIANTS = ("utf8", "gb18030", "dirty")
VARIANT_SIZES = {  # which files are benchmarked at which size
    "utf8": ("county", "city", "province"),
    "gb18030": ("county",),
    "dirty": ("county", "city"),
}
DIRTY_SHARE = 0.002
MEMBER_COLUMNS = ["id_number", "member_id", "household_id", "name", "birth_date"]
PACKAGES = ("pyarrow", "pandas", "numpy", "duckdb")  # versions noted with the machine

TARGETS = {
    "pvm_rows_per_second_min": 1_000_000,  # parse + validate + match, CSV, 2 cores
    "import_seconds_max": 60.0,  # the province medical batch (~20M rows), whole import
    "working_memory_growth_max": 2.0,  # import: province working memory / county's
}


@dataclass(frozen=True, slots=True)
class Size:
    name: str
    scope: str  # a 12-digit division code
    households: int


SIZES: dict[str, Size] = {
    "county": Size("county", "532328000000", 100_000),  # 元谋县
    "city": Size("city", "532300000000", 1_000_000),  # 楚雄彝族自治州
    "province": Size("province", "530000000000", 5_000_000),  # 云南省
}


# --- the data (generated in a subprocess, kept in the data directory) -------------------------


def prepare(size: Size, out: Path, seed: int, period: str) -> dict[str, Any]:
    """Registry members → members.parquet; one month of the medical feed → medical.csv."""
    import pyarrow.parquet as pq

    from bottomline.ingest.catalogue import FEEDS
    from bottomline.synth.feeds import write_feed
    from bottomline.synth.panel import simulate_panel
    from bottomline.synth.population import population_for
    from bottomline.synth.regions import scope_name

    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    pop = population_for(scope=size.scope, households=size.households, seed=seed, year=2025)
    seconds["population"] = time.perf_counter() - t0
    members = pop.tables["members"].select(MEMBER_COLUMNS)
    pq.write_table(members, out / "members.parquet")
    t0 = time.perf_counter()
    panel = simulate_panel(pop, first_period=period, months=1, seed=seed)
    seconds["panel"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    path = write_feed(panel, FEEDS[FEED], 0, out, scope_name(pop.county_codes))
    seconds["medical_csv"] = time.perf_counter() - t0
    with path.open("rb") as fh:
        lines = sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 24), b""))
    return {
        "size": size.name,
        "scope": size.scope,
        "households": pop.tables["households"].num_rows,
        "members": members.num_rows,
        "seed": seed,
        "period": period,
        "medical_rows": lines - 1,
        "medical_bytes": path.stat().st_size,
        "source": "bottomline.synth: population_for, simulate_panel(months=1), "
        "feeds.write_feed(medical) — the CSV as departments send it (UTF-8, header on row 1)",
        "seconds": {k: round(v, 2) for k, v in seconds.items()},
    }


def gb18030_copy(clean: Path, out: Path) -> None:
    """The UTF-8 file re-encoded to GB18030, streamed."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with clean.open("rb") as src, out.open("wb") as dst:
        while block := src.read(1 << 24):
            dst.write(decoder.decode(block).encode("gb18030"))
        dst.write(decoder.decode(b"", final=True).encode("gb18030"))


# One fault per chosen row; fields: 0 ID, 1 name, 2 settle date, 3 visit type, 4-8 amounts,
# 9 institution. The comment says what both importers must make of the row.
def _flip_check(f: list[str]) -> None:  # rejected: the check character does not match
    last = f[0][-1]
    f[0] = f[0][:-1] + ("0" if last == "X" else str((int(last) + 1) % 10))


def _lower_or_pad(f: list[str]) -> None:  # valid: "x" is upper-cased, spaces trimmed
    f[0] = f[0][:-1] + "x" if f[0].endswith("X") else f"  {f[0]} "


def _full_width(f: list[str]) -> None:  # valid after NFKC normalisation
    f[0] = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in f[0])


def _short_id(f: list[str]) -> None:  # rejected: 17 characters
    f[0] = f[0][:17]


def _no_id(f: list[str]) -> None:  # rejected: required
    f[0] = ""


def _long_name(f: list[str]) -> None:  # rejected: more than 100 characters
    f[1] = "张" * 101


def _bad_date(f: list[str]) -> None:  # rejected
    f[2] = "2025-13-45"


def _slash_date(f: list[str]) -> None:  # valid: an accepted date form
    f[2] = f[2].replace("-", "/")


def _early_date(f: list[str]) -> None:  # rejected: before 1950
    f[2] = "1949-12-31"


def _late_date(f: list[str]) -> None:  # rejected: after the period's last day
    f[2] = "2025-10-05"


def _unknown_visit(f: list[str]) -> None:  # rejected: not in the code list
    f[3] = "急诊"


def _visit_code(f: list[str]) -> None:  # valid: our code instead of the wording
    f[3] = {"住院": "inpatient", "普通门诊": "outpatient"}.get(f[3], "chronic_outpatient")


def _negative(f: list[str]) -> None:  # rejected
    f[4] = "-" + f[4]


def _text_amount(f: list[str]) -> None:  # rejected
    f[5] = "abc"


def _thousands(f: list[str]) -> None:  # valid: 1,234.50 as spreadsheets write it
    f[8] = '"' + f"{float(f[8]):,.2f}" + '"'


def _implausible(f: list[str]) -> None:  # rejected: above the column's maximum
    f[6] = "6000000.00"


def _no_amount(f: list[str]) -> None:  # rejected: required
    f[7] = ""


FAULTS: dict[str, Callable[[list[str]], None]] = {
    "id_check_digit": _flip_check,
    "id_lower_x_or_spaces": _lower_or_pad,
    "id_full_width": _full_width,
    "id_17_chars": _short_id,
    "id_empty": _no_id,
    "name_too_long": _long_name,
    "date_impossible": _bad_date,
    "date_slashes": _slash_date,
    "date_before_1950": _early_date,
    "date_after_period": _late_date,
    "visit_type_unknown": _unknown_visit,
    "visit_type_code": _visit_code,
    "amount_negative": _negative,
    "amount_text": _text_amount,
    "amount_thousands": _thousands,
    "amount_implausible": _implausible,
    "amount_empty": _no_amount,
    "duplicate_row": lambda f: None,  # the row is written twice
    "too_few_fields": lambda f: None,  # the last two fields are cut off
}


def dirty_copy(clean: Path, out: Path, seed: int, share: float) -> dict[str, int]:
    """A copy of ``clean`` with ``share`` of its data rows given one fault each."""
    import numpy as np

    rng = np.random.default_rng([seed, 3])
    kinds = list(FAULTS)
    counts = dict.fromkeys(kinds, 0)
    with clean.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        dst.write(src.readline())
        for block in iter(lambda: src.readlines(1 << 24), []):
            chosen = np.flatnonzero(rng.random(len(block)) < share)
            faults = rng.integers(0, len(kinds), len(chosen))
            for i, k in zip(chosen.tolist(), faults.tolist(), strict=True):
                kind = kinds[k]
                fields = block[i].rstrip("\n").split(",")
                FAULTS[kind](fields)
                if kind == "too_few_fields":
                    fields = fields[:-2]
                line = ",".join(fields) + "\n"
                block[i] = line * 2 if kind == "duplicate_row" else line
                counts[kind] += 1
            dst.writelines(block)
    return counts


def data_for(size: Size, args: argparse.Namespace) -> tuple[Path, dict[str, Any]]:
    """The size's data directory, generated unless it holds the same data already."""
    out = args.data / size.name
    made_with = {
        "households": size.households,
        "seed": args.seed,
        "period": PERIOD,
        "scope": size.scope,
    }
    files = ("medical.csv", "members.parquet")
    meta = None if args.regenerate else harness.kept_data(out, made_with, files)
    if meta is not None:
        harness.say(f"{size.name}: reusing the data in {out}")
        return out, meta
    harness.say(
        f"{size.name}: generating {size.households:,} households and a month of the medical feed"
    )
    cmd = ["_prepare", size.name, "--households", str(size.households)]
    cmd += ["--data", str(out), "--seed", str(args.seed)]
    return out, harness.build_data(SCRIPT, cmd, out, args.timeout, f"preparing {size.name}")


def variant_file(data: Path, variant: str, args: argparse.Namespace) -> tuple[Path, dict[str, Any]]:
    """The file of a variant, made from medical.csv when missing; (path, what was made)."""
    clean = data / "medical.csv"
    if variant == "utf8":
        return clean, {}
    path = data / f"medical-{variant}.csv"
    meta_path = data / f"medical-{variant}.json"
    if path.exists() and meta_path.exists() and not args.regenerate:
        return path, json.loads(meta_path.read_text())
    t0 = time.perf_counter()
    if variant == "gb18030":
        gb18030_copy(clean, path)
        meta: dict[str, Any] = {"encoding": "gb18030"}
    else:
        faults = dirty_copy(clean, path, args.seed, DIRTY_SHARE)
        meta = {"share": DIRTY_SHARE, "faults": faults, "faulty_rows": sum(faults.values())}
    meta |= {"bytes": path.stat().st_size, "seconds": round(time.perf_counter() - t0, 1)}
    meta_path.write_text(json.dumps(meta, indent=2))
    return path, meta


# --- one run (in a subprocess) ----------------------------------------------------------------


_STEP_PEAKS: dict[str, int] = {}  # instrumented import steps: peak RSS (bytes) during each


def run_one(impl: str, data: Path, path: Path, work: Path, period: str) -> dict[str, Any]:
    """One timed run of ``impl`` on ``path``; the timer covers the import, not the setup."""
    import duckdb  # noqa: F401  (libraries imported before the timer, like a running server)
    import pandas  # noqa: F401
    import pyarrow.compute
    import pyarrow.csv
    import pyarrow.dataset  # noqa: F401
    import pyarrow.parquet as pq

    import bottomline

    sys.path.insert(0, str(BENCH))
    setup: dict[str, float] = {}
    call: Callable[[], dict[str, Any]]
    if impl == "parse":
        call = _parse_call(path)
    elif impl in ("pvm", "import"):
        from bottomline.ingest.match import MemberIndex

        t0 = time.perf_counter()
        table = pq.read_table(data / "members.parquet", columns=MEMBER_COLUMNS)
        setup["read_members"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        index = MemberIndex(table)
        setup["member_index"] = time.perf_counter() - t0
        call = _pvm_call(path, index, period) if impl == "pvm" else _import_call(path, index, work)
    else:
        import pandas as pd

        from baselines.pandas_ingest import member_keys

        t0 = time.perf_counter()
        frame = pd.read_parquet(
            data / "members.parquet", columns=["id_number", "member_id", "household_id"]
        )
        setup["read_members"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        keys = member_keys(frame)
        del frame
        setup["member_keys"] = time.perf_counter() - t0
        call = _pandas_call(path, keys, work, period)
    counts, measured = harness.timed(call)
    # the instrumented steps reset the high-water mark: the call's peak is the largest of them
    measured["call_peak_rss_bytes"] = max([measured["call_peak_rss_bytes"], *_STEP_PEAKS.values()])
    return {
        "impl": impl,
        **measured,
        "bottomline": str(Path(bottomline.__file__).parent),
        "setup_seconds": {k: round(v, 3) for k, v in setup.items()},
        **counts,
    }


def _parse_call(path: Path) -> Callable[[], dict[str, Any]]:
    from bottomline.ingest.actions import open_feed_file

    def call() -> dict[str, Any]:
        source = open_feed_file(path, feed=FEED)
        rows = malformed = chunks = 0
        for chunk in source.chunks():
            rows += chunk.rows
            malformed += len(chunk.malformed)
            chunks += 1
        return {"rows_in": rows, "malformed": malformed, "chunks": chunks}

    return call


def _pvm_call(path: Path, index: Any, period: str) -> Callable[[], dict[str, Any]]:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from bottomline.ingest.actions import feed_named, open_feed_file, prefetched
    from bottomline.ingest.catalogue import period_end
    from bottomline.ingest.validate import check_chunk, map_headers

    def call() -> dict[str, Any]:
        spec, latest = feed_named(FEED), period_end(period)
        source = open_feed_file(path, feed=FEED)
        mapping, _ignored = map_headers(source, spec)
        rows = rejected = matched = unmatched = 0
        stage = {"wait_for_parse": 0.0, "validate": 0.0, "match": 0.0}
        chunks = prefetched(source.chunks())
        while True:
            t0 = time.perf_counter()
            chunk = next(chunks, None)
            t1 = time.perf_counter()
            stage["wait_for_parse"] += t1 - t0
            if chunk is None:
                break
            rows += chunk.rows
            checked = check_chunk(chunk.table, spec, mapping, latest=latest)
            valid = ~checked.rejected
            rejected += len(chunk.malformed) + int(checked.rejected.sum())
            ids = checked.values["id_number"]
            if not valid.all():
                ids = pc.filter(ids, pa.array(valid))
            t2 = time.perf_counter()
            found = index.match(ids).found
            t3 = time.perf_counter()
            stage["validate"] += t2 - t1
            stage["match"] += t3 - t2
            matched += int(np.count_nonzero(found))
            unmatched += len(found) - int(np.count_nonzero(found))
        return {
            "rows_in": rows,
            "rejected": rejected,
            "matched": matched,
            "unmatched": unmatched,
            "stage_seconds": {k: round(v, 3) for k, v in stage.items()},
        }

    return call


def _import_call(path: Path, index: Any, work: Path) -> Callable[[], dict[str, Any]]:
    from bottomline import sources
    from bottomline.db import make_engine, upgrade
    from bottomline.ingest import actions
    from bottomline.users.actor import SYSTEM

    engine = make_engine(f"sqlite:///{(work / 'store.db').resolve()}")
    upgrade(engine)
    steps: dict[str, float] = {}

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        """``fn`` timed, with the peak RSS during it (and of what ran since the last step)."""

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            before = f"before_{name}"
            _STEP_PEAKS[before] = max(_STEP_PEAKS.get(before, 0), harness.status_kb("VmHWM") * 1024)
            harness.reset_peak()
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                steps[name] = steps.get(name, 0.0) + time.perf_counter() - t0
                peak = harness.status_kb("VmHWM") * 1024
                _STEP_PEAKS[name] = max(_STEP_PEAKS.get(name, 0), peak)
                harness.reset_peak()

        return wrapper

    # Instrumentation only: the same functions, timed where import_feed calls them.
    sources._hash_file = timed("sha256", sources._hash_file)  # type: ignore[attr-defined]
    actions._drop_duplicates = timed("duplicates", actions._drop_duplicates)  # type: ignore[attr-defined]
    actions._secondary_match = timed("secondary_match", actions._secondary_match)  # type: ignore[attr-defined]
    actions._unmatched_report = timed("unmatched_report", actions._unmatched_report)  # type: ignore[attr-defined]
    actions._commit = timed("commit", actions._commit)  # type: ignore[attr-defined]
    actions._publish = timed("publish", actions._publish)  # type: ignore[attr-defined]

    def call() -> dict[str, Any]:
        source = actions.open_feed_file(path, feed=FEED)
        report = actions.import_feed(
            source,
            engine=engine,
            actor=SYSTEM,
            feed=FEED,
            period=PERIOD,
            members=index,
            feeds_dir=work / "feeds",
            reports_dir=work / "reports",
        )
        streamed = report.seconds - sum(
            steps.get(k, 0.0) for k in ("duplicates", "secondary_match", "unmatched_report")
        )
        rejects = report.rejects.stat().st_size if report.rejects else 0
        return {
            "rows_in": report.rows_in,
            "accepted": report.accepted,
            "rejected": report.rejected,
            "unmatched": report.unmatched,
            "needs_confirmation": report.needs_confirmation,
            "reasons": {f"{r.code}:{r.column}": r.rows for r in report.reasons},
            "balanced": report.balanced,
            "rejects_report_bytes": rejects,
            "step_seconds": {
                "stream_validate_match_write": round(streamed, 3),
                **{k: round(v, 3) for k, v in steps.items()},
            },
            # peak RSS in GB: during each step; "before_duplicates" covers the streaming
            "step_peak_rss_gb": {k: round(v / 1e9, 3) for k, v in _STEP_PEAKS.items()},
        }

    return call


def _pandas_call(path: Path, keys: Any, work: Path, period: str) -> Callable[[], dict[str, Any]]:
    from baselines.pandas_ingest import import_pandas

    encoding = "gb18030" if path.stem.endswith("gb18030") else "utf-8"

    def call() -> dict[str, Any]:
        r = import_pandas(
            path, keys, feed=FEED, period=period, out=work / "accepted.parquet", encoding=encoding
        )
        return {
            "rows_in": r.rows_in,
            "accepted": r.accepted,
            "rejected": r.rejected,
            "unmatched": r.unmatched,
            "invalid": r.invalid,
            "duplicates": r.duplicates,
            "matched_before_dedupe": r.matched_before_dedupe,
            "unmatched_before_dedupe": r.unmatched_before_dedupe,
            "problems": r.problems,
            "step_seconds": {k: round(v, 3) for k, v in r.seconds.items()},
        }

    return call


# --- the parent: subprocesses, summaries, comparisons ------------------------------------------


def _measure(impl: str, data: Path, path: Path, run_dir: Path, timeout: float) -> dict[str, Any]:
    with harness.scratch_dir(run_dir):  # the imported files: up to GBs each
        out = run_dir / "result.json"
        args = ["_run", impl, "--data", str(data), "--file", str(path), "--work", str(run_dir)]
        args += ["--out", str(out)]
        log = harness.run_log(run_dir)
        return {"impl": impl} | harness.measure(SCRIPT, args, out, log, timeout)


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in runs if "failed" not in r]
    if not ok:
        return harness.failure(runs)
    first = ok[0]
    median = statistics.median(r["seconds"] for r in ok)
    counts = [
        *("rows_in", "accepted", "rejected", "unmatched", "needs_confirmation", "matched"),
        *("invalid", "duplicates", "matched_before_dedupe", "unmatched_before_dedupe"),
        *("malformed", "chunks", "balanced", "rejects_report_bytes"),
    ]
    peaks = ("process_peak_rss_bytes", "setup_peak_rss_bytes", "call_peak_rss_bytes")
    out: dict[str, Any] = {
        **harness.seconds_figures(ok),
        "rows_per_second": round(first["rows_in"] / median),
        **harness.process_figures(ok, peak_of=peaks, call_peak=True),
        "setup_seconds_median": harness.medians(ok, "setup_seconds"),
        "bottomline_imported_from": sorted({r.get("bottomline", "?") for r in ok}),
        **{k: first[k] for k in counts if k in first},
    }
    if "step_peak_rss_gb" in first:
        out["step_peak_rss_gb_max"] = {
            k: max(r["step_peak_rss_gb"].get(k, 0.0) for r in ok) for k in first["step_peak_rss_gb"]
        }
    for key in ("step_seconds", "stage_seconds"):
        if key in first:
            out[f"{key}_median"] = harness.medians(ok, key)
    for key in ("reasons", "problems"):
        if key in first:
            out[key] = first[key]
    out["counts_stable"] = all(
        all(r.get(k) == first.get(k) for k in counts if k in first) for r in ok
    )
    return out


def _agreement(s: dict[str, Any]) -> dict[str, Any]:
    """Whether pandas counts the same rows as the import (and as parse + validate + match)."""
    imp, pvm, pds = s.get("import", {}), s.get("pvm", {}), s.get("pandas", {})
    out: dict[str, Any] = {}
    if "accepted" in imp and "accepted" in pds:
        keys = ("rows_in", "accepted", "rejected", "unmatched")
        out["import_vs_pandas"] = {k: [imp[k], pds[k]] for k in keys}
        out["import_equals_pandas"] = all(imp[k] == pds[k] for k in keys)
    if "matched" in pvm and "invalid" in pds:
        pairs = {
            "rows_in": [pvm["rows_in"], pds["rows_in"]],
            "rejected": [pvm["rejected"], pds["invalid"]],
            "matched": [pvm["matched"], pds["matched_before_dedupe"]],
            "unmatched": [pvm["unmatched"], pds["unmatched_before_dedupe"]],
        }
        out["pvm_vs_pandas_before_duplicates"] = pairs
        out["pvm_equals_pandas"] = all(a == b for a, b in pairs.values())
    return out


def _ratios(s: dict[str, Any]) -> dict[str, float | None]:
    imp, pvm, pds = (harness.median_seconds(s, impl) for impl in ("import", "pvm", "pandas"))
    steps = s.get("pandas", {}).get("step_seconds_median", {})
    read_validate_merge = sum(steps.get(k, 0.0) for k in ("read", "validate", "merge")) or None
    return {
        "pandas_over_import": round(pds / imp, 2) if pds and imp else None,
        "pandas_read_validate_merge_over_pvm": (
            round(read_validate_merge / pvm, 2) if read_validate_merge and pvm else None
        ),
    }


def benchmark(size: Size, args: argparse.Namespace) -> dict[str, Any]:
    data, meta = data_for(size, args)
    harness.say(
        f"{size.name}: {meta['households']:,} households, {meta['members']:,} members, "
        f"{meta['medical_rows']:,} medical rows ({meta['medical_bytes'] / 1e6:,.0f} MB)"
    )
    variants = [v for v in args.variants if size.name in VARIANT_SIZES[v] or args.all_variants]
    files = {v: variant_file(data, v, args) for v in variants}
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {
        v: {i: [] for i in args.impls} for v in variants
    }
    for round_no in range(args.repeat):
        for variant in variants:
            for impl in args.impls:
                done = runs[variant][impl]
                if not harness.again(done, args.repeat_under):
                    continue
                path = files[variant][0]
                run_dir = data / "runs" / f"{variant}-{impl}-{round_no}"
                result = _measure(impl, data, path, run_dir, args.timeout)
                done.append(result)
                shown = result.get("failed") or (
                    f"{result['seconds']:.2f} s, {result['rows_in'] / result['seconds']:,.0f} "
                    f"rows/s, peak {result['process_peak_rss_bytes'] / 1e9:.2f} GB"
                )
                harness.say(f"{size.name} {variant}: {impl} run {round_no + 1}: {shown}")
    out: dict[str, Any] = {}
    for variant in variants:
        summary = {impl: _summary(r) for impl, r in runs[variant].items()}
        path, made = files[variant]
        out[variant] = {
            "file": path.name,
            "file_bytes": path.stat().st_size,
            "made": made,
            "implementations": summary,
            "ratios": _ratios(summary),
            "agreement": _agreement(summary),
        }
    return {
        "size": size.name,
        "scope": size.scope,
        "households": meta["households"],
        "members": meta["members"],
        "medical_rows": meta["medical_rows"],
        "data": meta,
        "variants": out,
        "machine": harness.machine(PACKAGES),
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


# --- the targets and the report ---------------------------------------------------------------


def targets(results: dict[str, Any]) -> dict[str, Any]:
    """The issue's targets, judged on the largest size run (UTF-8 file)."""
    order = list(SIZES)
    sizes = sorted(
        (s for s in results if "utf8" in results[s]["variants"]), key=lambda s: order.index(s)
    )
    if not sizes:
        return {}
    largest = sizes[-1]
    impls = results[largest]["variants"]["utf8"]["implementations"]
    pvm, imp = impls.get("pvm", {}), impls.get("import", {})

    def check(value: float | None, limit: float, at_most: bool) -> dict[str, Any]:
        met = None if value is None else (value <= limit if at_most else value >= limit)
        return {"value": value, "limit": limit, "met": met}

    growth = None
    if largest != sizes[0] and "working_memory_gb" in imp:
        small = results[sizes[0]]["variants"]["utf8"]["implementations"].get("import", {})
        if small.get("working_memory_gb"):
            growth = round(imp["working_memory_gb"] / small["working_memory_gb"], 2)
    return {
        "size": largest,
        "rows": results[largest]["medical_rows"],
        "pvm_rows_per_second": check(
            pvm.get("rows_per_second"), TARGETS["pvm_rows_per_second_min"], False
        ),
        "import_seconds": check(imp.get("median_seconds"), TARGETS["import_seconds_max"], True),
        "working_memory_growth": {
            **check(growth, TARGETS["working_memory_growth_max"], True),
            "from": sizes[0],
        },
    }


def _cell(impl: dict[str, Any], key: str, spec: str = ".2f") -> str:
    if not impl:
        return "–"
    if "failed" in impl:
        return "failed"
    return harness.fmt(impl.get(key), spec)


def write_markdown(results: dict[str, Any]) -> Path:
    order = list(SIZES)
    sizes = sorted(results, key=lambda s: order.index(s) if s in order else 99)
    lines = [
        "# Department-feed import benchmark",
        "",
        "Written by `bench/ingest.py` (what and how: its docstring). One month of the medical",
        "feed (医保结算), imported by bottomline and by plain pandas, each run in a fresh",
        "subprocess; figures are medians of the runs (every run, CPU seconds and load averages in",
        "`bench/results/ingest.json`). **parse**: the CSV reader alone; **pvm**: parse + validate",
        "+ match, nothing written; **import**: the whole `import_feed`; **pandas**: `read_csv` of",
        "the whole file, the same rules vectorised, merge, duplicates, Parquet. rows/s = data rows",
        "of the file / median seconds. Peak GB: the subprocess's maximum RSS, building the members",
        "index included; working GB: the peak during the timed call minus the RSS when it began.",
        "Reading and indexing the members is not timed (figures under 'before the timer').",
        "",
        "| size | file | rows | MB | parse s | pvm s | pvm rows/s | import s | import rows/s "
        "| pandas s | pandas rows/s | pandas / import | pandas r+v+m / pvm | import peak GB "
        "| import working GB | pandas peak GB | pandas working GB | same counts |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for size in sizes:
        d = results[size]
        for variant, v in d["variants"].items():
            impl = v["implementations"]
            parse, pvm, imp, pds = (impl.get(k, {}) for k in IMPLS)
            rows = imp.get("rows_in") or pvm.get("rows_in") or d["medical_rows"]
            agree = v["agreement"]
            same = "–"
            if "import_equals_pandas" in agree:
                same = "yes" if agree["import_equals_pandas"] else "**no**"
                if "pvm_equals_pandas" in agree and not agree["pvm_equals_pandas"]:
                    same += " (pvm: **no**)"
            lines.append(
                f"| {size} | {variant} | {rows:,} | {v['file_bytes'] / 1e6:,.0f} "
                f"| {_cell(parse, 'median_seconds')} | {_cell(pvm, 'median_seconds')} "
                f"| {_cell(pvm, 'rows_per_second', ',.0f')} | {_cell(imp, 'median_seconds')} "
                f"| {_cell(imp, 'rows_per_second', ',.0f')} | {_cell(pds, 'median_seconds')} "
                f"| {_cell(pds, 'rows_per_second', ',.0f')} "
                f"| {harness.fmt(v['ratios']['pandas_over_import'], '.2f', '×')} "
                f"| {harness.fmt(v['ratios']['pandas_read_validate_merge_over_pvm'], '.2f', '×')} "
                f"| {_cell(imp, 'process_peak_rss_gb')} | {_cell(imp, 'working_memory_gb')} "
                f"| {_cell(pds, 'process_peak_rss_gb')} | {_cell(pds, 'working_memory_gb')} "
                f"| {same} |"
            )
    lines += ["", "Counts (import; pandas agrees where the table says so):", ""]
    for size in sizes:
        for variant, v in results[size]["variants"].items():
            imp = v["implementations"].get("import", {})
            if "accepted" in imp:
                lines.append(
                    f"- {size} {variant}: {imp['rows_in']:,} rows in = {imp['accepted']:,} "
                    f"accepted + {imp['rejected']:,} rejected + {imp['unmatched']:,} unmatched "
                    f"({imp.get('needs_confirmation', 0):,} of them flagged by name and birth date)"
                )
    lines += ["", "Where the time goes (medians, seconds):", ""]
    for size in sizes:
        for variant, v in results[size]["variants"].items():
            impl = v["implementations"]
            parts = []
            for key in ("pvm", "import", "pandas"):
                steps = impl.get(key, {}).get(
                    "stage_seconds_median" if key == "pvm" else "step_seconds_median"
                )
                if steps:
                    parts.append(
                        f"{key}: " + ", ".join(f"{k} {harness.fmt(s)}" for k, s in steps.items())
                    )
            peaks = impl.get("import", {}).get("step_peak_rss_gb_max", {})
            if peaks:
                during = {
                    "streaming": peaks.get("before_duplicates"),
                    "duplicates": peaks.get("duplicates"),
                    "secondary_match": peaks.get("secondary_match"),
                }
                parts.append(
                    "import peak GB during: "
                    + ", ".join(f"{k} {harness.fmt(p)}" for k, p in during.items() if p is not None)
                )
            setup = impl.get("import", {}).get("setup_seconds_median", {})
            if setup:
                parts.append(
                    "before the timer: "
                    + ", ".join(f"{k} {harness.fmt(s)}" for k, s in setup.items())
                )
            if parts:
                lines.append(f"- {size} {variant} — " + "; ".join(parts))
    lines += ["", "Runs (seconds):", ""]
    for size in sizes:
        for variant, v in results[size]["variants"].items():
            shown = []
            for key in IMPLS:
                impl = v["implementations"].get(key, {})
                shown.append(f"{key} {impl.get('seconds') or impl.get('failed') or '–'}")
            lines.append(f"- {size} {variant}: " + "; ".join(shown))
    lines += _targets_markdown(results)
    if sizes:
        m = results[sizes[-1]]["machine"]
        lines += [
            "",
            "## Machine and data",
            "",
            f"{m['cpu']}, {m['nproc']} CPUs ({m['cpus_usable']} usable), {m['memory_gb']} GB, "
            f"Linux {m['kernel']}, Python {m['python']}; "
            + ", ".join(f"{k} {v}" for k, v in m["versions"].items())
            + f"; commit {m['commit']}; "
            + "; ".join(
                f"{s}: src/bottomline {results[s].get('code', {}).get('fingerprint', '?')}"
                for s in sizes
            )
            + " (SHA-256 of its files; every run of a size imports one frozen copy).",
            "",
            "Data: " + results[sizes[-1]]["data"]["source"] + f"; period {PERIOD}, seed "
            f"{results[sizes[-1]]['data']['seed']}.",
        ]
    out = RESULTS / "ingest.md"
    harness.write_keeping_notes(out, [*lines, ""])
    return out


def _targets_markdown(results: dict[str, Any]) -> list[str]:
    t = targets(results)
    if not t:
        return []
    names = {
        "pvm_rows_per_second": "parse + validate + match, rows/s ≥",
        "import_seconds": "whole import of the medical batch, s ≤",
        "working_memory_growth": "import working memory, largest size / "
        f"{t['working_memory_growth']['from']} ≤",
    }
    lines = [
        "",
        f"## Targets (issue 3 §7; judged on the largest size run: {t['size']}, "
        f"{t['rows']:,} rows, UTF-8)",
        "",
        "| target | limit | measured | met |",
        "|---|---:|---:|---|",
    ]
    for key, name in names.items():
        v = t[key]
        met = "–" if v["met"] is None else ("yes" if v["met"] else "**no**")
        value = harness.fmt(v["value"], ",.0f" if key == "pvm_rows_per_second" else ".2f")
        lines.append(f"| {name} | {v['limit']:,} | {value} | {met} |")
    return lines


# --- command line -----------------------------------------------------------------------------


def _load_results() -> dict[str, Any]:
    path = RESULTS / "ingest.json"
    return json.loads(path.read_text()) if path.exists() else {}


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("_prepare", "_run"):
        _internal(argv)
        return
    parser = harness.size_parser(__doc__, SIZES)
    parser.add_argument("--impls", nargs="+", choices=IMPLS, default=list(IMPLS))
    parser.add_argument(
        "--variants",
        nargs="+",
        choices=VARIANTS,
        default=list(VARIANTS),
        help="files to import (each at the sizes of VARIANT_SIZES unless --all-variants)",
    )
    parser.add_argument("--all-variants", action="store_true", help="every variant at every size")
    parser.add_argument("--repeat", type=int, default=3, help="runs per implementation")
    parser.add_argument(
        "--repeat-under",
        type=float,
        default=90.0,
        help="repeat an implementation only while its last run took less than this (s)",
    )
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--data", type=Path, default=DATA, help="where generated data is kept")
    parser.add_argument("--regenerate", action="store_true", help="generate the data again")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per subprocess")
    parser.add_argument(
        "--src-copy",
        metavar="FINGERPRINT",
        help="measure a copy of src/ taken by an earlier run (<data>/_src/FINGERPRINT)",
    )
    harness.add_no_freeze(parser)
    args = parser.parse_args(argv)
    overrides = harness.household_overrides(args.households, SIZES)
    RESULTS.mkdir(parents=True, exist_ok=True)
    results = _load_results()
    args.data.mkdir(parents=True, exist_ok=True)
    code = harness.code_under_test(args.data, live=args.no_freeze, fingerprint=args.src_copy)
    for name in args.sizes:
        base = SIZES[name]
        size = Size(name, base.scope, overrides.get(name, base.households))
        results[name] = benchmark(size, args) | {"code": code}
        harness.write_json(RESULTS / "ingest.json", results)
        write_markdown(results)
        harness.say(f"{name}: wrote bench/results/ingest.json and ingest.md")
    t = targets(results)
    if t:
        harness.say(
            "targets: "
            + ", ".join(
                f"{k} {v['value']} (met: {v['met']})" for k, v in t.items() if isinstance(v, dict)
            )
        )


def _internal(argv: list[str]) -> None:
    parser = harness.child_parser(SEED)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--file", type=Path)
    parser.add_argument("--work", type=Path)
    args = parser.parse_args(argv)
    if args.command == "_prepare":
        size = Size(args.what, SIZES[args.what].scope, args.households)
        meta = prepare(size, args.data, args.seed, PERIOD)
        (args.data / "prepare.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False))
    else:
        result = run_one(args.what, args.data, args.file, args.work, PERIOD)
        args.out.write_text(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
