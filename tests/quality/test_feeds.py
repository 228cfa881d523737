"""Q105 reads what the feed import writes: the contract between ingest and quality."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select

from bottomline.ingest.actions import import_feed, open_feed_file, registry_members
from bottomline.registry.models import Member
from bottomline.users.actor import SYSTEM
from tests.quality.conftest import check, open_subjects


def test_a_death_imported_by_the_feed_import_is_found(store: Engine, tmp_path: Path) -> None:
    with store.connect() as connection:
        rows = connection.execute(
            select(Member.id, Member.id_number, Member.name).order_by(Member.id).limit(2)
        ).all()
    (dead, dead_id, dead_name), (_hurt, hurt_id, hurt_name) = rows
    source = tmp_path / "公安-2025-09.csv"
    source.write_text(
        "身份证号,姓名,事件,发生日期,原因\n"
        f"{dead_id},{dead_name},死亡,2025-09-03,疾病\n"
        f"{hurt_id},{hurt_name},受伤,2025-09-04,交通事故\n",
        encoding="utf-8",
    )
    report = import_feed(
        open_feed_file(source, feed="public_security"),
        actor=SYSTEM,
        engine=store,
        feed="public_security",
        period="2025-09",
        members=registry_members(store),
        feeds_dir=tmp_path / "feeds",
        reports_dir=tmp_path / "reports",
    )
    assert report.accepted == 2

    result = check(store, feeds_dir=tmp_path / "feeds")

    assert next(r for r in result.rules if r.code == "Q105").skipped is None
    assert open_subjects(store) == {"Q105": {f"member:{dead}"}}
