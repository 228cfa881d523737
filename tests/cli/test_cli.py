"""The CLI as a user runs it: the demo at a small size, and clear errors for mistakes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select

from bottomline import audit
from bottomline.cases.models import Case
from bottomline.cases.notices.redact import find_personal_data, html_text
from bottomline.db import make_engine, session_scope
from bottomline.policy.models import PolicyDocument
from bottomline.screening.models import Lead, LeadHit, ScreeningRun

REPO = Path(__file__).resolve().parents[2]


def run(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"BOTTOMLINE_DATA_DIR": str(data_dir), "COLUMNS": "160"}
    return subprocess.run(
        [sys.executable, "-m", "bottomline.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    data = tmp_path_factory.mktemp("data")
    return run("demo", "--households", "3000", "--top", "3", data_dir=data), data


def test_demo_screens_a_county_and_records_leads(
    demo: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    proc, data = demo
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "元谋县" in proc.stdout
    assert "边缘易致贫户" in proc.stdout
    leads = pq.read_table(data / "demo" / "results" / "2025-10" / "leads.parquet")
    assert leads.num_rows > 0
    engine = make_engine(f"sqlite:///{data / 'demo' / 'bottomline.db'}")
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Lead)) == leads.num_rows
        assert session.scalar(select(func.count()).select_from(LeadHit)) >= leads.num_rows
        run_row = session.scalars(select(ScreeningRun)).one()
        assert run_row.households_screened == 3000
        assert run_row.policies  # every run records the policies it used
        kept = session.scalars(select(PolicyDocument)).all()
        assert {(d.region_code, d.year) for d in kept} >= {
            ("530000000000", 2025),
            ("000000000000", 2021),
        }


def test_demo_takes_the_leads_in_and_publishes_a_notice(
    demo: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    proc, data = demo
    assert proc.returncode == 0, proc.stdout + proc.stderr
    leads = pq.read_table(data / "demo" / "results" / "2025-10" / "leads.parquet").num_rows
    engine = make_engine(f"sqlite:///{data / 'demo' / 'bottomline.db'}")
    with session_scope(engine) as session:
        stages = dict(session.execute(select(Case.stage, func.count()).group_by(Case.stage)).all())
        assert audit.verify(session).intact
    assert stages == {"lead": leads - 3, "village_review": 3}
    notices = sorted((data / "demo" / "notices").glob("*-identification-1.*"))
    assert [n.suffix for n in notices] == [".html", ".pdf"]
    assert "审计日志 / audit log" in proc.stdout
    assert "intact" in proc.stdout
    assert find_personal_data(html_text(notices[0].read_text(encoding="utf-8"))) == []


def test_demo_output_has_no_id_numbers_or_phones(
    demo: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    proc, data = demo
    members = pq.read_table(
        data / "demo" / "results" / "2025-10" / "snapshot" / "members.parquet",
        columns=["id_number"],
    )
    households = pq.read_table(
        data / "demo" / "results" / "2025-10" / "snapshot" / "households.parquet", columns=["phone"]
    )
    notices = [n.read_text(encoding="utf-8") for n in (data / "demo" / "notices").glob("*.html")]
    text = proc.stdout + proc.stderr + "".join(notices)
    assert not any(i in text for i in members["id_number"].to_pylist()[:2000])
    assert not any(p and p in text for p in households["phone"].to_pylist())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("demo", "--cycle", "2025-13"), "YYYY-MM"),
        (("demo", "--policies", "no/such/dir"), "no/such/dir"),
        (("policy", "show", "999999999999", "--year", "2025"), "999999999999"),
        (("policy", "validate", "no-such.toml"), "no-such.toml"),
        (("screen", "--snapshot", "nowhere", "--cycle", "2025-10"), "snapshot"),
        (("generate", "--scope", "123"), "123"),
    ],
)
def test_user_mistakes_give_a_message_not_a_traceback(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    proc = run(*args, data_dir=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert message in proc.stdout + proc.stderr


def test_policy_show_resolves_the_demo_county(tmp_path: Path) -> None:
    proc = run("policy", "show", "532328000000", "--year", "2025", data_dir=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "8700" in proc.stdout
    line = next(row for row in proc.stdout.splitlines() if "income_line" in row)
    assert "530000000000/2025" in line  # the Yunnan 2025 document sets the line
    assert "S21" in line  # and its citation says where the figure comes from
    notice = next(row for row in proc.stdout.splitlines() if "notice_days" in row)
    assert "000000000000/2024" in notice
    unset = next(row for row in proc.stdout.splitlines() if "rigid_absolute" in row)
    assert "not set" in unset


def test_generate_then_screen_from_files(tmp_path: Path) -> None:
    out = tmp_path / "synthetic"
    gen = run(
        "generate", "--households", "2000", "--months", "2", "--out", str(out), data_dir=tmp_path
    )
    assert gen.returncode == 0, gen.stdout + gen.stderr
    truth = pq.read_table(out / "truth" / "truth.parquet")
    assert truth.num_rows == 2000
    staged = out / "feeds"
    assert list((staged / "medical" / "period=2025-10").glob("batch-*.parquet"))
    res = tmp_path / "results"
    scr = run(
        "screen",
        "--snapshot",
        str(out / "synthetic-snapshot"),
        "--staged",
        str(staged),
        "--cycle",
        "2025-10",
        "--out",
        str(res),
        "--top",
        "0",
        data_dir=tmp_path,
    )
    assert scr.returncode == 0, scr.stdout + scr.stderr
    leads = pq.read_table(res / "leads.parquet")
    assert 0 < leads.num_rows < 2000
    assert set(leads["category"].to_pylist()) <= {"unstable", "marginal", "sudden"}


def test_every_demo_user_logs_in_to_the_api_with_the_demo_password(
    demo: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    from fastapi.testclient import TestClient

    from bottomline.api.app import create_app
    from bottomline.cli.demo_cases import DEMO_PASSWORD
    from bottomline.users.enums import Role

    proc, data = demo
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"password {DEMO_PASSWORD}" in proc.stdout
    engine = make_engine(f"sqlite:///{data / 'demo' / 'bottomline.db'}")
    roles = {}
    with TestClient(create_app(engine, data_dir=data / "demo")) as client:
        for name in ("cadre", "township", "county", "city", "province", "auditor", "analyst",
                     "department"):  # fmt: skip
            login = client.post(
                "/api/v1/session", json={"username": f"demo.{name}", "password": DEMO_PASSWORD}
            )
            assert login.status_code == 200, login.text
            roles[name] = login.json()["role"]["value"]
            assert f"demo.{name}" in proc.stdout
        clues = client.get("/api/v1/audit?page_size=1")  # the last login: the analyst's
        assert clues.status_code == 403
    engine.dispose()
    assert set(roles.values()) == {r.value for r in Role} - {"administrator", "system"}


def test_the_demo_can_end_by_serving_its_store(tmp_path: Path) -> None:
    """`bottomline demo --serve` (what `make demo SERVE=1` runs): the demo, then the API over
    its store, where a demo user logs in and reads the clue queue."""
    import http.cookiejar
    import json
    import socket
    import time
    import urllib.error
    import urllib.request

    from bottomline.cli.demo_cases import DEMO_PASSWORD

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = os.environ | {"BOTTOMLINE_DATA_DIR": str(tmp_path), "COLUMNS": "160"}
    args = ["demo", "--households", "500", "--top", "0", "--serve", "--port", str(port)]
    server = subprocess.Popen(
        [sys.executable, "-m", "bottomline.cli", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    login = urllib.request.Request(
        f"{base}/session",
        data=json.dumps({"username": "demo.county", "password": DEMO_PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        deadline = time.monotonic() + 240
        while True:
            assert server.poll() is None, server.communicate()[0]
            try:
                with opener.open(login, timeout=10) as answer:
                    assert json.load(answer)["username"] == "demo.county"
                break
            except urllib.error.HTTPError:
                raise  # the server answered: a refusal is the failure, not a wait
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "the demo's server did not come up"
                time.sleep(1)
        with opener.open(f"{base}/clues?page_size=5", timeout=10) as answer:
            page = json.load(answer)
        assert page["total"] >= len(page["rows"])
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "bottomline API on http://127.0.0.1" in output
    assert "Traceback" not in output
