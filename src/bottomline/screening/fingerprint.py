"""The fingerprint of a clue's evidence, and screening that skips dismissed evidence.

A dismissed clue (cases: ``clue dismiss``) stores the fingerprint of the hits behind it: every
hit's rule id and evidence values, rounded so that the same facts computed again give the same
digits (amounts, counts, ranks, years and ids to whole units; shares to 0.1 percentage point).
Where an income came from (its source and date, text) is left out: the same amount recorded
again by another channel is the same fact; an income of another year is new evidence. A later
run that would raise the household on hits with the same fingerprint skips it (counted as
suppressed); new or changed evidence — another rule, another amount, a new income line — gives
another fingerprint and raises it again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine, select

from bottomline.db import session_scope
from bottomline.screening.engine import ScreeningResult
from bottomline.screening.enums import Triage
from bottomline.screening.explain import hit_evidence
from bottomline.screening.models import Lead

Evidence = Mapping[str, object]


def _numbers(evidence: Evidence) -> list[tuple[str, float | int | None]]:
    """The numeric evidence values (text such as an income's source is left out), rounded."""
    return sorted(
        (name, rounded(name, value))
        for name, value in evidence.items()
        if value is None or isinstance(value, int | float)
    )


def rounded(name: str, value: float | None) -> float | int | None:
    """An evidence value as the fingerprint keeps it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if name.endswith("_share"):
        return round(float(value), 3)
    return round(float(value))


def fingerprint(hits: Iterable[tuple[str, Evidence]]) -> str:
    """SHA-256 of the sorted (rule id, rounded evidence) of a household's hits."""
    keys = sorted(json.dumps([rule_id, _numbers(evidence)]) for rule_id, evidence in hits)
    return hashlib.sha256("\n".join(keys).encode()).hexdigest()


def dismissed_fingerprints(*, engine: Engine) -> dict[int, set[str]]:
    """Household id -> the fingerprints of its dismissed clues."""
    with session_scope(engine) as session:
        rows = session.execute(
            select(Lead.household_id, Lead.evidence_fingerprint).where(
                Lead.triage == Triage.dismissed.value, Lead.evidence_fingerprint.is_not(None)
            )
        ).all()
    found: dict[int, set[str]] = defaultdict(set)
    for household_id, digest in rows:
        found[household_id].add(str(digest))
    return dict(found)


def skip_dismissed(result: ScreeningResult, dismissed: Mapping[int, set[str]]) -> ScreeningResult:
    """The result without the leads whose hits carry a dismissed clue's fingerprint."""
    if not dismissed or result.leads.num_rows == 0:
        return result
    candidates = pa.array(list(dismissed), pa.int64())
    hits = result.hits.filter(pc.is_in(result.hits["household_id"], value_set=candidates))
    by_household: dict[int, list[tuple[str, Evidence]]] = defaultdict(list)
    for hit in hits.to_pylist():
        by_household[hit["household_id"]].append((hit["rule_id"], hit_evidence(hit)))
    same = [hid for hid, found in by_household.items() if fingerprint(found) in dismissed[hid]]
    if not same:
        return result
    keep = pc.invert(pc.is_in(result.leads["household_id"], value_set=pa.array(same, pa.int64())))
    leads = result.leads.filter(keep)
    skipped = result.leads.num_rows - leads.num_rows
    return dataclasses.replace(
        result,
        leads=leads,
        suppressed=result.suppressed + skipped,
        suppressed_dismissed=skipped,
    )
