"""Case workflow benchmark: the bulk paths on the embedded store (a SQLite file), each against a
baseline in the same run.

1. **intake** — taking stored leads in as cases. ``set``: ``cases.leads.intake_leads``
   (set-based ``take_in``, which dispatching screening clues shares: one bulk insert each of
   cases, opening events and lead links, one audit row for the whole intake; a dispatch adds
   one audit row per clue, not measured here). Baseline ``per_household``: the same leads
   taken in one household at a time through the per-lead path the module also has — the
   private ``cases.leads._take_in`` (imported here on purpose, as the baseline), after
   ``session.get`` of the household as ``record_lead`` does; per household it looks up the
   active case and the last eliminated one, resolves the procedure, inserts the case, its
   event and links with flushes, and writes one audit row. Both read the pending leads with
   the same query and run in one ``write_scope`` transaction (commit included in the time).
   After the timer each run checks what it wrote (cases, events, links, audit rows, the audit
   chain) and a digest of the cases' contents; both paths must open the same cases.
2. **moves** — K cases moved from ``lead`` to ``verifying`` through
   ``cases.workflow.transition`` by a village-role actor of the case's village: ``batch``,
   every move in one ``write_scope`` transaction (the cases read with one query), against
   ``per_move``, one transaction per move (``session.get`` the case, move, commit), as an
   official clicking through the cases does.
3. **notices** — ``cases.notices.render.render_html`` and ``render_pdf`` of an identification
   notice of 10 and of 100 households (``NoticeDocument`` / ``NoticeEntry`` built directly);
   the first PDF of a process (WeasyPrint's import, then its first rendering with font
   loading) is reported apart from the warm ones.

Sizes: ``county`` — 元谋县 532328, 100,000 households; ``city`` — 楚雄州 5323, 500,000
households, intake ``set`` only (the per-household baseline would take many minutes; the
report gives the county's per-case baseline cost times the city's cases, labelled as an
extrapolation). The registry is ``synth.population_for(scope, households, seed, year=2025)``
loaded with ``registry.actions.load_snapshot_tables`` into a store migrated with
``db.upgrade``; then about 11 % of households (the demo's rate) get one stored lead (channel
``department``: screening leads are clues, which intake leaves to triage)
(category ``marginal``, risk ``illness``, policy_ref ``bench``, reported on a fixed day of
2026), bulk inserted. For the moves, one set-based intake is run once more on a copy of the
county store (untimed) to give the cases.

Every measured run is a fresh subprocess on a fresh copy of the store built once per size
(copied before the subprocess starts, not timed); libraries are imported and the store
opened before the timer, as in a running server. Peak memory: the subprocess's maximum RSS
(``os.wait4``) and the high-water mark during the timed call (``VmHWM`` after a reset), less
the RSS when it began (working). Every subprocess imports one copy of src/bottomline taken
at the start (others may edit src/ during a run; ``--no-freeze`` measures the live tree).

    uv run python bench/cases.py --sizes county city
    uv run python bench/cases.py --sizes county --households county=20000 --repeat 1 --moves 500

Data is kept in bench/data/cases/<size>/ (git-ignored) and reused while size, seed and schema
match. Writes ``bench/results/cases.json`` (every run) and ``bench/results/cases.md`` (the
tables; hand-written notes below its notes marker are kept).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import harness

SCRIPT = Path(__file__).resolve()  # the children run this file
BENCH = SCRIPT.parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
DATA = BENCH / "data" / "cases"  # git-ignored; the built stores are kept here and reused
SEED = 20251
YEAR = 2025  # the registry's year
LEAD_SHARE = 0.11  # households with a lead: the demo's rate
LEAD_DAY = dt.date(2026, 11, 2)  # the day every lead was reported
INTAKE_IMPLS = ("set", "per_household")
MOVE_IMPLS = ("batch", "per_move")
NOTICE_HOUSEHOLDS = (10, 100)
PACKAGES = ("sqlalchemy", "weasyprint", "jinja2")  # versions noted with the machine


@dataclass(frozen=True, slots=True)
class Size:
    name: str
    scope: str  # a 12-digit division code
    households: int
    baseline: bool  # whether the per-household intake baseline runs at this size


SIZES: dict[str, Size] = {
    "county": Size("county", "532328000000", 100_000, True),  # 元谋县
    "city": Size("city", "532300000000", 500_000, False),  # 楚雄彝族自治州
}


# --- building the stores (in a subprocess) ----------------------------------------------------


def prepare(size: Size, out: Path, seed: int, with_cases: bool) -> dict[str, Any]:
    """Registry + leads → ``registry.db``; with ``with_cases`` also ``cases.db`` (leads taken in)."""
    from bottomline.db import head_revision, make_engine, upgrade
    from bottomline.registry.actions import load_snapshot_tables
    from bottomline.synth.population import population_for

    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    pop = population_for(scope=size.scope, households=size.households, seed=seed, year=YEAR)
    seconds["population"] = time.perf_counter() - t0
    store = out / "registry.db"
    engine = make_engine(f"sqlite:///{store}")
    t0 = time.perf_counter()
    upgrade(engine)
    counts = load_snapshot_tables(engine=engine, tables=pop.tables)
    seconds["load_registry"] = time.perf_counter() - t0
    del pop
    t0 = time.perf_counter()
    leads = _insert_leads(engine, seed)
    seconds["insert_leads"] = time.perf_counter() - t0
    _checkpoint(engine)
    meta: dict[str, Any] = {
        "size": size.name,
        "scope": size.scope,
        "households": counts["households"],
        "members": counts.get("members"),
        "registry_rows": counts,
        "leads": leads,
        "lead_day": LEAD_DAY.isoformat(),
        "seed": seed,
        "schema": head_revision(),
        "store_bytes": store.stat().st_size,
    }
    if with_cases:
        t0 = time.perf_counter()
        meta["cases_store"] = _take_in_once(store, out / "cases.db", size.scope)
        seconds["cases_store"] = time.perf_counter() - t0
    meta["seconds"] = {k: round(v, 2) for k, v in seconds.items()}
    return meta


def _insert_leads(engine: Any, seed: int) -> int:
    """One stored (department) lead for a seeded ~11 % of households, in one bulk insert."""
    from sqlalchemy import insert, select

    from bottomline.db import session_scope
    from bottomline.registry.models import Household
    from bottomline.screening.models import Lead

    with session_scope(engine) as session:
        ids = sorted(session.scalars(select(Household.id)))
        chosen = sorted(random.Random(seed).sample(ids, round(len(ids) * LEAD_SHARE)))
        rows = [
            {
                "household_id": household_id,
                "cycle": LEAD_DAY.strftime("%Y-%m"),
                "channel": "department",
                "category": "marginal",
                "risk_types": ["illness"],
                "status": "open",
                "policy_ref": "bench",
                "reported_on": LEAD_DAY,
                "reported_by": "system",
                "evidence": {"bench": True},
            }
            for household_id in chosen
        ]
        session.execute(insert(Lead), rows)
    return len(rows)


def _checkpoint(engine: Any) -> None:
    """Fold the WAL into the main file, so copying the one file copies the whole store."""
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()


def _take_in_once(registry: Path, out: Path, scope: str) -> dict[str, Any]:
    from bottomline.cases.leads import intake_leads
    from bottomline.db import make_engine, write_scope
    from bottomline.policy import load_directory
    from bottomline.policy.resolve import index_documents
    from bottomline.users.actor import SYSTEM

    shutil.copyfile(registry, out)
    engine = make_engine(f"sqlite:///{out}")
    policies = index_documents(load_directory(ROOT / "policies"))
    with write_scope(engine) as session:
        intake = intake_leads(session, actor=SYSTEM, policies=policies, scope_code=scope)
    _checkpoint(engine)
    return {"cases": intake.cases_opened, "store_bytes": out.stat().st_size}


# --- one measured run (in a subprocess) -------------------------------------------------------


def _open(store: Path) -> tuple[Any, Any]:
    """The engine on ``store`` (connected, mappers configured) and the policy index."""
    from sqlalchemy import func, select

    import bottomline
    from bottomline.cases.models import Case
    from bottomline.db import make_engine, session_scope
    from bottomline.migrations import target_metadata
    from bottomline.policy import load_directory
    from bottomline.policy.resolve import index_documents
    from bottomline.screening.models import Lead

    target_metadata()  # every model module imported, as in the running application
    engine = make_engine(f"sqlite:///{store}")
    policies = index_documents(load_directory(ROOT / "policies"))
    with session_scope(engine) as session:  # like a server that has served a request
        session.scalar(select(func.count()).select_from(Lead))
        session.scalar(select(func.count()).select_from(Case))
    print(f"bottomline from {Path(bottomline.__file__).parent}", flush=True)
    return engine, policies


def run_intake(impl: str, store: Path, scope: str) -> dict[str, Any]:
    from bottomline.cases.leads import intake_leads
    from bottomline.db import write_scope
    from bottomline.users.actor import SYSTEM

    engine, policies = _open(store)

    def call() -> Any:
        with write_scope(engine) as session:
            if impl == "set":
                return intake_leads(session, actor=SYSTEM, policies=policies, scope_code=scope)
            return _per_household(session, policies, scope)

    intake, measured = harness.timed(call)
    return {
        "impl": impl,
        **measured,
        "leads": intake.leads,
        "cases_opened": intake.cases_opened,
        "merged": intake.merged,
        **_intake_outcome(engine),
    }


def _per_household(session: Any, policies: Any, scope: str) -> Any:
    """The baseline: every household's leads through the per-lead path, one household at a time.

    ``_take_in`` is private to ``cases.leads``; it is imported here only as the baseline.
    """
    from sqlalchemy import select

    from bottomline.cases.leads import Intake, _take_in
    from bottomline.cases.models import CaseLead
    from bottomline.registry.models import Household
    from bottomline.screening.models import Lead
    from bottomline.users.actor import SYSTEM, scope_prefix

    pending = (  # the query intake_leads reads the pending leads with
        select(Lead)
        .where(
            Lead.status == "open",
            Lead.channel != "screening",
            ~Lead.id.in_(select(CaseLead.lead_id)),
            Lead.household_id.in_(
                select(Household.id).where(Household.village_code.startswith(scope_prefix(scope)))
            ),
        )
        .order_by(Lead.household_id, Lead.id)
    )
    by_household: dict[int, list[Any]] = defaultdict(list)
    for lead in session.scalars(pending):
        by_household[lead.household_id].append(lead)
    intake = Intake()
    for household_id, leads in by_household.items():
        household = session.get(Household, household_id)  # as record_lead does
        _take_in(session, household, leads, actor=SYSTEM, policies=policies, intake=intake)
    return intake


def _intake_outcome(engine: Any) -> dict[str, Any]:
    """What the intake left in the store (after the timer): counts and a digest of the cases."""
    from sqlalchemy import func, select

    from bottomline import audit
    from bottomline.cases.models import Case, CaseEvent, CaseLead
    from bottomline.db import session_scope

    def count(model: Any) -> int:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)

    digest = hashlib.sha256()
    columns = (Case.household_id, Case.village_code, Case.stage, Case.category, Case.risk_types)
    columns += (Case.first_lead_on, Case.deadline_on, Case.deadline_provisional, Case.policy_ref)
    columns += (Case.notice_days, Case.deadline_days, Case.day_count, Case.stage_since)
    with session_scope(engine) as session:
        for row in session.execute(select(*columns).order_by(Case.household_id)):
            digest.update(repr(tuple(row)).encode())
        verified = audit.verify(session)
        return {
            "cases": count(Case),
            "case_events": count(CaseEvent),
            "case_leads": count(CaseLead),
            "audit_rows": count(audit.AuditEntry),
            "audit_intact": verified.intact,
            "cases_digest": digest.hexdigest()[:16],
        }


def run_moves(impl: str, store: Path, k: int, seed: int) -> dict[str, Any]:
    from sqlalchemy import func, select

    from bottomline import audit
    from bottomline.cases.enums import Stage
    from bottomline.cases.models import Case, CaseEvent
    from bottomline.cases.workflow import transition
    from bottomline.db import session_scope, write_scope
    from bottomline.users.actor import Actor
    from bottomline.users.enums import Role

    engine, _ = _open(store)
    with session_scope(engine) as session:
        in_lead = list(session.scalars(select(Case.id).where(Case.stage == Stage.lead.value)))
        audit_before = int(session.scalar(select(func.count()).select_from(audit.AuditEntry)) or 0)
    ids = sorted(random.Random(seed).sample(sorted(in_lead), min(k, len(in_lead))))

    def move(session: Any, case: Case) -> None:
        cadre = Actor("bench.cadre", Role.village, case.village_code)
        transition(session, case, Stage.verifying, actor=cadre)

    def batch() -> None:
        with write_scope(engine) as session:
            for case in session.scalars(select(Case).where(Case.id.in_(ids)).order_by(Case.id)):
                move(session, case)

    def per_move() -> None:
        for case_id in ids:
            with write_scope(engine) as session:
                move(session, session.get_one(Case, case_id))

    _, measured = harness.timed(batch if impl == "batch" else per_move)
    with session_scope(engine) as session:
        moved = session.scalar(
            select(func.count()).select_from(Case).where(Case.stage == Stage.verifying.value)
        )
        events = session.scalar(
            select(func.count())
            .select_from(CaseEvent)
            .where(CaseEvent.to_stage == Stage.verifying.value)
        )
        audit_after = int(session.scalar(select(func.count()).select_from(audit.AuditEntry)) or 0)
        intact = audit.verify(session).intact
    return {
        "impl": impl,
        **measured,
        "moves": len(ids),
        "moves_per_second": len(ids) / measured["seconds"],
        "cases_moved": moved,
        "events": events,
        "audit_rows_added": audit_after - audit_before,
        "audit_intact": intact,
    }


def run_notices(repeat: int, seed: int) -> dict[str, Any]:
    import bottomline.cases.notices.render as render

    docs = {n: _notice(n, seed) for n in NOTICE_HOUSEHOLDS}
    small = docs[NOTICE_HOUSEHOLDS[0]]
    t0 = time.perf_counter()
    render.render_html(small)  # the template is compiled on the first call
    first_html = time.perf_counter() - t0
    t0 = time.perf_counter()
    import weasyprint  # noqa: F401

    weasyprint_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    render.render_pdf(small)  # first rendering: fonts found and loaded
    first_pdf_render = time.perf_counter() - t0
    warm: dict[str, dict[str, list[float]]] = {}
    sizes: dict[str, dict[str, int]] = {}
    for n, doc in docs.items():
        for fmt, fn in (("html", render.render_html), ("pdf", render.render_pdf)):
            samples = warm.setdefault(str(n), {}).setdefault(fmt, [])
            for _ in range(repeat):
                t0 = time.perf_counter()
                out = fn(doc)
                samples.append(time.perf_counter() - t0)
            sizes.setdefault(str(n), {})[f"{fmt}_bytes"] = len(out)
    return {
        "first_html_seconds": first_html,
        "weasyprint_import_seconds": weasyprint_import,
        "first_pdf_render_seconds": first_pdf_render,
        "warm_seconds": warm,
        "output_bytes": sizes,
        "peak_rss_bytes": harness.status_kb("VmHWM") * 1024,
    }


def _notice(households: int, seed: int) -> Any:
    from bottomline.cases.enums import NoticeKind
    from bottomline.cases.notices.document import NoticeDocument, NoticeEntry
    from bottomline.screening.enums import Category, RiskType

    rng = random.Random(seed + households)
    surnames = "李王张刘陈杨赵黄周吴徐孙马朱胡郭何罗高林"
    given = "秀英桂兰建国志强文华明芳玉梅永福春生德才金凤海燕家和"
    groups = ("第一组", "第二组", "第三组", "第四组", "第五组", None)
    risks = list(RiskType)
    entries = tuple(
        NoticeEntry(
            name=rng.choice(surnames) + "".join(rng.sample(given, rng.choice((1, 2)))),
            village_group=rng.choice(groups),
            household_size=rng.randint(1, 7),
            category=rng.choice(list(Category)),
            risk_types=tuple(rng.sample(risks, rng.randint(1, 3))),
        )
        for _ in range(households)
    )
    return NoticeDocument(
        kind=NoticeKind.identification,
        village_code="532328101201",
        place="元谋县某镇某村",
        round_no=1,
        year=2026,
        starts_on=dt.date(2026, 11, 23),
        ends_on=dt.date(2026, 11, 27),
        issued_by="某村村民委员会",
        entries=entries,
    )


# --- the parent: subprocesses, stores, summaries ------------------------------------------------


def store_for(
    size: Size, args: argparse.Namespace, with_cases: bool
) -> tuple[Path, dict[str, Any]]:
    """The size's data directory, built unless it holds the same stores already."""
    from bottomline.db import head_revision

    out = args.data / size.name
    made_with = {
        "households": size.households,
        "seed": args.seed,
        "scope": size.scope,
        "schema": head_revision(),
    }
    meta = None if args.regenerate else harness.kept_data(out, made_with, ("registry.db",))
    if meta is not None and (not with_cases or "cases_store" in meta):
        harness.say(f"{size.name}: reusing the stores in {out}")
        return out, meta
    harness.say(f"{size.name}: building a store of {size.households:,} households and their leads")
    cmd = ["_prepare", size.name, "--households", str(size.households), "--seed", str(args.seed)]
    cmd += ["--store", str(out)] + (["--with-cases"] if with_cases else [])
    return out, harness.build_data(SCRIPT, cmd, out, args.timeout, f"building {size.name}")


