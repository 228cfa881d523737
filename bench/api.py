"""Latency of the REST API under load: the clue list, case detail, household detail and the
dashboard counts, with ``GET /me`` (the token check alone) as the same-run baseline.

```sh
uv run python bench/api.py                                   # 1M households, SQLite and PostgreSQL
uv run python bench/api.py --households 100000 --backends sqlite --requests 1000   # a quick look
```

1. **Store** (once per backend and size, kept in ``bench/work/api/``; ``--rebuild`` to redo):
   ``synth.population_for(scope=532300000000 (楚雄州), households=N, seed=20261203)`` loaded with
   ``registry.actions.load_snapshot_tables``; 20,000 screening clues with a rule hit each on
   households spread over the city; 2,000 cases opened by ``cases.leads.record_lead`` (each a
   village cadre's report); a county and a city user, each logged in once
   (``users.auth.attempt_login``) for a bearer token. PostgreSQL: a database on the project's test
   server (``scripts/pg-test-server``).
2. **Server**: ``python -m bottomline.cli serve`` as its own process on loopback — one worker on
   SQLite (the embedded store is served by one process), ``--workers`` (default 2) on
   PostgreSQL.
3. **Load** from a second process: for each route, ``--requests`` requests sent open-loop at
   ``--rate`` per second (a request leaves on schedule whether or not earlier ones have
   answered; at most ``--in-flight`` at once), each with a random record (case id, household
   number) or page, over keep-alive connections (httpx2, asyncio). Bounded in count and in time
   (``--seconds`` per route). Latency is from the scheduled send to the last byte, so a server
   that falls behind shows its queue in the percentiles (no coordinated omission). The county
   user asks for the clue list, case and household (its own county) and the dashboard; the city
   user for the dashboard of the whole city.

Figures: p50/p95/p99/max in ms, the rate achieved, errors (non-200), per route and backend, and
the ratio of each route's p95 to the baseline's. Results: ``results/api.md`` and
``results/api.json``. The machine has 2 cores: the load generator and the server share them,
which is noted with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness

ROOT = harness.ROOT
WORK = ROOT / "bench" / "work" / "api"
RESULTS = ROOT / "bench" / "results"
CITY = "532300000000"
SEED = 20261203
PASSWORD = "bench-secret-2026"
TIMEOUT = 10.0  # seconds a request may take before it counts as an error


# --- the store --------------------------------------------------------------------------------


def _pg_url() -> str:
    out = subprocess.run(
        [str(ROOT / "scripts" / "pg-test-server")], capture_output=True, text=True, check=True
    )
    return out.stdout.strip().splitlines()[-1]


def store_url(backend: str, households: int) -> str:
    if backend == "sqlite":
        return f"sqlite:///{WORK / f'sqlite-{households}' / 'bottomline.db'}"
    from sqlalchemy.engine import make_url

    server = make_url(_pg_url())
    return server.set(database=f"bl_bench_api_{households}").render_as_string(hide_password=False)


def build(backend: str, households: int, rebuild: bool) -> dict[str, Any]:
    """The store for the run (made once), and what the load needs from it."""
    from sqlalchemy import insert, select

    from bottomline.db import make_engine, session_scope, upgrade, write_scope
    from bottomline.registry.models import Household

    folder = WORK / f"{backend}-{households}"
    folder.mkdir(parents=True, exist_ok=True)
    made = folder / "made.json"
    url = store_url(backend, households)
    if made.exists() and not rebuild:
        return {**json.loads(made.read_text()), "url": url}
    if backend == "sqlite":
        for leftover in folder.glob("bottomline.db*"):
            leftover.unlink()
    else:
        _recreate_pg(url)
    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    from bottomline.registry.actions import load_snapshot_tables
    from bottomline.synth import population_for

    harness.say(f"{backend}: generating {households:,} households")
    population = population_for(scope=CITY, households=households, seed=SEED, year=2025)
    harness.say(f"{backend}: loading the registry")
    load_snapshot_tables(engine=engine, tables=population.tables)
    del population
    rng = random.Random(SEED)
    with session_scope(engine) as session:
        every = list(session.scalars(select(Household.id).order_by(Household.id)))
        picked = sorted(rng.sample(every, 22_000))
        rows = session.execute(
            select(Household.id, Household.household_no, Household.village_code).where(
                Household.id.in_(picked)
            )
        ).all()
    from bottomline.screening.models import Lead, LeadHit

    harness.say(f"{backend}: 20,000 clues and 2,000 cases")
    rows = list(rows)
    rng.shuffle(rows)  # ids run county by county: spread both over the city
    clue_rows, case_rows = rows[:20_000], rows[20_000:]
    with write_scope(engine) as session:
        leads = [
            {
                "household_id": hid,
                "cycle": "2026-03",
                "category": "marginal",
                "risk_types": ["illness"],
                "policy_ref": "bench",
                "reported_on": dt.date(2026, 3, 31),
                "channel": "screening",
                "status": "open",
                "triage": "pending",
            }
            for hid, _, _ in clue_rows
        ]
        ids = session.scalars(insert(Lead).returning(Lead.id), leads).all()
        session.execute(
            insert(LeadHit),
            [
                {
                    "lead_id": lead_id,
                    "rule_id": "income.within_range",
                    "rule_version": 1,
                    "policy_ref": "bench",
                    "evidence": {"pc_net_income": 5200.0, "income_line": 8700.0, "size": 3.0},
                }
                for lead_id in ids
            ],
        )
    case_ids = _cases(engine, case_rows)
    county = max(
        {code[:6] + "000000" for _, _, code in rows},
        key=lambda c: sum(r[2].startswith(c[:6]) for r in rows),
    )
    tokens = _users(engine, county)
    in_county = [
        (no, cid)
        for (_, no, code), cid in zip(case_rows, case_ids, strict=True)
        if code.startswith(county[:6])
    ]
    info = {
        "backend": backend,
        "households": households,
        "county": county,
        "tokens": tokens,
        "case_ids": [cid for _, cid in in_county],
        "household_nos": [no for no, _ in in_county],
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    made.write_text(json.dumps(info))
    engine.dispose()
    return {**info, "url": url}


def _recreate_pg(url: str) -> None:
    from sqlalchemy.engine import make_url

    from bottomline.db import make_engine

    target = make_url(url)
    admin = make_engine(_pg_url()).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    admin.dispose()


def _cases(engine: Any, rows: list[Any]) -> list[int]:
    from bottomline.cases.enums import Channel
    from bottomline.cases.leads import NewLead, record_lead
    from bottomline.db import write_scope
    from bottomline.policy.loader import load_directory
    from bottomline.policy.resolve import index_documents
    from bottomline.screening.enums import Category, RiskType
    from bottomline.users.actor import Actor
    from bottomline.users.enums import Role

    policies = index_documents(load_directory(ROOT / "policies"))
    ids: list[int] = []
    with write_scope(engine) as session:
        for household_id, _, village in rows:
            new = NewLead(
                household_id=household_id,
                channel=Channel.self_declaration,
                reported_on=dt.date(2026, 3, 2),
                risk_types=(RiskType.illness,),
                category=Category.marginal,
                evidence={"form": "自主申报表"},
            )
            cadre = Actor("bench.cadre", Role.village, village)
            _lead, case = record_lead(session, new, actor=cadre, policies=policies)
            ids.append(case.id)
    return ids


def _users(engine: Any, county: str) -> dict[str, str]:
    from bottomline.db import write_scope
    from bottomline.users.actions import add_user
    from bottomline.users.actor import SYSTEM
    from bottomline.users.auth import attempt_login
    from bottomline.users.enums import Role

    tokens = {}
    with write_scope(engine) as session:
        for name, role, region in (
            ("bench.county", Role.county, county),
            ("bench.city", Role.city, CITY),
        ):
            add_user(
                session,
                username=name,
                display_name=name,
                role=role,
                region_code=region,
                acting=SYSTEM,
                password=PASSWORD,
            )
    with write_scope(engine) as session:
        for name in ("bench.county", "bench.city"):
            issued = attempt_login(session, username=name, password=PASSWORD)
            assert issued is not None
            tokens[name] = issued.token
    return tokens


# --- the server -------------------------------------------------------------------------------


def serve(url: str, data: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "BOTTOMLINE_DATABASE_URL": url,
        "BOTTOMLINE_DATA_DIR": str(data),
        "BOTTOMLINE_POLICIES_DIR": str(ROOT / "policies"),
    }
    log = (data / "server.log").open("wb")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bottomline.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    import httpx2

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/api/v1/me", timeout=2).status_code == 401:
                return server
        except httpx2.TransportError:
            pass
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped; see {data / 'server.log'}")
        time.sleep(0.5)
    server.terminate()
    raise RuntimeError("the server did not answer within 120 s")


# --- the load (a second process) ----------------------------------------------------------------


def routes(info: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(name, user, a function of a random generator giving the path)."""
    cases, numbers = info["case_ids"], info["household_nos"]
    return [
        ("baseline: GET /me", "bench.county", lambda r: "/api/v1/me"),
        (
            "clue list (page of 50)",
            "bench.county",
            lambda r: f"/api/v1/clues?page={r.randint(1, 20)}&page_size=50",
        ),
        ("case detail", "bench.county", lambda r: f"/api/v1/cases/{r.choice(cases)}"),
        ("household detail", "bench.county", lambda r: f"/api/v1/households/{r.choice(numbers)}"),
        ("dashboard counts (county)", "bench.county", lambda r: "/api/v1/pipeline?level=village"),
        ("dashboard counts (city)", "bench.city", lambda r: "/api/v1/pipeline?level=county"),
    ]


