"""``bottomline import feed`` as a clerk runs it: the reconciliation, idempotency, clear refusals."""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import text

from bottomline.db import make_engine, upgrade
from bottomline.ids import check_char
from bottomline.registry.actions import load_snapshot_tables
from bottomline.synth import population_for
from tests.cli.test_cli import run

HEADER = ["身份证号", "姓名", "救助类型", "变动类型", "起始日期", "月救助金额"]
FULL_ID = re.compile(r"\d{17}[\dXx]")


def outsider_id() -> str:
    body = "53232819800101999"  # a valid number no synthetic member has (checked below)
    return body + check_char(body)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A data dir whose store holds a small synthetic registry, and its members' ID numbers."""
    data = tmp_path_factory.mktemp("registry")
    pop = population_for(scope="532328000000", households=300, seed=1, year=2025)
    engine = make_engine(f"sqlite:///{(data / 'bottomline.db').resolve()}")
    try:
        upgrade(engine)
        load_snapshot_tables(engine=engine, tables=pop.tables)
    finally:
        engine.dispose()
    ids = pop.tables["members"]["id_number"].to_pylist()
    assert outsider_id() not in ids
    return data, ids


@pytest.fixture
def data_dir(registry: tuple[Path, list[str]], tmp_path: Path) -> Path:
    """A fresh copy of the registry's data dir for one test."""
    return Path(shutil.copytree(registry[0], tmp_path / "data"))


def wrong_check(id_number: str) -> str:
    """``id_number`` with another check character: 18 characters, not a valid number."""
    return id_number[:17] + ("0" if id_number[17] != "0" else "1")


def feed_rows(ids: list[str]) -> list[list[str]]:
    """11 rows: 4 accepted, 1 not in the registry, 5 bad values, 1 duplicate (6 rejected)."""
    good = [ids[0], "=1+2", "低保", "新增", "2025-10-01", "650"]
    return [
        good,  # row 3 (row 1 is the title, row 2 the header)
        [ids[1], "张三", "特困供养", "续保", "2025/09/15", "1,200.50"],  # 4
        [ids[2], "", "临时救助", "停保", "20251003", "0"],  # 5
        [ids[3], "李四", "低保", "新增", "2025-10-31", "20000"],  # 6
        [outsider_id(), "王五", "低保", "新增", "2025-10-01", "650"],  # 7: not in the registry
        [ids[4], "赵六", "=1+2", "新增", "2025-10-01", "650"],  # 8: bad code, a formula
        [ids[5], "钱七", "低保", "+1", "2025-10-01", "650"],  # 9: bad code, a formula
        [ids[6], "孙八", "低保", "新增", "@x", "650"],  # 10: bad date, a formula
        [ids[7], "周九", "低保", "新增", "2025-10-01", "-3"],  # 11: negative, a formula
        [wrong_check(ids[8]), "吴十", "低保", "新增", "2025-10-01", "1"],  # 12: bad ID
        good,  # 13: duplicate of row 3
    ]


