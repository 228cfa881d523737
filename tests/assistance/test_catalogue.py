"""The assistance catalogue: the packaged file, strict validation, lookups and its documentation."""

from __future__ import annotations

import contextlib
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bottomline.assistance.catalogue import (
    DEFAULT_PATH,
    Catalogue,
    load_catalogue,
    parse_catalogue,
)
from bottomline.assistance.checks import MEASURE_PROBLEMS, PLAN_WARNINGS
from bottomline.assistance.enums import (
    HouseholdGroup,
    MeasureCategory,
    MeasureKind,
    MeasureStatus,
)
from bottomline.errors import InputFileError, PolicyError, UserError
from bottomline.registry.enums import Schooling
from bottomline.screening.enums import RiskType

DOC = Path(__file__).resolve().parents[2] / "docs" / "assistance.md"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


# --- the packaged catalogue --------------------------------------------------------------------


def test_packaged_catalogue_loads(catalogue: Catalogue) -> None:
    assert 20 <= len(catalogue) <= 30
    assert catalogue.source_path == DEFAULT_PATH.resolve().as_posix()
    assert all(m.code == code for code, m in catalogue.measures.items())


def test_every_risk_type_is_addressed_by_a_measure(catalogue: Catalogue) -> None:
    missing = [r.value for r in RiskType if not catalogue.addressing(r)]
    assert not missing, f"no measure type addresses these risk types: {missing}"


def test_every_category_has_a_measure_type(catalogue: Catalogue) -> None:
    used = {m.category for m in catalogue}
    assert [c.value for c in MeasureCategory if c not in used] == []


def test_national_data_checks_decide_which_measures_address_water_and_illness(
    catalogue: Catalogue,
) -> None:
    # policy-notes §7, S46: "water" risk needs a water measure; "illness" a health, social or
    # comprehensive-security measure.
    water = {m.category for m in catalogue.addressing(RiskType.drinking_water)}
    illness = {m.category for m in catalogue.addressing(RiskType.illness)}
    assert water == {MeasureCategory.drinking_water}
    assert illness <= {
        MeasureCategory.health,
        MeasureCategory.social_assistance,
        MeasureCategory.comprehensive_security,
    }


def test_micro_credit_rules_cite_the_local_source(catalogue: Catalogue) -> None:
    credit = catalogue.get("micro_credit")
    assert credit.amount is not None
    assert credit.term is not None
    assert credit.age is not None
    assert credit.amount.maximum == Decimal(50000)
    assert credit.term.max_months == 36
    assert (credit.age.minimum, credit.age.maximum) == (18, 65)
    assert credit.households is not None
    assert credit.households.allowed == {HouseholdGroup.formerly_poor, HouseholdGroup.monitored}
    for rule in (credit.amount, credit.term, credit.age, credit.households):
        assert rule.cite.source == "S35"
        assert rule.cite.local
        assert "local example" in rule.cite.describe()


def test_yulu_plan_and_public_welfare_job_rules(catalogue: Catalogue) -> None:
    yulu = catalogue.get("yulu_plan")
    assert yulu.amount is not None
    assert yulu.schooling is not None
    assert yulu.amount.standard_per_year == Decimal(3000)
    assert yulu.amount.maximum is None  # provinces pay more (Yunnan ≥ 5,000): no limit to check
    assert "云南" in yulu.amount.cite.note
    assert yulu.schooling.allowed == {Schooling.vocational}
    assert yulu.amount.cite.source == yulu.schooling.cite.source == "S36"
    job = catalogue.get("public_welfare_job")
    assert job.age is not None
    assert (job.age.minimum, job.age.maximum, job.age.cite.source) == (16, 69, "S46")
    assert not job.age.cite.local


def test_kinds_follow_the_category_unless_overridden(catalogue: Catalogue) -> None:
    assert catalogue.get("labour_transfer").kind is MeasureKind.development
    assert catalogue.get("dibao").kind is MeasureKind.safety_net
    assert catalogue.get("water_supply").kind is MeasureKind.basic
    insurance = catalogue.get("insurance")
    assert insurance.category is MeasureCategory.finance
    assert insurance.kind is MeasureKind.safety_net  # overridden in catalogue.toml


