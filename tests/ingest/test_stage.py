"""The minimal importer: encodings, XLSX title rows, validation and the row accounting."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter

from bottomline.errors import InputFileError
from bottomline.ids import check_char
from bottomline.ingest.stage import parse_period, stage_feed


def _id(seq: int) -> str:
    body = f"53232819800101{seq:03d}"
    return body + check_char(body)


MEMBERS = pa.table(
    {
        "id_number": [_id(1), _id(2), _id(3)],
        "member_id": pa.array([11, 12, 21], pa.int64()),
        "household_id": pa.array([1, 1, 2], pa.int64()),
    }
)

HEADER = "身份证号,姓名,救助类型,变动类型,起始日期,月救助金额"


def _civil_rows() -> list[str]:
    return [
        f"{_id(1)},张三,低保,新增,2025-10-01,500",
        f"{_id(3)},李四,特困供养,续保,2025/09/01,800.50",
        f"{_id(9)},王五,低保,新增,2025-10-01,500",  # valid ID, not in the registry
        f"{_id(2)[:-1]}0,赵六,低保,新增,2025-10-01,500",  # bad check character
        f"{_id(2)},钱七,低保金,新增,2025-10-01,500",  # unknown code
        f"{_id(2)},孙八,低保,新增,2025-13-01,500",  # bad date
        f"{_id(2)},周九,低保,新增,2025-10-01,-5",  # negative amount
        ",吴十,低保,新增,2025-10-01,500",  # missing ID
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_every_encoding_accounts_for_every_row(tmp_path: Path, encoding: str) -> None:
    src = tmp_path / "minzheng.csv"
    src.write_text("\n".join([HEADER, *_civil_rows()]) + "\n", encoding=encoding)
    report = stage_feed(
        src, feed="civil_affairs", period="2025-10", members=MEMBERS, out_dir=tmp_path / "staged"
    )
    assert (report.rows_in, report.accepted, report.unmatched, report.rejected) == (8, 2, 1, 5)
    assert report.balanced
    assert report.reasons["invalid ID number (GB 11643)"] == 1
    assert report.reasons["unknown code in 救助类型"] == 1
    assert report.reasons["bad date in 起始日期"] == 1
    assert report.reasons["not a non-negative number in 月救助金额"] == 1
    assert report.reasons["missing 身份证号"] == 1
    staged = pq.read_table(report.output)
    assert staged["household_id"].to_pylist() == [1, 2]
    assert staged["assistance_type"].to_pylist() == ["dibao", "tekun"]
    assert staged["amount"].to_pylist() == [500.0, 800.5]
    assert staged["source_row"].to_pylist() == [1, 2]
    assert staged["name"].to_pylist() == ["张三", "李四"]  # never mojibake


def test_xlsx_with_title_row(tmp_path: Path) -> None:
    src = tmp_path / "zhujian.xlsx"
    book = xlsxwriter.Workbook(src)
    sheet = book.add_worksheet("鉴定结果")
    sheet.write_row(0, 0, ["元谋县2025年10月房屋安全鉴定结果"])
    sheet.write_row(1, 0, ["户主身份证号", "姓名", "鉴定日期", "鉴定等级"])
    sheet.write_row(2, 0, [_id(1), "张三", "2025-10-08", "D级"])
    sheet.write_row(3, 0, [_id(3), "李四", "2025-10-09", "B级"])
    book.close()
    report = stage_feed(src, feed="housing", period="2025-10", members=MEMBERS, out_dir=tmp_path)
    assert (report.rows_in, report.accepted, report.rejected, report.unmatched) == (2, 2, 0, 0)
    assert pq.read_table(report.output)["grade"].to_pylist() == ["D", "B"]


def test_missing_column_is_a_clear_error(tmp_path: Path) -> None:
    src = tmp_path / "bad.csv"
    src.write_text("身份证号,姓名\n" + _id(1) + ",张三\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="needs columns") as err:
        stage_feed(src, feed="civil_affairs", period="2025-10", members=MEMBERS, out_dir=tmp_path)
    assert "救助类型" in str(err.value)


@pytest.mark.parametrize("bad", ["2025-13", "25-10", "2025/10", "abcd-ef"])
def test_bad_period(bad: str) -> None:
    with pytest.raises(InputFileError, match="YYYY-MM"):
        parse_period(bad)


def test_unknown_feed_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="unknown feed"):
        stage_feed(
            tmp_path / "x.csv", feed="weather", period="2025-10", members=MEMBERS, out_dir=tmp_path
        )
    with pytest.raises(InputFileError, match="not found"):
        stage_feed(
            tmp_path / "x.csv", feed="medical", period="2025-10", members=MEMBERS, out_dir=tmp_path
        )


def test_empty_file(tmp_path: Path) -> None:
    src = tmp_path / "empty.csv"
    src.write_bytes(b"")
    with pytest.raises(InputFileError, match="empty"):
        stage_feed(src, feed="water", period="2025-10", members=MEMBERS, out_dir=tmp_path)
