"""What the benchmark scripts share: measured subprocesses, a frozen src/, summaries, reports.

Each script (``screening.py``, ``ingest.py``, ``cases.py``) runs itself in a fresh subprocess
for every measured run (``run_child``, ``measure``), so that the time and peak memory of one
run never touch another. The child times its one call (``timed``) and writes its figures as
JSON; the parent summarises the runs (``seconds_figures``, ``process_figures``, ``medians``)
and writes ``bench/results/`` (``write_json``, ``write_keeping_notes``) with a note of the
machine (``machine``).

Only the standard library is imported here: children import this module before their timer.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import hashlib
import importlib.metadata
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "bottomline"
NOTES_MARK = "<!-- notes: hand-written below this line; kept when the tables are rewritten -->"

Json = dict[str, Any]  # a JSON object: one run's figures, a summary, a prepare.json

_CHILD_ENV: dict[str, str] = {}  # PYTHONPATH of the frozen copy of src/ (see freeze_src)


def say(message: str) -> None:
    """Print a progress line with the time of day."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- in the child: timing one call ---------------------------------------------------------------


def status_kb(field: str) -> int:
    """A field of /proc/self/status in kB (``VmRSS``, ``VmHWM``); 0 if absent."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def reset_peak() -> None:
    """Start a new high-water mark of the resident set (Linux ≥ 4.0); best effort."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def timed(call: Callable[[], Any]) -> tuple[Any, Json]:
    """Json ``call`` once: its result, wall and CPU seconds, memory before and during.

    CPU seconds count every thread of the process: less sensitive to a busy machine.
    """
    load = os.getloadavg()[0]
    rss_start = status_kb("VmRSS") * 1024
    setup_peak = status_kb("VmHWM") * 1024
    reset_peak()
    cpu0, t0 = time.process_time(), time.perf_counter()
    result = call()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    return result, {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "rss_at_start_bytes": rss_start,
        "setup_peak_rss_bytes": setup_peak,
        "call_peak_rss_bytes": status_kb("VmHWM") * 1024,
        "load_average_before": round(load, 2),
    }


# --- in the parent: subprocesses -----------------------------------------------------------------


class Child(NamedTuple):
    code: int  # exit code; negative: killed by that signal
    peak_rss_bytes: int  # the child's maximum resident set, as os.wait4 reports it
    seconds: float  # wall time, start to exit


def run_child(script: Path, args: Sequence[str], log: Path, timeout: float) -> Child:
    """Json ``python <script> <args>`` from the repository root, output to ``log``.

    The child is killed after ``timeout`` seconds; it imports the frozen src/ if there is one.
    """
    t0 = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, str(script), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env={**os.environ, **_CHILD_ENV},
        )
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
    return Child(proc.returncode, usage.ru_maxrss * 1024, time.perf_counter() - t0)


def measure(script: Path, args: Sequence[str], out: Path, log: Path, timeout: float) -> Json:
    """One measured run: the JSON the child wrote to ``out`` plus its ``process_peak_rss_bytes``.

    A failed run is ``{"failed": "exit N", "log_tail": ...}``.
    """
    code, peak, _ = run_child(script, args, log, timeout)
    if code != 0:
        return {"failed": f"exit {code}", "log_tail": log.read_text()[-2000:]}
    result: Json = json.loads(out.read_text())
    result["process_peak_rss_bytes"] = peak
    return result


def cli_step(
    args: Sequence[str],
    data_dir: Path,
    log: Path,
    timeout: float,
    env: Mapping[str, str] | None = None,
) -> Json:
    """``python -m bottomline.cli ARGS`` with its own data dir, output to ``log``: wall and CPU
    seconds, peak memory (``os.wait4``), the load average before; ``failed`` and the log's tail
    when it exits non-zero or is killed at ``timeout``. ``env``: the code under test's
    variables (default: the frozen copy of src/)."""
    child_env = {**os.environ, **(_CHILD_ENV if env is None else env)}
    child_env |= {"BOTTOMLINE_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bottomline.cli", *args],
            stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=child_env,
        )  # fmt: skip
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            proc.kill()
            raise
        finally:
            timer.cancel()
    seconds = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    result: Json = {
        "seconds": round(seconds, 3),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_gb": round(usage.ru_maxrss * 1024 / 1e9, 3),
        "load_average_before": round(load, 2),
    }
    if code != 0:
        result |= {"failed": f"exit {code}", "log_tail": log.read_text()[-2000:]}
    return result