def write_feed(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([["2025年10月民政救助名单"], header, *rows])
    path.write_bytes(out.getvalue().encode("gb18030"))
    return path


def import_feed_cli(path: Path, data_dir: Path, *extra: str) -> tuple[int, str]:
    proc = run(
        "import",
        "feed",
        "--as",
        "system",
        str(path),
        "--feed",
        "civil_affairs",
        "--period",
        "2025-10",
        *extra,
        data_dir=data_dir,
    )
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output
    return proc.returncode, output


def staged_files(data_dir: Path) -> list[str]:
    period = data_dir / "feeds" / "civil_affairs" / "period=2025-10"
    return sorted(p.name for p in period.glob("*.parquet"))


@pytest.fixture(scope="module")
def imported(
    registry: tuple[Path, list[str]], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path, int, str]:
    """One import of the 11-row file: (data dir, the file, exit code, output)."""
    work = tmp_path_factory.mktemp("imported")
    data_dir = Path(shutil.copytree(registry[0], work / "data"))
    path = write_feed(work / "民政.csv", feed_rows(registry[1]))
    code, output = import_feed_cli(path, data_dir)
    return data_dir, path, code, output


def test_import_prints_the_reconciliation_and_stages_the_batch(
    imported: tuple[Path, Path, int, str],
) -> None:
    data_dir, _path, code, output = imported
    assert code == 0, output
    assert "11 rows in = 4 accepted + 6 rejected + 1 not in the registry" in output
    assert "(of which 0 need confirmation)" in output
    assert re.search(r"✓ 批次 / batch 1 \(", output), output
    assert staged_files(data_dir) == ["batch-1.parquet"]
    staged = pq.read_table(
        data_dir / "feeds" / "civil_affairs" / "period=2025-10" / "batch-1.parquet"
    )
    assert sorted(staged["source_row"].to_pylist()) == [3, 4, 5, 6]
    assert set(staged["batch_id"].to_pylist()) == {1}


def test_the_rejects_report_defuses_formulas_and_masks_id_numbers(
    registry: tuple[Path, list[str]], imported: tuple[Path, Path, int, str]
) -> None:
    ids = registry[1]
    data_dir, _path, code, output = imported
    assert code == 0, output
    rejects = data_dir / "reports" / "batch-1" / "rejects.csv"
    assert f"rejects: {rejects}" in output
    raw = rejects.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Excel and WPS open it right
    text = raw.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["文件 file", "工作表 sheet", "行号 row"]
    by_row = {int(r[2]): r for r in rows[1:]}
    assert sorted(by_row) == [8, 9, 10, 11, 12, 13]
    assert [by_row[n][3:6] for n in (8, 9, 10, 11)] == [
        ["救助类型", "'=1+2", "bad_code"],
        ["变动类型", "'+1", "bad_code"],
        ["起始日期", "'@x", "bad_date"],
        ["月救助金额", "'-3", "bad_number"],
    ]
    masked = ids[8][:4] + "*" * 12 + wrong_check(ids[8])[-2:]
    assert by_row[12][3:6] == ["身份证号", masked, "bad_id"]
    assert by_row[13][5:7] == ["duplicate", "与前面某行完全重复（第 3 行）"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)
    assert FULL_ID.search(text) is None
    assert FULL_ID.search(output) is None  # nor on the screen
    unmatched = data_dir / "reports" / "batch-1" / "unmatched.csv"
    assert f"unmatched: {unmatched}" in output
    assert FULL_ID.search(unmatched.read_text(encoding="utf-8-sig")) is None


def test_the_same_file_again_is_already_imported(
    imported: tuple[Path, Path, int, str], tmp_path: Path
) -> None:
    data_dir = Path(shutil.copytree(imported[0], tmp_path / "data"))
    first, output = imported[2:]
    assert first == 0, output
    again, output = import_feed_cli(imported[1], data_dir)
    assert again == 0, output
    assert "already imported" in output
    assert "as batch 1 (civil_affairs 2025-10): nothing changed" in output
    assert "11 rows in = 4 accepted + 6 rejected + 1 not in the registry" in output
    assert staged_files(data_dir) == ["batch-1.parquet"]
    listed = run("import", "batches", data_dir=data_dir)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    lines = [line for line in listed.stdout.splitlines() if "civil_affairs" in line]
    assert len(lines) == 1, listed.stdout
    assert re.search(
        r"\b1\b.*civil_affairs.*2025-10.*已入库.*\b11\b.*\b4\b.*\b6\b.*\b1\b", lines[0]
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--feed", "nope", "--period", "2025-10"), "unknown feed 'nope'"),
        (("--feed", "civil_affairs", "--period", "2025-13"), "period '2025-13' is not a month"),
        (("--feed", "civil_affairs", "--period", "202510"), "period '202510' is not a month"),
    ],
)
def test_a_wrong_feed_or_period_is_refused(
    registry: tuple[Path, list[str]],
    data_dir: Path,
    tmp_path: Path,
    args: tuple[str, ...],
    message: str,
) -> None:
    path = write_feed(tmp_path / "民政.csv", feed_rows(registry[1]))
    proc = run("import", "feed", "--as", "system", str(path), *args, data_dir=data_dir)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2, output
    assert "Traceback" not in output
    assert message in output
    assert staged_files(data_dir) == []


def test_a_missing_file_is_refused(data_dir: Path, tmp_path: Path) -> None:
    code, output = import_feed_cli(tmp_path / "nowhere.csv", data_dir)
    assert code == 2, output
    assert "file not found" in output
    assert "nowhere.csv" in output


