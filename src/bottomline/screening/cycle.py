"""One screening cycle against the operational store: snapshot → screen → record leads.

``run_cycle`` exports a snapshot of the registry, resolves the policy of every village for the
cycle's year, screens with the open leads as already-covered risks, skips households whose hits
carry the evidence of a dismissed clue (``fingerprint.skip_dismissed``), stores the run, its
leads (pending clues) and their hits (one transaction), and writes hits and leads as Parquet
beside the snapshot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import Engine, insert, select

from bottomline.db import session_scope
from bottomline.errors import InputFileError, UserError
from bottomline.policy import PolicyDocument, effective_policies, policy_table
from bottomline.policy.actions import store_documents
from bottomline.registry.snapshot import export_snapshot
from bottomline.screening.engine import COVERED_SCHEMA, ScreeningResult, screen
from bottomline.screening.explain import evidence_dict
from bottomline.screening.fingerprint import dismissed_fingerprints, skip_dismissed
from bottomline.screening.models import Lead, LeadHit, ScreeningRun


@dataclass(slots=True)
class CycleOutcome:
    run_id: int
    result: ScreeningResult
    results_dir: Path


def village_policies(
    snapshot_dir: Path, documents: list[PolicyDocument], year: int
) -> tuple[pa.Table, dict[str, dict[str, object]]]:
    """The per-village policy table and, by ref, the effective policies a run records."""
    if not (snapshot_dir / "households.parquet").is_file():
        raise InputFileError(
            f"no registry snapshot in {snapshot_dir} (households.parquet is missing)",
            hint="point --snapshot at a directory written by `bottomline generate` or a store export",
        )
    villages = pc.unique(
        pq.read_table(snapshot_dir / "households.parquet", columns=["village_code"])["village_code"]
    )
    codes = villages.to_pylist()
    table = policy_table(documents, year, codes)
    used = {ref: pol.to_record() for ref, pol in effective_policies(documents, year, codes).items()}
    return table, used


def open_risks(*, engine: Engine) -> pa.Table:
    """(household_id, risk_type) covered by open leads: not raised again."""
    with session_scope(engine) as session:
        rows = session.execute(
            select(Lead.household_id, Lead.risk_types).where(Lead.status == "open")
        ).all()
    pairs = [(hid, risk) for hid, risks in rows for risk in risks]
    return pa.table(
        {
            "household_id": pa.array([p[0] for p in pairs], pa.int64()),
            "risk_type": pa.array([p[1] for p in pairs], pa.string()),
        },
        schema=COVERED_SCHEMA,
    )


def record_run(
    *,
    engine: Engine,
    result: ScreeningResult,
    scope_code: str,
    policies: dict[str, dict[str, object]],
    documents: list[PolicyDocument],
) -> int:
    """Store the run, its leads, every hit behind them and the policy documents (kept once each)."""
    leads = result.leads.to_pylist()
    hits_by_household: dict[int, list[dict[str, object]]] = {}
    for hit in result.hits.to_pylist():
        hits_by_household.setdefault(hit["household_id"], []).append(hit)
    with session_scope(engine) as session:
        run = ScreeningRun(
            cycle=result.cycle,
            scope_code=scope_code,
            year=int(result.cycle[:4]),
            engine="duckdb",
            households_screened=result.households,
            hits=result.hits.num_rows,
            leads_raised=len(leads),
            leads_suppressed=result.suppressed,
            policies=policies,
            summary={
                "hits_by_rule": result.hits_by_rule(),
                "timings": result.timings,
                "suppressed_dismissed": result.suppressed_dismissed,
            },
            finished_at=dt.datetime.now(dt.UTC),
        )
        session.add(run)
        store_documents(session=session, documents=documents)
        session.flush()
        for lead_row in leads:
            lead = Lead(
                run_id=run.id,
                household_id=lead_row["household_id"],
                cycle=result.cycle,
                category=lead_row["category"],
                risk_types=sorted(lead_row["risk_types"]),
                policy_ref=lead_row["policy_ref"],
            )
            session.add(lead)
            session.flush()
            session.execute(
                insert(LeadHit),
                [_hit_row(lead.id, h) for h in hits_by_household[lead_row["household_id"]]],
            )
        return run.id


def _hit_row(lead_id: int, hit: dict[str, object]) -> dict[str, object]:
    slots = [hit["v1"], hit["v2"], hit["v3"]]
    return {
        "lead_id": lead_id,
        "rule_id": hit["rule_id"],
        "rule_version": hit["rule_version"],
        "policy_ref": hit["policy_ref"],
        "evidence": evidence_dict(str(hit["rule_id"]), slots),  # type: ignore[arg-type]
    }


def run_cycle(
    *,
    engine: Engine,
    data_dir: Path,
    cycle: str,
    scope_code: str,
    documents: list[PolicyDocument],
    staged_dir: Path | None,
    progress: Callable[[str], None] | None = None,
) -> CycleOutcome:
    say = progress or (lambda _m: None)
    results_dir = data_dir / "results" / cycle
    snapshot_dir = results_dir / "snapshot"
    say("exporting the registry snapshot")
    export_snapshot(engine=engine, out_dir=snapshot_dir)
    if pq.read_metadata(snapshot_dir / "households.parquet").num_rows == 0:
        raise UserError(
            "the registry holds no households",
            hint="load a registry first, e.g. run `bottomline demo`",
        )
    say("resolving policies")
    table, used = village_policies(snapshot_dir, documents, int(cycle[:4]))
    result = screen(
        snapshot_dir=snapshot_dir,
        staged_dir=staged_dir,
        policy=table,
        cycle=cycle,
        covered=open_risks(engine=engine),
        progress=say,
    )
    result = skip_dismissed(result, dismissed_fingerprints(engine=engine))
    say("recording leads")
    run_id = record_run(
        engine=engine, result=result, scope_code=scope_code, policies=used, documents=documents
    )
    pq.write_table(result.hits, results_dir / "hits.parquet")
    pq.write_table(result.leads, results_dir / "leads.parquet")
    return CycleOutcome(run_id=run_id, result=result, results_dir=results_dir)