@contextlib.contextmanager
def scratch_dir(path: Path) -> Iterator[Path]:
    """An empty directory for one run, removed afterwards (what a run writes can be GBs)."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def run_log(run_dir: Path) -> Path:
    """Where a run's output goes: next to its directory, so it outlives it."""
    return run_dir.parent / f"{run_dir.name}.log"


def kept_data(out: Path, made_with: Mapping[str, Any], files: Iterable[str]) -> Json | None:
    """``out/prepare.json`` if it records ``made_with`` and ``files`` are in ``out``, else None."""
    meta_path = out / "prepare.json"
    if not meta_path.exists():
        return None
    meta: Json = json.loads(meta_path.read_text())
    same = all(meta.get(k) == v for k, v in made_with.items())
    return meta if same and all((out / f).exists() for f in files) else None


def build_data(script: Path, args: Sequence[str], out: Path, timeout: float, what: str) -> Json:
    """Empty ``out`` and run ``script args`` to fill it; the ``prepare.json`` the child wrote.

    The child's peak memory and wall time are added to ``prepare.json``; a failure ends the
    benchmark with the end of ``out/prepare.log`` (``what`` names the step in the message).
    """
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    code, peak, seconds = run_child(script, args, out / "prepare.log", timeout)
    if code != 0:
        raise SystemExit(
            f"{what} failed (exit {code}):\n" + (out / "prepare.log").read_text()[-3000:]
        )
    meta_path = out / "prepare.json"
    meta: Json = json.loads(meta_path.read_text())
    meta |= {"peak_rss_gb": round(peak / 1e9, 2), "wall_seconds": round(seconds, 1)}
    meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False))
    return meta


# --- the code measured: a frozen copy of src/bottomline ------------------------------------------


def source_fingerprint(pattern: str = "*.py") -> str:
    """SHA-256 (12 hex digits) of the files of src/bottomline matching ``pattern``.

    ingest.py hashes the Python files, cases.py every file (its notices use templates); each
    keeps its own so that the fingerprints in its results stay comparable.
    """
    digest = hashlib.sha256()
    for path in sorted(SRC.rglob(pattern)):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def freeze_src(data: Path, fingerprint: str | None = None, pattern: str = "*.py") -> Json:
    """Copy src/bottomline once (to ``data/_src/<fingerprint>``); every child imports the copy.

    Others may edit src/ while a long benchmark runs; without a frozen copy, runs of one
    table could measure different code. ``fingerprint`` reuses a copy taken earlier. The copy
    is compiled to bytecode once (the installed packages are, by ``make setup``).
    """
    current = source_fingerprint(pattern)
    fingerprint = fingerprint or current
    frozen = data / "_src" / fingerprint
    if not (frozen / "bottomline").is_dir():
        if fingerprint != current:
            raise SystemExit(f"no frozen copy {frozen}; run without --src-copy to take one")
        shutil.rmtree(frozen, ignore_errors=True)
        shutil.copytree(SRC, frozen / "bottomline", ignore=shutil.ignore_patterns("__pycache__"))
        # Bytecode as an installed package has it: a child never compiles the sources it
        # imports (it would, every process, where PYTHONDONTWRITEBYTECODE is set).
        compileall.compile_dir(frozen / "bottomline", quiet=1)
    _CHILD_ENV["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(frozen), os.environ.get("PYTHONPATH", "")) if p
    )
    return {"fingerprint": fingerprint, "frozen_copy": str(frozen)}