def test_binary_garbage_is_refused(data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "garbage.csv"
    path.write_bytes(bytes(range(256)) * 20)
    code, output = import_feed_cli(path, data_dir)
    assert code == 2, output
    assert "the file is not text (it holds binary data)" in output
    assert staged_files(data_dir) == []


def test_a_file_missing_a_required_column_is_refused(
    registry: tuple[Path, list[str]], data_dir: Path, tmp_path: Path
) -> None:
    rows = [r[:5] for r in feed_rows(registry[1])]
    path = write_feed(tmp_path / "民政.csv", rows, HEADER[:5])
    code, output = import_feed_cli(path, data_dir)
    assert code == 2, output
    assert "needs the columns 月救助金额" in output.replace("\n", "")
    assert staged_files(data_dir) == []


def test_an_empty_registry_is_refused(registry: tuple[Path, list[str]], tmp_path: Path) -> None:
    path = write_feed(tmp_path / "民政.csv", feed_rows(registry[1]))
    empty = tmp_path / "empty"
    code, output = import_feed_cli(path, empty)
    assert code == 2, output
    assert "the registry is empty" in output
    assert "bottomline import registry FILE" in output
    assert not (empty / "feeds").exists()


def test_a_file_with_mixed_encodings_is_refused_without_a_traceback(
    registry: tuple[Path, list[str]], data_dir: Path, tmp_path: Path
) -> None:
    ids = registry[1]
    rows = [[ids[i % 900], "张三", "低保", "新增", "2025-10-01", "650"] for i in range(1500)]
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows])
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        out.getvalue().encode() + "1,李四,低保,新增,2025-10-01,650\n".encode("gb18030")
    )
    proc = run(
        "import",
        "feed",
        "--as",
        "system",
        str(path),
        "--feed",
        "civil_affairs",
        "--period",
        "2025-10",
        data_dir=data_dir,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2, output
    assert "Traceback" not in output


def test_the_same_header_twice_is_refused(
    registry: tuple[Path, list[str]], data_dir: Path, tmp_path: Path
) -> None:
    rows = [[*r, r[0]] for r in feed_rows(registry[1])]
    path = write_feed(tmp_path / "民政.csv", rows, [*HEADER, "身份证号"])
    code, output = import_feed_cli(path, data_dir)
    assert code == 2, output
    flat = output.replace("\n", "")
    assert "表头“身份证号”出现了 2 次" in flat
    assert "the header 身份证号 appears 2 times (columns 1, 7: A, G)" in flat
    assert staged_files(data_dir) == []


def squeezed(text: str) -> str:
    """Text without white space: Rich wraps long messages anywhere in Chinese text."""
    return "".join(text.split())


def add_user(data_dir: Path, name: str, role: str) -> None:
    proc = run(
        "user", "add", name, "--name", "用户", "--role", role, "--region", "532328000000",
        "--as", "system", data_dir=data_dir,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


def batches(data_dir: Path) -> str:
    proc = run("import", "batches", data_dir=data_dir)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_a_resent_month_is_refused_then_superseded_and_withdrawn(
    registry: tuple[Path, list[str]], data_dir: Path, tmp_path: Path
) -> None:
    """The same roll re-saved (UTF-8, tab-separated, one amount corrected) is refused as
    overlapping batch 1; superseding batch 1 with it leaves only its rows; withdrawing that
    leaves none; each step audited."""
    rows = feed_rows(registry[1])
    code, output = import_feed_cli(write_feed(tmp_path / "民政.csv", rows), data_dir)
    assert code == 0, output
    corrected = [list(r) for r in rows]
    corrected[1][5] = "1,300.00"
    resent = tmp_path / "民政（更正）.csv"
    resent.write_text(
        "\n".join("\t".join(r) for r in [HEADER, *corrected]) + "\n", encoding="utf-8"
    )

    code, output = import_feed_cli(resent, data_dir)
    flat = squeezed(output)
    assert code == 2, output
    assert squeezed("rows of this file are already in committed batch 1 (5 rows)") in flat
    assert squeezed("of which 1 with corrected values") in flat
    assert squeezed(f"bottomline import supersede 1 {resent} --as USER") in flat
    assert staged_files(data_dir) == ["batch-1.parquet"]

    add_user(data_dir, "zhao", "county")
    add_user(data_dir, "li", "auditor")
    proc = run("import", "supersede", "1", str(resent), "--as", "li", data_dir=data_dir)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert squeezed("may not supersede or withdraw") in squeezed(proc.stdout)

    proc = run("import", "supersede", "1", str(resent), "--as", "zhao", data_dir=data_dir)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "batch 3 replaces batch 1" in proc.stdout
    assert staged_files(data_dir) == ["batch-3.parquet"]
    retired = data_dir / "feeds" / "_retired" / "civil_affairs" / "period=2025-10"
    assert (retired / "batch-1.parquet").exists()
    staged = pq.read_table(
        data_dir / "feeds" / "civil_affairs" / "period=2025-10" / "batch-3.parquet"
    )
    assert 1300.0 in staged["amount"].to_pylist()
    listing = batches(data_dir)
    assert "superseded → 3" in listing
    assert "导入失败 / failed" in listing  # batch 2, the refused import

    proc = run("import", "withdraw", "3", "--reason", "误发", "--as", "zhao", data_dir=data_dir)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert squeezed("batch 3 (civil_affairs 2025-10) withdrawn") in squeezed(proc.stdout)
    assert staged_files(data_dir) == []
    assert "已撤回 / withdrawn" in batches(data_dir)
    again = run("import", "withdraw", "3", "--reason", "误发", "--as", "zhao", data_dir=data_dir)
    assert again.returncode == 2
    assert squeezed("only a committed batch") in squeezed(again.stdout)

    log = run("audit", "verify", "--as", "system", data_dir=data_dir)
    assert log.returncode == 0, log.stdout + log.stderr
    engine = make_engine(f"sqlite:///{data_dir / 'bottomline.db'}")
    try:
        with engine.connect() as con:
            actions = con.execute(
                text(
                    "SELECT action, entity_id, actor FROM audit_log "
                    "WHERE entity = 'ingest_batch' ORDER BY seq"
                )
            ).all()
    finally:
        engine.dispose()
    assert [tuple(a) for a in actions] == [
        ("ingest.import", "1", "system"),  # the refused re-send (batch 2) wrote none
        ("ingest.supersede", "1", "zhao"),
        ("ingest.import", "3", "zhao"),
        ("ingest.withdraw", "3", "zhao"),
    ]


# --- several files in one process ----------------------------------------------------------------

WATER_HEADER = ["户主身份证号", "姓名", "问题类型", "发现日期"]


def civil_rows(ids: list[str], month: str) -> list[list[str]]:
    """Three good civil-affairs rows of ``month`` (YYYY-MM)."""
    return [
        [ids[10], "甲", "低保", "新增", f"{month}-01", "650"],
        [ids[11], "乙", "特困供养", "续保", f"{month}-02", "900"],
        [ids[12], "丙", "临时救助", "新增", f"{month}-03", "1200"],
    ]


def write_water(path: Path, ids: list[str]) -> Path:
    rows = [
        [ids[20], "丁", "断水超1个月", "2025-10-05"],
        [ids[21], "戊", "水质不达标", "2025-10-06"],
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(",".join(r) for r in [WATER_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def run_files(data_dir: Path, *args: str) -> tuple[int, str]:
    proc = run("import", "feed", "--as", "system", *args, data_dir=data_dir)
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output
    return proc.returncode, output


def staged(data_dir: Path) -> list[str]:
    """Every staged batch file, as feed/period=…/batch-N.parquet."""
    feeds = data_dir / "feeds"
    return sorted(
        str(p.relative_to(feeds))
        for p in feeds.glob("*/period=*/batch-*.parquet")
        if not p.relative_to(feeds).parts[0].startswith("_")
    )


def test_a_folder_of_two_months_is_imported_in_one_process(
    registry: tuple[Path, list[str]], data_dir: Path, tmp_path: Path
) -> None:
    """Feeds from the files' names and header, months from their folders; each file its own
    batch with its own reconciliation and report, and a summary of them all."""
    ids = registry[1]
    inbox = tmp_path / "收件箱"
    for month in ("2025-09", "2025-10"):
        (inbox / month).mkdir(parents=True)
    write_feed(inbox / "2025-09" / "民政救助.csv", civil_rows(ids, "2025-09"))
    write_feed(inbox / "2025-10" / "民政.csv", feed_rows(ids))
    water = write_water(inbox / "2025-10" / "export.csv", ids)  # no feed in the name: the header
    (inbox / "2025-10" / "说明.docx").write_text("not a department file")

    code, output = run_files(data_dir, str(inbox))
    assert code == 0, output
    flat = squeezed(output)
    assert staged(data_dir) == [
        "civil_affairs/period=2025-09/batch-1.parquet",
        "civil_affairs/period=2025-10/batch-3.parquet",
        "water/period=2025-10/batch-2.parquet",
    ]
    assert "3 rows in = 3 accepted + 0 rejected + 0 not in the registry" in output
    assert "11 rows in = 4 accepted + 6 rejected + 1 not in the registry" in output
    assert "2 rows in = 2 accepted + 0 rejected + 0 not in the registry" in output
    assert (
        squeezed("feed ← 表头 / its header · period ← 文件夹 2025-10 / the folder 2025-10") in flat
    )
    assert (
        squeezed(
            "3 个文件 / files: 3 已入库 committed (16 rows in = 9 accepted + 6 rejected + 1 not in "
            "the registry), 0 已导入过 already imported (nothing changed), 0 failed"
        )
        in flat
    )
    for batch in (1, 2, 3):
        assert (data_dir / "reports" / f"batch-{batch}" / "rejects.csv").exists()
    assert squeezed(str(water)) in flat, output

    again, output = run_files(data_dir, str(inbox / "2025-10"), str(inbox / "2025-10" / "民政.csv"))
    assert again == 0, output  # the same files again (one named twice): nothing changes
    assert output.count("already imported") >= 2
    assert squeezed("2 个文件 / files: 0 已入库 committed") in squeezed(output)
    assert len(staged(data_dir)) == 3


def test_a_broken_file_among_good_ones_fails_alone(
    registry: tuple[Path, list[str]], data_dir: Path, tmp_path: Path
) -> None:
    ids = registry[1]
    good = write_feed(tmp_path / "民政.csv", civil_rows(ids, "2025-10"))
    broken = tmp_path / "坏文件.csv"
    broken.write_bytes(bytes(range(256)) * 20)
    nameless = write_water(tmp_path / "a" / "饮水.csv", ids)

    code, output = run_files(
        data_dir, str(good), str(broken), str(tmp_path / "nowhere" / "*.csv"), str(nameless),
        "--period", "2025-10",
    )  # fmt: skip
    flat = squeezed(output)
    assert code == 2, output
    assert staged(data_dir) == [
        "civil_affairs/period=2025-10/batch-1.parquet",
        "water/period=2025-10/batch-2.parquet",
    ]
    assert "坏文件.csv" in output
    assert squeezed(f"no file matches {tmp_path / 'nowhere' / '*.csv'}") in flat, output
    assert (
        squeezed(
            "4 个文件 / files: 2 已入库 committed (5 rows in = 5 accepted + 0 rejected + 0 not in "
            "the registry), 0 已导入过 already imported (nothing changed), 2 失败 failed"
        )
        in flat
    )

    code, output = run_files(data_dir, str(nameless))  # no --period, no month in the path
    assert code == 2, output
    assert squeezed("cannot tell the month of 饮水.csv") in squeezed(output)
    assert squeezed("--period YYYY-MM") in squeezed(output)


def test_a_resent_file_among_new_ones_is_refused_as_an_overlap(
    registry: tuple[Path, list[str]], data_dir: Path, tmp_path: Path
) -> None:
    ids = registry[1]
    code, output = import_feed_cli(write_feed(tmp_path / "民政.csv", feed_rows(ids)), data_dir)
    assert code == 0, output
    resent = [list(r) for r in feed_rows(ids)]
    resent[1][5] = "1,300.00"  # one amount corrected, saved again as UTF-8
    folder = tmp_path / "2025年10月"
    folder.mkdir()
    again = folder / "民政（更正）.csv"
    with again.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([HEADER, *resent])
    water = write_water(folder / "饮水.csv", ids)

    code, output = run_files(data_dir, str(again), str(water))
    flat = squeezed(output)
    assert code == 2, output
    assert squeezed("rows of this file are already in committed batch 1 (5 rows)") in flat, output
    assert squeezed(f"bottomline import supersede 1 {again} --as USER") in flat, output
    assert staged(data_dir) == [
        "civil_affairs/period=2025-10/batch-1.parquet",
        "water/period=2025-10/batch-3.parquet",
    ]
    assert squeezed("1 失败 failed") in flat, output
    assert "导入失败 / failed" in batches(data_dir)  # batch 2, the refused re-send


def test_a_folder_gives_its_department_files_in_order_and_skips_the_data_dir(
    tmp_path: Path,
) -> None:
    from bottomline.cli.feed_files import feed_files

    inbox = tmp_path / "收件箱"
    for name in ("2025-10/医保.csv", "2025-09/民政.xlsx", "2025-10/.隐藏.csv", "2025-10/~$民政.xlsx",
                 "说明.docx", "data/feeds/medical/period=2025-10/batch-1.parquet"):  # fmt: skip
        (inbox / name).parent.mkdir(parents=True, exist_ok=True)
        (inbox / name).write_text("x")
    found = feed_files([inbox, inbox / "2025-10" / "医保.csv"], skip=inbox / "data")
    assert [f.path.relative_to(inbox).as_posix() for f in found] == [
        "2025-09/民政.xlsx",
        "2025-10/医保.csv",
    ]
    assert all(f.problem is None for f in found)
    empty = feed_files([tmp_path / "空" / "*.csv", inbox / "data"], skip=inbox / "data")
    assert [f.problem is not None for f in empty] == [True, True]
