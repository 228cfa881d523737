"""Households kept current: scoped reads, audited edits, and a later import that disagrees.

A small synthetic county is imported from the national system's export (CSV), so the store holds
what a county's own file gives; edits are made as a village cadre of the household's village.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from bottomline import audit
from bottomline.db import session_scope, write_scope
from bottomline.errors import NotFound, PermissionDenied, UserError
from bottomline.ids import check_char, mask_id
from bottomline.quality.actions import run_checks
from bottomline.quality.models import QualityIssue
from bottomline.registry import edits
from bottomline.registry.access import access_household
from bottomline.registry.enums import MoveReason
from bottomline.registry.imports import import_registry
from bottomline.registry.models import Household, LocalEdit, Member, MemberEvent
from bottomline.registry.queries import household_size
from bottomline.registry.snapshot import export_snapshot
from bottomline.synth import population_for, write_registry_export
from bottomline.users.actor import SYSTEM, Actor
from bottomline.users.enums import Role
from bottomline.users.scope import Scope
from tests.quality.conftest import record_batch, write_public_security

COUNTY = "532328000000"
TODAY = dt.date(2025, 10, 1)


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pop = population_for(scope=COUNTY, households=40, seed=11, year=2025)
    path = tmp_path_factory.mktemp("export") / "export.csv"
    write_registry_export(pop, path)
    return path


@pytest.fixture
def store(engine: Engine, export: Path, tmp_path: Path) -> Engine:
    report = import_registry(
        actor=SYSTEM, engine=engine, path=export, report_dir=tmp_path / "reports"
    )
    assert report.status == "committed"
    return engine


def _family(store: Engine) -> tuple[str, str, str, str]:
    """A household of at least three: its number, village, the head's and another's ID."""
    with session_scope(store) as session:
        for household in session.scalars(select(Household).order_by(Household.id)):
            members = household.members
            if len(members) >= 3:
                head = next(m for m in members if m.relationship == "head")
                other = next(m for m in members if m.relationship != "head")
                return (
                    household.household_no,
                    household.village_code,
                    head.id_number,
                    other.id_number,
                )
    raise AssertionError("no household of three")


def _cadre(village: str) -> Actor:
    return Actor("li", Role.village, village)


def _audit_rows(store: Engine, action: str) -> list[audit.AuditEntry]:
    with session_scope(store) as session:
        rows = list(
            session.scalars(select(audit.AuditEntry).where(audit.AuditEntry.action == action))
        )
        session.expunge_all()
        return rows


def _intact(store: Engine) -> bool:
    with session_scope(store) as session:
        return audit.verify(session).intact


def test_access_answers_alike_for_absent_and_out_of_region(store: Engine) -> None:
    number, village, _head, _other = _family(store)
    other_village = Actor(
        "zhang", Role.village, village[:9] + ("999" if village[9:] != "999" else "998")
    )
    with session_scope(store) as session:
        assert (
            access_household(session, actor=_cadre(village), number=number).household_no == number
        )
        with pytest.raises(NotFound) as absent:
            access_household(session, actor=_cadre(village), number="00000000000000000")
        with pytest.raises(NotFound) as outside:
            access_household(session, actor=other_village, number=number)
    assert type(absent.value) is type(outside.value)
    assert absent.value.hint == outside.value.hint


def test_a_death_removes_the_member_keeps_the_event_and_is_audited(
    store: Engine, tmp_path: Path
) -> None:
    number, village, _head, other = _family(store)
    with session_scope(store) as session:
        hid = access_household(session, actor=_cadre(village), number=number).id
        size = household_size(session=session, household_id=hid)
    with write_scope(store) as session:
        gone = edits.record_death(
            session, actor=_cadre(village), number=number, member=mask_id(other),
            died_on=dt.date(2025, 9, 3),
        )  # fmt: skip
        gone_id = gone.id
    with session_scope(store) as session:
        assert household_size(session=session, household_id=hid) == size - 1
        event = session.scalars(select(MemberEvent).where(MemberEvent.member_id == gone_id)).one()
        assert (event.kind, event.occurred_on) == ("death", dt.date(2025, 9, 3))
        assert session.get(Member, gone_id).removed_at is not None  # type: ignore[union-attr]
    rows = _audit_rows(store, "member.death")
    assert len(rows) == 1
    assert rows[0].entity_id == str(gone_id)
    assert other not in str(rows[0].after)
    assert other not in str(rows[0].before)
    assert _intact(store)
    snapshot = export_snapshot(engine=store, out_dir=tmp_path / "snap")
    import pyarrow.parquet as pq

    members = pq.read_table(snapshot["members"], columns=["member_id", "household_id"])
    assert gone_id not in members["member_id"].to_pylist()
    assert members["household_id"].to_pylist().count(hid) == size - 1


def test_the_head_leaves_only_with_a_new_head(store: Engine) -> None:
    number, village, head, other = _family(store)
    with write_scope(store) as session, pytest.raises(UserError, match="new head"):
        edits.record_move_out(
            session, actor=_cadre(village), number=number, member=head,
            moved_on=dt.date(2025, 9, 1), reason=MoveReason.moved_away,
        )  # fmt: skip
    with write_scope(store) as session:
        edits.record_move_out(
            session, actor=_cadre(village), number=number, member=head,
            moved_on=dt.date(2025, 9, 1), reason=MoveReason.moved_away, new_head=other,
        )  # fmt: skip
    with session_scope(store) as session:
        heir = session.scalars(select(Member).where(Member.id_number == other)).one()
        assert heir.relationship == "head"
    assert len(_audit_rows(store, "member.move_out")) == 1


def _newborn_id(born: dt.date, sequence: int = 123) -> str:
    body = f"532328{born:%Y%m%d}{sequence:03d}"
    return body + check_char(body)


def test_a_birth_adds_a_newborn_with_a_newborns_fields(store: Engine) -> None:
    number, village, _head, _other = _family(store)
    born = dt.date(2025, 8, 8)
    person = edits.NewPerson(name="小明", id_number=_newborn_id(born), relationship="孙子女")
    with write_scope(store) as session:
        baby = edits.record_birth(session, actor=_cadre(village), number=number, person=person)
        values = (
            baby.relationship,
            baby.sex,
            baby.birth_date,
            baby.labour_capacity,
            baby.schooling,
        )
    assert values == ("grandchild", "male", born, "none", "not_in_school")
    assert len(_audit_rows(store, "member.birth")) == 1
    wrong = edits.NewPerson(name="小红", id_number=_newborn_id(born, 124), relationship="child",
                            birth_date=dt.date(2025, 8, 9))  # fmt: skip
    with write_scope(store) as session, pytest.raises(UserError, match="birth date"):
        edits.record_birth(session, actor=_cadre(village), number=number, person=wrong)
    bad = edits.NewPerson(name="小刚", id_number=_newborn_id(born)[:-1] + "0", relationship="child")
    with write_scope(store) as session, pytest.raises(UserError, match=r"check character|校验码"):
        edits.record_birth(session, actor=_cadre(village), number=number, person=bad)


def test_values_are_checked_as_the_import_checks_them(store: Engine) -> None:
    number, village, _head, other = _family(store)
    with write_scope(store) as session:
        found = edits.set_member_fields(
            session, actor=_cadre(village), number=number, member=other,
            changes={"health": "患有大病", "insured_medical": False},
        )  # fmt: skip
        assert found.health == "serious"
    with write_scope(store) as session, pytest.raises(UserError) as caught:
        edits.set_member_fields(
            session, actor=_cadre(village), number=number, member=other, changes={"health": "很好"}
        )
    assert "健康状况" in caught.value.message
    assert "患有大病 (serious)" in (caught.value.hint or "")
    with write_scope(store) as session, pytest.raises(UserError, match="outside the allowed range"):
        edits.set_member_fields(
            session, actor=_cadre(village), number=number, member=other,
            changes={"migrant_months": 13},
        )  # fmt: skip
    with write_scope(store) as session, pytest.raises(PermissionDenied):
        edits.set_household_fields(
            session, actor=Actor("audit", Role.auditor, COUNTY), number=number,
            changes={"phone": "13800138000"},
        )  # fmt: skip
    rows = _audit_rows(store, "member.edit")
    assert len(rows) == 1
    assert "health" in str(rows[0].after)
    assert "serious" not in str(rows[0].after)


def test_a_guarantee_edit_is_recorded_as_an_edit_of_today(store: Engine) -> None:
    number, village, _head, _other = _family(store)
    with write_scope(store) as session:
        row = edits.set_guarantees(
            session, actor=_cadre(village), number=number, year=2025,
            changes={"housing_unsafe": True}, today=TODAY,
        )  # fmt: skip
        assert (row.housing_unsafe, row.source, row.as_of) == (True, "edit", TODAY)
    assert len(_audit_rows(store, "guarantee.edit")) == 1
    assert _intact(store)


def _changes(report_dir: Path) -> list[list[str]]:
    with report_dir.joinpath("changes.csv").open(encoding="utf-8-sig") as fh:
        return list(csv.reader(fh))[1:]


def test_an_import_after_a_local_death_shows_the_conflict_and_keeps_the_death(
    store: Engine, export: Path, tmp_path: Path
) -> None:
    number, village, _head, other = _family(store)
    with write_scope(store) as session:
        edits.record_death(
            session, actor=_cadre(village), number=number, member=other, died_on=dt.date(2025, 9, 3)
        )
        edits.set_household_fields(
            session, actor=_cadre(village), number=number, changes={"no_labour_household": True}
        )
    again = tmp_path / "again.csv"  # last month's export: other bytes, the same people
    again.write_bytes(export.read_bytes().replace(b"\r\n", b"\n"))
    report = import_registry(
        actor=SYSTEM, engine=store, path=again, report_dir=tmp_path / "reports"
    )

    assert report.status == "committed"
    assert (report.diff.members.conflicts, report.diff.households.conflicts) == (1, 1)
    assert (report.diff.members.changed, report.diff.households.changed) == (0, 0)
    assert report.diff.as_dict()["members"]["conflicts"] == 1
    conflicts = [row for row in _changes(report.report_dir) if row[1] == "冲突 conflict"]  # type: ignore[arg-type]
    assert {(row[0], row[2]) for row in conflicts} == {
        ("人 member", number),
        ("户 household", number),
    }
    assert other not in str(conflicts)
    with session_scope(store) as session:
        dead = session.scalars(select(Member).where(Member.id_number == other)).one()
        assert dead.removed_at is not None
        household = session.scalars(select(Household).where(Household.household_no == number)).one()
        assert household.no_labour_household is True
        pending = session.scalar(
            select(func.count()).select_from(LocalEdit).where(LocalEdit.settled_at.is_(None))
        )
    assert pending == 2


def test_the_next_check_resolves_the_public_security_death(store: Engine, tmp_path: Path) -> None:
    number, village, _head, other = _family(store)
    feeds = tmp_path / "feeds"
    with session_scope(store) as session:
        dead = session.scalars(select(Member).where(Member.id_number == other)).one()
        write_public_security(
            feeds, 1, "2025-09", [(dead.id, dead.household_id, "death", dt.date(2025, 9, 3))]
        )
    record_batch(store, 1, "2025-09")
    run_checks(engine=store, scope=Scope.of(SYSTEM), feeds_dir=feeds, today=TODAY)
    assert _q105(store) == ["open"]
    with write_scope(store) as session:
        edits.record_death(
            session, actor=_cadre(village), number=number, member=other, died_on=dt.date(2025, 9, 3)
        )
    result = run_checks(engine=store, scope=Scope.of(SYSTEM), feeds_dir=feeds, today=TODAY)
    assert _q105(store) == ["resolved"]
    assert result.resolved >= 1


def _q105(store: Engine) -> list[str]:
    with session_scope(store) as session:
        return list(
            session.scalars(select(QualityIssue.status).where(QualityIssue.rule_code == "Q105"))
        )


def test_a_newborn_is_not_removed_by_an_export_that_lacks_them(
    store: Engine, export: Path, tmp_path: Path
) -> None:
    number, village, _head, _other = _family(store)
    person = edits.NewPerson(
        name="小明", id_number=_newborn_id(dt.date(2025, 8, 8)), relationship="child"
    )
    with write_scope(store) as session:
        baby_id = edits.record_birth(
            session, actor=_cadre(village), number=number, person=person
        ).id
    again = tmp_path / "again.csv"
    again.write_bytes(export.read_bytes().replace(b"\r\n", b"\n"))
    report = import_registry(
        actor=SYSTEM, engine=store, path=again, report_dir=tmp_path / "reports"
    )

    assert (report.diff.members.conflicts, report.diff.members.removed) == (1, 0)
    with session_scope(store) as session:
        assert session.get(Member, baby_id).removed_at is None  # type: ignore[union-attr]


def test_a_file_that_agrees_with_a_local_edit_settles_it(
    store: Engine, export: Path, tmp_path: Path
) -> None:
    number, village, _head, other = _family(store)
    with write_scope(store) as session:
        edits.record_death(
            session, actor=_cadre(village), number=number, member=other, died_on=dt.date(2025, 9, 3)
        )
    caught_up = tmp_path / "caught-up.csv"  # the national system recorded the death too
    lines = export.read_bytes().split(b"\r\n")
    caught_up.write_bytes(b"\r\n".join(line for line in lines if other.encode() not in line))
    report = import_registry(
        actor=SYSTEM, engine=store, path=caught_up, report_dir=tmp_path / "reports"
    )

    assert report.diff.members.conflicts == 0
    assert report.diff.members.removed == 0  # removed already, here
    with session_scope(store) as session:
        edit = session.scalars(select(LocalEdit).where(LocalEdit.field == "household_no")).one()
        assert edit.settled_at is not None