def _measure(cmd: list[str], source: Path | None, run_dir: Path, timeout: float) -> dict[str, Any]:
    """One subprocess run on a fresh copy of ``source`` (copied here, untimed)."""
    with harness.scratch_dir(run_dir):
        out = run_dir / "result.json"
        args = [*cmd, "--out", str(out)]
        if source is not None:
            shutil.copyfile(source, run_dir / "store.db")
            args += ["--store", str(run_dir / "store.db")]
        return harness.measure(SCRIPT, args, out, harness.run_log(run_dir), timeout)


def _summary(runs: list[dict[str, Any]], counts: tuple[str, ...]) -> dict[str, Any]:
    ok = [r for r in runs if "failed" not in r]
    if not ok:
        return harness.failure(runs)
    first = ok[0]
    return {
        **harness.seconds_figures(ok, min_max=True),
        **harness.process_figures(ok),
        **{k: first[k] for k in counts if k in first},
        "outcome_stable": all(all(r.get(k) == first.get(k) for k in counts) for r in ok),
    }


INTAKE_COUNTS = ("leads", "cases_opened", "merged", "cases", "case_events", "case_leads")
INTAKE_COUNTS += ("audit_rows", "audit_intact", "cases_digest")
MOVE_COUNTS = ("moves", "cases_moved", "events", "audit_rows_added", "audit_intact")