async def _fire(
    base: str, token: str, paths: list[str], rate: float, in_flight: int, seconds: float
) -> dict[str, Any]:
    """Open loop: request i leaves at start + i / rate; latency counts from that moment."""
    import httpx2

    limits = httpx2.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    errors: dict[str, int] = {}
    gate = asyncio.Semaphore(in_flight)
    async with httpx2.AsyncClient(
        base_url=base, limits=limits, headers=headers, timeout=TIMEOUT
    ) as client:
        start = time.perf_counter()
        stop = start + seconds

        async def one(i: int, path: str) -> None:
            scheduled = start + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if time.perf_counter() > stop:
                _count(errors, "not sent (time bound)")
                return
            async with gate:
                ok = await _get(client, path, errors)
            if ok:
                latencies.append((time.perf_counter() - scheduled) * 1000)

        await asyncio.gather(*(one(i, p) for i, p in enumerate(paths)))
        elapsed = time.perf_counter() - start
    return {"latencies": latencies, "errors": errors, "elapsed": elapsed}


async def _closed(
    base: str, token: str, paths: list[str], clients: int, seconds: float
) -> dict[str, Any]:
    """Closed loop: ``clients`` callers, each sending its next request when the last answered:
    the most the server does, and its latency there."""
    import httpx2

    limits = httpx2.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    errors: dict[str, int] = {}
    async with httpx2.AsyncClient(
        base_url=base, limits=limits, headers=headers, timeout=TIMEOUT
    ) as client:
        start = time.perf_counter()
        stop = start + seconds

        async def caller(k: int) -> None:
            i = k
            while time.perf_counter() < stop:
                sent = time.perf_counter()
                if await _get(client, paths[i % len(paths)], errors):
                    latencies.append((time.perf_counter() - sent) * 1000)
                i += clients

        await asyncio.gather(*(caller(k) for k in range(clients)))
        elapsed = time.perf_counter() - start
    return {"latencies": latencies, "errors": errors, "elapsed": elapsed}


