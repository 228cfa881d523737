from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pytest
from openpyxl import load_workbook

from bottomline.db import make_engine, upgrade
from bottomline.ids import person_number_problem, valid_id_mask
from bottomline.ingest.actions import import_feed, open_feed_file
from bottomline.ingest.catalogue import FEEDS, Feed
from bottomline.ingest.match import MemberIndex
from bottomline.synth.feeds import write_feeds
from bottomline.synth.panel import Panel, simulate_panel
from bottomline.synth.population import Population
from bottomline.synth.writers import write_xlsx
from bottomline.users.actor import SYSTEM

EXTENSIONS = {"csv-utf8": ".csv", "csv-utf8-bom": ".csv", "csv-gb18030": ".csv", "xlsx": ".xlsx"}
ENCODINGS = {"csv-utf8": "utf-8", "csv-utf8-bom": "utf-8-sig", "csv-gb18030": "gb18030"}
CSV_FEEDS = [f for f in FEEDS.values() if f.sample_format != "xlsx"]
XLSX_FEEDS = [f for f in FEEDS.values() if f.sample_format == "xlsx"]


def _path(feed_dir: Path, period: str, feed: Feed) -> Path:
    return feed_dir / period / f"{feed.name}{EXTENSIONS[feed.sample_format]}"


def _read_csv(path: Path, feed: Feed) -> pa.Table:
    encoding = ENCODINGS[feed.sample_format]
    text = path.read_bytes().decode(encoding)
    return pcsv.read_csv(
        pa.py_buffer(text.encode("utf-8")),
        convert_options=pcsv.ConvertOptions(
            column_types=dict.fromkeys([c.header for c in feed.columns], pa.string())
        ),
    )


def _all_periods(panel: Panel) -> list[str]:
    return panel.periods


def test_every_feed_is_written_for_every_month(feed_dir: Path, panel: Panel) -> None:
    for period in panel.periods:
        for feed in FEEDS.values():
            assert _path(feed_dir, period, feed).is_file(), (period, feed.name)


@pytest.mark.parametrize("feed", CSV_FEEDS, ids=lambda f: f.name)
def test_csv_feeds_have_declared_encoding_headers_and_codes(feed_dir: Path, feed: Feed) -> None:
    path = _path(feed_dir, "2026-07", feed)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == (feed.sample_format == "csv-utf8-bom")
    if feed.sample_format == "csv-gb18030":
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
    first_line = raw.decode(ENCODINGS[feed.sample_format]).splitlines()[0]
    assert first_line.split(",") == [c.header for c in feed.columns]
    table = _read_csv(path, feed)
    for col in feed.columns:
        if col.codes and table.num_rows:
            assert set(table[col.header].to_pylist()) <= set(col.codes), col.header


def test_gb18030_file_reads_back_in_chinese(feed_dir: Path) -> None:
    feed = FEEDS["civil_affairs"]
    table = _read_csv(_path(feed_dir, "2026-01", feed), feed)
    assert table.num_rows > 0
    assert set(table["救助类型"].to_pylist()) <= {"低保", "特困供养", "临时救助"}
    assert "续保" in table["变动类型"].to_pylist()


@pytest.mark.parametrize("feed", XLSX_FEEDS, ids=lambda f: f.name)
def test_xlsx_feeds_have_title_header_and_codes(feed_dir: Path, feed: Feed) -> None:
    book = load_workbook(_path(feed_dir, "2026-09", feed), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    title, header, body = rows[0], rows[1], rows[2:]
    assert str(title[0]).startswith("元谋县2026年9月")
    assert list(header) == [c.header for c in feed.columns]
    for i, col in enumerate(feed.columns):
        if col.codes:
            assert {r[i] for r in body} <= set(col.codes), col.header


def test_term_month_reports_school_fees(feed_dir: Path) -> None:
    book = load_workbook(feed_dir / "2026-09" / "education.xlsx", read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))[2:]
    book.close()
    enrolled = [r for r in rows if r[3] == "在读"]
    assert enrolled
    assert all(isinstance(r[5], int | float) and r[5] > 0 for r in enrolled)


