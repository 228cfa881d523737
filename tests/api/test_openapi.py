"""schemathesis against the OpenAPI document: generated requests to every route, as a county
official and without a login, answer without a server error and as the document says (status
codes, content type, response schema; invalid requests are refused)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api.conftest import World, build_world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    where = tmp_path_factory.mktemp("openapi")
    built = build_world(f"sqlite:///{where / 'bottomline.db'}", where / "data")
    yield built
    built.client.close()
    built.engine.dispose()


def _operations(world: World) -> list[object]:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", world.client.app)
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize(("user", "examples"), [("county.in", 25), (None, 8)])
def test_generated_requests_meet_the_document(
    world: World, user: str | None, examples: int
) -> None:
    headers = {} if user is None else {"Authorization": f"Bearer {world.tokens[user]}"}
    operations = _operations(world)
    assert {op.label for op in operations} >= {  # type: ignore[attr-defined]
        "GET /api/v1/households/{number}",
        "GET /api/v1/cases/{case_id}",
        "POST /api/v1/session",
    }
    for operation in operations:
        if user is not None and operation.label == "DELETE /api/v1/session":  # type: ignore[attr-defined]
            continue  # it would end the session the other requests use (tests/api/test_session.py)

        @given(case=operation.as_strategy())  # type: ignore[attr-defined]
        @settings(max_examples=examples, suppress_health_check=list(HealthCheck), deadline=None)
        def check(case: schemathesis.Case) -> None:
            # A schema-valid decision may still be one the workflow refuses (a move the table
            # does not allow, evidence it lacks): those answer 400/422 by design, so the check
            # that every schema-valid request succeeds is left out; every other check runs.
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        check()


def test_docs_name_every_route(world: World) -> None:
    document = world.client.get("/api/v1/openapi.json").json()
    routes = {
        f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item
    }
    text = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    missing = sorted(route for route in routes if f"`{route}" not in text)
    assert missing == [], f"document these routes in docs/api.md: {missing}"