def bench_intake(size: Size, args: argparse.Namespace) -> dict[str, Any]:
    data, meta = store_for(size, args, with_cases=size.name == "county" and "moves" in args.parts)
    harness.say(f"{size.name}: {meta['households']:,} households, {meta['leads']:,} leads")
    impls = [i for i in args.intake_impls if i == "set" or size.baseline]
    runs: dict[str, list[dict[str, Any]]] = {i: [] for i in impls}
    for round_no in range(args.repeat):
        for impl in impls:
            cmd = ["_intake", impl, "--scope", size.scope]
            run_dir = data / "runs" / f"intake-{impl}-{round_no}"
            result = _measure(cmd, data / "registry.db", run_dir, args.timeout)
            runs[impl].append(result)
            shown = result.get("failed") or (
                f"{result['seconds']:.2f} s, {result['cases_opened']:,} cases, "
                f"peak {result['process_peak_rss_bytes'] / 1e9:.2f} GB"
            )
            harness.say(f"{size.name} intake {impl} run {round_no + 1}: {shown}")
    summary = {impl: _summary(r, INTAKE_COUNTS) for impl, r in runs.items()}
    for impl in INTAKE_IMPLS:
        if impl not in summary:
            summary[impl] = {"not_run": "the per-household baseline is run at county size only"}
    return {
        "size": size.name,
        "scope": size.scope,
        "households": meta["households"],
        "leads": meta["leads"],
        "data": meta,
        "implementations": summary,
        "per_case_ms": _per_case_ms(summary),
        "agreement": _intake_agreement(summary),
    }


