"""The month hands its registry snapshot to the quality run: the rules that read every member
(``QualityRule.from_snapshot``) then read it instead of the store, with the same findings."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text

from bottomline.assistance.queries import followups_snapshot
from bottomline.db import utcnow
from bottomline.quality.actions import QualityRunResult
from bottomline.registry.snapshot import export_snapshot
from tests.quality.conftest import Planter, check, open_subjects, with_check

HEAD = "relationship = 'head'"


def _q101(result: QualityRunResult) -> tuple[int, int, int, int]:
    rule = next(r for r in result.rules if r.code == "Q101")
    return rule.found, rule.opened, rule.resolved, rule.open


def _snapshot(store: Engine, out: Path) -> Path:
    export_snapshot(engine=store, out_dir=out, extra={"followups": followups_snapshot()})
    return out


def test_q101_from_the_snapshot_finds_what_the_store_finds(
    store: Engine, planter: Planter, tmp_path: Path
) -> None:
    short = planter.member(HEAD)
    planter.set_member(short.member_id, id_number=short.id_number[:17])
    month13 = planter.member(HEAD)
    body = month13.id_number[:10] + "13" + month13.id_number[12:17]
    planter.set_member(month13.member_id, id_number=with_check(body))
    gone = planter.member(HEAD)  # a removed member's bad number is no finding
    planter.set_member(gone.member_id, id_number="123", removed_at=utcnow())
    snapshot = _snapshot(store, tmp_path / "snapshot")

    from_store = check(store)
    assert open_subjects(store)["Q101"] == {short.subject, month13.subject}
    from_snapshot = check(store, snapshot_dir=snapshot)
    assert open_subjects(store)["Q101"] == {short.subject, month13.subject}
    assert _q101(from_store) == (2, 2, 0, 2)
    assert _q101(from_snapshot) == (2, 0, 0, 2)  # the same two: nothing new, nothing resolved


def test_the_snapshot_is_read_for_the_scope_only(
    store: Engine, planter: Planter, tmp_path: Path
) -> None:
    bad = planter.member(HEAD)
    planter.set_member(bad.member_id, id_number=bad.id_number[:17])
    stmt = text("SELECT village_code FROM households WHERE id = :id")
    village = planter.execute(stmt, {"id": bad.household_id})[0][0]
    elsewhere = planter.member(
        f"{HEAD} AND household_id IN (SELECT id FROM households WHERE village_code <> :v)",
        v=village,
    )
    planter.set_member(elsewhere.member_id, id_number=elsewhere.id_number[:17])
    snapshot = _snapshot(store, tmp_path / "snapshot")

    result = check(store, scope_code=village, snapshot_dir=snapshot)
    assert _q101(result)[0] == 1
    assert open_subjects(store)["Q101"] == {bad.subject}
