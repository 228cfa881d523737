"""The case commands as users run them: one household walked from its lead to assistance in a
synthetic county, the overviews, the audit log, and clear errors for mistakes.

Steps are dated in 2026, from 2 March (they may not be dated in the future; Yunnan's policy
applies: 5 calendar days of notice, 15 days from the first lead to the county's decision). The
walk runs step by step; the reads and the mistakes after it run side by side, since every
command is a new Python process and most of its time is start-up.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select

from bottomline.db import make_engine, session_scope, upgrade
from bottomline.registry.actions import load_snapshot_tables
from bottomline.registry.models import Household, Member
from bottomline.screening.models import Lead
from bottomline.synth import population_for

REPO = Path(__file__).resolve().parents[2]
COUNTY = "532328000000"  # 元谋县
PHONE = "13800138000"


@dataclass
class County:
    """A store with a synthetic county, and the CLI run against it."""

    data: Path
    pycache: Path
    village: str
    township: str
    households: list[str]  # household numbers of the first three households
    id_numbers: list[str]
    phones: list[str]  # the registry's, and the helper's added below
    outputs: list[str] = field(default_factory=list)

    def run(self, *args: str, data: Path | None = None) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env |= {
            "BOTTOMLINE_DATA_DIR": str(data or self.data),
            "COLUMNS": "200",
            # Compile the modules once for every run (the repo and venv stay without .pyc).
            "PYTHONPYCACHEPREFIX": str(self.pycache),
        }
        proc = subprocess.run(
            [sys.executable, "-m", "bottomline.cli", *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        self.outputs.append(proc.stdout + proc.stderr)
        return proc

    def ok(self, *args: str) -> str:
        return _ok(self.run(*args))

    def refused(self, *args: str) -> str:
        """A user mistake: exit code 2 and a message."""
        proc = self.run(*args)
        said = " ".join((proc.stdout + proc.stderr).split())
        assert proc.returncode == 2, said
        assert "Traceback" not in said
        return said


def _ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> County:
    data = tmp_path_factory.mktemp("data")
    engine = make_engine(f"sqlite:///{data / 'bottomline.db'}")
    upgrade(engine)
    population = population_for(scope=COUNTY, households=60, seed=20260302, year=2025)
    load_snapshot_tables(engine=engine, tables=population.tables)
    with session_scope(engine) as session:
        households = list(session.scalars(select(Household).order_by(Household.id).limit(3)))
        id_numbers = list(session.scalars(select(Member.id_number)))
        phones = [p for p in session.scalars(select(Household.phone)) if p]
        # A screening run's clue, waiting for triage (`clue dispatch`).
        session.add(
            Lead(
                household_id=households[2].id,
                village_code=households[2].village_code,
                cycle="2026-03",
                channel="screening",
                category="marginal",
                risk_types=["unstable_employment"],
                reported_on=dt.date(2026, 3, 12),
            )
        )
    engine.dispose()
    village = households[0].village_code
    return County(
        data=data,
        pycache=Path(tempfile.gettempdir()) / "bottomline-test-pycache",
        village=village,
        township=village[:9] + "000",
        households=[h.household_no for h in households],
        id_numbers=id_numbers,
        phones=[PHONE, *phones],
    )


@pytest.fixture(scope="module")
def walked(county: County) -> dict[str, str]:
    """Users added, household 1 walked to assistance, a look-back done (outputs by step)."""
    c, h1, h2 = county, county.households[0], county.households[1]
    out: dict[str, str] = {}
    out["county user"] = c.ok(
        "user", "add", "zhao", "--name", "赵局长", "--role", "county", "--region", COUNTY,
        "--as", "system",
    )  # fmt: skip
    c.ok(
        "user", "add", "wang", "--name", "王乡长", "--role", "township", "--region", c.township,
        "--as", "zhao",
    )  # fmt: skip
    c.ok(
        "user", "add", "li", "--name", "李干部", "--role", "village", "--region", c.village,
        "--as", "zhao",
    )  # fmt: skip
    out["lead"] = c.ok(
        "lead", "add", "--household", h1, "--channel", "self_declaration", "--risk", "illness",
        "--category", "marginal", "--note", "户主申报", "--date", "2026-03-02", "--as", "li",
    )  # fmt: skip
    c.ok(
        "lead", "add", "--household", h2, "--channel", "干部走访排查", "--risk", "因学",
        "--date", "2026-03-02", "--as", "li",
    )  # fmt: skip
    out["intake"] = c.ok("lead", "intake", "--as", "zhao")
    out["dispatch"] = c.ok("clue", "dispatch", "--all", "--date", "2026-03-12", "--as", "wang")
    out["visit"] = c.ok(
        "visit", "add", "--household", h1, "--visitor", "李干部", "--signed",
        "--date", "2026-03-03", "--as", "li",
    )  # fmt: skip
    c.ok("case", "move", "1", "verifying", "--date", "2026-03-02", "--as", "li")
    out["comparing"] = c.ok("case", "move", "1", "comparing", "--date", "2026-03-03", "--as", "li")
    out["notice"] = c.ok(
        "notice", "publish", "--village", c.village, "--kind", "identification",
        "--date", "2026-03-04", "--no-pdf", "--as", "li",
    )  # fmt: skip
    out["objection"] = c.ok(
        "objection", "add", "--notice", "1", "--case", "1", "--summary", "邻居认为收入不低",
        "--date", "2026-03-05", "--as", "li",
    )  # fmt: skip
    to_township = (
        "case", "move", "1", "township_review", "--date", "2026-03-09",
        "--evidence", "democratic_review=村民代表大会评议", "--as", "li",
    )  # fmt: skip
    out["objection blocks"] = c.refused(*to_township)
    c.ok(
        "objection", "resolve", "1", "--dismissed", "--resolution", "经核实收入确实较低",
        "--date", "2026-03-09", "--as", "li",
    )  # fmt: skip
    c.ok(*to_township)
    c.ok(
        "case", "move", "1", "county_approval", "--date", "2026-03-10",
        "--evidence", "township_opinion=经审核符合条件", "--as", "wang",
    )  # fmt: skip
    approve = (
        "case", "move", "1", "monitored", "--date", "2026-03-11", "--risk", "illness",
        "--risk", "schooling", "--category", "marginal",
    )  # fmt: skip
    out["monitored"] = c.ok(*approve, "--as", "zhao")
    out["measure"] = c.ok(
        "measure", "add", "--household", h1, "--type", "medical_assistance",
        "--start", "2026-03-12", "--amount", "3000", "--status", "implemented", "--as", "li",
    )  # fmt: skip
    out["assisting"] = c.ok("case", "move", "1", "assisting", "--date", "2026-03-12", "--as", "li")
    out["helper"] = c.ok(
        "helper", "add", "--household", h1, "--name", "张帮扶", "--unit", "县农业农村局",
        "--phone", PHONE, "--start", "2026-03-12", "--as", "li",
    )  # fmt: skip
    out["income"] = c.ok(
        "income", "add", "--household", h1, "--date", "2026-04-15", "--per-capita", "9200",
        "--as", "li",
    )  # fmt: skip
    out["lookback"] = c.ok(
        "lookback", "create", "--name", "2026年回头看", "--region", COUNTY,
        "--population", "monitored", "--date", "2026-11-20", "--as", "zhao",
    )  # fmt: skip
    c.ok("lookback", "done", "1", "--result", "stable", "--date", "2026-11-21", "--as", "li")
    return out


def test_users_are_added_by_the_system_then_by_the_county(
    county: County, walked: dict[str, str], reads: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    users = _ok(reads["users"])

    assert "zhao: 县级" in walked["county user"]
    roles = {line.split("│")[1].strip(): line for line in users.splitlines() if "│" in line}
    assert "乡镇" in roles["wang"]
    assert county.township in roles["wang"]
    assert "村级" in roles["li"]
    assert county.village in roles["li"]
    assert "县级" in roles["zhao"]


def test_a_household_walks_from_its_lead_to_assistance(
    county: County, walked: dict[str, str]
) -> None:
    assert "case 1" in walked["lead"]
    assert "deadline 2026-03-17" in walked["lead"]
    assert "0 条线索 / leads → 0 new cases" in walked["intake"]
    assert "1 条筛查线索待研判 / screening clues wait for triage" in walked["intake"]
    assert "dispatched 1 clues on 2026-03-12 → 1 new cases" in walked["dispatch"]
    assert "the clock starts on 2026-03-12" in walked["dispatch"]
    assert "authorization signed: ✓" in walked["visit"]
    assert "village_review" in walked["comparing"]  # the next allowed stages
    notice = walked["notice"]
    assert "2026-03-04 – 2026-03-08" in notice
    assert "from 2026-03-09" in notice
    html = next(line.split("HTML:")[1].strip() for line in notice.splitlines() if "HTML:" in line)
    assert Path(html).is_file()
    assert "PDF" not in notice
    assert "1 objection(s)" in walked["objection blocks"]
    assert "resolve them with `bottomline objection resolve`" in walked["objection blocks"]
    assert "county_approval → monitored" in walked["monitored"]
    assert "医疗救助" in walked["measure"]
    assert "monitored → assisting" in walked["assisting"]
    assert "elimination_proposed" in walked["assisting"]
    assert "138****8000" in walked["helper"]
    assert "9,200" in walked["income"]


# Commands that change nothing, run side by side once the walk is done (each is a new process).
READS: dict[str, tuple[str, ...]] = {
    "show": ("case", "show", "1", "--as", "li"),
    "check-exit": ("case", "check-exit", "1", "--date", "2026-04-20", "--as", "li"),
    "overdue": ("overdue", "--as", "zhao", "--date", "2026-03-25"),
    "pipeline": ("pipeline", "--as", "zhao", "--region", COUNTY, "--level", "village"),
    "queue": ("lead", "queue", "--as", "zhao", "--date", "2026-03-13"),
    "verify": ("audit", "verify", "--as", "system"),
    "users": ("user", "list"),
    "lookback progress": ("lookback", "progress", "1", "--as", "zhao", "--level", "village"),
}
MISTAKES: dict[str, tuple[tuple[str, ...], list[str]]] = {
    "unknown user": (
        ("case", "show", "1", "--as", "nobody"),
        ["no active user 'nobody'", "list users with `bottomline user list`"],
    ),
    "unknown role": (
        ("user", "add", "x1", "--name", "某", "--role", "mayor", "--region", COUNTY),
        ["--role 'mayor'", "village (村级", "auditor (审计督查"],
    ),
    "wrong role": (
        ("case", "move", "1", "elimination_proposed", "--method", "assisted",
         "--date", "2026-04-20", "--as", "zhao"),
        ["may not move a case from assisting to elimination_proposed",
         "this step is taken by: township (乡镇), village (村级"],
    ),
    "illegal move": (
        ("case", "move", "1", "eliminated", "--date", "2026-03-13"),
        ["cannot move to eliminated", "it can move to: elimination_proposed"],
    ),
    "stale version": (
        ("case", "move", "1", "elimination_proposed", "--method", "assisted", "--version", "1"),
        ["changed by someone else"],
    ),
    "bad date": (
        ("lead", "add", "--household", "H1", "--channel", "self_declaration",
         "--date", "2026-02-30"),
        ["--date '2026-02-30' is not a date", "YYYY-MM-DD"],
    ),
    "unknown household": (
        ("lead", "add", "--household", "no-such-household", "--channel", "cadre_visit"),
        ["no household 'no-such-household' in your region"],
    ),
    "visit without a visitor": (
        ("visit", "add", "--household", "H1", "--visitor", " ", "--date", "2026-03-12",
         "--as", "li"),
        ["a visit needs the visitor's name", "give --visitor NAME"],
    ),
    "unknown measure": (
        ("measure", "status", "999", "ended", "--as", "li"),
        ["no measure 999", "listed by `bottomline case show`"],
    ),
    "unknown measure type": (
        ("measure", "add", "--household", "H1", "--type", "medical_assistanse",
         "--start", "2026-03-12"),
        ["unknown measure type 'medical_assistanse'", "did you mean medical_assistance"],
    ),
    "region above the user's": (
        ("pipeline", "--as", "wang", "--region", COUNTY),
        [f"there is no region '{COUNTY}' in your region"],
    ),
    "region not in the registry": (
        ("overdue", "--as", "zhao", "--region", "532328999000"),
        ["there is no region '532328999000' in your region"],
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def reads(
    county: County, walked: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, subprocess.CompletedProcess[str]]:
    """What each read and each mistake printed, by name; "tampered": `audit verify` of a copy
    of the store whose audit row 5 was changed behind bottomline's back."""
    commands = dict(READS)
    for name, (args, _messages) in MISTAKES.items():
        args = tuple(county.households[0] if a == "H1" else a for a in args)
        commands[name] = args if "--as" in args else (*args, "--as", "zhao")
    copy = tmp_path_factory.mktemp("tampered")
    with (
        sqlite3.connect(county.data / "bottomline.db") as source,
        sqlite3.connect(copy / "bottomline.db") as target,
    ):
        source.backup(target)
    with sqlite3.connect(copy / "bottomline.db") as db:
        db.execute("UPDATE audit_log SET reason = 'changed later' WHERE seq = 5")
    with ThreadPoolExecutor(max_workers=4) as pool:
        done = {name: pool.submit(county.run, *args) for name, args in commands.items()}
        done["tampered"] = pool.submit(county.run, "audit", "verify", "--as", "system", data=copy)
    return {name: future.result() for name, future in done.items()}