def _per_case_ms(summary: dict[str, Any]) -> dict[str, float]:
    return {
        impl: round(1000 * s["median_seconds"] / s["cases_opened"], 4)
        for impl, s in summary.items()
        if s.get("cases_opened")
    }


def _intake_agreement(summary: dict[str, Any]) -> dict[str, Any]:
    a, b = summary.get("set", {}), summary.get("per_household", {})
    if "cases_digest" not in a or "cases_digest" not in b:
        return {}
    keys = ("cases", "case_events", "case_leads", "cases_digest")
    return {
        "same_cases": all(a[k] == b[k] for k in keys),
        "audit_rows": {"set": a["audit_rows"], "per_household": b["audit_rows"]},
    }


def bench_moves(args: argparse.Namespace) -> dict[str, Any]:
    base = SIZES["county"]
    households = harness.household_overrides(args.households, SIZES).get("county", base.households)
    size = Size(base.name, base.scope, households, base.baseline)
    data, meta = store_for(size, args, with_cases=True)
    runs: dict[str, list[dict[str, Any]]] = {i: [] for i in MOVE_IMPLS}
    for round_no in range(args.repeat):
        for impl in MOVE_IMPLS:
            cmd = ["_moves", impl, "--k", str(args.moves), "--seed", str(args.seed)]
            run_dir = data / "runs" / f"moves-{impl}-{round_no}"
            result = _measure(cmd, data / "cases.db", run_dir, args.timeout)
            runs[impl].append(result)
            shown = result.get("failed") or (
                f"{result['seconds']:.2f} s, {result['moves_per_second']:,.0f} moves/s"
            )
            harness.say(f"moves {impl} run {round_no + 1}: {shown}")
    summary = {impl: _summary(r, MOVE_COUNTS) for impl, r in runs.items()}
    for s in summary.values():
        if "median_seconds" in s:
            s["moves_per_second"] = round(s["moves"] / s["median_seconds"], 1)
            s["ms_per_move"] = round(1000 * s["median_seconds"] / s["moves"], 3)
    return {
        "size": size.name,
        "households": meta["households"],
        "cases_in_store": meta["cases_store"]["cases"],
        "implementations": summary,
    }


