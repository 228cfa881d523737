"""Column checks judge each cell on its own: a neighbour never changes a cell's verdict."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from bottomline.ids import check_char
from bottomline.ingest.catalogue import FEEDS
from bottomline.ingest.enums import RejectReason
from bottomline.ingest.validate import check_chunk

BODY = "53232819800101001"
ID = BODY + check_char(BODY)
SPEC = FEEDS["civil_affairs"]
MAPPING = {c.name: c.header for c in SPEC.columns}


def _chunk(amounts: list[str], dates: list[str] | None = None) -> pa.Table:
    n = len(amounts)
    return pa.table(
        {
            "身份证号": [ID] * n,
            "姓名": ["张三"] * n,
            "救助类型": ["低保"] * n,
            "变动类型": ["新增"] * n,
            "起始日期": dates or ["2025-10-01"] * n,
            "月救助金额": amounts,
        }
    )


def _rejected(table: pa.Table) -> list[bool]:
    return check_chunk(table, SPEC, MAPPING, latest=dt.date(2025, 10, 31)).rejected.tolist()


@pytest.mark.parametrize("cell", ["1e5", "+12", "12.", ".5", "nan", "inf", "-3", "1 000"])
def test_an_unusual_number_is_judged_the_same_whatever_its_neighbour(cell: str) -> None:
    with_clean = _rejected(_chunk([cell, "2"]))[0]
    with_bad = _rejected(_chunk([cell, "abc"]))[0]
    assert with_clean == with_bad is True


@pytest.mark.parametrize("cell", ["650", "1,200.50", "0", "0.5"])
def test_plain_numbers_pass_whatever_their_neighbour(cell: str) -> None:
    assert _rejected(_chunk([cell, "abc"])) == [False, True]
    assert _rejected(_chunk([cell, "2"])) == [False, False]


@pytest.mark.parametrize("cell", ["2025-10-01", "2025/10/01", "20251001", "2025-10-01 08:30:00"])
def test_a_date_is_judged_the_same_whatever_its_neighbour(cell: str) -> None:
    assert _rejected(_chunk(["1", "1"], [cell, "2025-10-02"])) == [False, False]
    assert _rejected(_chunk(["1", "1"], [cell, "bad"])) == [False, True]


def test_every_problem_of_a_row_is_reported() -> None:
    checked = check_chunk(
        _chunk(["abc"], ["2025-13-01"]), SPEC, MAPPING, latest=dt.date(2025, 10, 31)
    )
    reasons = {(p.column, p.reason) for p in checked.problems}
    assert reasons == {
        ("amount", RejectReason.bad_number),
        ("start_date", RejectReason.bad_date),
    }
