"""docs/quality.md documents every declared rule, with its messages as the code has them."""

from __future__ import annotations

from pathlib import Path

from bottomline.quality.rules import RULES

DOCS = Path(__file__).resolve().parents[2] / "docs" / "quality.md"


def test_every_rule_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [rule.code for rule in RULES if f"`{rule.code}`" not in text]
    assert not missing, f"add these rules to docs/quality.md: {missing}"


def test_documented_messages_match_the_rules() -> None:
    text = DOCS.read_text(encoding="utf-8")
    stale = [
        rule.code
        for rule in RULES
        if not all(t in text for t in (rule.zh, rule.en, rule.fix_zh, rule.fix_en))
    ]
    assert not stale, f"update the messages of these rules in docs/quality.md: {stale}"
