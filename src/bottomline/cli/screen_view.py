"""How a screening run is shown: leads by category and risk type, hits by rule, top leads."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.table import Table

from bottomline.cli.ui import console
from bottomline.screening.enums import Category, RiskType

if TYPE_CHECKING:  # screening pulls in ibis and duckdb: imported when used
    from bottomline.screening.engine import ScreeningResult


def _village_names(snapshot: Path) -> dict[str, str]:
    import pyarrow.parquet as pq

    regions = pq.read_table(snapshot / "regions.parquet", columns=["code", "name"])
    return dict(zip(regions["code"].to_pylist(), regions["name"].to_pylist(), strict=True))


def print_summary(result: ScreeningResult) -> None:
    leads = result.leads.to_pylist()
    table = Table(title=f"监测线索汇总 / leads of cycle {result.cycle}", show_lines=False)
    table.add_column("类型 / category")
    table.add_column("线索 / leads", justify="right")
    for cat in Category:
        table.add_row(cat.label, f"{sum(1 for lead in leads if lead['category'] == cat.value):,}")
    table.add_row("[bold]合计 / total[/bold]", f"[bold]{len(leads):,}[/bold]")
    console.print(table)
    console.print(
        f"无本周期有效收入数据 / without income data for the cycle: {result.without_income:,} "
        f"of {result.households:,} households (screened on department data and guarantees only)"
    )
    risks = Table(title="风险类型 / risk types (a lead may have several)")
    risks.add_column("风险类型 / risk type")
    risks.add_column("国家代码 / code")
    risks.add_column("线索 / leads", justify="right")
    counts: dict[str, int] = {}
    for lead in leads:
        for risk in lead["risk_types"]:
            counts[risk] = counts.get(risk, 0) + 1
    for risk, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        rt = RiskType(risk)
        risks.add_row(rt.label, rt.national_code or "—", f"{n:,}")
    console.print(risks)
    rules = Table(title="规则命中 / hits by rule")
    rules.add_column("规则 / rule")
    rules.add_column("命中 / hits", justify="right")
    for rule, n in sorted(result.hits_by_rule().items(), key=lambda kv: -kv[1]):
        rules.add_row(rule, f"{n:,}")
    console.print(rules)


def print_top_leads(result: ScreeningResult, snapshot: Path, limit: int) -> None:
    import pyarrow.parquet as pq

    from bottomline.screening.explain import explain_hit, hit_evidence

    names = _village_names(snapshot)
    households = pq.read_table(
        snapshot / "households.parquet", columns=["household_id", "household_no"]
    )
    numbers = dict(
        zip(
            households["household_id"].to_pylist(),
            households["household_no"].to_pylist(),
            strict=True,
        )
    )
    hits: dict[int, list[tuple[str, dict[str, object]]]] = {}
    for row in result.hits.to_pylist():
        hits.setdefault(row["household_id"], []).append((row["rule_id"], hit_evidence(row)))
    table = Table(title=f"重点线索 / top {limit} leads with their reasons", show_lines=True)
    table.add_column("户编号 / household", no_wrap=True)
    table.add_column("村 / village", no_wrap=True)
    table.add_column("类型 / category", no_wrap=True)
    table.add_column("理由 / reasons", overflow="fold", min_width=30)
    for lead in result.leads.to_pylist()[:limit]:
        hid = lead["household_id"]
        reasons = "\n".join(f"• {explain_hit(rule, ev)}" for rule, ev in hits[hid])
        table.add_row(
            numbers.get(hid, str(hid)),
            names.get(lead["village_code"], lead["village_code"]),
            Category(lead["category"]).zh,
            reasons,
        )
    console.print(table)