async def _get(client: Any, path: str, errors: dict[str, int]) -> bool:
    import httpx2

    try:
        response = await client.get(path)
        await response.aread()
    except httpx2.HTTPError as exc:
        _count(errors, type(exc).__name__)
        return False
    if response.status_code != 200:
        _count(errors, str(response.status_code))
        return False
    return True


def _count(errors: dict[str, int], key: str) -> None:
    errors[key] = errors.get(key, 0) + 1


def _drain(base: str, token: str) -> float:
    """Wait until the server answers ``/me`` quickly again (the last route's queue is gone)."""
    import httpx2

    began = time.perf_counter()
    while time.perf_counter() - began < 120:
        sent = time.perf_counter()
        try:
            httpx2.get(
                base + "/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=30
            )
        except httpx2.HTTPError:
            continue
        if time.perf_counter() - sent < 0.05:
            break
        time.sleep(0.5)
    return time.perf_counter() - began


def _figures(name: str, sent: int, got: dict[str, Any]) -> dict[str, Any]:
    lat = sorted(got["latencies"])
    row: dict[str, Any] = {
        "route": name,
        "requests": sent,
        "ok": len(lat),
        "errors": got["errors"],
        "rate": round(len(lat) / got["elapsed"], 1) if got["elapsed"] else 0.0,
    }
    if lat:
        row |= {
            "p50": round(_pct(lat, 50), 1),
            "p95": round(_pct(lat, 95), 1),
            "p99": round(_pct(lat, 99), 1),
            "max": round(lat[-1], 1),
            "mean": round(statistics.fmean(lat), 1),
        }
    return row


