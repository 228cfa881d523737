"""Reading a county's registry export (XLSX): fastexcel (calamine) against openpyxl.

``uv run python bench/xlsx.py --households 100000`` (default 20,000 households, 3 runs each).

The workbook is ``synth.registry_export.write_registry_export`` of
``synth.population_for(scope=COUNTY, households=N, seed=1, year=2025)``: one sheet, a title row,
the header, one row per member, strings written inline (xlsxwriter's constant-memory mode, as
large exports are). It is cached in ``bench/data/xlsx/`` (git-ignored).

Each run is a fresh subprocess of this script that opens the file with ``sources.open_source``
(the registry import's known headers) and reads every chunk, by ``Source.chunks`` (fastexcel,
what the imports use) or by ``sources.read_xlsx_with_openpyxl`` (the reader before it, the
same-run baseline). Both must give the same rows: row count and a SHA-256 over every row's
number and cells are compared. Medians of the runs go to ``bench/results/xlsx.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data" / "xlsx"
RESULTS = ROOT / "bench" / "results" / "xlsx.md"
COUNTY = "532328000000"
IMPLS = ("fastexcel", "openpyxl")


def export_path(households: int) -> Path:
    path = DATA / f"registry-{households}.xlsx"
    if not path.exists():
        from bottomline.synth import population_for
        from bottomline.synth.registry_export import write_registry_export

        DATA.mkdir(parents=True, exist_ok=True)
        pop = population_for(scope=COUNTY, households=households, seed=1, year=2025)
        write_registry_export(pop, path.with_suffix(".tmp.xlsx"))
        path.with_suffix(".tmp.xlsx").rename(path)
    return path


def child(impl: str, path: Path) -> dict[str, object]:
    """One measured read: seconds, rows and a digest of what was read."""
    from bottomline import sources
    from bottomline.registry.national_export import header_index

    start = time.perf_counter()
    source = sources.open_source(path, known_headers=list(header_index()), min_known=3)
    reader = source.chunks() if impl == "fastexcel" else sources.read_xlsx_with_openpyxl(source)
    chunks = list(reader)
    seconds = time.perf_counter() - start  # the digest below is not timed
    digest, rows = hashlib.sha256(), 0
    for chunk in chunks:
        rows += chunk.table.num_rows
        for number, row in zip(chunk.row_numbers.tolist(), chunk.table.to_pylist(), strict=True):
            digest.update(json.dumps([number, *row.values()], ensure_ascii=False).encode())
    return {"impl": impl, "seconds": seconds, "rows": rows, "sha256": digest.hexdigest()}


def measure(impl: str, path: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", impl, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def report(households: int, path: Path, runs: dict[str, list[dict[str, object]]]) -> str:
    medians = {
        impl: statistics.median(float(r["seconds"]) for r in rs) for impl, rs in runs.items()
    }  # type: ignore[arg-type]
    rows = runs["fastexcel"][0]["rows"]
    lines = [
        "# Reading the registry export (XLSX): fastexcel against openpyxl",
        "",
        f"Written by `bench/xlsx.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
        f"{households:,} households, {rows:,} member rows, {path.stat().st_size / 1e6:.1f} MB; "
        f"{len(runs['fastexcel'])} runs each, each a fresh process; medians. Both readers gave "
        "the same rows (count and SHA-256 of every row number and cell).",
        "",
        "| reader | median s | rows/s | runs (s) |",
        "|---|---:|---:|---|",
    ]
    for impl in IMPLS:
        times = ", ".join(f"{float(r['seconds']):.2f}" for r in runs[impl])  # type: ignore[arg-type]
        lines.append(
            f"| {impl} | {medians[impl]:.2f} | {int(rows) / medians[impl]:,.0f} | {times} |"  # type: ignore[call-overload]
        )
    speedup = medians["openpyxl"] / medians["fastexcel"]
    lines += ["", f"fastexcel is {speedup:.1f}× faster than openpyxl here.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("IMPL", "PATH"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]))))
        return
    path = export_path(args.households)
    runs: dict[str, list[dict[str, object]]] = {impl: [] for impl in IMPLS}
    for _ in range(args.repeat):
        for impl in IMPLS:
            runs[impl].append(measure(impl, path))
            print(impl, runs[impl][-1]["seconds"], flush=True)
    digests = {str(r["sha256"]) for rs in runs.values() for r in rs}
    if len(digests) != 1:
        raise SystemExit("the readers disagree: " + ", ".join(sorted(digests)))
    RESULTS.write_text(report(args.households, path, runs))
    print(RESULTS.read_text())


if __name__ == "__main__":
    main()
