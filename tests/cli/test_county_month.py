"""A county's month from its own files, end to end through the CLI.

A small 元谋县 is written by hand as a county clerk's files look — the national system's export
(XLSX, a title row, 元 in the income headers, incomes and guarantees on every member row), a
yearly income collection (CSV in GB18030) that corrects one household, and a medical insurance
file with faults, re-sent with another delimiter — and run as users would: users added, the
files imported, the month screened under Yunnan's 2025 line (8,700 yuan), the clues triaged,
the month run again, and the month's monitoring objects exported for the national system and
read back unchanged.

The households sit at the rules' edges (per-capita income exactly at the line, one fen under,
zero, negative, missing; large compliant costs above the line; formerly poor; already
monitored for its risk; a medical bill one fen under the threshold and one over it; ordinary
outpatient bills, which the national policy leaves out of the medical-bill warning), so the
exact set of clues says whether each edge is judged as the policy text says.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pytest

from bottomline.ids import check_char

REPO = Path(__file__).resolve().parents[2]
COUNTY = "532328000000"  # 元谋县
TOWNSHIP_A, TOWNSHIP_B = "532328101000", "532328102000"
VILLAGES = {"532328101201": ("元马镇", "能禹村"), "532328101202": ("元马镇", "丙月村"),
            "532328102201": ("黄瓜园镇", "苴林村")}  # fmt: skip
CHINA = dt.timezone(dt.timedelta(hours=8))
STARTED = dt.datetime.now(CHINA).date()  # the run may cross midnight in China: see the dispatch


def _id(birth: str, seq: int) -> str:
    body = f"532328{birth}{seq:03d}"
    return body + check_char(body)


@dataclass
class Home:
    """One household of the county, designed for one edge."""

    key: str
    no: str
    village: str
    members: int
    wage: str = ""  # yuan as the export writes them; all empty: no income record
    business: str = ""
    medical_oop: str = ""
    formerly_poor: bool = False
    monitored: tuple[str, str, str] | None = None  # 监测对象类别, 风险类型1, 识别监测时间
    health: str = "健康"
    housing_unsafe: bool = False
    stated_net: str = ""  # 家庭纯收入 as the file states it, if not the sum of its parts
    ids: list[str] = field(default_factory=list)


HOMES = [
    Home("at_line", "53232810120100001", "532328101201", 2, wage="17400"),  # 8,700.00
    Home("fen_under", "53232810120100002", "532328101201", 1, wage="8699.99"),
    Home("zero", "53232810120100003", "532328101201", 2, wage="0", business="0"),
    Home("negative", "53232810120100004", "532328101201", 2, wage="0", business="-20000"),
    Home("missing", "53232810120100005", "532328101202", 2),
    Home("rigid", "53232810120100006", "532328101202", 2, wage="30000", medical_oop="16000"),
    Home("formerly_poor", "53232810120100007", "532328101202", 3, wage="24000", formerly_poor=True),
    Home(
        "monitored",
        "53232810120100008",
        "532328102201",
        2,
        wage="14000",
        monitored=("边缘易致贫户", "因病", "2025-03-01"),
        health="长期慢性病",
    ),
    Home("above", "53232810120100009", "532328102201", 2, wage="40000"),
    Home("corrected", "53232810120100010", "532328102201", 2, wage="24000"),  # collection: 12,000
    Home("medical_bill", "53232810120100011", "532328102201", 2, wage="60000"),
    Home("medical_under", "53232810120100012", "532328102201", 2, wage="60000"),
    Home("housing", "53232810120100013", "532328101202", 1, wage="20000", housing_unsafe=True),
    # a stated total that disagrees with its parts: the household is rejected whole
    Home("mismatch", "53232810120100014", "532328101201", 2, wage="10000", stated_net="12000"),
    # ordinary outpatient bills (普通门诊): not a medical-bill warning under the national policy,
    # but compliant spending that takes the income below the line
    Home("outpatient", "53232810120100015", "532328102201", 2, wage="20000"),
]
BY_KEY = {h.key: h for h in HOMES}
for _n, _home in enumerate(HOMES):
    _home.ids = [_id(f"19{70 + _n}0{1 + m}15", 11 + 2 * m) for m in range(_home.members)]

# The clues the month must raise (household key → the rule ids that hit), and no others.
EXPECTED = {
    "fen_under": {"income.within_range"},
    "zero": {"income.within_range"},
    "negative": {"income.within_range"},
    "rigid": {"expenditure.rigid"},
    "formerly_poor": {"income.within_range"},
    "corrected": {"income.within_range"},
    "medical_bill": {"dept.medical_bill"},
    "housing": {"guarantee.housing"},
    "outpatient": {"expenditure.rigid"},
}

REGISTRY_HEADER = [
    "户编号", "县", "乡(镇)", "村", "村代码", "户主姓名", "联系电话", "户类型", "是否脱贫户",
    "是否易地扶贫搬迁户", "是否整户无劳动力", "监测对象类别", "致贫返贫风险1", "识别监测时间",
    "姓名", "证件号码", "与户主关系", "民族", "文化程度", "在校生状况", "健康状况", "劳动技能",
    "是否参加城乡居民基本医疗保险", "是否参加大病保险", "是否参加城乡居民基本养老保险",
    "是否享受低保", "是否特困供养", "年度", "工资性收入（元）", "生产经营性收入（元）",
    "财产性收入（元）", "转移性收入（元）", "生产经营性支出（元）", "家庭纯收入（元）",
    "家庭人均纯收入（元）", "合规自付医疗支出（元）", "是否住房出现安全问题",
]  # fmt: skip
PHONES = {h.key: f"1398765{n:04d}" for n, h in enumerate(HOMES)}
SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡"


def _net(home: Home) -> tuple[str, str]:
    net = float(home.stated_net or float(home.wage or 0) + float(home.business or 0))
    return f"{net:.2f}", f"{net / home.members:.2f}"


def _member_row(home: Home, index: int) -> list[object]:
    township, village = VILLAGES[home.village]
    surname = SURNAMES[HOMES.index(home)]
    category, risk, since = home.monitored or ("", "", "")
    has_income = bool(home.wage or home.business)
    net, per_capita = _net(home) if has_income else ("", "")
    incomes = (
        [2025, home.wage, home.business, "0", "0", "0", net, per_capita, home.medical_oop or "0",
         "是" if home.housing_unsafe else "否"]
        if has_income else [""] * 10
    )  # fmt: skip
    return [
        home.no, "元谋县", township, village, home.village, f"{surname}一", PHONES[home.key],
        "一般农户", "是" if home.formerly_poor else "否", "否", "否", category, risk, since,
        f"{surname}{'一二三'[index]}", home.ids[index], "户主" if index == 0 else "子女", "彝族",
        "初中", "非在校生", home.health if index == 0 else "健康", "普通劳动力",
        "是", "是", "是", "否", "否", *incomes,
    ]  # fmt: skip


def write_export(path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "家庭成员信息"
    sheet.append(["防返贫监测信息系统 家庭成员信息导出（元谋县）"])
    sheet.append(REGISTRY_HEADER)
    for home in HOMES:
        for index in range(home.members):
            sheet.append(_member_row(home, index))
    book.save(path)


def write_collection(path: Path) -> None:
    """The yearly collection: the household `corrected` now has 12,000 for two people."""
    home = BY_KEY["corrected"]
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["2025年度收入采集（元谋县）"])
    writer.writerow(
        ["户编号", "采集日期", "工资性收入（元）", "家庭纯收入（元）", "家庭人均纯收入（元）"]
    )
    writer.writerow([home.no, "2025-09-20", "12,000.00", "12000", "6000"])
    path.write_bytes(text.getvalue().encode("gb18030"))


NOT_REGISTERED = _id("19880808", 99)
MEDICAL_HEADER = ["身份证号", "姓名", "结算日期", "就诊类型", "医疗总费用（元）", "基本医保支付",
                  "大病保险支付", "医疗救助支付", "个人自付", "定点医疗机构"]  # fmt: skip


def _medical_rows() -> list[list[str]]:
    bill, under, above = BY_KEY["medical_bill"], BY_KEY["medical_under"], BY_KEY["above"]
    clinic = BY_KEY["outpatient"]
    bad = above.ids[0][:-1] + ("0" if above.ids[0][-1] != "0" else "1")  # wrong check character
    return [
        [bill.ids[0], "马一", "2025-10-05", "住院", "40000", "20000", "5000", "0", "15000", "县医院"],
        [bill.ids[1], "马二", "2025-10-20", "住院", "30000", "15000", "5000", "0", "10000", "县医院"],
        [under.ids[0], "孙一", "2025-10-08", "住院", "39999.99", "20000", "0", "0", "19999.99",
         "州医院"],
        [bad, "黄一", "2025-10-09", "普通门诊", "300", "200", "0", "0", "100", "卫生院"],
        [NOT_REGISTERED, "外一", "2025-10-11", "门诊慢特病", "800", "500", "0", "0", "300", "卫生院"],
        [clinic.ids[0], "胡一", "2025-10-12", "普通门诊", "30000", "5000", "0", "0", "25000", "诊所"],
    ]  # fmt: skip


def write_medical(path: Path, *, delimiter: str) -> None:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter)
    writer.writerow(MEDICAL_HEADER)
    writer.writerows(_medical_rows())
    path.write_bytes(text.getvalue().encode("utf-8-sig"))


def write_files(folder: Path) -> dict[str, Path]:
    files = {
        "export": folder / "元谋县家庭成员信息.xlsx",
        "collection": folder / "2025年收入采集.csv",
        "medical": folder / "医保10月.csv",
        "medical_again": folder / "医保10月（重发）.csv",
    }
    write_export(files["export"])
    write_collection(files["collection"])
    write_medical(files["medical"], delimiter=",")
    write_medical(files["medical_again"], delimiter=";")
    return files


# --- the month, run as users would ---------------------------------------------------------


class Clerk:
    """The CLI in subprocesses against one data directory (each call a new process)."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.pycache = Path(tempfile.gettempdir()) / "bottomline-test-pycache"

    def run(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env |= {
            "BOTTOMLINE_DATA_DIR": str(self.data),
            "COLUMNS": "400",  # reasons on one line
            "PYTHONPYCACHEPREFIX": str(self.pycache),
        }
        return subprocess.run(
            [sys.executable, "-m", "bottomline.cli", *map(str, args)],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def ok(self, *args: str | Path) -> str:
        proc = self.run(*args)
        said = proc.stdout + proc.stderr
        assert proc.returncode == 0, said
        assert "Traceback" not in said
        return proc.stdout

    def refused(self, *args: str | Path) -> str:
        proc = self.run(*args)
        said = " ".join((proc.stdout + proc.stderr).split())
        assert proc.returncode == 2, said
        assert "Traceback" not in said
        return said


def _sheet_rows(path: Path, every_sheet: bool = False) -> list[tuple[object, ...]]:
    """The rows of the workbook's first sheet (or of all), the file closed again."""
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        sheets = book.worksheets if every_sheet else book.worksheets[:1]
        return [row for sheet in sheets for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _clues(path: Path) -> dict[str, dict[str, object]]:
    """The exported clue list by household number."""
    rows = _sheet_rows(path)
    header = [str(h).split(" ", 1)[1] for h in rows[0]]  # the English part
    return {str(r[1]): dict(zip(header, r, strict=True)) for r in rows[1:]}


@dataclass
class Month:
    files: dict[str, Path]
    out: dict[str, str]
    clues: dict[str, dict[str, object]]  # the queue right after the month, by household number
    after: dict[str, dict[str, object]]  # the queue after triage
    export: Path


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Month:
    folder = tmp_path_factory.mktemp("files")
    files = write_files(folder)
    clerk = Clerk(tmp_path_factory.mktemp("data"))
    out: dict[str, str] = {}
    out["registry"] = clerk.ok("import", "registry", "--as", "system", files["export"])
    clerk.ok("user", "add", "zhao", "--name", "赵局长", "--role", "county", "--region", COUNTY,
             "--as", "system")  # fmt: skip
    clerk.ok("user", "add", "wang", "--name", "王乡长", "--role", "township",
             "--region", TOWNSHIP_B, "--as", "system")  # fmt: skip
    out["incomes"] = clerk.ok(
        "import", "incomes", "--as", "zhao", files["collection"], "--year", "2025"
    )
    out["feed"] = clerk.ok(
        "import",
        "feed",
        "--as",
        "zhao",
        files["medical"],
        "--feed",
        "medical",
        "--period",
        "2025-10",
    )
    out["resent"] = clerk.refused(
        "import",
        "feed",
        "--as",
        "zhao",
        files["medical_again"],
        "--feed",
        "medical",
        "--period",
        "2025-10",
    )
    batch = re.search(r"batch (\d+)", out["feed"])
    assert batch, out["feed"]
    out["supersede"] = clerk.ok(
        "import", "supersede", batch[1], files["medical_again"], "--as", "zhao"
    )
    out["month"] = clerk.ok("month", "--cycle", "2025-10", "--as", "zhao")
    first = folder / "clues-first.xlsx"
    out["list"] = clerk.ok("clue", "list", "--as", "zhao", "--page-size", "100", "--export", first)
    clues = _clues(first)
    ids = {key: str(clues[BY_KEY[key].no]["clue"]) for key in ("medical_bill", "zero", "fen_under")
           if BY_KEY[key].no in clues}  # fmt: skip
    if len(ids) == 3:
        # A township user sees only the clues of the township (元马镇's clue does not exist for wang).
        out["foreign"] = clerk.refused("clue", "dispatch", ids["fen_under"], "--as", "wang")
        out["dispatch"] = clerk.ok("clue", "dispatch", ids["medical_bill"], "--as", "wang")
        out["dismiss"] = clerk.ok(
            "clue", "dismiss", ids["zero"], "--code", "data_error",
            "--reason", "收入漏填，已通知村里补录", "--as", "zhao",
        )  # fmt: skip
    out["again"] = clerk.ok("month", "--cycle", "2025-10", "--as", "zhao")
    # A cadre's income follow-up for the household without income data: the inputs change.
    out["followup"] = clerk.ok(
        "income", "add", "--household", BY_KEY["missing"].no, "--per-capita", "5000",
        "--date", "2025-10-15", "--as", "zhao",
    )  # fmt: skip
    out["third"] = clerk.ok("month", "--cycle", "2025-10", "--as", "zhao")
    export = folder / "clues.xlsx"
    reads = {
        "case": ("case", "show", "1", "--as", "wang"),
        "export": ("clue", "list", "--as", "zhao", "--export", export),
        "dismissed": ("clue", "list", "--as", "zhao", "--status", "dismissed"),
        "dispatched": ("clue", "list", "--as", "zhao", "--status", "dispatched"),
        "batches": ("import", "batches", "--feed", "medical"),
        "missing": ("household", "show", BY_KEY["missing"].no, "--as", "zhao"),
    }
    with ThreadPoolExecutor(max_workers=3) as pool:
        done = {name: pool.submit(clerk.ok, *args) for name, args in reads.items()}
        out |= {name: future.result() for name, future in done.items()}
    # The month's monitoring objects for the national system, and the file read back.
    national = folder / "监测对象2025-10.xlsx"
    out["national_township"] = clerk.refused(
        "export", "national", "--period", "2025-10", "--out", folder / "x.xlsx", "--as", "wang"
    )
    out["national"] = clerk.ok(
        "export", "national", "--period", "2025-10", "--out", national, "--as", "zhao"
    )
    out["roundtrip"] = clerk.ok("import", "registry", "--as", "system", national)
    files["national"] = national
    return Month(files=files, out=out, clues=clues, after=_clues(export), export=export)


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_export_and_the_collection_are_read(month: Month) -> None:
    registry = _flat(month.out["registry"])
    rows = sum(h.members for h in HOMES)
    assert (
        f"✓ 读入 {rows} 行 = 接收 {rows - 2} + 拒收 2 / "
        f"{rows} rows in = {rows - 2} accepted + 2 rejected"
    ) in registry
    rejects = re.search(r"rejects: (\S+)", month.out["registry"])
    assert rejects
    with open(rejects[1], encoding="utf-8-sig", newline="") as file:
        lines = list(csv.DictReader(file))
    # Both rows of the household whose stated net income disagrees with its parts (title and
    # header are rows 1 and 2), with both numbers.
    assert [(r["行号 row"], r["列 column"], r["代码 code"]) for r in lines] == [
        ("28", "家庭纯收入", "net_income_mismatch"),
        ("29", "家庭纯收入", "net_income_mismatch"),
    ]
    assert "（填报 stated 12,000.00，计算 computed 10,000.00）" in lines[0]["原因"]
    # 14 households in, 13 with an income section (the `missing` household's cells are empty),
    # one monitored by the national system.
    assert re.search(r"户 households │ 14 │ 0 │ 0 │ 0 │", registry), registry
    assert re.search(r"收入 incomes │ 13 │ 0 │ 0 │ 0 │", registry), registry
    assert re.search(r"监测 monitoring │ 1 │ 0 │ 0 │ 0 │", registry), registry
    incomes = _flat(month.out["incomes"])
    assert (
        "✓ 读入 1 行 = 接收 1 + 拒收 0 + 未匹配 0 / "
        "1 rows in = 1 accepted + 0 rejected + 0 unmatched"
    ) in incomes
    assert re.search(r"收入 incomes │ 0 │ 1 │ 0 │ 0 │", incomes), incomes
    assert "wage 1" in incomes


def test_the_medical_file_is_reconciled_and_its_resend_refused(month: Month) -> None:
    # One bad ID number (rejected), one person not in the registry (unmatched).
    assert "6 rows in = 4 accepted + 1 rejected + 1 not in the registry" in _flat(month.out["feed"])
    resent = month.out["resent"]
    assert "已入库的批次 1（5 行）与本文件重复" in resent
    assert "import supersede 1" in resent
    assert "import withdraw 1" in resent
    supersede = _flat(month.out["supersede"])
    assert "batch 3 replaces batch 1" in supersede
    assert "6 rows in = 4 accepted + 1 rejected + 1 not in the registry" in supersede
    batches = _flat(month.out["batches"])
    assert re.search(r"│ 3 │ medical │ 2025-10 │ 已入库 / committed │ .*│ 6 │ 4 │ 1 │ 1 │", batches)
    assert re.search(r"│ 1 │ medical │ 2025-10 │ 已被更正批次替代 / superseded → 3 │", batches)
    assert re.search(r"│ 2 │ medical │ 2025-10 │ 导入失败 / failed │", batches)


def test_the_clues_are_exactly_the_edges_that_should_hit(month: Month) -> None:
    raised = {no: set(str(row["rules"]).split(", ")) for no, row in month.clues.items()}
    assert raised == {BY_KEY[key].no: rules for key, rules in EXPECTED.items()}
    summary = _flat(month.out["month"])
    # the monitored household's risk (因病) is covered by the national system's monitoring
    assert f"14 households → 10 hits → {len(EXPECTED)} leads (1 already covered)" in summary
    assert "without income data for the cycle: 1 of 14 households" in summary
    assert re.search(r"Q106 .*│ 1 │ 1 │ 0 │", summary), summary


def test_reasons_show_the_amounts(month: Month) -> None:
    reasons = {key: str(month.clues[BY_KEY[key].no]["reasons"]) for key in EXPECTED}
    assert "人均纯收入8,699.99元，低于监测范围8,700元（1口人）" in reasons["fen_under"]
    assert "人均纯收入0元，低于监测范围8,700元（2口人）" in reasons["zero"]
    assert "人均纯收入-10,000元，低于监测范围8,700元（2口人）" in reasons["negative"]
    assert "（数据来源：2025年年度收入采集）" in reasons["corrected"]
    assert "人均纯收入6,000元" in reasons["corrected"]
    assert "（数据来源：2025年国家系统导出）" in reasons["fen_under"]
    assert "扣除合规自付医疗支出16,000元" in reasons["rigid"]
    assert "后人均7,000元，低于监测范围8,700元" in reasons["rigid"]
    assert "医保结算个人自付25,000元（2笔），达到或超过预警线20,000元" in reasons["medical_bill"]
    # 普通门诊 counts as compliant spending, not towards the medical-bill warning (national policy)
    assert "（登记0元、医保结算25,000元，取较大者）" in reasons["outpatient"]
    assert "后人均-2,500元，低于监测范围8,700元" in reasons["outpatient"]
    assert reasons["housing"] == "住房安全存在问题"
    assert "8,699.99" in month.out["list"]  # the screen shows it too, not "8,700 < 8,700"


def test_categories_and_risk_types_follow_the_evidence(month: Month) -> None:
    row = {key: month.clues[BY_KEY[key].no] for key in EXPECTED}
    assert row["formerly_poor"]["category"] == "脱贫不稳定户"
    assert row["fen_under"]["category"] == "边缘易致贫户"
    assert row["rigid"]["category"] == "突发严重困难户"  # above the line before its costs
    assert row["negative"]["risk types"] == "因产业失败"  # a business loss
    assert row["rigid"]["risk types"] == "因病"
    assert row["medical_bill"]["risk types"] == "因病"
    assert row["housing"]["risk types"] == "因住房安全"
    assert {r["head"] for r in row.values()} <= {f"{s}*" for s in SURNAMES}


def test_dispatch_starts_the_clock_that_day_and_dismissal_is_remembered(month: Month) -> None:
    out = month.out
    assert "没有线索 / no such clue" in out["foreign"]
    started = re.search(r"the clock starts on (\d{4}-\d{2}-\d{2})", _flat(out["dispatch"]))
    assert started, out["dispatch"]
    day = dt.date.fromisoformat(started[1])
    assert STARTED <= day <= dt.datetime.now(CHINA).date()  # the day of dispatch, in China
    case = _flat(out["case"])
    assert f"户编号 / household {BY_KEY['medical_bill'].no}" in case
    deadline = day + dt.timedelta(days=15)  # Yunnan: 15 calendar days, the first day as day 0
    clock = re.search(
        rf"first lead {day}, deadline {deadline}, (\d+) days used, (\d+) days left", case
    )
    assert clock, case
    used, left = int(clock[1]), int(clock[2])
    assert used + left == 15
    assert used <= (dt.datetime.now(CHINA).date() - day).days  # 0 unless midnight came between
    assert "dismissed 1 clues" in out["dismiss"]
    assert BY_KEY["zero"].no in out["dismissed"]
    assert BY_KEY["medical_bill"].no in out["dispatched"]
    pending = set(EXPECTED) - {"zero", "medical_bill"} | {"missing"}  # see the follow-up below
    assert set(month.after) == {BY_KEY[key].no for key in pending}


def test_the_same_month_again_changes_nothing(month: Month) -> None:
    assert "unchanged: the inputs are those of run #1; nothing recorded" in _flat(
        month.out["again"]
    )


def test_the_clue_export_has_no_id_numbers_or_phones(month: Month) -> None:
    cells = " ".join(str(v) for r in _sheet_rows(month.export, every_sheet=True) for v in r)
    for home in HOMES:
        assert PHONES[home.key] not in cells
        for number in home.ids:
            assert number not in cells
            assert number[6:14] not in cells
        assert f"{SURNAMES[HOMES.index(home)]}一" not in cells  # names masked


def test_the_household_without_income_is_shown_so(month: Month) -> None:
    shown = month.out["missing"]
    assert BY_KEY["missing"].no in shown
    assert BY_KEY["missing"].ids[0] not in shown


def test_a_follow_up_counts_and_a_dismissed_clue_stays_dismissed(month: Month) -> None:
    assert "5,000 yuan per person per year on 2025-10-15" in month.out["followup"]
    third = _flat(month.out["third"])
    # The follow-up is the only change: the household without income data is raised on it; the
    # dismissed household's evidence is the same, so it is not raised again; the other clues
    # (pending, dispatched) and the nationally monitored household are covered.
    assert (
        "第 2 次运行：14 户 → 11 条命中 → 1 条线索（9 户已有线索或案件，1 户已排除且证据未变） / "
        "run #2: 14 households → 11 hits → 1 leads (9 already covered, "
        "1 dismissed before on the same evidence)"
    ) in third
    assert "without income data for the cycle: 0 of 14 households" in third
    assert re.search(r"Q106 .*│ 0 │ 0 │ 1 │", third), third
    raised = month.after[BY_KEY["missing"].no]
    assert raised["rules"] == "income.within_range"
    assert raised["reasons"] == (
        "人均纯收入5,000元，低于监测范围8,700元（2口人）（数据来源：2025-10-15收入跟踪）"
    )


def test_the_national_export_carries_the_months_monitoring_and_reads_back_unchanged(
    month: Month,
) -> None:
    assert "县级及以上用户导出 / a county, city or province user exports it" in _flat(
        month.out["national_township"]
    )
    national = _flat(month.out["national"])
    assert (
        "1 户 households, 2 人 members (新识别 newly identified 0, 风险消除 eliminated 0;"
        in national
    )
    rows = [list(r) for r in _sheet_rows(month.files["national"])]
    assert "部分户 partial" in str(rows[0][0])
    header = [str(h) for h in rows[1]]
    members = [dict(zip(header, r, strict=False)) for r in rows[2:]]
    home = BY_KEY["monitored"]
    # Only the household monitored in the month; full ID numbers (the national system matches
    # people by them), its monitoring as the registry holds it, its 2025 incomes.
    assert [m["证件号码"] for m in members] == home.ids
    assert {m["户编号"] for m in members} == {home.no}
    first = members[0]
    assert (first["监测对象类别"], first["致贫返贫风险1"]) == ("边缘易致贫户", "因病")
    assert str(first["识别监测时间"])[:10] == "2025-03-01"
    assert not first.get("风险消除时间")
    assert str(first["年度"]) == "2025"
    assert float(str(first["工资性收入"])) == 14000
    roundtrip = _flat(month.out["roundtrip"])
    assert "partial import" in roundtrip  # the title's mark: no other household removed
    for table in (
        "户 households",
        "人 members",
        "收入 incomes",
        "三保障 guarantees",
        "监测 monitoring",
    ):
        assert re.search(rf"{table} │ 0 │ 0 │ 0 │ [12] │", roundtrip), roundtrip
