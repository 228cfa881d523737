"""Small synthetic populations shared by the synth tests (built once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bottomline.synth.feeds import write_feeds
from bottomline.synth.panel import Panel, simulate_panel
from bottomline.synth.population import Population, population_for

COUNTY = "532328000000"  # 元谋县
PROVINCE = "530000000000"  # 云南省
YEAR = 2025
LINE = 8700.0  # Yunnan 2025 monitoring line (policy-notes S21)


@pytest.fixture(scope="session")
def county_pop() -> Population:
    return population_for(scope=COUNTY, households=2000, seed=11, year=YEAR)


@pytest.fixture(scope="session")
def province_pop() -> Population:
    return population_for(scope=PROVINCE, households=6000, seed=5, year=YEAR)


@pytest.fixture(scope="session")
def panel(county_pop: Population) -> Panel:
    return simulate_panel(county_pop, first_period="2026-01", months=12, seed=3)


@pytest.fixture(scope="session")
def feed_dir(
    panel: Panel, county_pop: Population, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    out = tmp_path_factory.mktemp("feeds")
    write_feeds(panel, county_pop, out)
    return out
