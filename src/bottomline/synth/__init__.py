"""Synthetic rural population and monthly department data (合成数据), for demos, tests and
benchmarks. Deterministic by seed and vectorised; see docs/synth.md.

- :func:`generate_population` / :func:`population_for` → :class:`Population` (registry snapshot
  tables), :func:`write_snapshot` writes them as Parquet;
- :func:`simulate_panel` → :class:`Panel` (monthly shocks), :func:`write_feeds` writes the
  department files, :func:`write_truth` the ground truth;
- :func:`population_after` applies the panel's deaths and births up to a month, for a later
  registry export;
- :func:`write_registry_export` writes a population as the national monitoring system's
  member export (what ``bottomline import registry`` reads).
"""

from bottomline.synth.feeds import write_feeds
from bottomline.synth.panel import Panel, simulate_panel
from bottomline.synth.population import (
    Population,
    generate_population,
    population_for,
    write_snapshot,
)
from bottomline.synth.registry_export import write_income_collection, write_registry_export
from bottomline.synth.truth import write_truth
from bottomline.synth.vital import population_after

__all__ = [
    "Panel",
    "Population",
    "generate_population",
    "population_after",
    "population_for",
    "simulate_panel",
    "write_feeds",
    "write_income_collection",
    "write_registry_export",
    "write_snapshot",
    "write_truth",
]