def code_under_test(
    data: Path, *, live: bool, fingerprint: str | None = None, pattern: str = "*.py"
) -> Json:
    """Freeze src/ (or, with ``live``, only fingerprint the live tree) and say which it is."""
    code = (
        {"fingerprint": source_fingerprint(pattern), "frozen_copy": None}
        if live
        else freeze_src(data, fingerprint, pattern)
    )
    say(f"measuring src/bottomline {code['fingerprint']} ({code['frozen_copy'] or 'live tree'})")
    return code


# --- summaries of runs ---------------------------------------------------------------------------


def again(done: Sequence[Json], under_seconds: float) -> bool:
    """Whether to run once more: not after a failure, nor after a run this long or longer."""
    return not done or ("failed" not in done[-1] and done[-1]["seconds"] < under_seconds)


def median_seconds(summary: Mapping[str, Any], impl: str) -> float | None:
    """The median seconds of ``impl`` in a summary of implementations, if it ran."""
    value = summary.get(impl, {}).get("median_seconds")
    return None if value is None else float(value)


def failure(runs: Sequence[Json]) -> Json:
    """The summary of runs that all failed: the last one's reason and log tail."""
    return {"failed": runs[-1].get("failed"), "log_tail": runs[-1].get("log_tail")}


def spread(values: Sequence[float], unit: str, digits: int) -> dict[str, float]:
    """``median_<unit>``, ``min_<unit>`` and ``max_<unit>`` of ``values``, rounded."""
    return {
        f"median_{unit}": round(statistics.median(values), digits),
        f"min_{unit}": round(min(values), digits),
        f"max_{unit}": round(max(values), digits),
    }


def seconds_figures(ok: Sequence[Json], *, min_max: bool = False) -> Json:
    """How many runs, each one's seconds and their median (and, with ``min_max``, the range)."""
    seconds = [r["seconds"] for r in ok]
    out: Json = {"runs": len(ok), "seconds": [round(s, 3) for s in seconds]}
    if min_max:
        return out | spread(seconds, "seconds", 3)
    return out | {"median_seconds": round(statistics.median(seconds), 3)}


def process_figures(
    ok: Sequence[Json],
    peak_of: Sequence[str] = ("process_peak_rss_bytes",),
    call_peak: bool = False,
) -> Json:
    """CPU seconds, load and memory of runs timed by ``timed``, in GB.

    The process peak is the largest of the ``peak_of`` figures of any run (the peak is reset
    before the timed call, so the kernel's figure alone can miss the setup); working memory
    is the peak during the call less the RSS when it began.
    """
    out: Json = {
        "median_cpu_seconds": round(statistics.median(r["cpu_seconds"] for r in ok), 3),
        "load_average_before": [r["load_average_before"] for r in ok],
        "process_peak_rss_gb": round(max(max(r[k] for k in peak_of) for r in ok) / 1e9, 3),
    }
    if call_peak:
        out["call_peak_rss_gb"] = round(max(r["call_peak_rss_bytes"] for r in ok) / 1e9, 3)
    return out | {
        "rss_at_start_gb": round(min(r["rss_at_start_bytes"] for r in ok) / 1e9, 3),
        "working_memory_gb": round(
            max(r["call_peak_rss_bytes"] - r["rss_at_start_bytes"] for r in ok) / 1e9, 3
        ),
    }


def medians(runs: Sequence[Json], key: str) -> dict[str, float]:
    """The median of each entry of the ``key`` dict of the runs ({} if the runs have none)."""
    if key not in runs[0]:
        return {}
    return {k: round(statistics.median(r[key][k] for r in runs), 3) for k in runs[0][key]}


# --- the machine ---------------------------------------------------------------------------------


