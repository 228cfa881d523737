"""Logins from the command line, as a county sets them up: a trial store where ``--as`` names
the user, the first administrator, then logins only — tokens saved for the store, a department
system's token limited to its feed, ``system`` and other users' names refused, logout."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bottomline.db import make_engine, upgrade
from bottomline.registry.actions import load_snapshot_tables
from bottomline.synth import population_for

REPO = Path(__file__).resolve().parents[2]
COUNTY = "532328000000"
ADMIN_PASSWORD = "admin-secret-4711"
LI_PASSWORD = "county-secret-0815"


@dataclass
class Store:
    data: Path
    pycache: Path
    outputs: list[str] = field(default_factory=list)

    @property
    def token_file(self) -> Path:
        return self.data / "home" / "token"

    def run(
        self, *args: str, stdin: str | None = None, token: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOTTOMLINE_TOKEN")}
        env |= {
            "BOTTOMLINE_DATA_DIR": str(self.data),
            "BOTTOMLINE_TOKEN_FILE": str(self.token_file),
            "COLUMNS": "200",
            "PYTHONPYCACHEPREFIX": str(self.pycache),
        }
        if token is not None:
            env["BOTTOMLINE_TOKEN"] = token
        proc = subprocess.run(
            [sys.executable, "-m", "bottomline.cli", *args],
            cwd=REPO,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        self.outputs.append(proc.stdout + proc.stderr)
        return proc

    def ok(self, *args: str, stdin: str | None = None, token: str | None = None) -> str:
        proc = self.run(*args, stdin=stdin, token=token)
        said = proc.stdout + proc.stderr
        assert proc.returncode == 0, said
        return " ".join(said.split())

    def refused(self, *args: str, stdin: str | None = None, token: str | None = None) -> str:
        proc = self.run(*args, stdin=stdin, token=token)
        said = " ".join((proc.stdout + proc.stderr).split())
        assert proc.returncode == 2, said
        assert "Traceback" not in said
        return said


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    data = tmp_path_factory.mktemp("login")
    engine = make_engine(f"sqlite:///{data / 'bottomline.db'}")
    upgrade(engine)
    population = population_for(scope=COUNTY, households=20, seed=20261203, year=2025)
    load_snapshot_tables(engine=engine, tables=population.tables)
    engine.dispose()
    return Store(data, tmp_path_factory.mktemp("pycache"))


def test_a_county_turns_logins_on_and_acts_through_them(store: Store, tmp_path: Path) -> None:
    # A trial store: --as names the user; without it the command asks who acts.
    store.ok("user", "add", "county.li", "--name", "李", "--role", "county", "--region", COUNTY,
             "--as", "system")  # fmt: skip
    assert "案件 / cases" in store.ok("case", "list", "--as", "county.li")
    assert "who acts?" in store.refused("case", "list")

    # The first administrator, added by system with a password from stdin.
    said = store.ok("user", "add", "admin.wang", "--name", "王", "--role", "administrator",
                    "--region", COUNTY, "--as", "system", "--password-stdin",
                    stdin=ADMIN_PASSWORD + "\n")  # fmt: skip
    assert "requires a login" in said
    # From now on --as proves nothing, and system is retired.
    assert "requires a login" in store.refused("case", "list", "--as", "county.li")
    assert "requires a login" in store.refused(
        "user", "add", "late.one", "--name", "晚", "--role", "county", "--region", COUNTY,
        "--as", "system",
    )  # fmt: skip

    # A wrong password is refused without saying why; the right one saves a token for the store.
    wrong = store.refused("login", "admin.wang", "--password-stdin", stdin="guess-guess-1\n")
    assert "wrong user name or password" in wrong
    assert not store.token_file.exists()
    assert "logged in as admin.wang" in store.ok(
        "login", "admin.wang", "--password-stdin", stdin=ADMIN_PASSWORD + "\n"
    )
    assert stat.S_IMODE(store.token_file.stat().st_mode) == 0o600
    assert "admin.wang" in store.ok("whoami")
    # The administrator manages users and tokens but reads no household's records.
    assert "does not read" in store.refused("case", "list")
    store.ok("user", "passwd", "county.li", "--password-stdin", stdin=LI_PASSWORD + "\n")
    store.ok("user", "add", "med.clerk", "--name", "县医保局", "--role", "department",
             "--region", COUNTY)  # fmt: skip
    issued = store.run(
        "token", "issue", "med.clerk", "--label", "县医保局月报", "--feed", "medical"
    )
    assert issued.returncode == 0, issued.stderr
    department_token = issued.stdout.strip().splitlines()[-1]
    assert department_token.startswith("blt_")
    listed = store.ok("token", "list")
    assert "medical" in listed
    assert department_token not in listed

    # The county official logs in and acts without --as; naming someone else is refused.
    store.ok("login", "county.li", "--password-stdin", stdin=LI_PASSWORD + "\n")
    assert "案件 / cases" in store.ok("case", "list")
    assert "logged in as county.li, not as admin.wang" in store.refused(
        "case", "list", "--as", "admin.wang"
    )

    # The department's system acts with its token, for its own feed only.
    assert "feeds: medical" in store.ok("whoami", token=department_token)
    civil = tmp_path / "民政.csv"
    civil.write_text("身份证号,姓名,救助类型,变动类型,起始日期,月救助金额\n", encoding="utf-8")
    refused = store.refused(
        "import", "feed", str(civil), "--feed", "civil_affairs", "--period", "2025-10",
        token=department_token,
    )  # fmt: skip
    assert "does not send civil_affairs" in refused
    assert "does not read" in store.refused("case", "list", token=department_token)
    assert "not valid" in store.refused("whoami", token="blt_" + "x" * 43)

    # Logging out revokes the saved token; the store asks for a login again.
    assert "logged out" in store.ok("logout")
    assert not store.token_file.exists()
    assert "requires a login" in store.refused("whoami")

    # No password reached any output; the department token only the one that issued it.
    for output in store.outputs:
        assert ADMIN_PASSWORD not in output
        assert LI_PASSWORD not in output
    assert sum(department_token in output for output in store.outputs) == 1
