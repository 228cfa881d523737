"""``bottomline import registry`` as a user runs it: the reconciliation, the diff, and clear
errors for files it cannot take."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bottomline.synth import population_for, write_registry_export
from tests.cli.test_cli import run

COUNTY = "532328000000"


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pop = population_for(scope=COUNTY, households=60, seed=5, year=2025)
    path = tmp_path_factory.mktemp("export") / "家庭成员信息.xlsx"
    write_registry_export(pop, path)
    return path


def test_an_import_prints_the_reconciliation_and_the_diff(export: Path, tmp_path: Path) -> None:
    proc = run("import", "registry", "--as", "system", str(export), data_dir=tmp_path)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "rows in =" in out
    assert " accepted + 0 rejected" in out
    assert "新增 new" in out
    assert "户 households" in out
    assert "人 members" in out
    assert "│       60 │" in out  # 60 new households
    assert str(tmp_path / "reports") in out.replace("\n", "")
    again = run("import", "registry", "--as", "system", str(export), data_dir=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "nothing changed" in again.stdout


def test_a_dry_run_shows_rejects_and_writes_nothing(export: Path, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["户编号", "村代码", "户类型", "是否脱贫户", "是否易地扶贫搬迁户",
                         "是否整户无劳动力", "姓名", "证件号码", "与户主关系", "民族", "文化程度",
                         "在校生状况", "健康状况", "劳动技能", "是否参加城乡居民基本医疗保险",
                         "是否参加大病保险", "是否参加城乡居民基本养老保险", "是否享受低保",
                         "是否特困供养"])  # fmt: skip
        writer.writerow(["53232810120100001", "532328101201", "一般农户", "否", "否", "否", "张三",
                         "532328197001010012", "户主", "汉族", "小学", "非在校生", "健康",
                         "普通劳动力", "是", "是", "是", "否", "否"])  # fmt: skip

    proc = run("import", "registry", "--as", "system", str(path), "--dry-run", data_dir=tmp_path)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 rows in = 0 accepted + 1 rejected" in proc.stdout
    assert "校验码错误" in proc.stdout
    assert "check character" in proc.stdout
    assert "dry run" in proc.stdout
    assert "532328197001010012" not in proc.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "file not found"),
        ("姓名,年龄\n张三,30\n", "no header row"),
        ("户编号,姓名,证件号码\n1,张三,532328197001010011\n", "lacks the required columns"),
    ],
)
def test_a_file_it_cannot_take_gives_a_message_not_a_traceback(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "export.csv"
    if content is not None:
        path.write_text(content, encoding="utf-8")

    proc = run("import", "registry", "--as", "system", str(path), data_dir=tmp_path)

    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert message in proc.stdout.replace("\n", " ")


def test_the_same_header_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "户编号,村代码,姓名,证件号码,证件号码\n1,532328101201,张三,532328197001010011,x\n",
        encoding="utf-8",
    )

    proc = run("import", "registry", "--as", "system", str(path), data_dir=tmp_path)

    assert proc.returncode == 2, proc.stdout + proc.stderr
    out = proc.stdout.replace("\n", " ")
    assert "证件号码" in out
    assert "appears 2 times (columns 4, 5: D, E)" in out
