"""Documentation stays in step with code: every rule and setting is documented."""

from __future__ import annotations

from pathlib import Path

from bottomline.config import Settings
from bottomline.screening.rules import RULES

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_rule_is_documented() -> None:
    text = (DOCS / "rules.md").read_text(encoding="utf-8")
    missing = [r.id for r in RULES if f"`{r.id}`" not in text]
    assert not missing, f"add these rules to docs/rules.md: {missing}"


def test_every_setting_is_documented() -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    missing = [n for n in Settings.model_fields if f"BOTTOMLINE_{n.upper()}" not in text]
    assert not missing, f"document these settings in docs/configuration.md: {missing}"
