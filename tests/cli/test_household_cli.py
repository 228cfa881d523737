"""``bottomline household`` as users run it: show (masked, scoped), a death, the audit log, a bad
value refused with a hint, and a later import of an older export that keeps the death."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bottomline.db import make_engine, session_scope
from bottomline.ids import mask_id
from bottomline.registry.models import Household, Region
from bottomline.synth import population_for, write_registry_export
from tests.cli.test_cli import run

COUNTY = "532328000000"


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str, str, list[str]]:
    """Data dir with an imported county and users li (the household's village) and zhang
    (another village); the household's number, village and members' ID numbers."""
    data = tmp_path_factory.mktemp("data")
    export = data / "export.csv"
    write_registry_export(population_for(scope=COUNTY, households=30, seed=3, year=2025), export)
    assert run("import", "registry", "--as", "system", str(export), data_dir=data).returncode == 0
    engine = make_engine(f"sqlite:///{data / 'bottomline.db'}")
    with session_scope(engine) as session:
        households = session.scalars(select(Household).order_by(Household.id)).all()
        home = next(h for h in households if len(h.members) >= 2)
        village = home.village_code
        sibling = village[:9] + (
            "998" if village[9:] == "999" else "999"
        )  # a village, no households
        session.add(
            Region(code=sibling, name="邻村", level="village", parent_code=village[:9] + "000")
        )
        session.commit()
        found = (home.household_no, village, sibling)
        ids = [m.id_number for m in sorted(home.members, key=lambda m: m.relationship != "head")]
    engine.dispose()
    users = (
        ("zhao", "county", COUNTY, "system"),
        ("li", "village", found[1], "zhao"),
        ("zhang", "village", found[2], "zhao"),
        ("shen", "auditor", COUNTY, "zhao"),
    )
    for name, role, region, by in users:
        proc = run("user", "add", name, "--name", name, "--role", role, "--region", region,
                   "--as", by, data_dir=data)  # fmt: skip
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return data, export, found[0], found[1], ids


def test_show_masks_ids_and_answers_out_of_region_like_absent(county: tuple) -> None:  # type: ignore[type-arg]
    data, _export, number, _village, ids = county
    proc = run("household", "show", number, "--as", "li", data_dir=data)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "家庭成员 / members" in proc.stdout
    assert mask_id(ids[0]) in proc.stdout
    assert not [i for i in ids if i in proc.stdout]
    outside = run("household", "show", number, "--as", "zhang", data_dir=data)
    absent = run("household", "show", "99999999999999999", "--as", "li", data_dir=data)
    assert (outside.returncode, absent.returncode) == (2, 2)
    assert "no household" in outside.stdout
    assert outside.stdout.replace(number, "N") == absent.stdout.replace("99999999999999999", "N")


def test_a_bad_value_is_refused_with_the_accepted_wordings(county: tuple) -> None:  # type: ignore[type-arg]
    data, _export, number, _village, ids = county
    proc = run("household", "member-set", number, "--member", ids[1], "--health", "很好",
               "--as", "li", data_dir=data)  # fmt: skip
    assert proc.returncode == 2
    assert "健康状况" in proc.stdout
    assert "患有大病 (serious)" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_a_death_is_kept_against_an_older_export(county: tuple) -> None:  # type: ignore[type-arg]
    data, export, number, _village, ids = county
    proc = run("household", "death", number, "--member", mask_id(ids[1]), "--on", "2025-09-03",
               "--as", "li", data_dir=data)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "death recorded" in proc.stdout
    verify = run("audit", "verify", "--as", "shen", data_dir=data)
    assert verify.returncode == 0
    assert "audit log intact" in verify.stdout
    log = run("audit", "list", "--as", "shen", "--action", "member.", data_dir=data)
    assert log.returncode == 0, log.stdout + log.stderr
    assert "member.death" in log.stdout
    assert "li (village)" in log.stdout
    assert ids[1] not in log.stdout  # never a full ID number
    shown = run("household", "reveal", number, "--member", mask_id(ids[0]), "--purpose",
                "入户核实身份", "--as", "li", data_dir=data)  # fmt: skip
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert ids[0] in shown.stdout
    not_theirs = run("household", "reveal", number, "--member", mask_id(ids[0]), "--purpose",
                     "identity_check", "--as", "zhang", data_dir=data)  # fmt: skip
    assert not_theirs.returncode == 2
    assert ids[0] not in not_theirs.stdout
    log = run("audit", "list", "--as", "shen", "--action", "member.reveal_id", data_dir=data)
    assert "li (village)" in log.stdout
    assert ids[0] not in log.stdout
    refused = run("audit", "list", "--as", "li", data_dir=data)
    assert refused.returncode == 2
    assert "does not read the audit log" in refused.stdout
    # The auditor takes no action, whatever the command (here one with no role list of its own
    # would be refused by that list too; the audit log refuses it before it lands).
    edit = run("household", "set", number, "--phone", "13800000000", "--as", "shen", data_dir=data)
    assert edit.returncode == 2
    older = data / "older.csv"
    older.write_bytes(export.read_bytes().replace(b"\r\n", b"\n"))
    again = run("import", "registry", "--as", "system", str(older), data_dir=data)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "冲突 / conflicts (人 members): 1" in again.stdout
    shown = run("household", "show", number, "--as", "li", data_dir=data)
    assert "减员 removed" in shown.stdout
    assert "死亡 / death" in shown.stdout
