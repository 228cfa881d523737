from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from bottomline.synth.panel import Panel
from bottomline.synth.population import Population
from bottomline.synth.truth import TRUTH, household_truth, write_truth

from .conftest import LINE


def test_truth_has_one_row_per_household(
    panel: Panel, county_pop: Population, tmp_path: Path
) -> None:
    path = write_truth(panel, county_pop, tmp_path / "truth.parquet", line=LINE)
    table = pq.read_table(path)
    assert table.schema.equals(TRUTH)
    ids = table["household_id"].to_numpy()
    assert np.array_equal(ids, county_pop.tables["households"]["household_id"].to_numpy())


def test_truth_flags_agree_with_income(panel: Panel, county_pop: Population) -> None:
    truth = household_truth(panel, county_pop, LINE).to_pandas()
    assert (truth.fell_below_line == (truth.true_pc_income < LINE)).all()
    assert truth[truth.fell_below_line].first_period_below.notna().all()
    assert set(truth.first_period_below.dropna()) <= set(panel.periods)
    assert 0.01 <= truth.fell_below_line.mean() <= 0.25
    assert set(truth.main_cause) >= {"none", "illness", "low_income"}


def test_a_higher_line_catches_more(panel: Panel, county_pop: Population) -> None:
    low = household_truth(panel, county_pop, 6000.0)["fell_below_line"].to_numpy()
    high = household_truth(panel, county_pop, 12000.0)["fell_below_line"].to_numpy()
    assert high.sum() > low.sum()
    assert not (low & ~high).any()


def test_big_medical_bills_drive_falls(panel: Panel, county_pop: Population) -> None:
    truth = household_truth(panel, county_pop, LINE).to_pandas()
    stays = panel.events["inpatient"]
    big = np.unique(panel.people.household[stays["person"][stays["self_pay"] >= 1_000_000]])
    hit = truth.household_id.isin(big + 1)
    assert hit.sum() >= 10
    assert truth[hit].fell_below_line.mean() > 2 * truth[~hit].fell_below_line.mean()
    assert (truth[hit & truth.fell_below_line].main_cause == "illness").mean() > 0.5


def test_job_losses_lower_true_income(panel: Panel, county_pop: Population) -> None:
    jobs = panel.events["jobs"]
    lost = np.unique(panel.people.household[jobs["person"][jobs["event"] < 2]]) + 1
    truth = household_truth(panel, county_pop, LINE).to_pandas().set_index("household_id")
    assert (truth.loc[lost].main_cause == "job_loss").mean() > 0.3