def test_category_kinds() -> None:
    development = {c for c in MeasureCategory if c.kind is MeasureKind.development}
    assert development == {
        MeasureCategory.industry,
        MeasureCategory.employment,
        MeasureCategory.finance,
        MeasureCategory.public_welfare_job,
        MeasureCategory.other_education,
    }
    assert MeasureCategory.health.kind is MeasureKind.safety_net
    assert MeasureCategory.compulsory_education.kind is MeasureKind.basic
    assert MeasureCategory.other.kind is MeasureKind.other


def test_only_cancelled_leaves_the_plan() -> None:
    assert [s for s in MeasureStatus if not s.in_plan] == [MeasureStatus.cancelled]


def test_load_is_cached(catalogue: Catalogue) -> None:
    assert load_catalogue() is catalogue
    assert load_catalogue(DEFAULT_PATH) is catalogue


def test_a_changed_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.toml"
    path.write_text(_MINIMAL, encoding="utf-8")
    assert list(load_catalogue(path).measures) == ["demo"]
    path.write_text(_MINIMAL.replace("measures.demo", "measures.renamed"), encoding="utf-8")
    assert list(load_catalogue(path).measures) == ["renamed"]


def test_missing_file_is_an_input_file_error(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="does not exist"):
        load_catalogue(tmp_path / "nowhere.toml")


# --- lookups -----------------------------------------------------------------------------------


def test_get_unknown_code_names_close_matches(catalogue: Catalogue) -> None:
    with pytest.raises(UserError) as caught:
        catalogue.get("micro_credt")
    assert not isinstance(caught.value, PolicyError)
    assert "unknown measure type 'micro_credt'" in caught.value.message
    assert caught.value.hint is not None
    assert "micro_credit" in caught.value.hint


def test_get_by_a_chinese_name_points_to_the_code(catalogue: Catalogue) -> None:
    with pytest.raises(UserError) as caught:
        catalogue.get("雨露计划")
    assert caught.value.hint is not None
    assert "yulu_plan" in caught.value.hint


# --- strict validation -------------------------------------------------------------------------

_MINIMAL = """
[measures.demo]
category = "finance"
zh = "测试"
en = "test"
risks = ["illness"]

[measures.demo.amount]
max = 100
source = "S35"
"""


def _broken(old: str, new: str) -> str:
    assert old in _MINIMAL
    return _MINIMAL.replace(old, new)


_BROKEN = {
    "syntax": (_broken("[measures.demo]", "[measures.m"), "(syntax)"),
    "unknown top-level key": ('title = "x"\n' + _MINIMAL, "title: unknown key"),
    "misspelt key": (_broken("category =", "catgory ="), "did you mean 'category'"),
    "unknown category": (_broken('"finance"', '"financ"'), "measures.demo.category: unknown value"),
    "unknown risk type": (_broken('["illness"]', '["illnes"]'), "measures.demo.risks: unknown"),
    "risk twice": (_broken('["illness"]', '["illness", "illness"]'), "measures.demo.risks: lists"),
    "no risks": (_broken('["illness"]', "[]"), "measures.demo.risks: must be a non-empty list"),
    "missing zh": (_broken('zh = "测试"\n', ""), "measures.demo.zh: 'zh' is missing"),
    "empty en": (_broken('en = "test"', 'en = " "'), "measures.demo.en: must be non-empty"),
    "bad kind": (_broken("zh =", 'kind = "develop"\nzh ='), "measures.demo.kind: unknown value"),
    "bad code": (_broken("[measures.demo]", "[measures.Micro-Credit]"), "bad code 'Micro-Credit'"),
    "no measures": ("[other]\nx = 1\n", "measures: no [measures.<code>]"),
    "rule not a table": (
        _broken('[measures.demo.amount]\nmax = 100\nsource = "S35"\n', "amount = 5\n"),
        "measures.demo.amount: must be a section",
    ),
    "negative limit": (_broken("max = 100", "max = -1"), "measures.demo.amount.max: -1 is out"),
    "zero limit": (_broken("max = 100", "max = 0"), "measures.demo.amount.max: 0 is out"),
    "text limit": (
        _broken("max = 100", 'max = "100"'),
        "measures.demo.amount.max: must be a number",
    ),
    "nan limit": (_broken("max = 100", "max = nan"), "measures.demo.amount.max: nan is out"),
    "absurd limit": (_broken("max = 100", "max = 1e12"), "measures.demo.amount.max:"),
    "empty amount rule": (_broken("max = 100\n", ""), "sets neither max nor standard_per_year"),
    "unknown rule key": (_broken("max = 100", "maximum = 100"), "measures.demo.amount.maximum"),
    "no source": (_broken('source = "S35"', ""), "measures.demo.amount.source: a rule must cite"),
    "bad source": (_broken('"S35"', '"policy"'), "measures.demo.amount.source"),
    "local not a switch": (_broken('source = "S35"', 'source = "S35"\nlocal = "yes"'), ".local"),
    "age min above max": (
        _MINIMAL + '[measures.demo.age]\nmin = 66\nmax = 18\nsource = "S35"\n',
        "measures.demo.age.min: min 66 is above max 18",
    ),
    "absurd age": (
        _MINIMAL + '[measures.demo.age]\nmax = 650\nsource = "S35"\n',
        "measures.demo.age.max: 650 is out of bounds",
    ),
    "fractional age": (
        _MINIMAL + '[measures.demo.age]\nmin = 17.5\nsource = "S35"\n',
        "measures.demo.age.min: must be a whole number",
    ),
    "zero term": (
        _MINIMAL + '[measures.demo.term]\nmax_months = 0\nsource = "S35"\n',
        "measures.demo.term.max_months: 0 is out of bounds",
    ),
    "term missing": (
        _MINIMAL + '[measures.demo.term]\nsource = "S35"\n',
        "measures.demo.term.max_months: 'max_months' is missing",
    ),
    "unknown household group": (
        _MINIMAL + '[measures.demo.households]\nallowed = ["poor"]\nsource = "S35"\n',
        "measures.demo.households.allowed: unknown value 'poor'",
    ),
    "unknown schooling": (
        _MINIMAL + '[measures.demo.schooling]\nallowed = ["vocation"]\nsource = "S36"\n',
        "did you mean 'vocational'?",
    ),
}