def test_xlsx_splits_into_sheets_with_title_and_header(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bottomline.synth.writers.SHEET_ROWS", 4)
    chunk = pa.table({"A": [str(i) for i in range(10)], "B": [float(i) for i in range(10)]})
    path = tmp_path / "split.xlsx"
    assert write_xlsx([chunk], path, ["A", "B"], "标题") == 10
    book = load_workbook(path, read_only=True)
    sheets = [list(s.iter_rows(values_only=True)) for s in book.worksheets]
    book.close()
    assert [len(s) - 2 for s in sheets] == [4, 4, 2]
    assert all(s[0][0] == "标题" and list(s[1]) == ["A", "B"] for s in sheets)


def test_medical_self_pay_is_the_remainder(feed_dir: Path) -> None:
    feed = FEEDS["medical"]
    table = _read_csv(_path(feed_dir, "2026-02", feed), feed).to_pydict()
    assert len(table["个人自付"]) > 1000
    names = ["医疗总费用", "基本医保支付", "大病保险支付", "医疗救助支付", "个人自付"]
    for total, basic, serious, aid, own in zip(*(table[n] for n in names), strict=True):
        assert all(len(v.split(".")[1]) == 2 for v in (total, basic, serious, aid, own))
        assert Decimal(total) - Decimal(basic) - Decimal(serious) - Decimal(aid) == Decimal(own)
        assert Decimal(own) >= 0
    assert "住院" in table["就诊类型"]
    assert "门诊慢特病" in table["就诊类型"]


def test_feed_ids_are_valid_and_some_are_outside_the_registry(
    feed_dir: Path, county_pop: Population
) -> None:
    feed = FEEDS["medical"]
    table = _read_csv(_path(feed_dir, "2026-03", feed), feed)
    ids = table["身份证号"]
    assert valid_id_mask(ids).all()
    known = set(county_pop.tables["members"]["id_number"].to_pylist())
    outside = np.mean([v not in known for v in ids.to_pylist()])
    assert 0.001 <= outside <= 0.02


def test_medical_volume_is_about_one_settlement_per_person_month(
    feed_dir: Path, county_pop: Population
) -> None:
    feed = FEEDS["medical"]
    rows = _read_csv(_path(feed_dir, "2026-04", feed), feed).num_rows
    people = county_pop.tables["members"].num_rows
    assert 1.0 <= rows / people <= 1.5


def test_civil_affairs_roll_lists_current_recipients(
    feed_dir: Path, county_pop: Population
) -> None:
    feed = FEEDS["civil_affairs"]
    table = _read_csv(_path(feed_dir, "2026-01", feed), feed)
    listed = set(table["身份证号"].to_pylist())
    members = county_pop.tables["members"].to_pandas()
    on_roll = members[members.dibao | members.tekun]
    assert len(set(on_roll.id_number) - listed) <= 0.02 * len(on_roll)  # only the few who died


def test_every_file_imports_without_rejects(
    feed_dir: Path, county_pop: Population, tmp_path: Path
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'batches.db'}")
    upgrade(engine)
    members = MemberIndex(county_pop.tables["members"])
    for feed in FEEDS.values():
        path = _path(feed_dir, "2026-08", feed)
        report = import_feed(
            open_feed_file(path, feed=feed.name),
            actor=SYSTEM,
            engine=engine,
            feed=feed.name,
            period="2026-08",
            members=members,
            feeds_dir=tmp_path / "feeds",
            reports_dir=tmp_path / "reports",
        )
        assert report.balanced
        assert report.rejected == 0, (
            feed.name,
            [(r.code, r.column, r.rows) for r in report.reasons],
        )


def test_same_seed_writes_identical_files(county_pop: Population, tmp_path: Path) -> None:
    outputs = []
    for run in ("a", "b"):
        panel = simulate_panel(county_pop, first_period="2026-05", months=1, seed=9)
        write_feeds(panel, county_pop, tmp_path / run)
        outputs.append((tmp_path / run / "2026-05" / "medical.csv").read_bytes())
    other = simulate_panel(county_pop, first_period="2026-05", months=1, seed=10)
    write_feeds(other, county_pop, tmp_path / "c")
    assert outputs[0] == outputs[1]
    assert outputs[0] != (tmp_path / "c" / "2026-05" / "medical.csv").read_bytes()


def test_disasters_reach_the_emergency_feed(feed_dir: Path, panel: Panel) -> None:
    feed = FEEDS["emergency"]
    rows = []
    for period in panel.periods:
        book = load_workbook(_path(feed_dir, period, feed), read_only=True)
        rows += list(book.worksheets[0].iter_rows(values_only=True))[2:]
        book.close()
    assert rows
    assert all(r[4] > 0 for r in rows)
    assert {r[2] for r in rows} <= set(feed.column("disaster_type").codes)


def test_disability_certificates_extend_the_id_number(feed_dir: Path, panel: Panel) -> None:
    feed = FEEDS["disabled"]
    tables = [_read_csv(_path(feed_dir, p, feed), feed) for p in panel.periods]
    table = pa.concat_tables(tables).to_pandas()
    assert len(table) > 0
    assert (table["残疾人证号"].str[:18] == table["身份证号"]).all()
    assert all(person_number_problem(v) is None for v in table["残疾人证号"])
    category = table["残疾类别"].map(feed.column("category").codes)
    assert (table["残疾人证号"].str[18] == category).all()
