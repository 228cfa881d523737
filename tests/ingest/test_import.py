"""Importing department batches: reconciliation, reasons, lineage, idempotency, all-or-nothing."""

from __future__ import annotations

import csv
import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bottomline.errors import InputFileError
from bottomline.ids import check_char
from bottomline.ingest import actions
from bottomline.ingest.actions import import_feed, open_feed_file, parse_period
from bottomline.ingest.enums import BatchStatus
from bottomline.ingest.match import MemberIndex
from bottomline.ingest.models import IngestBatch, IngestReason
from bottomline.ingest.store import staged_files
from bottomline.users.actor import SYSTEM


def _id(seq: int, born: str = "19800101") -> str:
    body = f"532328{born}{seq:03d}"
    return body + check_char(body)


MEMBERS = pa.table(
    {
        "id_number": [_id(1), _id(2), _id(3), _id(4) + "11"],  # the last: disability certificate
        "member_id": pa.array([11, 12, 21, 31], pa.int64()),
        "household_id": pa.array([1, 1, 2, 3], pa.int64()),
        "name": ["张三", "李四", "王五", "赵六"],
        "birth_date": pa.array([dt.date(1980, 1, 1)] * 4, pa.date32()),
    }
)
INDEX = MemberIndex(MEMBERS)
HEADER = "身份证号,姓名,救助类型,变动类型,起始日期,月救助金额"


def _civil_rows() -> list[str]:
    return [
        f"{_id(1)},张三,低保,新增,2025-10-01,500",  # row 2: accepted
        f"{_id(3)},王五,特困供养,续保,2025/09/01,800.50",  # 3: accepted (slash date)
        f"{_id(9)},无名,低保,新增,2025-10-01,500",  # 4: valid ID, not in the registry
        f"{_id(2)[:-1]}0,赵六,低保,新增,2025-10-01,500",  # 5: bad check character
        f"{_id(2)},李四,低保金,新增,2025-10-01,500",  # 6: unknown code
        f"{_id(2)},李四,低保,新增,2025-13-01,500",  # 7: bad date
        f"{_id(2)},李四,低保,新增,2025-10-01,-5",  # 8: negative amount
        ",吴十,低保,新增,2025-10-01,500",  # 9: missing ID
        f"{_id(2)},李四,低保,新增,2025-12-01,500",  # 10: dated after the period
        f"{_id(2)},李四,低保,新增,2025-10-01,90000",  # 11: implausible monthly amount
        f"{_id(4)},赵六,低保,停保,2025-10-01,0",  # 12: matched through the disability number
        f"{_id(1)},张三,低保,新增,2025-10-01,500",  # 13: exact duplicate of row 2
    ]


def _write(path: Path, rows: list[str], *, encoding: str = "utf-8", header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding=encoding)
    return path


def _import(engine: Engine, path: Path, tmp_path: Path, period: str = "2025-10", **kw: object):
    return import_feed(
        open_feed_file(path, feed="civil_affairs"),
        actor=SYSTEM,
        engine=engine,
        feed="civil_affairs",
        period=period,
        members=kw.get("members", INDEX),  # type: ignore[arg-type]
        feeds_dir=tmp_path / "feeds",
        reports_dir=tmp_path / "reports",
    )


def _rejects(report: actions.ImportReport) -> list[dict[str, str]]:
    assert report.rejects is not None
    with report.rejects.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_every_row_is_accepted_rejected_or_unmatched(
    engine: Engine, tmp_path: Path, encoding: str
) -> None:
    src = _write(tmp_path / "minzheng.csv", _civil_rows(), encoding=encoding)
    report = _import(engine, src, tmp_path)
    assert (report.rows_in, report.accepted, report.unmatched, report.rejected) == (12, 3, 1, 8)
    assert report.balanced
    by_row = {int(r["行号 row"]): r["代码 code"] for r in _rejects(report)}
    assert by_row == {
        5: "bad_id",
        6: "bad_code",
        7: "bad_date",
        8: "bad_number",
        9: "missing",
        10: "date_range",
        11: "implausible",
        13: "duplicate",
    }
    staged = pq.read_table(report.staged)
    assert staged.num_rows == 3
    assert sorted(staged["source_row"].to_pylist()) == [2, 3, 12]
    assert set(staged["batch_id"].to_pylist()) == {report.batch_id}
    assert set(staged["source_file"].to_pylist()) == {"minzheng.csv"}
    assert dict(
        zip(staged["source_row"].to_pylist(), staged["household_id"].to_pylist(), strict=True)
    ) == {2: 1, 3: 2, 12: 3}
    with Session(engine) as session:
        batch = session.get(IngestBatch, report.batch_id)
        assert batch is not None
        assert (batch.status, batch.rows_in, batch.accepted, batch.rejected, batch.unmatched) == (
            "committed",
            12,
            3,
            8,
            1,
        )
        reasons = {(r.code, r.column): r.rows for r in session.scalars(select(IngestReason))}
    assert reasons[("bad_id", "身份证号")] == 1
    assert reasons[("duplicate", "")] == 1


