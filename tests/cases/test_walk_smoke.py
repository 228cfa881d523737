"""A whole case, from a household's own declaration to post-exit watch."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from bottomline.cases.enums import Stage
from bottomline.policy.resolve import PolicyIndex
from bottomline.registry.models import Household
from tests.cases.conftest import People
from tests.cases.walk import Walk


def test_a_case_walks_to_post_exit_watch(
    store: Engine, household: Household, people: People, policies: PolicyIndex, tmp_path: Path
) -> None:
    walk = Walk(store, household.id, people, policies, tmp_path)
    walk.to(Stage.post_exit_watch)
    assert walk.stage() is Stage.post_exit_watch