def bench_notices(args: argparse.Namespace) -> dict[str, Any]:
    args.data.mkdir(parents=True, exist_ok=True)
    runs = []
    for round_no in range(args.repeat):
        run_dir = args.data / "runs" / f"notices-{round_no}"
        cmd = ["_notices", "-", "--repeat", str(args.notice_repeat), "--seed", str(args.seed)]
        result = _measure(cmd, None, run_dir, args.timeout)
        runs.append(result)
        shown = result.get("failed") or (
            f"first PDF {result['weasyprint_import_seconds'] + result['first_pdf_render_seconds']:.2f} s"
        )
        harness.say(f"notices run {round_no + 1}: {shown}")
    ok = [r for r in runs if "failed" not in r]
    if not ok:
        return harness.failure(runs)

    def stats(values: list[float]) -> dict[str, Any]:
        ms = [1000 * v for v in values]
        return {**harness.spread(ms, "ms", 2), "samples": len(ms)}

    warm = {
        n: {
            fmt: stats([s for r in ok for s in r["warm_seconds"][n][fmt]])
            for fmt in ("html", "pdf")
        }
        for n in ok[0]["warm_seconds"]
    }
    first = [r["weasyprint_import_seconds"] + r["first_pdf_render_seconds"] for r in ok]
    return {
        "processes": len(ok),
        "renders_per_process": args.notice_repeat,
        "warm": warm,
        "first_pdf": stats(first),
        "weasyprint_import": stats([r["weasyprint_import_seconds"] for r in ok]),
        "first_pdf_render": stats([r["first_pdf_render_seconds"] for r in ok]),
        "first_html": stats([r["first_html_seconds"] for r in ok]),
        "output_bytes": ok[0]["output_bytes"],
        "process_peak_rss_gb": round(max(r["process_peak_rss_bytes"] for r in ok) / 1e9, 3),
        "cjk_font": _cjk_font(),
        "weasyprint": harness.package_version("weasyprint"),
    }


