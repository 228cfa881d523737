"""One screening cycle against the operational store: snapshot → screen → record leads.

``run_cycle`` exports a snapshot of the registry, resolves the policy of every village for the
cycle's year, screens with the open leads as already-covered risks, skips households whose hits
carry the evidence of a dismissed clue (``fingerprint.skip_dismissed``), stores the run, its
leads (pending clues) and their hits (one transaction, with the acting user's audit row), and
writes hits and leads as Parquet beside the snapshot.

A run records a digest of what it read (the snapshot's files, the feed batches of the cycle's
window, the effective policies and the rules' versions). Running a cycle again over the same
inputs changes nothing: the earlier run is returned, marked ``unchanged``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import Engine, Select, insert, select
from sqlalchemy.orm import Session

from bottomline import audit
from bottomline.db import session_scope
from bottomline.errors import InputFileError, PermissionDenied, UserError
from bottomline.policy import PolicyDocument, effective_policies, policy_table
from bottomline.policy.actions import store_documents
from bottomline.registry.snapshot import export_snapshot
from bottomline.screening.engine import COVERED_SCHEMA, ScreeningResult, feed_files, screen
from bottomline.screening.explain import hit_evidence
from bottomline.screening.fingerprint import dismissed_fingerprints, skip_dismissed
from bottomline.screening.models import Lead, LeadHit, ScreeningRun
from bottomline.screening.rules import RULES
from bottomline.screening.views import Cycle
from bottomline.users.actor import Actor


@dataclass(slots=True)
class CycleOutcome:
    run_id: int
    result: ScreeningResult | None  # None when the inputs were those of run ``run_id``
    results_dir: Path
    unchanged: bool = False


def village_policies(
    snapshot_dir: Path, documents: list[PolicyDocument], year: int
) -> tuple[pa.Table, dict[str, dict[str, object]]]:
    """The per-village policy table and, by ref, the effective policies a run records."""
    if not (snapshot_dir / "households.parquet").is_file():
        raise InputFileError(
            f"{snapshot_dir} 中没有登记库快照（缺少 households.parquet） / "
            f"no registry snapshot in {snapshot_dir} (households.parquet is missing)",
            hint="快照目录须由模拟数据生成或数据库导出写成 / "
            "use a snapshot directory written by the synthetic-data generator or a store export",
            reason="snapshot_missing",
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


def inputs_digest(
    snapshot_dir: Path, staged_dir: Path | None, cycle: str, policies: dict[str, dict[str, object]]
) -> str:
    """SHA-256 of what a run reads: the snapshot's files, the names of the committed feed batch
    files of the cycle's window (a batch's file never changes), the effective policies and the
    rules with their versions."""
    digest = hashlib.sha256(cycle.encode())
    for path in sorted(snapshot_dir.glob("*.parquet")):
        digest.update(path.name.encode())
        with path.open("rb") as fh:
            digest.update(hashlib.file_digest(fh, "sha256").digest())
    for path in feed_files(staged_dir, Cycle(cycle)):
        digest.update(str(path.relative_to(staged_dir)).encode() if staged_dir else b"")
    digest.update(json.dumps(policies, sort_keys=True, default=str).encode())
    digest.update(json.dumps([(r.id, r.version) for r in RULES]).encode())
    return digest.hexdigest()


def _same_inputs(engine: Engine, cycle: str, scope_code: str, digest: str) -> int | None:
    """The latest run of the cycle and scope, if it read exactly these inputs."""
    with session_scope(engine) as session:
        latest = session.scalars(
            select(ScreeningRun)
            .where(ScreeningRun.cycle == cycle, ScreeningRun.scope_code == scope_code)
            .order_by(ScreeningRun.id.desc())
            .limit(1)
        ).first()
        if latest is not None and latest.summary.get("inputs_sha256") == digest:
            return latest.id
    return None


def record_run(
    *,
    engine: Engine,
    result: ScreeningResult,
    scope_code: str,
    policies: dict[str, dict[str, object]],
    documents: list[PolicyDocument],
    actor: Actor,
    inputs_sha256: str = "",
) -> int:
    """Store the run, its leads, every hit behind them and the policy documents (kept once each),
    with the acting user's audit row, in one transaction."""
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
            summary=run_summary(result) | {"inputs_sha256": inputs_sha256},
            finished_at=dt.datetime.now(dt.UTC),
        )
        session.add(run)
        store_documents(session=session, documents=documents, actor=actor)
        session.flush()
        # In bulk: one INSERT … RETURNING for the leads (ids in the rows' order), one for their
        # hits (not a flush and a statement per lead).
        lead_ids: Sequence[int] = (
            session.execute(
                insert(Lead).returning(Lead.id, sort_by_parameter_order=True),
                [
                    {
                        "run_id": run.id,
                        "household_id": row["household_id"],
                        "village_code": row["village_code"],
                        "cycle": result.cycle,
                        "category": row["category"],
                        "risk_types": sorted(row["risk_types"]),
                        "policy_ref": row["policy_ref"],
                    }
                    for row in leads
                ],
            )
            .scalars()
            .all()
            if leads
            else []
        )
        hit_rows = [
            _hit_row(lead_id, hit)
            for lead_id, row in zip(lead_ids, leads, strict=True)
            for hit in hits_by_household[row["household_id"]]
        ]
        if hit_rows:
            session.execute(insert(LeadHit), hit_rows)
        _audit_run(session, run, actor)
        return run.id