def test_rejects_explain_in_both_languages_and_hide_id_numbers(
    engine: Engine, tmp_path: Path
) -> None:
    rows = [*_civil_rows(), f'{_id(2)},=HYPERLINK("x"),低保金,新增,2025-10-01,500']
    report = _import(engine, _write(tmp_path / "f.csv", rows), tmp_path)
    text = report.rejects.read_text(encoding="utf-8-sig")  # type: ignore[union-attr]
    assert "校验码错误" in text
    assert "the check character does not match" in text
    assert "可选：低保、特困供养、特困、临时救助" in text
    for seq in (1, 2, 3, 9):
        assert _id(seq) not in text
    unmatched = report.unmatched_report.read_text(encoding="utf-8-sig")  # type: ignore[union-attr]
    assert _id(9) not in unmatched
    assert "5323" in unmatched
    assert "无名" not in unmatched
    assert "无*" in unmatched


def test_formula_text_never_reaches_a_report_unescaped(engine: Engine, tmp_path: Path) -> None:
    rows = [f"{_id(2)},{name},低保,新增,2025-10-01,abc" for name in ("=1+2", "+cmd", "@SUM(A1)")]
    report = _import(engine, _write(tmp_path / "f.csv", rows), tmp_path)
    assert report.rejected == 3
    with report.rejects.open(encoding="utf-8-sig", newline="") as fh:  # type: ignore[union-attr]
        cells = [cell for row in csv.reader(fh) for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "-")]


def test_name_and_birth_date_flag_a_match_for_confirmation(engine: Engine, tmp_path: Path) -> None:
    other = f"532301{'19800101'}555"  # 王五's name and birth date, another ID number
    rows = [f"{other + check_char(other)},王五,低保,新增,2025-10-01,500"]
    report = _import(engine, _write(tmp_path / "f.csv", rows), tmp_path)
    assert (report.accepted, report.unmatched, report.needs_confirmation) == (0, 1, 1)
    text = report.unmatched_report.read_text(encoding="utf-8-sig")  # type: ignore[union-attr]
    assert "needs_confirmation" in text
    assert ",21" in text


def test_an_id_in_two_households_matches_nobody(engine: Engine, tmp_path: Path) -> None:
    members = pa.concat_tables(
        [
            MEMBERS,
            pa.table(
                {
                    "id_number": [_id(1) + "42"],
                    "member_id": pa.array([99], pa.int64()),
                    "household_id": pa.array([9], pa.int64()),
                    "name": ["张三"],
                    "birth_date": pa.array([dt.date(1980, 1, 1)], pa.date32()),
                }
            ),
        ]
    )
    rows = [f"{_id(1)},张三,低保,新增,2025-10-01,500", f"{_id(3)},王五,低保,新增,2025-10-01,500"]
    report = _import(
        engine, _write(tmp_path / "f.csv", rows), tmp_path, members=MemberIndex(members)
    )
    assert (report.accepted, report.unmatched) == (1, 1)
    assert "ambiguous" in report.unmatched_report.read_text(encoding="utf-8-sig")  # type: ignore[union-attr]


def test_the_same_file_twice_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    src = _write(tmp_path / "f.csv", _civil_rows())
    first = _import(engine, src, tmp_path)
    files = sorted((tmp_path / "feeds").rglob("*.parquet"))
    again = _import(engine, src, tmp_path)
    assert again.status == "already_imported"
    assert again.batch_id == first.batch_id
    assert (again.rows_in, again.accepted) == (first.rows_in, first.accepted)
    assert sorted((tmp_path / "feeds").rglob("*.parquet")) == files
    with Session(engine) as session:
        assert len(session.scalars(select(IngestBatch)).all()) == 1