def meminfo_bytes(field: str) -> int:
    """A field of /proc/meminfo (``MemTotal``, ``MemAvailable``) in bytes; 0 if absent."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def package_version(pkg: str) -> str | None:
    """The installed version of ``pkg``, or None."""
    try:
        return importlib.metadata.version(pkg)
    except importlib.metadata.PackageNotFoundError:
        return None


def commit() -> str:
    """The short commit hash, marked when src/ has uncommitted changes."""

    def git(*cmd: str) -> str:
        done = subprocess.run(["git", *cmd], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    dirty = git("status", "--porcelain", "--", "src")
    return git("rev-parse", "--short", "HEAD") + ("+uncommitted src/ changes" if dirty else "")


def machine(packages: Iterable[str], extra: Mapping[str, Any] | None = None) -> Json:
    """CPUs, memory, kernel, Python, ``extra`` facts, versions of ``packages`` and the commit."""
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return {
        "nproc": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "memory_gb": round(meminfo_bytes("MemTotal") / 1e9, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        **(extra or {}),
        "versions": {pkg: package_version(pkg) for pkg in packages},
        "commit": commit(),
    }


# --- command line and results files --------------------------------------------------------------


def size_parser(
    description: str | None, sizes: Iterable[str], households_help: str = "e.g. county=20000"
) -> argparse.ArgumentParser:
    """A benchmark's command line, starting with ``--sizes`` and ``--households SIZE=N``."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", nargs="+", choices=list(sizes), default=["county"])
    parser.add_argument(
        "--households", nargs="*", default=[], metavar="SIZE=N", help=households_help
    )
    return parser


def child_parser(seed: int) -> argparse.ArgumentParser:
    """The command line of a script's own subprocesses: ``_<command> <what> --out FILE``.

    Also ``--households`` and ``--seed`` (default ``seed``); each script adds its own options.
    """
    parser = argparse.ArgumentParser()
    parser.add_argument("command")
    parser.add_argument("what")
    parser.add_argument("--households", type=int)
    parser.add_argument("--seed", type=int, default=seed)
    parser.add_argument("--out", type=Path)
    return parser


def add_no_freeze(parser: argparse.ArgumentParser) -> None:
    """``--no-freeze``: the children import the live src/ (see ``code_under_test``)."""
    parser.add_argument(
        "--no-freeze",
        action="store_true",
        help="import the live src/ in every run instead of a copy taken at the start",
    )


def household_overrides(pairs: Sequence[str], sizes: Iterable[str]) -> dict[str, int]:
    """``--households county=20000 ...`` as ``{"county": 20000}``; SIZE must be in ``sizes``."""
    names = list(sizes)
    out = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if name not in names or not value.replace("_", "").isdigit():
            raise SystemExit(f"--households takes SIZE=N with SIZE in {names}, got {pair!r}")
        out[name] = int(value.replace("_", ""))
    return out


def step_table(steps: Mapping[str, Json], total: Json) -> list[str]:
    """The Markdown table of a CLI benchmark's steps (median, runs, peak RSS, load before) and
    its total row, as month.py and province.py report them."""
    lines = [
        "| step | median s | runs (s) | peak RSS GB | load before |",
        "|---|---:|---|---:|---|",
    ]
    for name, f in steps.items():
        runs_s = ", ".join(f"{x:.1f}" for x in f["seconds"])
        loads = ", ".join(f"{x:.1f}" for x in f["load_average_before"])
        lines.append(
            f"| {name} | {f['median_seconds']:.1f} | {runs_s} | {f['peak_rss_gb']:.2f} | {loads} |"
        )
    runs_t = ", ".join(f"{x:.1f}" for x in total["seconds"])
    lines.append(f"| **total** | **{total['median_seconds']:.1f}** | {runs_t} | | |")
    return lines


def fmt(value: Any, spec: str = ".2f", suffix: str = "") -> str:
    """``value`` formatted, or an en dash for None."""
    return "–" if value is None else f"{value:{spec}}{suffix}"


def write_json(path: Path, data: Any) -> None:
    """A results file: indented, UTF-8 as is, ending in a newline."""
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def write_keeping_notes(path: Path, lines: list[str]) -> None:
    """Write ``lines`` and the notes marker; hand-written notes below the old marker are kept."""
    notes = ""
    if path.exists() and NOTES_MARK in (text := path.read_text()):
        notes = text.split(NOTES_MARK, 1)[1].strip("\n")
    path.write_text("\n".join([*lines, NOTES_MARK, ""]) + ("\n" + notes + "\n" if notes else ""))