def _audit_run(session: Session, run: ScreeningRun, actor: Actor) -> None:
    change = audit.Change(
        "screening.run",
        "screening_run",
        run.id,
        region_code=run.scope_code,
        after={
            "cycle": run.cycle,
            "households": run.households_screened,
            "hits": run.hits,
            "leads_raised": run.leads_raised,
            "leads_suppressed": run.leads_suppressed,
            "inputs_sha256": run.summary.get("inputs_sha256"),
        },
    )
    audit.record(session, change, actor=actor.name, role=actor.role.value)


def run_summary(result: ScreeningResult) -> dict[str, object]:
    """What a run records beside its counts: hits per rule, households without income data for
    the cycle (screened on department data and guarantees only), households skipped for the
    evidence of a dismissed clue, timings."""
    return {
        "hits_by_rule": result.hits_by_rule(),
        "households_without_income": result.without_income,
        "suppressed_dismissed": result.suppressed_dismissed,
        "timings": result.timings,
    }


def _hit_row(lead_id: int, hit: dict[str, object]) -> dict[str, object]:
    return {
        "lead_id": lead_id,
        "rule_id": hit["rule_id"],
        "rule_version": hit["rule_version"],
        "policy_ref": hit["policy_ref"],
        "evidence": hit_evidence(hit),
    }


def run_cycle(
    *,
    engine: Engine,
    data_dir: Path,
    cycle: str,
    scope_code: str,
    documents: list[PolicyDocument],
    staged_dir: Path | None,
    actor: Actor,
    extra_tables: Mapping[str, Select[Any]] | None,
    progress: Callable[[str], None] | None = None,
) -> CycleOutcome:
    """Screen the store for ``cycle`` as ``actor`` (who must cover ``scope_code``).

    ``extra_tables``: queries of the snapshot's extra tables (follow-ups,
    ``assistance.queries.followups_snapshot``), given by a caller that may read them; required,
    so no caller leaves the follow-ups out by forgetting them (None writes them empty).
    """
    if not actor.covers(scope_code):
        raise PermissionDenied(
            f"{actor} 无权筛查 {scope_code} / {actor} cannot screen {scope_code}",
            hint="请筛查本辖区 / screen your own region",
        )
    say = progress or (lambda _m: None)
    results_dir = data_dir / "results" / cycle
    snapshot_dir = results_dir / "snapshot"
    say("导出登记库快照 / exporting the registry snapshot")
    export_snapshot(engine=engine, out_dir=snapshot_dir, extra=extra_tables)
    if pq.read_metadata(snapshot_dir / "households.parquet").num_rows == 0:
        raise UserError(
            "登记库中没有户 / the registry holds no households",
            hint="请先导入登记库 / load a registry first",
            reason="registry_empty",
        )
    say("确定适用政策 / resolving policies")
    table, used = village_policies(snapshot_dir, documents, int(cycle[:4]))
    digest = inputs_digest(snapshot_dir, staged_dir, cycle, used)
    previous = _same_inputs(engine, cycle, scope_code, digest)
    if previous is not None:
        return CycleOutcome(run_id=previous, result=None, results_dir=results_dir, unchanged=True)
    result = screen(
        snapshot_dir=snapshot_dir,
        staged_dir=staged_dir,
        policy=table,
        cycle=cycle,
        covered=open_risks(engine=engine),
        progress=say,
    )
    result = skip_dismissed(result, dismissed_fingerprints(engine=engine))
    say("记录线索 / recording leads")
    run_id = record_run(
        engine=engine,
        result=result,
        scope_code=scope_code,
        policies=used,
        documents=documents,
        actor=actor,
        inputs_sha256=digest,
    )
    pq.write_table(result.hits, results_dir / "hits.parquet")
    pq.write_table(result.leads, results_dir / "leads.parquet")
    return CycleOutcome(run_id=run_id, result=result, results_dir=results_dir)