def test_an_unchanged_list_for_the_next_month_is_a_new_batch(
    engine: Engine, tmp_path: Path
) -> None:
    src = _write(tmp_path / "f.csv", [f"{_id(1)},张三,低保,续保,2025-09-01,500"])
    first = _import(engine, src, tmp_path, period="2025-10")
    second = _import(engine, src, tmp_path, period="2025-11")
    assert second.status == "committed"
    assert second.batch_id != first.batch_id
    assert any(f"batch {first.batch_id}" in w for w in second.warnings)
    index = lambda p: int(p[:4]) * 12 + int(p[5:]) - 1  # noqa: E731
    assert (
        len(staged_files(tmp_path / "feeds", "civil_affairs", index("2025-10"), index("2025-11")))
        == 2
    )


def test_header_problems_are_refused_before_anything_is_written(
    engine: Engine, tmp_path: Path
) -> None:
    src = _write(
        tmp_path / "f.csv", _civil_rows()[:1], header="身份证号,姓名,救助类型,起始日期,月救助金额"
    )
    with pytest.raises(InputFileError, match="变动类型"):
        _import(engine, src, tmp_path)
    both = _write(
        tmp_path / "g.csv", [], header="身份证号,证件号码,救助类型,变动类型,起始日期,月救助金额"
    )
    with pytest.raises(InputFileError, match="all mean 身份证号"):
        _import(engine, both, tmp_path)
    with Session(engine) as session:
        assert session.scalars(select(IngestBatch)).all() == []


def test_extra_columns_are_reported_not_fatal(engine: Engine, tmp_path: Path) -> None:
    rows = [f"{r},备注" for r in _civil_rows()[:2]]
    report = _import(engine, _write(tmp_path / "f.csv", rows, header=HEADER + ",备注"), tmp_path)
    assert report.accepted == 2
    assert report.ignored_columns == ["备注"]


def test_header_only_is_an_empty_batch_with_a_warning(engine: Engine, tmp_path: Path) -> None:
    report = _import(engine, _write(tmp_path / "f.csv", []), tmp_path)
    assert (report.rows_in, report.accepted, report.status) == (0, 0, "committed")
    assert report.warnings
    assert "no data rows" in report.warnings[0]


