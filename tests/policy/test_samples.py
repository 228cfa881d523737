"""The sample policies in policies/: they load, cite their sources and resolve as documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bottomline.errors import PolicyError
from bottomline.policy import PolicyDocument, load_directory, load_document, resolve
from bottomline.policy.schema import NATIONAL_REGION
from bottomline.regions import NATIONAL_CODE
from bottomline.registry.divisions import division

POLICIES = Path(__file__).parents[2] / "policies"
SAMPLES = sorted(POLICIES.glob("*.toml"))
YUANMOU = "532328000000"

# region, year -> income line the sample sets (policy-notes §2)
LINES = {
    ("000000000000", 2021): 6000,
    ("210000000000", 2022): 7260,
    ("530000000000", 2025): 8700,
    ("620000000000", 2025): 8600,
    ("532328000000", 2023): 8050,
    ("350121000000", 2023): 10560,
    ("360703000000", 2024): 8500,
    ("350526000000", 2024): 19560,
    ("350982000000", 2022): 14670,
}


@pytest.fixture(scope="module")
def samples() -> list[PolicyDocument]:
    return load_directory(POLICIES)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_every_sample_loads_and_cites_a_source(path: Path) -> None:
    doc = load_document(path)
    assert re.search(r"\bS\d+\b", doc.source), "meta.source must cite an S-id of policy-notes"
    assert doc.region == NATIONAL_CODE or division(doc.region).code == doc.region


def test_sample_income_lines_are_the_sourced_figures(samples: list[PolicyDocument]) -> None:
    lines = {
        (d.region, d.year): d.get("standard.income_line")
        for d in samples
        if d.get("standard.income_line") is not None
    }
    assert lines == LINES


def test_yuanmou_2025_is_complete_with_yunnans_line(samples: list[PolicyDocument]) -> None:
    policy = resolve(samples, YUANMOU, 2025)
    flat = policy.flat()
    assert flat["income_line"] == 8700.0
    assert policy.problems() == []
    assert policy.provenance["standard.income_line"].region == "530000000000"
    assert [d.region for d in policy.superseded] == [YUANMOU]  # its 2023 line is out of date


def test_yuanmou_2023_uses_its_own_line(samples: list[PolicyDocument]) -> None:
    policy = resolve(samples, YUANMOU, 2023)
    assert policy.flat()["income_line"] == 8050.0
    assert policy.provenance["procedure.notice_days"].year == 2021


def test_village_of_yuanmou_gets_the_countys_policy(samples: list[PolicyDocument]) -> None:
    county = resolve(samples, YUANMOU, 2025)
    village = resolve(samples, "532328101201", 2025)
    assert village.ref == county.ref
    assert village.flat() == county.flat()


@pytest.mark.parametrize(
    ("region", "year", "line"),
    [
        ("210000000000", 2022, 7260.0),
        ("350121000000", 2023, 10560.0),
        ("360703000000", 2024, 8500.0),
        ("350526000000", 2024, 19560.0),
        ("350982000000", 2023, 14670.0),
        ("620000000000", 2025, 8600.0),
        ("440100000000", 2021, 6000.0),
    ],
)
def test_samples_resolve_where_documented(
    samples: list[PolicyDocument], region: str, year: int, line: float
) -> None:
    assert resolve(samples, region, year).flat()["income_line"] == line


@pytest.mark.parametrize(
    ("region", "year", "key"),
    [
        ("610100000000", 2025, "standard.income_line"),  # no Shaanxi 2025 line in the notes
        ("130727000000", 2022, "standard.prior_year_rural_disposable_income"),
        ("210000000000", 2024, "standard.income_line"),  # Liaoning 2022 superseded by 2024
    ],
)
def test_gaps_in_the_samples_fail_loudly(
    samples: list[PolicyDocument], region: str, year: int, key: str
) -> None:
    with pytest.raises(PolicyError, match=key) as raised:
        resolve(samples, region, year)
    assert region in raised.value.message


def test_xian_sets_only_its_medical_thresholds(samples: list[PolicyDocument]) -> None:
    policy = resolve(samples, "610100000000", 2025, complete=False)
    flat = policy.flat()
    assert (flat["medical_formerly_poor"], flat["medical_other"]) == (10000.0, 26000.0)
    assert policy.provenance["triggers.medical.window_months"].region == NATIONAL_CODE


def test_national_code_agrees_with_the_registry() -> None:
    assert NATIONAL_REGION == NATIONAL_CODE