def load_child(args: argparse.Namespace) -> None:
    info = json.loads(Path(args.info).read_text())
    rng = random.Random(SEED)
    base = f"http://127.0.0.1:{args.port}"
    drain_token = info["tokens"]["bench.county"]
    out: dict[str, list[dict[str, Any]]] = {"open": [], "closed": []}
    for name, user, path_of in routes(info):
        paths = [path_of(rng) for _ in range(args.requests)]
        token = info["tokens"][user]
        asyncio.run(_closed(base, token, paths[:50], 4, 1.0))  # warm: not counted
        _drain(base, drain_token)
        closed = _figures(name, 0, asyncio.run(_closed(base, token, paths, args.clients, 8.0)))
        closed["requests"] = closed["ok"] + sum(closed["errors"].values())
        out["closed"].append(closed)
        print(json.dumps({"closed": closed}), flush=True)
        _drain(base, drain_token)
        got = asyncio.run(_fire(base, token, paths, args.rate, args.in_flight, args.seconds))
        row = _figures(name, args.requests, got)
        row["drain_seconds"] = round(_drain(base, drain_token), 1)
        out["open"].append(row)
        print(json.dumps({"open": row}), flush=True)
    Path(args.out).write_text(json.dumps(out))


def _pct(values: list[float], p: float) -> float:
    k = (len(values) - 1) * p / 100
    low = int(k)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (k - low)