def test_xlsx_rows_keep_their_sheet_and_row(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "民政.xlsx"
    book = xlsxwriter.Workbook(path)
    for title, seq in (("一月", 1), ("二月", 3)):
        sheet = book.add_worksheet(title)
        sheet.write_row(0, 0, ["2025年10月救助名册"])
        sheet.write_row(1, 0, HEADER.split(","))
        sheet.write_row(2, 0, [_id(seq), "某", "低保", "新增", "2025-10-01", 500])
        sheet.write_row(3, 0, [_id(seq), "某", "低保", "新增", "2025-10-01", 500])  # duplicate
    book.close()
    report = _import(engine, path, tmp_path)
    assert (report.rows_in, report.accepted, report.rejected) == (4, 2, 2)
    staged = pq.read_table(report.staged)
    assert sorted(
        zip(staged["source_sheet"].to_pylist(), staged["source_row"].to_pylist(), strict=False)
    ) == [
        ("一月", 3),
        ("二月", 3),
    ]
    assert {(r["工作表 sheet"], r["行号 row"]) for r in _rejects(report)} == {
        ("一月", "4"),
        ("二月", "4"),
    }


def test_nothing_personal_is_logged(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _import(engine, _write(tmp_path / "f.csv", _civil_rows()), tmp_path)
    assert "batch committed" in caplog.text
    for seq in (1, 2, 3, 9):
        assert _id(seq) not in caplog.text
    assert "张三" not in caplog.text


def test_a_failure_mid_import_leaves_no_batch_and_the_retry_succeeds(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = _write(tmp_path / "f.csv", _civil_rows())
    real = actions._take_chunk

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(actions, "_take_chunk", disk_full)
    with pytest.raises(OSError, match="No space"):
        _import(engine, src, tmp_path)
    assert list((tmp_path / "feeds").rglob("*.parquet")) == []
    assert not list((tmp_path / "feeds" / "_incoming").iterdir())
    monkeypatch.setattr(actions, "_take_chunk", real)
    report = _import(engine, src, tmp_path)
    assert (report.status, report.accepted) == ("committed", 3)
    with Session(engine) as session:
        statuses = [b.status for b in session.scalars(select(IngestBatch).order_by(IngestBatch.id))]
    assert statuses == [BatchStatus.failed, BatchStatus.committed]


def test_a_crash_after_commit_is_completed_by_the_next_import(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = _write(tmp_path / "f.csv", _civil_rows())

    def crash(*args: object) -> None:
        raise SystemExit("killed between commit and rename")

    monkeypatch.setattr(actions, "_publish", crash)
    with pytest.raises(SystemExit):
        _import(engine, src, tmp_path)
    assert list((tmp_path / "feeds" / "civil_affairs").rglob("*.parquet")) == []
    monkeypatch.undo()
    other = _write(tmp_path / "g.csv", [f"{_id(3)},王五,低保,新增,2025-10-01,500"])
    _import(engine, other, tmp_path)  # any next import recovers first
    assert len(list((tmp_path / "feeds" / "civil_affairs").rglob("batch-*.parquet"))) == 2
    again = _import(engine, src, tmp_path)
    assert again.status == "already_imported"


KILL_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import pyarrow as pa
    from bottomline.db import make_engine
    from bottomline.ingest import actions
    from bottomline.ingest.match import MemberIndex
    from bottomline.users.actor import SYSTEM

    real = actions._take_chunk
    def slow(*args, **kwargs):
        real(*args, **kwargs)
        Path(sys.argv[3]).touch()  # the first chunk is written: kill me now
        time.sleep(60)
    actions._take_chunk = slow
    members = MemberIndex(pa.table({"id_number": ["x"], "member_id": [1], "household_id": [1]}))
    actions.import_feed(actions.open_feed_file(Path(sys.argv[2]), feed="civil_affairs"),
        actor=SYSTEM, engine=make_engine(sys.argv[1]), feed="civil_affairs", period="2025-10", members=members,
        feeds_dir=Path(sys.argv[4]) / "feeds", reports_dir=Path(sys.argv[4]) / "reports")
    """
)


def test_killing_the_import_process_leaves_no_partial_batch(engine: Engine, tmp_path: Path) -> None:
    src = _write(tmp_path / "f.csv", _civil_rows())
    flag = tmp_path / "started"
    url = engine.url.render_as_string(hide_password=False)
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, url, str(src), str(flag), str(tmp_path)],
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    deadline = time.monotonic() + 60
    while not flag.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert flag.exists(), "the import did not start"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert list((tmp_path / "feeds").glob("civil_affairs/**/*.parquet")) == []
    with Session(engine) as session:
        assert [b.status for b in session.scalars(select(IngestBatch))] == [BatchStatus.importing]
    report = _import(engine, src, tmp_path)
    assert (report.status, report.accepted, report.balanced) == ("committed", 3, True)
    with Session(engine) as session:
        statuses = [b.status for b in session.scalars(select(IngestBatch).order_by(IngestBatch.id))]
    assert statuses == [BatchStatus.interrupted, BatchStatus.committed]
    assert not list((tmp_path / "feeds" / "_incoming").iterdir())


@pytest.mark.parametrize("bad", ["2025-13", "2025-1", "25-10", "October", "1999-12"])
def test_period_must_be_a_month(bad: str) -> None:
    with pytest.raises(InputFileError, match="not a month"):
        parse_period(bad)


def test_unknown_feed_lists_the_feeds(engine: Engine, tmp_path: Path) -> None:
    src = _write(tmp_path / "f.csv", _civil_rows())
    with pytest.raises(InputFileError, match="medical"):
        import_feed(
            open_feed_file(src, feed="civil_affairs"),
            actor=SYSTEM,
            engine=engine,
            feed="pension",
            period="2025-10",
            members=INDEX,
            feeds_dir=tmp_path,
            reports_dir=tmp_path,
        )


def test_from_a_household_back_to_the_rows_and_their_file(engine: Engine, tmp_path: Path) -> None:
    from bottomline.ingest.queries import department_rows

    report = _import(engine, _write(tmp_path / "f.csv", _civil_rows()), tmp_path)
    rows = department_rows(
        feeds_dir=tmp_path / "feeds",
        household_id=1,
        feed="civil_affairs",
        first="2025-01",
        last="2025-12",
    )
    assert rows.num_rows == 1
    row = rows.to_pylist()[0]
    assert (row["batch_id"], row["source_file"], row["source_row"]) == (report.batch_id, "f.csv", 2)
    with Session(engine) as session:
        batch = session.get(IngestBatch, row["batch_id"])
        assert batch is not None
        assert batch.source_name == "f.csv"
    none = department_rows(
        feeds_dir=tmp_path / "feeds",
        household_id=1,
        feed="civil_affairs",
        first="2024-01",
        last="2024-12",
    )
    assert none.num_rows == 0
