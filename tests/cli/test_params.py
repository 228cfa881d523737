"""Code-list options accept what the hints and tables show: values, Chinese and English labels."""

from __future__ import annotations

import pytest

from bottomline.cases.enums import Channel, Stage
from bottomline.cli.params import choice
from bottomline.errors import UserError
from bottomline.registry.enums import Category, RiskType


@pytest.mark.parametrize(
    ("enum", "typed", "value"),
    [
        (RiskType, "因病", "illness"),
        (RiskType, "illness", "illness"),
        (RiskType, " Illness ", "illness"),
        (Channel, "自主申报", "self_declaration"),
        (Channel, "农户自主申报", "self_declaration"),
        (Channel, "household self-declaration", "self_declaration"),
        (Category, "边缘易致贫户", "marginal"),
    ],
)
def test_a_value_or_label_names_the_member(enum: type, typed: str, value: str) -> None:
    assert choice(enum, typed, option="--x").value == value


@pytest.mark.parametrize("enum", [RiskType, Channel, Category, Stage])
def test_every_member_is_named_by_its_value_and_both_labels(enum: type) -> None:
    for member in enum:
        for typed in (member.value, member.zh, member.en):
            assert choice(enum, typed, option="--x") is member


def test_an_unknown_or_ambiguous_word_lists_the_choices() -> None:
    with pytest.raises(UserError) as caught:
        choice(RiskType, "因", option="--risk")
    assert caught.value.message == "--risk '因' 不是可选值之一 / is not one of the choices"
    assert caught.value.hint is not None
    assert "illness (因病)" in caught.value.hint