def _cjk_font() -> str | None:
    done = subprocess.run(
        ["fc-match", "-f", "%{family}", ":lang=zh-cn"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() or None


# --- the report ---------------------------------------------------------------------------------


def _spread(s: dict[str, Any]) -> str:
    if "not_run" in s:
        return "not run"
    if "failed" in s:
        return "failed"
    return f"{s['median_seconds']:.2f} ({s['min_seconds']:.2f}–{s['max_seconds']:.2f})"


def write_markdown(results: dict[str, Any]) -> Path:
    m = results.get("machine", {})
    lines = [
        "# Case workflow benchmark",
        "",
        "Written by `bench/cases.py` (what and how: its docstring). Embedded store (a SQLite",
        "file); each run a fresh subprocess on a fresh copy of the store; seconds are the median",
        "(min–max) of the runs, the transaction's commit timed. Working GB: the RSS high-water mark during",
        "the timed call less the RSS when it began; peak GB: the subprocess's maximum RSS.",
        f"Machine: {m.get('nproc')} CPUs, shared with other work (noisy: read medians and",
        f"ratios); run {results.get('when', '?')[:10]}, commit {m.get('commit', '?')}.",
        "",
    ]
    lines += _intake_markdown(results.get("intake", {}))
    lines += _moves_markdown(results.get("moves"))
    lines += _notices_markdown(results.get("notices"))
    if m:
        lines += [
            "## Machine and code",
            "",
            f"{m['cpu']}, {m['nproc']} CPUs ({m['cpus_usable']} usable), {m['memory_gb']} GB, "
            f"Linux {m['kernel']}, Python {m['python']}, SQLite {m['sqlite']}; "
            + ", ".join(f"{k} {v}" for k, v in m["versions"].items())
            + f"; commit {m['commit']}; src/bottomline "
            f"{results.get('code', {}).get('fingerprint', '?')} (SHA-256 of its files; every "
            "run imports one frozen copy).",
            "",
        ]
    out = RESULTS / "cases.md"
    harness.write_keeping_notes(out, lines)
    return out


def _intake_markdown(intake: dict[str, Any]) -> list[str]:
    if not intake:
        return []
    lines = [
        "## 1. Taking a screening run's leads in as cases",
        "",
        "**set**: `intake_leads` (bulk inserts, one audit row); **per household**: the same",
        "leads through `_take_in`, one household at a time (one audit row each); both one",
        "transaction. ms/case = median seconds / cases opened.",
        "",
        "| size | households | leads → cases | set s | per household s | per household / set "
        "| set ms/case | per household ms/case | set peak GB | set working GB "
        "| per household peak GB | per household working GB | same cases |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    county_ms = intake.get("county", {}).get("per_case_ms", {}).get("per_household")
    extrapolated = []
    for name in (n for n in SIZES if n in intake):
        d = intake[name]
        st, ph = d["implementations"]["set"], d["implementations"]["per_household"]
        ratio = (
            ph["median_seconds"] / st["median_seconds"]
            if "median_seconds" in ph and "median_seconds" in st
            else None
        )
        agree = d["agreement"]
        same = "–" if not agree else ("yes" if agree["same_cases"] else "**no**")
        ph_seconds = _spread(ph)
        ph_ms = harness.fmt(d["per_case_ms"].get("per_household"), ".3f")
        if "not_run" in ph and county_ms and st.get("cases_opened"):
            estimate = county_ms * st["cases_opened"] / 1000
            ph_seconds = f"not run (≈{estimate:,.0f} extrapolated†)"
            extrapolated.append(
                f"† Extrapolation, not a measurement: the county's per-household median "
                f"{county_ms:.3f} ms/case × {st['cases_opened']:,} cases = {estimate:,.0f} s "
                f"(≈{estimate / 60:.0f} min), assuming the per-case cost stays flat as the "
                "store grows."
            )
        lines.append(
            f"| {name} | {d['households']:,} | {d['leads']:,} → "
            f"{harness.fmt(st.get('cases_opened'), ',')} | {_spread(st)} | {ph_seconds} "
            f"| {harness.fmt(ratio, '.1f', '×')} "
            f"| {harness.fmt(d['per_case_ms'].get('set'), '.3f')} | {ph_ms} "
            f"| {harness.fmt(st.get('process_peak_rss_gb'))} "
            f"| {harness.fmt(st.get('working_memory_gb'))} "
            f"| {harness.fmt(ph.get('process_peak_rss_gb'))} "
            f"| {harness.fmt(ph.get('working_memory_gb'))} "
            f"| {same} |"
        )
    lines += ["", *[line for note in extrapolated for line in (note, "")], "Runs (seconds):", ""]
    for name in (n for n in SIZES if n in intake):
        for impl, s in intake[name]["implementations"].items():
            if "seconds" in s:
                lines.append(
                    f"- {name} {impl}: {s['seconds']}; CPU {s['median_cpu_seconds']} s; "
                    f"{s['cases']:,} cases, {s['case_events']:,} events, {s['case_leads']:,} "
                    f"links, {s['audit_rows']:,} audit rows (chain intact: {s['audit_intact']})"
                )
    return [*lines, ""]


def _moves_markdown(moves: dict[str, Any] | None) -> list[str]:
    if not moves:
        return []
    lines = [
        "## 2. Moving cases from lead to verifying (`workflow.transition`, village cadre)",
        "",
        f"{harness.fmt(moves['implementations']['batch'].get('moves'), ',')} cases of the county "
        f"store ({moves['cases_in_store']:,} cases in `lead`); **batch**: every move in one "
        "`write_scope` transaction; **per move**: one transaction per move (read the case, "
        "move, commit).",
        "",
        "| mode | s | moves/s | ms/move | peak GB | events | audit rows added | chain intact |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for impl, s in moves["implementations"].items():
        if "failed" in s:
            lines.append(f"| {impl} | failed | | | | | | |")
            continue
        lines.append(
            f"| {impl.replace('_', ' ')} | {_spread(s)} | {s['moves_per_second']:,.0f} "
            f"| {s['ms_per_move']:.2f} | {s['process_peak_rss_gb']:.2f} | {s['events']:,} "
            f"| {s['audit_rows_added']:,} | {s['audit_intact']} |"
        )
    b, p = (moves["implementations"].get(k, {}) for k in MOVE_IMPLS)
    if "median_seconds" in b and "median_seconds" in p:
        ratio = p["median_seconds"] / b["median_seconds"]
        lines += ["", f"One transaction per move takes {ratio:.2f}× the batch's time."]
    return [*lines, ""]


def _notices_markdown(notices: dict[str, Any] | None) -> list[str]:
    if not notices or "failed" in notices:
        return []
    lines = [
        "## 3. Public notice rendering",
        "",
        f"Warm renders: {notices['renders_per_process']} per format and size in each of "
        f"{notices['processes']} processes; median (min–max) ms per notice. CJK font: "
        f"{notices['cjk_font']}; WeasyPrint {notices['weasyprint']}.",
        "",
        "| households | HTML ms | PDF ms | HTML KB | PDF KB |",
        "|---:|---:|---:|---:|---:|",
    ]

    def cell(s: dict[str, Any]) -> str:
        return f"{s['median_ms']:.1f} ({s['min_ms']:.1f}–{s['max_ms']:.1f})"

    for n, w in notices["warm"].items():
        size = notices["output_bytes"][n]
        lines.append(
            f"| {n} | {cell(w['html'])} | {cell(w['pdf'])} | {size['html_bytes'] / 1e3:.1f} "
            f"| {size['pdf_bytes'] / 1e3:.1f} |"
        )
    lines += [
        "",
        f"First PDF of a process (10 households), median of {notices['processes']} processes: "
        f"{cell(notices['first_pdf'])} ms = `import weasyprint` "
        f"{cell(notices['weasyprint_import'])} + first rendering (fonts) "
        f"{cell(notices['first_pdf_render'])}; first HTML (template compiled) "
        f"{cell(notices['first_html'])} ms. Peak RSS {notices['process_peak_rss_gb']:.2f} GB.",
        "",
    ]
    return lines


# --- command line -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0].startswith("_"):
        _internal(argv)
        return
    parser = harness.size_parser(__doc__, SIZES)
    parser.add_argument(
        "--parts",
        nargs="+",
        choices=("intake", "moves", "notices"),
        default=["intake", "moves", "notices"],
    )
    parser.add_argument(
        "--intake-impls", nargs="+", choices=INTAKE_IMPLS, default=list(INTAKE_IMPLS)
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs (processes) per measurement")
    parser.add_argument("--moves", type=int, default=2_000, help="cases moved per run")
    parser.add_argument("--notice-repeat", type=int, default=5, help="warm renders per process")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--data", type=Path, default=DATA, help="where the built stores are kept")
    parser.add_argument("--regenerate", action="store_true", help="build the stores again")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per subprocess")
    harness.add_no_freeze(parser)
    args = parser.parse_args(argv)
    overrides = harness.household_overrides(args.households, SIZES)
    RESULTS.mkdir(parents=True, exist_ok=True)
    args.data.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "cases.json"
    results: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    code = harness.code_under_test(args.data, live=args.no_freeze, pattern="*")
    machine = harness.machine(PACKAGES, {"sqlite": sqlite3.sqlite_version})
    results |= {"code": code, "machine": machine, "when": time.strftime("%Y-%m-%dT%H:%M:%S%z")}

    def save() -> None:
        harness.write_json(path, results)
        write_markdown(results)

    if "intake" in args.parts:
        results.setdefault("intake", {})
        for name in args.sizes:
            base = SIZES[name]
            size = Size(name, base.scope, overrides.get(name, base.households), base.baseline)
            results["intake"][name] = bench_intake(size, args)
            save()
    if "moves" in args.parts:
        results["moves"] = bench_moves(args)
        save()
    if "notices" in args.parts:
        results["notices"] = bench_notices(args)
        save()
    for runs in (args.data / "runs", *(args.data / name / "runs" for name in SIZES)):
        shutil.rmtree(runs, ignore_errors=True)  # the run logs; failures are in the JSON
    harness.say("wrote bench/results/cases.json and cases.md")


def _internal(argv: list[str]) -> None:
    parser = harness.child_parser(SEED)
    parser.add_argument("--store", type=Path)
    parser.add_argument("--scope")
    parser.add_argument("--k", type=int)
    parser.add_argument("--repeat", type=int)
    parser.add_argument("--with-cases", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "_prepare":
        base = SIZES[args.what]
        size = Size(args.what, base.scope, args.households, base.baseline)
        meta = prepare(size, args.store, args.seed, args.with_cases)
        (args.store / "prepare.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False))
        return
    if args.command == "_intake":
        result = run_intake(args.what, args.store, args.scope)
    elif args.command == "_moves":
        result = run_moves(args.what, args.store, args.k, args.seed)
    else:
        result = run_notices(args.repeat, args.seed)
    args.out.write_text(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
