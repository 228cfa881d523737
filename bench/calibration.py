"""Calibration of the synthetic county against published figures (docs/synth.md, issue 9 §6).

Generates the demo county (元谋县, 100,000 households, seed 20251023, cycle 2025-10 with 3
months of department data), imports its department files as batches, screens the cycle with the
engine, and writes ``bench/results/calibration.md`` and ``calibration.json``: leads per cycle,
by category and by risk type, formerly poor against other households' per-capita income, the
monitored stock of the registry, deaths and births per month, each next to the published figure
and the target range derived from it (the derivation is in docs/synth.md).

    uv run python bench/calibration.py
    uv run python bench/calibration.py --households 20000   # a quick look (shares, not counts)

The engine covers the registry's monitored households (not yet eliminated) for their recorded
risk types in every run. Besides the first cycle, the next one (one more month of department
data from the same panel) is screened with every lead of the first covered for its risk types,
as if all had been triaged: the monthly flow once the backlog is dealt with, which is what the
published yearly figures compare with (docs/synth.md, "Steady state").
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
SCOPE = "532328000000"  # 元谋县, the demo county
SEED = 20251023  # the demo's seed
CYCLE = "2025-10"  # the demo's cycle
MONTHS = 3  # the demo's months of department data
# A rule whose status the rules engineer is deciding (issue 9 §5: a member without basic medical
# insurance may become an enrolment task for the medical insurance department, not a risk).
UNINSURED_RULE = "guarantee.medical_insurance"
# Settlements the three protections (basic insurance, 大病保险, 医疗救助) all apply to: what the
# registry's compliant medical spending counts (docs/synth.md). The rules sum every settlement.
PROTECTED_VISITS = ("inpatient", "chronic_outpatient")
# Clues per identification [B] (docs/synth.md, "Derived targets"): a year's identifications are
# estimated as 12 cycles' leads over this range; compared with Baoshan's ≈1 % a year.
CLUES_PER_IDENTIFICATION = (3.0, 10.0)

# Target ranges derived from published figures (docs/synth.md, "Calibration targets").
TARGETS: dict[str, tuple[float, float]] = {
    "leads_share_covered": (0.0015, 0.010),
    "leads_share_projected": (0.0015, 0.010),
    "leads_share_protected_feed": (0.0015, 0.010),
    "leads_share_next_cycle": (0.0015, 0.010),
    "identified_per_year_high": (0.005, 0.02),
    "identified_per_year_low": (0.005, 0.02),
    "identified_per_year_steady_high": (0.005, 0.02),
    "identified_per_year_steady_low": (0.005, 0.02),
    "sudden_share": (0.30, 0.60),
    "unstable_share": (0.15, 0.40),
    "marginal_share": (0.15, 0.45),
    "other_risk_share": (0.0, 0.10),
    "formerly_poor_over_others_median": (0.65, 0.90),
    "monitored_ever_share": (0.025, 0.06),
    "monitored_open_share": (0.005, 0.02),
    "eliminated_share_of_ever": (0.60, 0.80),
    "monitored_formerly_poor_share": (0.35, 0.50),
    "deaths_per_1000_people_year": (5.0, 9.0),
    "births_per_1000_people_year": (6.0, 12.0),
}


def _stage(files: list[Path], work: Path, snapshot: Path) -> dict[str, int]:
    """Import every department file as a batch, as the demo does; rows accepted per feed."""
    from bottomline.db import make_engine, upgrade
    from bottomline.ingest.actions import import_feed, open_feed_file
    from bottomline.ingest.match import MemberIndex
    from bottomline.users.actor import SYSTEM

    members = MemberIndex(
        pq.read_table(
            snapshot / "members.parquet",
            columns=["id_number", "member_id", "household_id", "name", "birth_date"],
        )
    )
    engine = make_engine(f"sqlite:///{(work / 'batches.db').resolve()}")
    upgrade(engine)
    rows: Counter[str] = Counter()
    for path in files:
        report = import_feed(
            open_feed_file(path, feed=path.stem),
            engine=engine,
            actor=SYSTEM,
            feed=path.stem,
            period=path.parent.name,
            members=members,
            feeds_dir=work / "staged",
            reports_dir=work / "reports",
        )
        rows[path.stem] += report.accepted
    engine.dispose()
    return dict(rows)


def protected_only(staged: Path, out: Path) -> Path:
    """A copy of the staged feeds whose medical rows are only the settlements the three
    protections apply to (``PROTECTED_VISITS``): a projection of rules that count those."""
    shutil.copytree(staged, out)
    for path in sorted((out / "medical").glob("period=*/*.parquet")):
        table = pq.read_table(path)
        keep = pc.is_in(table["visit_type"], pa.array(PROTECTED_VISITS))
        pq.write_table(table.filter(keep), path)
    return out


def identifications(leads_share: float, prefix: str = "identified_per_year") -> dict[str, float]:
    """Households identified a year, as a share of households, from one cycle's leads: 12
    cycles' clues over 3–10 clues per identification [B]. The first cycle carries part of the
    backlog, so from it this is an upper estimate of a steady year; from the next cycle (the
    first one's leads triaged) it is the steady estimate."""
    lo, hi = CLUES_PER_IDENTIFICATION
    return {f"{prefix}_high": 12 * leads_share / lo, f"{prefix}_low": 12 * leads_share / hi}


def covered_by_leads(leads: pa.Table) -> pa.Table:
    """(household_id, risk_type) of every lead, as covered once it has been triaged (an open
    case or a dismissed clue covers its risk types)."""
    from bottomline.screening.engine import COVERED_SCHEMA

    ids = leads["household_id"].to_pylist()
    risks = leads["risk_types"].to_pylist()
    pairs = [(hid, r) for hid, rs in zip(ids, risks, strict=True) for r in rs]
    return pa.table(
        {
            "household_id": pa.array([p[0] for p in pairs], pa.int64()),
            "risk_type": pa.array([p[1] for p in pairs], pa.string()),
        },
        schema=COVERED_SCHEMA,
    )


def covered_by_registry(households: pa.Table, *, other_too: bool = False) -> pa.Table:
    """(household_id, risk_type) of households the registry still monitors (risk not eliminated).

    ``other_too`` also covers "other" for them: a projection of a risk-type derivation that names
    the recorded cause instead of "other" (the rules engineer's change), not what runs today.
    """
    from bottomline.screening.engine import COVERED_SCHEMA

    open_ = households.filter(
        pc.and_(
            pc.is_valid(households["monitoring_category"]),
            pc.is_null(households["risk_eliminated_on"]),
        )
    )
    ids = open_["household_id"].to_pylist()
    risks = open_["monitoring_risks"].to_pylist()
    extra = ["other"] if other_too else []
    pairs = [(hid, r) for hid, rs in zip(ids, risks, strict=True) for r in [*rs, *extra]]
    return pa.table(
        {
            "household_id": pa.array([p[0] for p in pairs], pa.int64()),
            "risk_type": pa.array([p[1] for p in pairs], pa.string()),
        },
        schema=COVERED_SCHEMA,
    )


def lead_figures(leads: pa.Table, households: int) -> dict[str, Any]:
    categories = Counter(leads["category"].to_pylist())
    risks: Counter[str] = Counter()
    for row in leads["risk_types"].to_pylist():
        risks.update(row)
    n = max(leads.num_rows, 1)
    mentions = max(sum(risks.values()), 1)
    return {
        "leads": leads.num_rows,
        "leads_share": leads.num_rows / households,
        "by_category": {k: categories.get(k, 0) for k in ("unstable", "marginal", "sudden")},
        "unstable_share": categories.get("unstable", 0) / n,
        "marginal_share": categories.get("marginal", 0) / n,
        "sudden_share": categories.get("sudden", 0) / n,
        "by_risk_type": dict(risks.most_common()),
        "other_risk_share": risks.get("other", 0) / mentions,
    }


def leads_by_rule(leads: pa.Table) -> dict[str, int]:
    """Leads a rule is part of (a lead may list several rules)."""
    counts: Counter[str] = Counter()
    for rules in leads["rule_ids"].to_pylist():
        counts.update(rules)
    return dict(counts.most_common())


def income_figures(pop: Any) -> dict[str, Any]:
    from bottomline.registry.columns import INCOME_COLUMNS

    inc = pop.tables["incomes"].filter(pc.equal(pop.tables["incomes"]["year"], pop.year))
    net = sum(inc[c].to_numpy().astype(float) for c in INCOME_COLUMNS) - inc[
        "production_costs"
    ].to_numpy().astype(float)
    hh = pop.tables["households"]
    size = np.bincount(pop.tables["members"]["household_id"].to_numpy(), minlength=hh.num_rows + 1)[
        inc["household_id"].to_numpy()
    ]
    pcap = net / size
    poor = hh["formerly_poor"].to_numpy(zero_copy_only=False)[inc["household_id"].to_numpy() - 1]
    out: dict[str, Any] = {}
    for name, mask in (("formerly_poor", poor), ("others", ~poor), ("all", np.ones_like(poor))):
        vals = pcap[mask]
        out[name] = {
            "households": int(mask.sum()),
            "mean": float(vals.mean()),
            "median": float(np.median(vals)),
            "below_8700": float((vals < 8700).mean()),
        }
    out["formerly_poor_over_others_median"] = (
        out["formerly_poor"]["median"] / out["others"]["median"]
    )
    out["formerly_poor_over_others_mean"] = out["formerly_poor"]["mean"] / out["others"]["mean"]
    return out


def monitoring_figures(households: pa.Table) -> dict[str, Any]:
    n = households.num_rows
    cat = households["monitoring_category"].to_pylist()
    eliminated = households["risk_eliminated_on"].is_valid().to_numpy(zero_copy_only=False)
    ever = np.array([c is not None for c in cat])
    poor = households["formerly_poor"].to_numpy(zero_copy_only=False)
    risks: Counter[str] = Counter()
    for row in households.filter(pa.array(ever))["monitoring_risks"].to_pylist():
        risks.update(row)
    cats = Counter(c for c in cat if c is not None)
    ever_n = max(int(ever.sum()), 1)
    return {
        "monitored_ever": int(ever.sum()),
        "monitored_ever_share": ever.sum() / n,
        "monitored_open": int((ever & ~eliminated).sum()),
        "monitored_open_share": (ever & ~eliminated).sum() / n,
        "eliminated": int((ever & eliminated).sum()),
        "eliminated_share_of_ever": (ever & eliminated).sum() / ever_n,
        "monitored_formerly_poor_share": (ever & poor).sum() / ever_n,
        "by_category": {k: cats.get(k, 0) / ever_n for k in ("unstable", "marginal", "sudden")},
        "by_risk_type": {k: v / ever_n for k, v in risks.most_common()},
    }


def vital_figures(panel: Any, people: int, months: int) -> dict[str, Any]:
    """Deaths and births of the cycle's months (the panel's first ``months``)."""
    deaths = np.bincount(panel.events["deaths"]["month"], minlength=panel.months)[:months]
    born = panel.events.get("births", {"month": np.zeros(0, np.int64)})
    births = np.bincount(born["month"], minlength=panel.months)[:months]
    return {
        "deaths_by_month": deaths.tolist(),
        "births_by_month": births.tolist(),
        "deaths_per_1000_people_year": float(deaths.mean() * 12 / people * 1000),
        "births_per_1000_people_year": float(births.mean() * 12 / people * 1000),
    }


def measure(households: int, seed: int, cycle: str, months: int, work: Path) -> dict[str, Any]:
    from bottomline.ingest.catalogue import period_index, period_of
    from bottomline.policy import load_directory, policy_table
    from bottomline.screening.engine import screen
    from bottomline.screening.rules import RULES
    from bottomline.synth import population_for, simulate_panel, write_feeds, write_snapshot

    t0 = time.perf_counter()
    pop = population_for(scope=SCOPE, households=households, seed=seed, year=int(cycle[:4]))
    seconds = {"population": time.perf_counter() - t0}
    snapshot = work / "snap"
    write_snapshot(pop, snapshot)
    first = period_of(period_index(cycle) - months + 1)
    next_cycle = period_of(period_index(cycle) + 1)
    t0 = time.perf_counter()
    # One month more than the cycle reads: the next cycle's department data. The cycle's
    # screening reads its window only (feeds up to its month), so the extra month is unseen.
    panel = simulate_panel(pop, first_period=first, months=months + 1, seed=seed)
    seconds["panel"] = time.perf_counter() - t0
    files = write_feeds(panel, pop, work / "raw")
    staged = _stage(files, work, snapshot)
    villages = pc.unique(pop.tables["households"]["village_code"]).to_pylist()
    policy = policy_table(load_directory(ROOT / "policies"), int(cycle[:4]), villages)
    t0 = time.perf_counter()
    plain = screen(snapshot_dir=snapshot, staged_dir=work / "staged", policy=policy, cycle=cycle)
    covered = covered_by_registry(pop.tables["households"])
    with_cover = screen(
        snapshot_dir=snapshot,
        staged_dir=work / "staged",
        policy=policy,
        cycle=cycle,
        covered=covered,
    )
    without_uninsured = screen(
        snapshot_dir=snapshot,
        staged_dir=work / "staged",
        policy=policy,
        cycle=cycle,
        covered=covered,
        rules=tuple(rule for rule in RULES if rule.id != UNINSURED_RULE),
    )
    projected = screen(
        snapshot_dir=snapshot,
        staged_dir=work / "staged",
        policy=policy,
        cycle=cycle,
        covered=covered_by_registry(pop.tables["households"], other_too=True),
        rules=tuple(rule for rule in RULES if rule.id != UNINSURED_RULE),
    )
    protected = screen(
        snapshot_dir=snapshot,
        staged_dir=protected_only(work / "staged", work / "staged-protected"),
        policy=policy,
        cycle=cycle,
        covered=covered,
    )
    following = screen(
        snapshot_dir=snapshot,
        staged_dir=work / "staged",
        policy=policy,
        cycle=next_cycle,
        covered=pa.concat_tables([covered, covered_by_leads(with_cover.leads)]),
    )
    seconds["screening"] = time.perf_counter() - t0
    people = pop.tables["members"].num_rows
    return {
        "scope": SCOPE,
        "households": households,
        "people": people,
        "seed": seed,
        "cycle": cycle,
        "months": months,
        "staged_rows": staged,
        "hits_by_rule": plain.hits_by_rule(),
        "leads_uncovered": lead_figures(plain.leads, households),
        "leads_covered": lead_figures(with_cover.leads, households),
        "leads_covered_no_uninsured": lead_figures(without_uninsured.leads, households),
        "leads_projected": lead_figures(projected.leads, households),
        "leads_protected_feed": lead_figures(protected.leads, households),
        "protected_feed_leads_by_rule": leads_by_rule(protected.leads),
        "next_cycle": next_cycle,
        "leads_next_cycle": lead_figures(following.leads, households),
        "next_cycle_leads_by_rule": leads_by_rule(following.leads),
        "oop": oop_figures(pop),
        "covered_leads_by_rule": leads_by_rule(with_cover.leads),
        "incomes": income_figures(pop),
        "monitoring": monitoring_figures(pop.tables["households"]),
        "vital": vital_figures(panel, people, months),
        "seconds": {k: round(v, 2) for k, v in seconds.items()},
    }


def oop_figures(pop: Any) -> dict[str, Any]:
    """Compliant out-of-pocket spending of year Y per household, and how many households above
    the line it takes under it (the 2024 wording of rigid expenditure, on registry data)."""
    from bottomline.registry.columns import INCOME_COLUMNS

    inc = pop.tables["incomes"].filter(pc.equal(pop.tables["incomes"]["year"], pop.year))
    col = {
        c: inc[c].to_numpy().astype(float)
        for c in (*INCOME_COLUMNS, "production_costs", "medical_oop", "education_oop")
    }
    net = sum(col[c] for c in INCOME_COLUMNS) - col["production_costs"]
    n = pop.tables["households"].num_rows
    size = np.bincount(pop.tables["members"]["household_id"].to_numpy(), minlength=n + 1)[
        inc["household_id"].to_numpy()
    ]
    rigid = col["medical_oop"] + col["education_oop"]
    line = 8700.0
    out: dict[str, Any] = {}
    for name, v in (
        ("medical", col["medical_oop"]),
        ("education", col["education_oop"]),
        ("rigid", rigid),
    ):
        out[name] = {
            "share_paying": float((v > 0).mean()),
            "mean": float(v.mean()),
            "median": float(np.median(v)),
            "p90": float(np.quantile(v, 0.9)),
            "p99": float(np.quantile(v, 0.99)),
            "median_of_payers": float(np.median(v[v > 0])) if (v > 0).any() else 0.0,
        }
    pcap = net / size
    out["pushed_below_share"] = float(
        ((pcap >= line) & (rigid > 0) & (pcap - rigid / size < line)).mean()
    )
    return out


def checks(r: dict[str, Any]) -> dict[str, float]:
    """The measured value of every target."""
    lc = r["leads_covered"]
    return {
        "leads_share_covered": lc["leads_share"],
        "leads_share_projected": r["leads_projected"]["leads_share"],
        "leads_share_protected_feed": r["leads_protected_feed"]["leads_share"],
        "leads_share_next_cycle": r["leads_next_cycle"]["leads_share"],
        **identifications(lc["leads_share"]),
        **identifications(r["leads_next_cycle"]["leads_share"], "identified_per_year_steady"),
        "sudden_share": lc["sudden_share"],
        "unstable_share": lc["unstable_share"],
        "marginal_share": lc["marginal_share"],
        "other_risk_share": lc["other_risk_share"],
        "formerly_poor_over_others_median": r["incomes"]["formerly_poor_over_others_median"],
        "monitored_ever_share": r["monitoring"]["monitored_ever_share"],
        "monitored_open_share": r["monitoring"]["monitored_open_share"],
        "eliminated_share_of_ever": r["monitoring"]["eliminated_share_of_ever"],
        "monitored_formerly_poor_share": r["monitoring"]["monitored_formerly_poor_share"],
        "deaths_per_1000_people_year": r["vital"]["deaths_per_1000_people_year"],
        "births_per_1000_people_year": r["vital"]["births_per_1000_people_year"],
    }


PUBLISHED = {
    "leads_share_covered": "new identifications ≈1.0 % of households a year (Baoshan 2021); "
    "clues 3–10 per identification [B]",
    "leads_share_projected": "the same, for the projection of the rule changes (not a run of them)",
    "leads_share_protected_feed": "the same, projected: expenditure.rigid too counting only the "
    "medical feed's inpatient and 门诊慢特病 settlements (dept.medical_bill does, by policy; "
    "not a run of the rules as they are)",
    "leads_share_next_cycle": "the same: the next cycle, the first one's leads triaged (the "
    "steady monthly flow the yearly figures compare with)",
    "identified_per_year_high": "≈1.0 % of households newly identified a year (Baoshan 2021); "
    "estimate: 12 first cycles' leads / 3 clues per identification [B] (backlog included)",
    "identified_per_year_low": "the same, 12 first cycles' leads / 10 clues per identification [B]",
    "identified_per_year_steady_high": "the same, 12 next cycles' leads / 3 clues per "
    "identification [B]",
    "identified_per_year_steady_low": "the same, 12 next cycles' leads / 10 clues per "
    "identification [B]",
    "sudden_share": "37.5 % of monitored households (national 2021–25); 59 % of 2021 new "
    "identifications (Baoshan)",
    "unstable_share": "26.4 % (national); 25 % of 2021 new identifications (Baoshan)",
    "marginal_share": "36.1 % (national); 16 % of 2021 new identifications (Baoshan)",
    "other_risk_share": "no published shares by risk type; 其他 is a residual [B]",
    "formerly_poor_over_others_median": "脱贫县 rural income 14,051 vs national rural 18,931 "
    "(2021): 0.74",
    "monitored_ever_share": "Baoshan end-2021: 16,369 households, 2.63 % of the rural "
    "population; national 2.611 M households 2021–25",
    "monitored_open_share": "Baoshan end-2021: 9,087 not eliminated (0.55 of the stock); "
    "national > 60 % eliminated by 2023, ~75 % by 2025",
    "eliminated_share_of_ever": "> 60 % of monitored people by 2023 (S62); 7 M of about 8.6 M "
    "people by 2025 (S61, S60) [B]",
    "monitored_formerly_poor_share": "42 % formerly poor (national 2021–25)",
    "deaths_per_1000_people_year": "national crude death rate 7.8 ‰ (2023), rural higher [B]",
    "births_per_1000_people_year": "national crude birth rate 6.4 ‰ (2023), Yunnan ~8–9 ‰ [B]",
}


def report(r: dict[str, Any]) -> list[str]:
    values = checks(r)
    lines = [
        "# Calibration of the synthetic county",
        "",
        f"元谋县 ({r['scope']}), {r['households']:,} households, {r['people']:,} people, "
        f"seed {r['seed']}, cycle {r['cycle']} ({r['months']} months of department data). "
        "Written by `bench/calibration.py`; derivations and sources in docs/synth.md.",
        "",
        "| figure | measured | target | published |",
        "|---|---|---|---|",
    ]
    for key, (lo, hi) in TARGETS.items():
        v = values[key]
        ok = "✓" if lo <= v <= hi else "✗"
        lines.append(f"| {key} | {v:.4g} {ok} | {lo:g}–{hi:g} | {PUBLISHED[key]} |")
    lc = r["leads_covered"]
    runs = (
        r["leads_uncovered"],
        lc,
        r["leads_covered_no_uninsured"],
        r["leads_projected"],
        r["leads_protected_feed"],
        r["leads_next_cycle"],
    )
    lines += [
        "",
        "## Leads of the cycle",
        "",
        "| | nothing covered | monitored households covered | covered, without "
        f'`{UNINSURED_RULE}` | projection: also "other" covered | projection: medical feed '
        f"only inpatient and 门诊慢特病 | next cycle {r['next_cycle']}, the first's leads "
        "triaged |",
        "|---|---|---|---|---|---|---|",
        "| leads | " + " | ".join(f"{x['leads']:,} ({x['leads_share']:.2%})" for x in runs) + " |",
    ]
    for cat in ("unstable", "marginal", "sudden"):
        cells = [f"{x['by_category'][cat]:,} ({x[cat + '_share']:.0%})" for x in runs]
        lines.append(f"| {cat} | " + " | ".join(cells) + " |")
    lines.append(
        '| risk type "other" (share of mentions) | '
        + " | ".join(f"{x['other_risk_share']:.0%}" for x in runs)
        + " |"
    )
    lines += [
        "",
        "Risk types of leads (covered run): "
        + ", ".join(f"{k} {v:,}" for k, v in lc["by_risk_type"].items()),
        "",
        "Leads of the covered run a rule is part of: "
        + ", ".join(f"{k} {v:,}" for k, v in r["covered_leads_by_rule"].items()),
        "",
        "Leads of the projection with the protected medical settlements only, by rule: "
        + ", ".join(f"{k} {v:,}" for k, v in r["protected_feed_leads_by_rule"].items()),
        "",
        f"Leads of the next cycle ({r['next_cycle']}, the first cycle's leads covered), by rule: "
        + ", ".join(f"{k} {v:,}" for k, v in r["next_cycle_leads_by_rule"].items()),
        "",
        "Hits by rule (nothing covered): "
        + ", ".join(
            f"{k} {v:,}" for k, v in sorted(r["hits_by_rule"].items(), key=lambda kv: -kv[1])
        ),
    ]
    inc = r["incomes"]
    lines += [
        "",
        "## Per-capita net income of year Y",
        "",
        "| | households | mean | median | below 8,700 |",
        "|---|---|---|---|---|",
    ]
    for name in ("formerly_poor", "others", "all"):
        g = inc[name]
        lines.append(
            f"| {name} | {g['households']:,} | {g['mean']:,.0f} | {g['median']:,.0f} | "
            f"{g['below_8700']:.1%} |"
        )
    oop = r["oop"]
    lines += [
        "",
        "## Compliant out-of-pocket spending of year Y (per household, yuan)",
        "",
        "| | paying | mean | median | p90 | p99 | median of those paying |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in ("medical", "education", "rigid"):
        g = oop[name]
        lines.append(
            f"| {name} | {g['share_paying']:.1%} | {g['mean']:,.0f} | {g['median']:,.0f} | "
            f"{g['p90']:,.0f} | {g['p99']:,.0f} | {g['median_of_payers']:,.0f} |"
        )
    ident = identifications(lc["leads_share"])
    nc = r["leads_next_cycle"]
    steady = identifications(nc["leads_share"], "identified_per_year_steady")
    lines += [
        "",
        f"Households above 8,700 whose income after it is under 8,700 (registry data): "
        f"{oop['pushed_below_share']:.2%}.",
        "",
        "## Identified households a year (estimate)",
        "",
        f"12 cycles × {lc['leads_share']:.2%} of households as clues, 3–10 clues per "
        f"identification [B]: {ident['identified_per_year_low']:.2%}–"
        f"{ident['identified_per_year_high']:.2%} of households a year, against ≈1.0 % "
        "(Baoshan 2021). The first cycle also raises part of the backlog, so a steady year "
        "is lower.",
        "",
        f"Steady: 12 cycles × {nc['leads_share']:.2%} (the next cycle, {r['next_cycle']}, with "
        f"the first one's leads triaged): {steady['identified_per_year_steady_low']:.2%}–"
        f"{steady['identified_per_year_steady_high']:.2%} of households a year. This is the "
        "figure the published yearly identifications compare with.",
    ]
    mon = r["monitoring"]
    lines += [
        "",
        "## Monitoring recorded in the registry",
        "",
        f"- ever monitored: {mon['monitored_ever']:,} ({mon['monitored_ever_share']:.2%}); "
        f"still monitored: {mon['monitored_open']:,} ({mon['monitored_open_share']:.2%}); "
        f"eliminated: {mon['eliminated']:,} ({mon['eliminated_share_of_ever']:.0%} of ever)",
        f"- formerly poor among them: {mon['monitored_formerly_poor_share']:.0%}",
        "- by category: " + ", ".join(f"{k} {v:.1%}" for k, v in mon["by_category"].items()),
        "- risk types (share of monitored households): "
        + ", ".join(f"{k} {v:.0%}" for k, v in mon["by_risk_type"].items()),
        "",
        "## Deaths and births",
        "",
        f"- deaths by month: {r['vital']['deaths_by_month']} "
        f"({r['vital']['deaths_per_1000_people_year']:.1f} ‰ a year)",
        f"- births by month: {r['vital']['births_by_month']} "
        f"({r['vital']['births_per_1000_people_year']:.1f} ‰ a year)",
        "",
        f"Timings (s): {r['seconds']}",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--cycle", default=CYCLE)
    parser.add_argument("--months", type=int, default=MONTHS)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="calibration-"))
    try:
        result = measure(args.households, args.seed, args.cycle, args.months, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "calibration.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    text = "\n".join(report(result)) + "\n"
    (args.out / "calibration.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
