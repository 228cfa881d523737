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


def test_every_feed_column_is_documented() -> None:
    from bottomline.ingest.catalogue import FEEDS

    text = (DOCS / "feeds.md").read_text(encoding="utf-8")
    missing = [
        f"{feed.name}.{col.name} ({col.header})"
        for feed in FEEDS.values()
        for col in feed.columns
        if f"`{feed.name}`" not in text or col.header not in text
    ]
    assert not missing, f"document these feed columns in docs/feeds.md: {missing}"


def test_every_error_reason_is_documented() -> None:
    from tests.test_messages import raised_reasons

    text = (DOCS / "api.md").read_text(encoding="utf-8")
    missing = sorted(r for r in raised_reasons() if f"`{r}`" not in text)
    assert not missing, f"list these error reasons in docs/api.md (Errors): {missing}"


def test_every_reject_reason_is_documented() -> None:
    from bottomline.ingest.enums import RejectReason, Unmatched

    text = (DOCS / "feeds.md").read_text(encoding="utf-8")
    missing = [r.value for r in (*RejectReason, *Unmatched) if f"`{r.value}`" not in text]
    assert not missing, f"document these reasons in docs/feeds.md: {missing}"
