"""A department's system pushes a month of rows: the same import as a file (every row accounted
for, audited), idempotent by its batch key, limited to its token's feed, in JSON, Parquet or
an Arrow stream."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select

from bottomline.audit import AuditEntry
from bottomline.db import session_scope, write_scope
from bottomline.ids import check_char
from bottomline.ingest.models import IngestBatch
from bottomline.registry.models import Member
from bottomline.users.actor import Actor
from bottomline.users.auth import issue_api_token
from bottomline.users.enums import Role
from tests.api.conftest import COUNTY, World, build_world

PATH = "/api/v1/feeds/medical/batches"
STRANGER = "11010119900307777" + check_char("11010119900307777")


@pytest.fixture
def world(store_url: str, tmp_path: Path) -> Iterator[World]:
    built = build_world(store_url, tmp_path / "data")
    admin = Actor("administrator.in", Role.administrator, COUNTY)
    with write_scope(built.engine) as session:
        for label, feeds in (("医保", ["medical"]), ("民政", ["civil_affairs"])):
            issued = issue_api_token(
                session, username="department.in", acting=admin, label=label, days=30, feeds=feeds
            )
            built.tokens[f"dept:{feeds[0]}"] = issued.token
    yield built
    built.client.close()
    built.engine.dispose()


def _rows(world: World) -> list[dict[str, object]]:
    with session_scope(world.engine) as session:
        ids = list(session.scalars(select(Member.id_number).order_by(Member.id).limit(3)))
    base = {"结算日期": "2025-10-12", "就诊类型": "住院", "医疗总费用": 23000, "基本医保支付": 12000,
            "大病保险支付": 3000, "医疗救助支付": 1000, "个人自付": 7000}  # fmt: skip
    return [
        {"身份证号": ids[0], "姓名": "张三", **base},
        {"身份证号": ids[1], **base, "医疗总费用": -5},  # a negative cost: rejected
        {"身份证号": STRANGER, **base},  # valid, not in the registry: unmatched
    ]


def _push(world: World, token: str, key: str, **kw: object):  # type: ignore[no-untyped-def]
    params = {"period": "2025-10", "batch_key": key}
    return world.client.post(
        PATH, params=params, headers={"Authorization": f"Bearer {world.tokens[token]}"}, **kw
    )


def _batches(world: World) -> int:
    with session_scope(world.engine) as session:
        return session.scalar(select(func.count()).select_from(IngestBatch)) or 0


def test_a_push_is_imported_like_a_file_and_every_row_accounted_for(world: World) -> None:
    response = _push(world, "dept:medical", "yb-2025-10-01", json={"rows": _rows(world)})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "committed"
    assert (body["rows_in"], body["accepted"], body["rejected"], body["unmatched"]) == (3, 1, 1, 1)
    assert body["accepted"] + body["rejected"] + body["unmatched"] == body["rows_in"]
    with session_scope(world.engine) as session:
        batch = session.get_one(IngestBatch, body["batch_id"])
        assert batch.source_name == "push:yb-2025-10-01"
        audited = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "ingest.import")
        ).all()
    assert [(e.actor, e.entity_id) for e in audited] == [("department.in", str(batch.id))]
    assert STRANGER not in response.text  # reasons name the column, not the person


def test_the_same_batch_key_and_rows_again_change_nothing(world: World) -> None:
    rows = _rows(world)
    first = _push(world, "dept:medical", "yb-1", json={"rows": rows})
    again = _push(world, "dept:medical", "yb-1", json={"rows": rows})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["status"] == "already_imported"
    assert again.json()["batch_id"] == first.json()["batch_id"]
    assert _batches(world) == 1
    other = _push(world, "dept:medical", "yb-1", json={"rows": rows[:1]})
    assert other.status_code == 409
    assert "was used for other rows" in other.json()["error"]["en"]
    assert _batches(world) == 1  # a refused push leaves no batch behind


def test_a_token_used_outside_its_feed_is_refused(world: World) -> None:
    response = _push(world, "dept:civil_affairs", "mz-1", json={"rows": _rows(world)})
    assert response.status_code == 403
    assert "does not send medical" in response.json()["error"]["en"]
    login = _push(world, "department.in", "mz-2", json={"rows": _rows(world)})
    assert login.status_code == 403  # a department's login token names no feed
    village = _push(world, "village.in", "mz-3", json={"rows": _rows(world)})
    assert village.status_code == 403
    assert _batches(world) == 0


def test_parquet_and_arrow_bodies_are_the_same_rows(world: World) -> None:
    rows = _rows(world)
    table = pa.Table.from_pylist([{k: str(v) for k, v in r.items()} for r in rows])
    parquet = io.BytesIO()
    pq.write_table(table, parquet)
    answer = world.client.post(
        PATH,
        params={"period": "2025-10", "batch_key": "yb-parquet"},
        content=parquet.getvalue(),
        headers={
            "Authorization": f"Bearer {world.tokens['dept:medical']}",
            "Content-Type": "application/vnd.apache.parquet",
        },
    )
    assert answer.status_code == 201, answer.text
    assert (answer.json()["accepted"], answer.json()["rejected"]) == (1, 1)
    stream = io.BytesIO()
    with pa.ipc.new_stream(stream, table.schema) as writer:
        writer.write_table(table)
    arrow = world.client.post(
        PATH,
        params={"period": "2025-11", "batch_key": "yb-arrow"},
        content=stream.getvalue(),
        headers={
            "Authorization": f"Bearer {world.tokens['dept:medical']}",
            "Content-Type": "application/vnd.apache.arrow.stream",
        },
    )
    assert arrow.status_code == 201, arrow.text
    counted = arrow.json()
    assert (
        counted["accepted"] + counted["rejected"] + counted["unmatched"] == counted["rows_in"] == 3
    )


def test_bad_bodies_are_refused_with_the_one_shape(world: World) -> None:
    headers = {"Authorization": f"Bearer {world.tokens['dept:medical']}"}
    params = {"period": "2025-10", "batch_key": "bad"}
    for content, kind, status in (
        (b"not parquet", "application/vnd.apache.parquet", 422),
        (b'{"rows": "x"}', "application/json", 422),
        (b"a,b\n1,2\n", "text/csv", 422),
    ):
        response = world.client.post(
            PATH, params=params, content=content, headers={**headers, "Content-Type": kind}
        )
        assert response.status_code == status, response.text
        assert set(response.json()["error"]) >= {"code", "zh", "en"}
    missing = world.client.post(
        PATH, params=params, json={"rows": [{"姓名": "张三"}]}, headers=headers
    )
    assert missing.status_code == 422
    assert "身份证号" in missing.json()["error"]["zh"]
    assert _batches(world) == 0
