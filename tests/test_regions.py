"""Region arithmetic on 12-digit division codes: levels, prefixes, ranges, containment."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bottomline import regions


@pytest.mark.parametrize(
    ("code", "level", "prefix", "low", "high"),
    [
        ("000000000000", "nation", "", "000000000000", "999999999999"),
        ("530000000000", "province", "53", "530000000000", "539999999999"),
        ("532300000000", "city", "5323", "532300000000", "532399999999"),
        ("532328000000", "county", "532328", "532328000000", "532328999999"),
        ("532328101000", "township", "532328101", "532328101000", "532328101999"),
        ("532328101201", "village", "532328101201", "532328101201", "532328101201"),
    ],
)
def test_levels_prefixes_and_ranges(
    code: str, level: str, prefix: str, low: str, high: str
) -> None:
    assert regions.level_of(code) == level
    assert regions.prefix(code) == prefix
    assert regions.code_range(code) == (low, high)
    assert regions.padded(prefix) == (code if level != "nation" else regions.NATIONAL_CODE)


def test_a_region_contains_only_its_own_subtree() -> None:
    assert regions.within("532328101201", "532328000000")
    assert not regions.within("532329101201", "532328000000")
    assert regions.within("532328101201", "000000000000")
    assert not regions.within("532328102201", "532328101000")
    assert regions.within("532328101000", "532328101000")


def test_ancestors_run_from_the_nation_down_to_the_code() -> None:
    assert list(regions.ancestors("532328101201")) == [
        "000000000000",
        "530000000000",
        "532300000000",
        "532328000000",
        "532328101000",
        "532328101201",
    ]
    assert list(regions.ancestors("532328000000"))[-1] == "532328000000"
    assert list(regions.ancestors("000000000000")) == ["000000000000"]


codes = st.text("0123456789", min_size=12, max_size=12)


@given(codes, codes)
def test_within_is_the_range_of_village_codes(code: str, scope: str) -> None:
    low, high = regions.code_range(scope)
    assert regions.within(code, scope) == (low <= code <= high)