@pytest.mark.parametrize(("text", "expected"), _BROKEN.values(), ids=list(_BROKEN))
def test_broken_catalogue_is_a_policy_error_naming_the_key(text: str, expected: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_catalogue(text, source_path="broken.toml")
    assert "broken.toml" in caught.value.message
    assert expected in caught.value.message
    assert caught.value.hint is not None
    assert "docs/assistance.md" in caught.value.hint


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "two-mistakes.toml"
    path.write_text(_broken('"finance"', '"financ"').replace("max = 100", "max = -5"), "utf-8")
    with pytest.raises(PolicyError) as caught:
        load_catalogue(path)
    message = caught.value.message
    assert message.startswith(f"2 problems in {path.resolve().as_posix()}")
    assert "measures.demo.category" in message
    assert "measures.demo.amount.max" in message


def test_minimal_catalogue_is_valid() -> None:
    parsed = parse_catalogue(_MINIMAL, source_path="ok.toml")
    measure = parsed.get("demo")
    assert measure.kind is MeasureKind.development
    assert measure.amount is not None
    assert measure.amount.maximum == Decimal(100)
    assert not measure.amount.cite.local


@given(st.text(max_size=200))
def test_any_text_gives_a_catalogue_or_a_policy_error(text: str) -> None:
    with contextlib.suppress(PolicyError):
        parse_catalogue(text, source_path="fuzz.toml")


# --- documentation -----------------------------------------------------------------------------


def test_doc_lists_every_measure_type_category_and_code(catalogue: Catalogue) -> None:
    text = DOC.read_text(encoding="utf-8")
    names = [
        *(m.code for m in catalogue),
        *MeasureCategory,
        *MeasureKind,
        *MeasureStatus,
        *MEASURE_PROBLEMS,
        *PLAN_WARNINGS,
    ]
    missing = [str(n) for n in names if f"`{n}`" not in text]
    assert not missing, f"document these in docs/assistance.md: {missing}"


def test_doc_gives_every_measure_types_rules_with_their_source(catalogue: Catalogue) -> None:
    section = DOC.read_text(encoding="utf-8").split("## Measure types")[1].split("\n## ")[0]
    rows = {
        line.split("|")[1].strip(" `"): line
        for line in section.splitlines()
        if line.startswith("| `")
    }
    assert list(rows) == list(catalogue.measures)
    for measure in catalogue:
        rules = [measure.amount, measure.term, measure.age, measure.households, measure.schooling]
        for rule in rules:
            if rule is not None:
                assert rule.cite.source in rows[measure.code], measure.code
