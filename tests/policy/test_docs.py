"""docs/policy.md documents every key, its bounds, its flat key and every sample file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bottomline.policy import FIELDS
from bottomline.policy.schema import FieldSpec

ROOT = Path(__file__).parents[2]
DOC = (ROOT / "docs" / "policy.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("spec", FIELDS, ids=lambda s: s.path)
def test_every_key_is_documented_with_its_bounds(spec: FieldSpec) -> None:
    section = f"`[{spec.section}]`"
    assert section in DOC
    after = DOC[DOC.index(section) :]
    row = next(line for line in after.splitlines() if line.startswith(f"| `{spec.key}` |"))
    assert spec.zh in row
    assert f"`{spec.flat_key}`" in row
    if spec.bounds is not None:
        assert spec.bounds.describe() in row
    for choice in spec.choices or ():
        assert f"`{choice}`" in row


@pytest.mark.parametrize("path", sorted((ROOT / "policies").glob("*.toml")), ids=str)
def test_every_sample_is_listed(path: Path) -> None:
    assert f"`{path.name}`" in DOC
