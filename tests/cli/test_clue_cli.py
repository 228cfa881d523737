"""The clue commands as users run them: the queue with its filters (Chinese labels too), sorting,
paging and a masked Excel export; dispatch and dismissal in the user's region; bulk case
decisions reporting the refused; mistakes exit 2 with a message."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select, update

from bottomline.cases.models import Case
from bottomline.db import make_engine, session_scope, upgrade
from bottomline.registry.actions import load_snapshot_tables
from bottomline.registry.models import Household, Member, Region
from bottomline.screening.models import Lead, LeadHit
from bottomline.synth import population_for
from tests.cli.test_cases_cli import County

COUNTY = "532328000000"
OTHER_TOWNSHIP, OTHER_VILLAGE = "532328202000", "532328202201"
INCOME = ("income.within_range", {"pc_net_income": 5200.0, "income_line": 8700.0, "size": 3.0})
HOUSING = ("guarantee.housing", {"housing_unsafe": 1.0})
WATER = ("dept.water", {"reports": 2.0})
# household index, category, risk types, hits
CLUES = (
    (0, "marginal", ["illness"], [INCOME]),
    (1, "sudden", ["housing"], [HOUSING]),
    (2, "marginal", ["drinking_water"], [WATER, WATER, WATER]),
    (3, "unstable", ["illness", "housing"], [INCOME, HOUSING]),
    (4, "marginal", ["illness"], [INCOME]),  # moved to the other township
)


def _seed(data: Path) -> County:
    engine = make_engine(f"sqlite:///{data / 'bottomline.db'}")
    upgrade(engine)
    population = population_for(scope=COUNTY, households=30, seed=20260302, year=2025)
    load_snapshot_tables(engine=engine, tables=population.tables)
    with session_scope(engine) as session:
        households = list(session.scalars(select(Household).order_by(Household.id).limit(5)))
        session.add(Region(code=OTHER_TOWNSHIP, name="别乡", level="township", parent_code=COUNTY))
        session.add(
            Region(code=OTHER_VILLAGE, name="别村", level="village", parent_code=OTHER_TOWNSHIP)
        )
        session.flush()
        households[4].village_code = OTHER_VILLAGE
        for index, category, risks, hits in CLUES:
            lead = Lead(
                household_id=households[index].id,
                village_code=households[index].village_code,
                cycle="2026-03",
                category=category,
                risk_types=risks,
                policy_ref="p",
                reported_on=dt.date(2026, 3, 2),
            )
            session.add(lead)
            session.flush()
            for rule, evidence in hits:
                session.add(
                    LeadHit(
                        lead_id=lead.id,
                        rule_id=rule,
                        rule_version=1,
                        policy_ref="p",
                        evidence=evidence,
                    )
                )
        id_numbers = list(session.scalars(select(Member.id_number)))
        phones = [p for p in session.scalars(select(Household.phone)) if p]
        village = households[0].village_code
        numbers = [h.household_no for h in households]
    engine.dispose()
    return County(
        data=data,
        pycache=Path(tempfile.gettempdir()) / "bottomline-test-pycache",
        village=village,
        township=village[:9] + "000",
        households=numbers,
        id_numbers=id_numbers,
        phones=phones,
    )


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> County:
    c = _seed(tmp_path_factory.mktemp("data"))
    users = (
        ("zhao", "county", COUNTY, "system"),
        ("wang", "township", c.township, "zhao"),
        ("qian", "township", OTHER_TOWNSHIP, "zhao"),
        ("li", "village", c.village, "zhao"),
    )
    for name, role, region, by in users:
        c.ok("user", "add", name, "--name", name, "--role", role, "--region", region, "--as", by)
    return c


def _clue_ids(listing: str) -> list[int]:
    """The clue numbers in the first column of a printed queue."""
    return [int(m) for m in re.findall(r"^\W*(\d+)\s+│", listing, flags=re.M)]


def test_the_queue_lists_filters_sorts_and_pages(county: County) -> None:
    c = county
    everything = c.ok("clue", "list", "--as", "zhao")
    assert _clue_ids(everything) == [1, 2, 3, 4, 5]
    assert "1–5 of 5" in everything
    assert "人均纯收入5,200元，低于监测范围8,700元（3口人）" in everything
    assert _clue_ids(c.ok("clue", "list", "--risk", "因病", "--as", "zhao")) == [1, 4, 5]
    assert _clue_ids(c.ok("clue", "list", "--risk", "illness", "--as", "zhao")) == [1, 4, 5]
    chosen = c.ok("clue", "list", "--category", "边缘易致贫户", "--as", "zhao")
    assert _clue_ids(chosen) == [1, 3, 5]
    assert _clue_ids(c.ok("clue", "list", "--rule", "guarantee.housing", "--as", "zhao")) == [2, 4]
    assert _clue_ids(c.ok("clue", "list", "--township", OTHER_TOWNSHIP, "--as", "zhao")) == [5]
    assert _clue_ids(c.ok("clue", "list", "--village", c.village, "--as", "zhao")) == [1, 2, 3, 4]
    paged = c.ok(
        "clue", "list", "--sort", "hits", "--page", "2", "--page-size", "2", "--as", "zhao"
    )
    assert _clue_ids(paged) == [1, 2]  # 3 (three hits), 4 (two) on page 1; then by number
    assert "3–4 of 5" in paged
    assert "page 2 of 3" in paged
    assert _clue_ids(c.ok("clue", "list", "--channel", "department", "--as", "zhao")) == []


def test_the_export_has_every_filtered_clue_and_no_id_number_or_phone(
    county: County, tmp_path: Path
) -> None:
    out = tmp_path / "clues.xlsx"
    said = county.ok("clue", "list", "--page-size", "1", "--export", str(out), "--as", "zhao")
    assert "exported 5 clues" in said
    book = openpyxl.load_workbook(out, read_only=True)
    try:
        sheet = book.active
        assert sheet is not None
        rows = [[str(v) for v in r if v is not None] for r in sheet.iter_rows(values_only=True)]
    finally:
        book.close()  # a read-only workbook keeps its file open until closed
    assert len(rows) == 6
    assert rows[0][:3] == ["线索编号 clue", "户编号 household", "户主 head"]
    text = "\n".join("\t".join(row) for row in rows)
    for secret in [*county.id_numbers, *county.phones]:
        assert secret not in text
    heads = [row[2] for row in rows[1:]]
    assert all(re.fullmatch(r".\*", head) for head in heads), heads
    assert "边缘易致贫户" in text
    assert "因病" in text


def test_township_users_triage_in_their_own_township(county: County) -> None:
    c = county
    theirs = c.ok("clue", "list", "--as", "qian")
    assert _clue_ids(theirs) == [5]
    assert "no such clue: 5" in c.refused("clue", "dispatch", "5", "--as", "wang")
    assert "no township" in c.refused("clue", "list", "--township", OTHER_TOWNSHIP, "--as", "wang")
    assert "cannot triage" in c.refused("clue", "dispatch", "1", "--as", "li")

    dispatched = c.ok("clue", "dispatch", "1", "--date", "2026-03-16", "--as", "wang")
    assert "dispatched 1 clues on 2026-03-16 → 1 new cases" in dispatched
    with session_scope(make_engine(f"sqlite:///{c.data / 'bottomline.db'}")) as session:
        case = session.scalars(select(Case)).one()
    assert (case.first_lead_on, case.deadline_on) == (dt.date(2026, 3, 16), dt.date(2026, 3, 31))

    assert "needs a reason" in c.refused("clue", "dismiss", "2", "--as", "wang")
    dismissed = c.ok(
        "clue", "dismiss", "--all", "--rule", "dept.water", "--code", "data_error", "--as", "wang"
    )
    assert "dismissed 1 clues" in dismissed
    assert "already triaged" in c.refused("clue", "dismiss", "3", "--reason", "x", "--as", "wang")
    assert _clue_ids(c.ok("clue", "list", "--status", "dismissed", "--as", "zhao")) == [3]
    assert _clue_ids(c.ok("clue", "list", "--as", "zhao")) == [2, 4, 5]
    intake = c.ok("lead", "intake", "--as", "zhao")
    assert "3 条筛查线索待研判" in intake
    # A dismissal taken in error is undone (with a reason), and the clue is pending again.
    assert "Missing option '--reason'" in c.refused("clue", "reopen", "3", "--as", "wang")
    assert "is not dismissed" in c.refused("clue", "reopen", "2", "--reason", "误", "--as", "wang")
    reopened = c.ok("clue", "reopen", "3", "--reason", "水质数据无误", "--as", "wang")
    assert "reopened 1 clues" in reopened
    assert _clue_ids(c.ok("clue", "list", "--as", "zhao")) == [2, 3, 4, 5]
    c.ok("clue", "dismiss", "3", "--code", "data_error", "--as", "wang")


def test_bulk_decisions_report_what_moved_and_what_was_refused(county: County) -> None:
    c = county
    c.ok("clue", "dispatch", "2", "4", "--date", "2026-03-16", "--as", "wang")
    with session_scope(make_engine(f"sqlite:///{c.data / 'bottomline.db'}")) as session:
        cases = list(session.scalars(select(Case.id).order_by(Case.id)))
        session.execute(update(Case).where(Case.id == cases[-1]).values(stage="monitored"))
    proc = c.run(
        "case", "decide", "--to", "withdrawn", *map(str, cases), "--reason", "户主申请撤回",
        "--date", "2026-03-17", "--as", "wang",
    )  # fmt: skip
    said = " ".join(proc.stdout.split())
    assert proc.returncode == 1, said
    assert "2 件已办理 / moved, 1 件未通过 / refused (of 3)" in said
    assert "cannot move to withdrawn" in said
    assert "Traceback" not in said
    refused = c.refused("case", "decide", "--to", "verifying", "1", "--as", "wang")
    assert "--to 'verifying' 不是可选值之一 / is not one of the choices" in refused
    assert "monitored (已纳入监测)" in refused
    assert "no cases chosen" in c.refused("case", "decide", "--to", "rejected", "--as", "wang")


def test_mistakes_exit_2_with_the_choices(county: County) -> None:
    c = county
    assert "因病" in c.refused("clue", "list", "--risk", "不存在", "--as", "zhao")
    assert "sort by one of" in c.refused("clue", "list", "--sort", "best", "--as", "zhao")
    assert "is not a screening rule" in c.refused("clue", "list", "--rule", "x.y", "--as", "zhao")
    assert "not both" in c.refused("clue", "dispatch", "1", "--all", "--as", "wang")
    assert ".xlsx" in c.refused("clue", "list", "--export", "clues.csv", "--as", "zhao")
    for output in c.outputs:
        for secret in [*c.id_numbers, *c.phones]:
            assert secret not in output
