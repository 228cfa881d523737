"""Telling a department file's feed and month from its name, folder and header."""

from __future__ import annotations

from pathlib import Path

import pytest

from bottomline.ingest.catalogue import FEEDS
from bottomline.ingest.detect import feed_in_name, feed_of_header, guess_period, months_in


@pytest.mark.parametrize("name", sorted(FEEDS))
def test_every_feed_is_told_by_its_headers_alone(name: str) -> None:
    feed = FEEDS[name]
    headers = [c.header for c in feed.columns]
    assert feed_of_header(headers, "export.csv").feed is feed
    required = [c.aliases[0] if c.aliases else c.header for c in feed.columns if c.required]
    assert feed_of_header(required, "export.csv").feed is feed  # aliases, optional columns left out


def test_a_header_missing_a_column_names_the_closest_feed_and_what_it_lacks() -> None:
    guess = feed_of_header(["身份证号", "姓名", "救助类型", "变动类型", "起始日期"], "x.csv")
    assert guess.feed is None
    assert guess.closest is FEEDS["civil_affairs"]
    assert guess.missing == ("月救助金额",)
    nothing = feed_of_header(["身份证号", "备注"], "x.csv")
    assert (nothing.feed, nothing.closest) == (None, None)  # an ID column alone is no feed's


def test_a_header_fitting_two_feeds_is_settled_by_the_name_or_not_at_all() -> None:
    both = [c.header for c in FEEDS["water"].columns] + [c.header for c in FEEDS["housing"].columns]
    assert feed_of_header(both, "合并.csv").feed is None
    assert set(feed_of_header(both, "合并.csv").fitting) == {"water", "housing"}
    assert feed_of_header(both, "饮水安全.csv").feed is FEEDS["water"]


@pytest.mark.parametrize(
    ("file_name", "feed"),
    [
        ("medical.csv", "medical"),
        ("医保10月.xlsx", "medical"),
        ("医疗保障局结算明细.csv", "medical"),
        ("民政（更正）.csv", "civil_affairs"),
        ("2025-10 human_resources.csv", "human_resources"),
        ("残疾人证.xlsx", "disabled"),
        ("民政医疗救助.csv", None),  # two departments' words: the header decides
        ("export.csv", None),
    ],
)
def test_a_file_name_names_at_most_one_feed(file_name: str, feed: str | None) -> None:
    found = feed_in_name(file_name)
    assert (found.name if found else None) == feed


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("2025-10", {"2025-10"}),
        ("2025_10", {"2025-10"}),
        ("2025.1", {"2025-01"}),
        ("202510", {"2025-10"}),
        ("医保结算2025年10月", {"2025-10"}),
        ("v2025-10-final", {"2025-10"}),
        ("2024-9 医保", {"2024-09"}),
        ("2025-10与2025-11", {"2025-10", "2025-11"}),
        # not months: a full date (often the day the file was sent), a 13th month, 7 digits
        ("2025-11-03", set()),
        ("20251103", set()),
        ("2025年11月3日", set()),
        ("2025-13", set()),
        ("202513", set()),
        ("x2025101", set()),
        ("raw", set()),
    ],
)
def test_months_are_read_from_names_as_clerks_write_them(text: str, months: set[str]) -> None:
    assert months_in(text) == months


def test_the_period_comes_from_the_name_then_the_folder_then_the_folder_above(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "2025年10月" / "医保"
    assert guess_period(folder / "结算2025-09.csv").period == "2025-09"
    found = guess_period(folder / "结算.csv")
    assert (found.period, found.source) == ("2025-10", "2025年10月")
    assert guess_period(tmp_path / "a" / "b" / "c" / "结算.csv").period is None
    two = guess_period(folder / "2025-09至2025-10.csv")
    assert (two.period, two.conflicting) == (None, ("2025-09", "2025-10"))
