"""Every row of a department file is accounted for: accepted + rejected + unmatched = rows in.

Hypothesis writes civil-affairs CSV files mixing good rows, people not in the registry, rows
with every kind of bad value, malformed records, blank lines, lines of only delimiters (not
rows: they keep their numbers but are not counted) and exact duplicates, in one of the
encodings departments use. The test knows, from how it built each file, which rows must be
accepted, rejected and unmatched, and checks the import's counts, staged rows and rejects
report against that, row number by row number.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bottomline.sources as sources
from bottomline.db import make_engine, upgrade
from bottomline.ids import check_char
from bottomline.ingest.actions import ImportReport, import_feed, open_feed_file
from bottomline.ingest.catalogue import FEEDS
from bottomline.ingest.enums import Unmatched
from bottomline.ingest.match import MemberIndex
from bottomline.ingest.store import unmatched_path
from bottomline.registry.queries import MEMBER_INDEX
from bottomline.users.actor import SYSTEM

FEED = FEEDS["civil_affairs"]
PERIOD = "2025-10"
HEADER = ["身份证号", "姓名", "救助类型", "变动类型", "起始日期", "月救助金额"]
BORN = dt.date(1980, 1, 1)


def resident_id(seq: int) -> str:
    body = f"53232819800101{seq:03d}"
    return body + check_char(body)


MEMBER_IDS = [resident_id(seq) for seq in range(40)]
OUTSIDER_IDS = [resident_id(seq) for seq in range(500, 540)]
MEMBER_NAMES = [f"李{a}{b}" for a in "甲乙丙丁" for b in "一二三四五六七八九十"]
MEMBERS = MemberIndex(
    pa.table(
        {
            "id_number": MEMBER_IDS,
            "member_id": [1000 + i for i in range(40)],
            "household_id": [100 + i // 3 for i in range(40)],
            "name": MEMBER_NAMES,
            "birth_date": [BORN] * 40,
        },
        schema=MEMBER_INDEX,
    )
)
FORMULAS = ["=1+2", "+1", "@x", "-3", '=HYPERLINK("http://x")']
TYPES = {**FEED.column("assistance_type").codes, "dibao": "dibao", "temporary": "temporary"}
CHANGES = FEED.column("change").codes
DATE_FORMS: list[Callable[[dt.date], str]] = [
    lambda d: d.isoformat(),
    lambda d: d.strftime("%Y/%m/%d"),
    lambda d: d.strftime("%Y%m%d"),
    lambda d: d.strftime("%Y.%m.%d"),
    lambda d: f"{d.year}/{d.month}/{d.day}",  # as Excel writes dates into a CSV
    lambda d: f"{d.isoformat()} 00:00:00",  # a date cell with a time of day
    lambda d: f"{d.year}/{d.month}/{d.day} 14:30",
]


@dataclass
class Expected:
    """What the file holds, by row number, as the test wrote it."""

    rows_in: int = 0
    accepted: dict[int, tuple[int, str, str, dt.date, float, str | None]] = field(
        default_factory=dict
    )
    unmatched: set[int] = field(default_factory=set)
    needs_confirmation: int = 0
    rejected: set[int] = field(default_factory=set)
    malformed: int = 0  # records with the wrong number of fields, copies included
    duplicates: int = 0  # extra copies of rows that passed the checks
    ids_written: set[str] = field(default_factory=set)


@dataclass
class Record:
    kind: str
    cells: list[str]
    # A good row: (member_id, assistance type code, change code, start date, amount, name).
    staged: tuple[int, str, str, dt.date, float, str | None] | None = None
    copy_of: str | None = None  # a duplicate: the kind of the row it copies

    @property
    def origin(self) -> str:
        return self.copy_of or self.kind


def good_cells(
    data: st.DataObject, id_number: str, name: str
) -> tuple[list[str], tuple[str, str, dt.date, float]]:
    """A valid row for ``id_number``, its cells written in one of the accepted forms."""
    kind = data.draw(st.sampled_from(sorted(TYPES)))
    change = data.draw(st.sampled_from(sorted(CHANGES)))
    day = data.draw(st.dates(dt.date(1950, 1, 1), dt.date(2025, 10, 31)))
    cents = data.draw(st.integers(0, 2_000_000))
    amount_form = data.draw(st.sampled_from(["{:.2f}", "{:,.2f}", "{:.0f}"]))
    amount = cents / 100 if amount_form != "{:.0f}" else float(cents // 100)
    id_form = data.draw(st.sampled_from(["plain", "spaced", "lower", "full-width"]))
    if id_form == "spaced":
        id_number = f"  {id_number} "
    elif id_form == "lower":
        id_number = id_number.lower()
    elif id_form == "full-width":
        id_number = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in id_number)
    cells = [
        id_number,
        name,
        kind,
        change,
        data.draw(st.sampled_from(DATE_FORMS))(day),
        amount_form.format(amount),
    ]
    return cells, (TYPES[kind], CHANGES[change], day, amount)


def bad_cells(data: st.DataObject, defect: str) -> list[str]:
    """A row with exactly one kind of defect (it may hit any column)."""
    id_number = data.draw(st.sampled_from(MEMBER_IDS + OUTSIDER_IDS))
    cells, _ = good_cells(data, id_number, data.draw(st.sampled_from(["", "张三", *FORMULAS])))
    if defect == "bad_id":
        wrong = next(c for c in "0123456789X" if c != id_number[-1])
        cells[0] = data.draw(
            st.sampled_from(
                [id_number[:17] + wrong, id_number[:17], id_number[:16] + "AB", "身份证号码缺失"]
            )
        )
    elif defect == "bad_code":
        column = data.draw(st.sampled_from([2, 3]))
        cells[column] = data.draw(st.sampled_from(["低保户", "退保", "其他", "Dibao"]))
    elif defect == "bad_date":
        cells[4] = data.draw(
            st.sampled_from(
                ["2025-13-01", "2025-00-10", "十月一日", "2025-10", "2025-02-30", "2024/4/31 8:00"]
            )
        )
    elif defect == "date_out_of_range":
        cells[4] = data.draw(st.sampled_from(["2025-11-01", "2026-01-15", "1949-12-31"]))
    elif defect == "negative":
        cells[5] = data.draw(st.sampled_from(["-5", "-0.01", "-1,000.00"]))
    elif defect == "huge":
        cells[5] = data.draw(st.sampled_from(["20000.01", "99999", "1e9", "2,000,000"]))
    elif defect == "not_a_number":
        cells[5] = data.draw(st.sampled_from(["abc", "12元", "NaN", "inf"]))
    elif defect == "missing":
        column = data.draw(st.sampled_from([0, 2, 3, 4, 5]))
        cells[column] = data.draw(st.sampled_from(["", "   "]))
    elif defect == "too_long":
        cells[1] = "长" * 101
    else:
        raise AssertionError(defect)
    return cells


DEFECTS = [
    "bad_id",
    "bad_code",
    "bad_date",
    "date_out_of_range",
    "negative",
    "huge",
    "not_a_number",
    "missing",
    "too_long",
]
PASSING = ("good", "outsider", "outsider_named")  # rows that pass every check
NOT_ROWS = ("blank", "empty")  # a blank line, and a line of only delimiters (",,,,,")
KINDS = ["good", "outsider", "outsider_named", "malformed", *NOT_ROWS, "duplicate", *DEFECTS]


def build(data: st.DataObject) -> tuple[list[Record], int]:
    """The records of one file (blank and empty ones included) and the number of title rows."""
    kinds = data.draw(st.lists(st.sampled_from(KINDS), max_size=30))
    members = iter(data.draw(st.permutations(range(len(MEMBER_IDS)))))
    outsiders = iter(data.draw(st.permutations(range(len(OUTSIDER_IDS)))))
    records: list[Record] = []
    for kind in kinds:
        if kind == "good":
            i = next(members)
            name = data.draw(st.sampled_from([MEMBER_NAMES[i], "", "张\n三", *FORMULAS]))
            cells, typed = good_cells(data, MEMBER_IDS[i], name)
            records.append(Record(kind, cells, (1000 + i, *typed, name or None)))
        elif kind in ("outsider", "outsider_named"):
            i = next(outsiders)
            if kind == "outsider":
                name = data.draw(st.sampled_from(["", "王外来", *FORMULAS]))
            else:
                name = data.draw(st.sampled_from(MEMBER_NAMES))
            records.append(Record(kind, good_cells(data, OUTSIDER_IDS[i], name)[0]))
        elif kind == "malformed":
            width = data.draw(st.sampled_from([1, 2, 5, 7, 8]))
            records.append(Record(kind, [f"x{j}" for j in range(width)]))
        elif kind == "blank":
            records.append(Record(kind, []))
        elif kind == "empty":
            records.append(Record(kind, [""] * len(HEADER)))
        elif kind == "duplicate":
            earlier = [r for r in records if r.kind not in NOT_ROWS]
            if earlier:
                copied = data.draw(st.sampled_from(earlier))
                records.append(Record(kind, list(copied.cells), copy_of=copied.origin))
        else:
            records.append(Record(kind, bad_cells(data, kind)))
    return records, data.draw(st.integers(0, 2))


def expectation(records: list[Record], titles: int) -> Expected:
    """The counts the import must report, from how each record was built."""
    expected = Expected()
    number = titles + 1  # the header row
    for record in records:
        number += 1
        if record.kind in NOT_ROWS:  # not a row, but it keeps its number
            continue
        expected.rows_in += 1
        if record.cells:
            expected.ids_written.add(record.cells[0].strip())
        if record.staged is not None:
            expected.accepted[number] = record.staged
        elif record.kind in ("outsider", "outsider_named"):
            expected.unmatched.add(number)
            expected.needs_confirmation += int(record.kind == "outsider_named")
        else:  # malformed, bad values, and every extra copy of an earlier row
            expected.rejected.add(number)
        expected.malformed += int(record.origin == "malformed")
        expected.duplicates += int(record.origin in PASSING and record.kind == "duplicate")
    return expected


def csv_line(cells: list[str], newline: str) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator=newline).writerow(cells)
    return out.getvalue().encode()


def write_file(path: Path, records: list[Record], titles: int, encoding: str, newline: str) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    for t in range(titles):
        writer.writerow([f"2025年10月民政救助名单（第{t + 1}页）"])
    writer.writerow(HEADER)
    for record in records:
        if record.cells:
            writer.writerow(record.cells)
        else:
            out.write(newline)
    path.write_bytes(out.getvalue().encode(encoding))


@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    block=st.sampled_from([16 << 20, 512, 1024]),
)
def test_every_row_is_accepted_rejected_or_unmatched(
    data: st.DataObject, encoding: str, newline: str, block: int
) -> None:
    records, titles = build(data)
    expected = expectation(records, titles)
    # Small blocks split the file into several chunks (row numbers, ordinals and duplicates
    # must hold across them). A block must hold the longest record (measured as UTF-8, which
    # the reader turns GB18030 into), or the file is refused (tests/test_sources.py).
    longest = max([len(csv_line(r.cells, newline)) for r in records if r.cells], default=0)
    assert longest <= min(block, 512)
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as patch:
        patch.setattr(sources, "BLOCK_BYTES", block)
        root = Path(tmp)
        path = root / "民政救助.csv"
        write_file(path, records, titles, encoding, newline)
        engine = make_engine(f"sqlite:///{root / 's.db'}")
        try:
            upgrade(engine)
            source = open_feed_file(path, feed=FEED.name)
            report = import_feed(
                source,
                actor=SYSTEM,
                engine=engine,
                feed=FEED.name,
                period=PERIOD,
                members=MEMBERS,
                feeds_dir=root / "feeds",
                reports_dir=root / "reports",
            )
        finally:
            engine.dispose()
        assert report.status == "committed"
        assert report.rows_in == expected.rows_in
        assert report.accepted + report.rejected + report.unmatched == report.rows_in
        assert report.balanced
        assert (report.accepted, report.rejected, report.unmatched) == (
            len(expected.accepted),
            len(expected.rejected),
            len(expected.unmatched),
        )
        assert report.needs_confirmation == expected.needs_confirmation
        reasons_by_code = {r.code: r.rows for r in report.reasons if not r.column}
        assert reasons_by_code.get("malformed", 0) == expected.malformed
        assert reasons_by_code.get("duplicate", 0) == expected.duplicates
        check_staged(report.staged, expected)
        unmatched = pq.read_table(
            unmatched_path(root / "feeds", FEED.name, PERIOD, report.batch_id)
        )
        assert sorted(unmatched["source_row"].to_pylist()) == sorted(expected.unmatched)
        reasons = unmatched["reason"].to_pylist()
        assert reasons.count(Unmatched.needs_confirmation.value) == expected.needs_confirmation
        check_rejects(report.rejects, expected)


def check_staged(staged: Path | None, expected: Expected) -> None:
    assert staged is not None
    table = pq.read_table(staged)
    assert table.num_rows == len(expected.accepted)
    got = {
        r["source_row"]: (
            r["member_id"],
            r["assistance_type"],
            r["change"],
            r["start_date"],
            r["amount"],
            r["name"],
        )
        for r in table.to_pylist()
    }
    assert got == expected.accepted
    assert set(table["period"].to_pylist()) == ({PERIOD} if expected.accepted else set())


def check_rejects(rejects: Path | None, expected: Expected) -> None:
    assert rejects is not None
    text = rejects.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))[1:]
    assert {int(r[2]) for r in rows} == expected.rejected
    for id_number in expected.ids_written:
        if len(id_number) == 18:
            assert id_number not in text


def import_rows(root: Path, rows: list[list[str]]) -> ImportReport:
    """Import a civil-affairs CSV of ``rows`` into a fresh store under ``root``."""
    path = root / "f.csv"
    write_file(path, [Record("row", r) for r in rows], 0, "utf-8", "\n")
    return import_file(root, path)


def import_file(root: Path, path: Path) -> ImportReport:
    """Import ``path`` as civil-affairs data into a fresh store under ``root``."""
    engine = make_engine(f"sqlite:///{root / 's.db'}")
    try:
        upgrade(engine)
        return import_feed(
            open_feed_file(path, feed=FEED.name),
            actor=SYSTEM,
            engine=engine,
            feed=FEED.name,
            period=PERIOD,
            members=MEMBERS,
            feeds_dir=root / "feeds",
            reports_dir=root / "reports",
        )
    finally:
        engine.dispose()


def test_a_known_file_reconciles_exactly(tmp_path: Path) -> None:
    good = [MEMBER_IDS[0], "=1+2", "低保", "新增", "2025/10/1", "650"]
    rows = [
        good,
        [OUTSIDER_IDS[0], MEMBER_NAMES[5], "特困", "续保", "2025-09-30", "1,200.50"],
        [MEMBER_IDS[1], "", "低保户", "新增", "2025-10-01", "650"],
        [MEMBER_IDS[2], "", "低保", "新增", "2025-10-01", "-3"],
        good,
        ["x", "y"],
    ]
    report = import_rows(tmp_path, rows)
    assert (report.rows_in, report.accepted, report.rejected, report.unmatched) == (6, 1, 4, 1)
    assert report.needs_confirmation == 1
    assert sorted((r.code, r.column, r.rows) for r in report.reasons) == [
        ("bad_code", "救助类型", 1),
        ("bad_number", "月救助金额", 1),
        ("duplicate", "", 1),
        ("malformed", "", 1),
    ]
    assert report.staged is not None
    staged = pq.read_table(report.staged).to_pylist()
    assert [(r["source_row"], r["name"], r["start_date"], r["amount"]) for r in staged] == [
        (2, "=1+2", dt.date(2025, 10, 1), 650.0)
    ]


@pytest.mark.parametrize(
    "day",
    [
        "2025-02-30",
        "2025-02-29",
        "2025-04-31",
        "2025/06/31",
        "2025/2/30",
        "20250230",
        "2025.02.30",
        "2025-02-30 10:00:00",
        "2025-10-00",
    ],
)
def test_a_day_that_does_not_exist_is_rejected(tmp_path: Path, day: str) -> None:
    """An impossible day is rejected, never rolled over into the next month."""
    rows = [
        [MEMBER_IDS[0], "", "低保", "新增", "2025-10-01", "650"],
        [MEMBER_IDS[1], "", "低保", "新增", day, "650"],
    ]
    report = import_rows(tmp_path, rows)
    assert (report.rows_in, report.accepted, report.rejected) == (2, 1, 1)
    assert [(r.code, r.column, r.rows) for r in report.reasons] == [("bad_date", "起始日期", 1)]
    assert report.staged is not None
    staged = pq.read_table(report.staged).to_pylist()
    assert [(r["source_row"], r["start_date"]) for r in staged] == [(2, dt.date(2025, 10, 1))]


@pytest.mark.parametrize(
    "day",
    ["2025-10-03 14:30:00", "2025-10-03 00:00:00", "2025/10/3 14:30", "2025-10-03T09:05"],
)
def test_a_csv_date_with_a_time_of_day_is_that_date(tmp_path: Path, day: str) -> None:
    rows = [[MEMBER_IDS[0], "", "低保", "新增", day, "650"]]
    report = import_rows(tmp_path, rows)
    assert (report.rows_in, report.accepted, report.rejected) == (1, 1, 0)
    assert report.staged is not None
    staged = pq.read_table(report.staged).to_pylist()
    assert [(r["source_row"], r["start_date"]) for r in staged] == [(2, dt.date(2025, 10, 3))]


def test_an_xlsx_date_with_a_time_of_day_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "f.xlsx"
    with xlsxwriter.Workbook(path) as book:
        sheet = book.add_worksheet("名单")
        stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        sheet.write_row(0, 0, HEADER)
        sheet.write_row(1, 0, [MEMBER_IDS[0], "", "低保", "新增"])
        sheet.write_datetime(1, 4, dt.datetime(2025, 10, 3, 14, 30), stamp)
        sheet.write_number(1, 5, 650)
    report = import_file(tmp_path, path)
    assert (report.rows_in, report.accepted, report.rejected) == (1, 1, 0)
    assert report.staged is not None
    staged = pq.read_table(report.staged).to_pylist()
    assert [(r["source_row"], r["start_date"]) for r in staged] == [(2, dt.date(2025, 10, 3))]
