"""A month sent twice never doubles its rows, whatever the second file looks like.

Hypothesis writes a civil-affairs roll, imports it, then writes the same rows again as a
department re-sends them — another encoding, another delimiter, CRLF line ends, a title row,
numbers written ``650.00`` instead of ``650``, dates in another form, the rows in another
order, as XLSX — sometimes with one amount corrected (found by the feed's natural key). The
second import must be refused as overlapping, leaving exactly the first batch's rows in the
feed store; superseding the first batch with it leaves exactly the second file's rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bottomline.db import make_engine, upgrade
from bottomline.ingest.actions import import_feed, open_feed_file
from bottomline.ingest.batches import OverlapError, Replacement
from bottomline.ingest.store import staged_files
from bottomline.users.actor import SYSTEM
from tests.ingest.test_reconciliation_property import HEADER, MEMBER_IDS, MEMBERS, PERIOD

TYPES = ["低保", "特困供养", "临时救助"]


def rows_of(draw: st.DrawFn) -> list[tuple[str, str, str, dt.date, float]]:
    people = draw(st.lists(st.sampled_from(MEMBER_IDS), min_size=1, max_size=12, unique=True))
    return [
        (
            person,
            draw(st.sampled_from(TYPES)),
            draw(st.sampled_from(["新增", "续保"])),
            draw(st.dates(dt.date(2020, 1, 1), dt.date(2025, 10, 31))),
            draw(st.integers(1, 2000)) + draw(st.sampled_from([0, 0.5])),
        )
        for person in people
    ]


@st.composite
def resend(draw: st.DrawFn) -> dict[str, object]:
    return {
        "rows": rows_of(draw),
        "encoding": draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"])),
        "delimiter": draw(st.sampled_from([",", "\t", ";", "|"])),
        "newline": draw(st.sampled_from(["\n", "\r\n"])),
        "title": draw(st.booleans()),
        "decimals": draw(st.booleans()),
        "slashes": draw(st.booleans()),
        "shuffle": draw(st.randoms(use_true_random=False)),
        "xlsx": draw(st.booleans()),
        "correct": draw(st.booleans()),
    }


def cells(row: tuple[str, str, str, dt.date, float], form: dict[str, object]) -> list[str]:
    person, kind, change, start, amount = row
    day = start.strftime("%Y/%m/%d") if form["slashes"] else start.isoformat()
    money = f"{amount:.2f}" if form["decimals"] else f"{amount:g}"
    return [person, "", kind, change, day, money]


def write(path: Path, rows: list[list[str]], form: dict[str, object]) -> Path:
    head = [["2025年10月民政救助名单"]] if form["title"] else []
    if form["xlsx"]:
        path = path.with_suffix(".xlsx")
        with xlsxwriter.Workbook(path) as book:
            sheet = book.add_worksheet("名单")
            for r, row in enumerate([*head, HEADER, *rows]):
                sheet.write_row(r, 0, row)
        return path
    out = io.StringIO()
    writer = csv.writer(out, delimiter=str(form["delimiter"]), lineterminator=str(form["newline"]))
    writer.writerows([*head, HEADER, *rows])
    path.write_bytes(out.getvalue().encode(str(form["encoding"])))
    return path


def staged_rows(feeds: Path) -> list[tuple[str, str, float]]:
    out = []
    for path in staged_files(feeds, "civil_affairs", 0, 10**6):
        table = pq.read_table(path, partitioning=None)
        out += zip(
            table["id_number"].to_pylist(),
            table["assistance_type"].to_pylist(),
            table["amount"].to_pylist(),
            strict=True,
        )
    return sorted(out)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(form=resend())
def test_a_resent_month_never_doubles_its_rows(form: dict[str, object]) -> None:
    rows = form["rows"]
    assert isinstance(rows, list)
    first = [[r[0], "", r[1], r[2], r[3].isoformat(), f"{r[4]:g}"] for r in rows]
    again = [cells(r, form) for r in rows]
    form["shuffle"].shuffle(again)  # type: ignore[attr-defined]
    if form["correct"]:
        # One amount corrected: the natural key (person, assistance type) still names the row.
        again[0][5] = f"{float(again[0][5]) + 1:.2f}"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        engine = make_engine(f"sqlite:///{root / 'store.db'}")
        upgrade(engine)
        feeds, reports = root / "feeds", root / "reports"

        def load(path: Path, replaces: Replacement | None = None) -> str:
            source = open_feed_file(path, feed="civil_affairs")
            return import_feed(
                source,
                actor=SYSTEM,
                engine=engine,
                feed="civil_affairs",
                period=PERIOD,
                members=MEMBERS,
                feeds_dir=feeds,
                reports_dir=reports,
                replaces=replaces,
            ).status

        plain = {"title": False, "xlsx": False, "delimiter": ",", "newline": "\n"}
        load(write(root / "first.csv", first, {**plain, "encoding": "utf-8"}))
        before = staged_rows(feeds)
        assert len(before) == len(rows)
        second = write(root / "second.csv", again, form)
        if second.read_bytes() == (root / "first.csv").read_bytes():  # the very same file
            assert load(second) == "already_imported"
            assert staged_rows(feeds) == before
            return
        with pytest.raises(OverlapError) as refused:
            load(second)
        assert [(o.batch_id, o.rows) for o in refused.value.overlaps] == [(1, len(rows))]
        assert staged_rows(feeds) == before
        load(second, Replacement(1, SYSTEM))
        after = staged_rows(feeds)
        assert len(after) == len(rows)
        expected = sorted((r[0], r[2], float(r[5].replace(",", ""))) for r in again)
        codes = {"低保": "dibao", "特困供养": "tekun", "临时救助": "temporary"}
        assert after == sorted((p, codes[k], a) for p, k, a in expected)
        engine.dispose()