def test_case_show_has_the_whole_file_with_the_phone_masked(
    county: County, reads: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    shown = _ok(reads["show"])

    assert county.households[0] in shown
    assert "帮扶中" in shown
    for step in ("lead → verifying", "village_review → township_review", "→ assisting"):
        assert step in shown
    assert "wang (township)" in shown
    assert "township_opinion=经审核符合条件" in shown
    assert "农户自主申报" in shown  # the lead's channel
    assert "note=户主申报" in shown
    assert "邻居认为收入不低" in shown  # the objection, and how it was resolved
    assert "不成立 / dismissed" in shown
    assert "医疗救助 (medical_assistance)" in shown
    assert "138****8000" in shown
    assert "9,200.00" in shown
    assert "W102" in shown  # a plan warning: no measure addresses the risk of schooling costs
    assert "因学" in shown
    assert "→ elimination_proposed" in shown
    assert "in time" in shown


def test_check_exit_explains_every_condition_and_reports_with_exit_0(
    reads: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    report = _ok(reads["check-exit"])

    failed = re.findall(r"✗ (E\d\d)", report)
    assert failed[:2] == ["E01", "E02"]
    assert "✓ E05" in report
    assert "要求至少6个月" in report
    assert "at least 6 required" in report
    assert "condition(s) not met" in report


def test_overdue_lists_cases_to_escalate_and_pipeline_counts_stages(
    county: County, reads: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    overdue, pipeline = _ok(reads["overdue"]), _ok(reads["pipeline"])

    rows = dict(re.findall(r"^│ (\d+)\s+│.*│ ([^│]*?)\s+│$", overdue, re.M))
    assert rows == {"2": "县级 / county", "3": "乡镇 / township"}
    assert "8 days overdue" in overdue
    assert "2 days left" in overdue
    village_row = next(line for line in pipeline.splitlines() if county.village in line)
    assert re.findall(r"\d+", village_row.split(")", 1)[1]) == ["2", "1", "3"]  # lead, assisting
    assert re.search(r"合计 / total.*\b3\b", pipeline)


def test_lead_queue_lists_waiting_cases_oldest_first(
    county: County, reads: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    queue = _ok(reads["queue"])

    cases = re.findall(r"│ (\d+)\s+│ (\d+)", queue)
    assert cases == [("2", county.households[1]), ("3", county.households[2])]
    assert "部门数据筛查预警" in queue


def test_look_back_campaign_tasks_are_done_and_counted(
    county: County, walked: dict[str, str], reads: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    progress = _ok(reads["lookback progress"])

    assert "1 tasks" in walked["lookback"]
    village_row = next(line for line in progress.splitlines() if county.village in line)
    assert re.findall(r"\d+%?", village_row.split(")", 1)[1])[:3] == ["1", "1", "100%"]


def test_audit_log_verifies_and_a_changed_row_exits_1(
    reads: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    tampered = reads["tampered"]

    assert re.search(r"intact: \d+ rows checked", _ok(reads["verify"]))
    assert tampered.returncode == 1, tampered.stdout + tampered.stderr
    assert re.search(r"│\s+5 │ content changed", tampered.stdout)
    assert "first bad row is 5" in tampered.stdout
    assert "Traceback" not in tampered.stdout + tampered.stderr


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_mistakes_exit_2_with_a_message_and_no_traceback(
    reads: dict[str, subprocess.CompletedProcess[str]], mistake: str
) -> None:
    proc = reads[mistake]
    said = " ".join((proc.stdout + proc.stderr).split())

    assert proc.returncode == 2, said
    assert "Traceback" not in said
    for message in MISTAKES[mistake][1]:
        assert message in said


def test_nothing_printed_shows_id_numbers_or_phones(
    county: County, reads: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    printed = "\n".join(county.outputs)

    assert "138****8000" in printed
    assert not [p for p in county.phones if p in printed]
    assert not [n for n in county.id_numbers if n in printed]
