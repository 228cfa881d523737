"""The exported work queue: one row per open issue, masked IDs only, formulas defused."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from sqlalchemy import Engine, select, update

from bottomline.db import session_scope
from bottomline.quality.queries import EXPORT_HEADER, export_queue
from bottomline.registry.models import Household, Member, Region
from bottomline.users.actor import SYSTEM, Actor
from bottomline.users.enums import Role
from bottomline.users.scope import Scope
from tests.quality.conftest import COUNTY, Planter, check


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_export_lists_open_issues_without_full_id_numbers(
    store: Engine, planter: Planter, tmp_path: Path
) -> None:
    people = [planter.member("relationship = 'head'") for _ in range(3)]
    for picked in people:
        planter.set_member(picked.member_id, insured_serious_illness=False)
    headless = planter.member("relationship = 'head'")
    planter.set_member(headless.member_id, relationship="other")
    check(store)

    with session_scope(store) as session:
        written = export_queue(
            session=session,
            path=tmp_path / "queue.csv",
            scope=Scope.of(Actor("county", Role.county, COUNTY)),
        )
        numbers = session.scalars(select(Member.id_number)).all()

    text = (tmp_path / "queue.csv").read_text(encoding="utf-8-sig")
    rows = read_csv(tmp_path / "queue.csv")
    assert written == 4
    assert rows[0] == list(EXPORT_HEADER)
    assert sorted(r[3] for r in rows[1:]) == ["Q201", "Q401", "Q401", "Q401"]
    assert not [n for n in numbers if n in text]
    masked = {r[9] for r in rows[1:] if r[3] == "Q401"}
    assert masked == {p.id_number[:4] + "*" * 12 + p.id_number[-2:] for p in people}
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", r[11]) for r in rows[1:])
    assert (tmp_path / "queue.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_export_defuses_formula_like_text(store: Engine, planter: Planter, tmp_path: Path) -> None:
    picked = planter.member("relationship = 'head'")
    planter.set_member(picked.member_id, migrant_months=3, migrant_place="=cmd|'/C'!A")
    planter.set_household(picked.household_id, household_no="+86-5323")
    [(village,)] = planter.execute(
        select(Household.village_code).where(Household.id == picked.household_id)
    )
    planter.execute(update(Region).where(Region.code == village).values(name='=HYPERLINK("x")'))
    check(store)

    with session_scope(store) as session:
        export_queue(session=session, path=tmp_path / "queue.csv", scope=Scope.of(SYSTEM))

    rows = read_csv(tmp_path / "queue.csv")
    [row] = [r for r in rows[1:] if r[3] == "Q304"]
    assert row[0] == "'+86-5323"
    assert row[1] == '\'=HYPERLINK("x")'
    assert row[10] == "migrant_place==cmd|'/C'!A"  # starts with the key, not "="
    assert not [cell for r in rows for cell in r if cell.startswith(("=", "+", "-", "@"))]


def test_export_of_an_empty_queue_has_the_header_only(store: Engine, tmp_path: Path) -> None:
    check(store)

    with session_scope(store) as session:
        written = export_queue(
            session=session, path=tmp_path / "out" / "queue.csv", scope=Scope.of(SYSTEM)
        )

    assert written == 0
    assert read_csv(tmp_path / "out" / "queue.csv") == [list(EXPORT_HEADER)]