# --- the parent ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--requests", type=int, default=3000, help="per route")
    parser.add_argument("--rate", type=float, default=500.0, help="requests per second")
    parser.add_argument("--in-flight", type=int, default=64)
    parser.add_argument("--clients", type=int, default=8, help="closed-loop callers")
    parser.add_argument("--seconds", type=float, default=30.0, help="time bound per route")
    parser.add_argument("--workers", type=int, default=2, help="server processes on PostgreSQL")
    parser.add_argument("--port", type=int, default=8811)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--child", choices=["load"])
    parser.add_argument("--info")
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.child == "load":
        load_child(args)
        return
    results: list[dict[str, Any]] = []
    for backend in args.backends:
        info = build(backend, args.households, args.rebuild)
        folder = WORK / f"{backend}-{args.households}"
        (folder / "info.json").write_text(json.dumps(info))
        workers = 1 if backend == "sqlite" else args.workers
        harness.say(f"{backend}: serving with {workers} worker(s)")
        server = serve(info["url"], folder, args.port, workers)
        try:
            load = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    "load",
                    "--info",
                    str(folder / "info.json"),
                    "--out",
                    str(folder / "load.json"),
                    "--port",
                    str(args.port),
                    "--requests",
                    str(args.requests),
                    "--rate",
                    str(args.rate),
                    "--in-flight",
                    str(args.in_flight),
                    "--seconds",
                    str(args.seconds),
                    "--clients",
                    str(args.clients),
                ],
                cwd=ROOT,
                check=True,
            )
            del load
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        rows = json.loads((folder / "load.json").read_text())
        results.append(
            {
                "backend": backend,
                "workers": workers,
                "households": args.households,
                "build_seconds": info.get("build_seconds"),
                "rows": rows,
            }
        )
    _report(results, args)


def _report(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    meta = harness.machine(
        ["fastapi", "uvicorn", "uvloop", "httptools", "sqlalchemy", "psycopg", "httpx2"]
    )
    meta |= {
        "rate": args.rate,
        "requests": args.requests,
        "in_flight": args.in_flight,
        "seconds_bound": args.seconds,
        "clients": args.clients,
        "timeout": TIMEOUT,
    }
    harness.write_json(RESULTS / "api.json", {"machine": meta, "results": results})
    lines = [
        "# API latency under load",
        "",
        f"`bench/api.py`, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, commit "
        f"{meta.get('commit')}; load generator (a second process) and server on the same "
        "2 cores, over loopback. Latency in ms; the target is p95 ≤ 50 ms at 500 requests/s.",
        "",
        f"- **Open loop**: {args.requests:,} requests per route at {args.rate:g}/s (at most "
        f"{args.in_flight} in flight, {args.seconds:g} s bound, {TIMEOUT:g} s timeout); latency "
        "from the scheduled send, so a queue shows. `drain` is how long the server took "
        "afterwards to answer quickly again.",
        f"- **Closed loop**: {args.clients} callers back to back for 8 s: the most the server "
        "does on that route (rate) and its latency there.",
        "",
    ]
    for result in results:
        lines += [
            f"## {result['backend']} — {result['households']:,} households, "
            f"{result['workers']} worker(s)",
            "",
        ]
        for loop in ("open", "closed"):
            rows = result["rows"][loop]
            base = next((r for r in rows if r["route"].startswith("baseline")), {})
            lines += [
                f"{'Open' if loop == 'open' else 'Closed'} loop:",
                "",
                "| route | ok / sent | rate /s | p50 | p95 | p99 | max | p95 ÷ baseline | "
                "errors |" + (" drain s |" if loop == "open" else ""),
                "|---|---:|---:|---:|---:|---:|---:|---:|---|"
                + ("---:|" if loop == "open" else ""),
            ]
            for r in rows:
                ratio = f"{r['p95'] / base['p95']:.2f}" if r.get("p95") and base.get("p95") else "—"
                errors = ", ".join(f"{k}: {v}" for k, v in r["errors"].items()) or "—"
                line = (
                    f"| {r['route']} | {r['ok']:,} / {r['requests']:,} | {r['rate']:g} | "
                    f"{r.get('p50', '—')} | {r.get('p95', '—')} | {r.get('p99', '—')} | "
                    f"{r.get('max', '—')} | {ratio} | {errors} |"
                )
                if loop == "open":
                    line += f" {r.get('drain_seconds', '—')} |"
                lines.append(line)
            lines.append("")
    harness.write_keeping_notes(RESULTS / "api.md", lines)
    harness.say(f"results: {RESULTS / 'api.md'}")


if __name__ == "__main__":
    main()
