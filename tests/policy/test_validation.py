"""Every user mistake in a policy file is a PolicyError naming the file, the key and a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from bottomline.errors import InputFileError, PolicyError
from bottomline.policy import load_directory, load_document, parse_document

META = """
[meta]
region = "530000000000"
year = 2025
title = "t"
source = "S21"
"""

# (TOML after a valid [meta], the key path the message must name)
BAD = [
    ("[standard]\nincome_line = 500", "standard.income_line"),
    ("[standard]\nincome_line = 150000", "standard.income_line"),
    ('[standard]\nincome_line = "8700"', "standard.income_line"),
    ("[standard]\nincome_line = true", "standard.income_line"),
    ("[standard]\nincome_line = nan", "standard.income_line"),
    ("[standard]\nprior_year_rural_disposable_income = 0", "standard.prior_year_rural_disposable_income"),
    ("[triggers.rigid_expenditure]\nabsolute = 0", "triggers.rigid_expenditure.absolute"),
    ("[triggers.rigid_expenditure]\nabsolute = 20000000", "triggers.rigid_expenditure.absolute"),
    ("[triggers.rigid_expenditure]\nshare_of_income = 0", "triggers.rigid_expenditure.share_of_income"),
    ("[triggers.rigid_expenditure]\nshare_of_income = 11", "triggers.rigid_expenditure.share_of_income"),
    ("[triggers.rigid_expenditure]\nshare_of_disposable_income = -1", "triggers.rigid_expenditure.share_of_disposable_income"),
    ("[triggers.income_drop]\nshare = 1.5", "triggers.income_drop.share"),
    ("[triggers.income_drop]\nwatch_multiple = 0", "triggers.income_drop.watch_multiple"),
    ("[triggers.medical]\nself_pay_other = -5", "triggers.medical.self_pay_other"),
    ("[triggers.medical]\nwindow_months = 0", "triggers.medical.window_months"),
    ("[triggers.medical]\nwindow_months = 37", "triggers.medical.window_months"),
    ("[triggers.medical]\nwindow_months = 12.5", "triggers.medical.window_months"),
    ("[triggers.education]\nself_pay = [1]", "triggers.education.self_pay"),
    ("[triggers.disaster]\nmin_house_damage = \"total\"", "triggers.disaster.min_house_damage"),
    ("[triggers.housing]\nmin_grade = \"B\"", "triggers.housing.min_grade"),
    ("[triggers.department]\njob_loss = 1", "triggers.department.job_loss"),
    ("[triggers.department]\nwater_problem = \"yes\"", "triggers.department.water_problem"),
    ("[procedure]\nnotice_days = 4", "procedure.notice_days"),
    ("[procedure]\nnotice_days = 61", "procedure.notice_days"),
    ("[procedure]\nnotice_days = 7\nidentification_deadline_days = 7", "procedure.identification_deadline_days"),
    ("[procedure]\nidentification_deadline_days = 91", "procedure.identification_deadline_days"),
    ("[procedure]\nday_count = \"workdays\"", "procedure.day_count"),
    ("[elimination]\nmin_monitored_months = 0", "elimination.min_monitored_months"),
    ("[elimination]\nmin_monitored_months = 61", "elimination.min_monitored_months"),
    ("[elimination]\nincome_stable_months = 100", "elimination.income_stable_months"),
    ("[standard]\nincome_lin = 8700", "standard.income_lin"),
    ("[standrd]\nincome_line = 8700", "standrd"),
    ("[triggers.medcal]\nwindow_months = 12", "triggers.medcal"),
    ("[procedure.notice_days]\nx = 1", "procedure.notice_days"),
]  # fmt: skip


def _write(tmp_path: Path, text: str, name: str = "policy.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("body", "key"), BAD, ids=[key for _, key in BAD])
def test_bad_value_names_file_and_key(tmp_path: Path, body: str, key: str) -> None:
    path = _write(tmp_path, META + body)
    with pytest.raises(PolicyError) as raised:
        load_document(path)
    message = raised.value.message
    assert f"{path.as_posix()}: {key}:" in message
    assert "fix:" in message
    assert raised.value.hint


@pytest.mark.parametrize(
    ("meta", "key"),
    [
        ('region = 530000000000\nyear = 2025\ntitle = "t"\nsource = "s"', "meta.region"),
        ('region = "53000000"\nyear = 2025\ntitle = "t"\nsource = "s"', "meta.region"),
        ('region = "53000000000a"\nyear = 2025\ntitle = "t"\nsource = "s"', "meta.region"),
        ('region = "530000000000"\nyear = 2014\ntitle = "t"\nsource = "s"', "meta.year"),
        ('region = "530000000000"\nyear = 2101\ntitle = "t"\nsource = "s"', "meta.year"),
        ('region = "530000000000"\nyear = "2025"\ntitle = "t"\nsource = "s"', "meta.year"),
        ('region = "530000000000"\nyear = 2025\nsource = "s"', "meta.title"),
        ('region = "530000000000"\nyear = 2025\ntitle = "t"\nsource = ""', "meta.source"),
        (
            'region = "530000000000"\nyear = 2025\ntitle = "t"\nsource = "s"\nnote = "x"',
            "meta.note",
        ),
    ],
)
def test_bad_meta_names_the_key(tmp_path: Path, meta: str, key: str) -> None:
    path = _write(tmp_path, f"[meta]\n{meta}\n")
    with pytest.raises(PolicyError, match=rf"{key}:"):
        load_document(path)


def test_section_given_a_value(tmp_path: Path) -> None:
    with pytest.raises(
        PolicyError, match=r"standard: \[standard\] 应为一节.* / \[standard\] must be a section"
    ):
        load_document(_write(tmp_path, "standard = 5\n" + META))


def test_section_name_inside_another_section(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"\[standard\] is a section"):
        load_document(_write(tmp_path, META + "standard = 5\n"))


def test_missing_meta(tmp_path: Path) -> None:
    with pytest.raises(
        PolicyError, match=r"meta: 缺少 \[meta\] 节 / the \[meta\] section is missing"
    ):
        load_document(_write(tmp_path, "[standard]\nincome_line = 8700\n"))


def test_all_problems_of_a_file_are_listed_at_once(tmp_path: Path) -> None:
    body = "[standard]\nincome_line = 10\n[procedure]\nnotice_days = 1\n[elimination]\nx = 1\n"
    path = _write(tmp_path, META + body).as_posix()
    with pytest.raises(PolicyError) as raised:
        load_document(path)
    message = raised.value.message
    assert message.startswith(f"{path} 有 3 处问题 / 3 problems in {path}:")
    for key in ("standard.income_line", "procedure.notice_days", "elimination.x"):
        assert key in message


@pytest.mark.parametrize(
    ("body", "suggestion"),
    [
        ("[standard]\nincome_lin = 8700", "did you mean 'income_line'?"),
        ("[standard]\nincomeline = 8700", "did you mean 'income_line'?"),
        ("[triggers.medcal]\nwindow_months = 1", "did you mean 'medical'?"),
        ("[triggers.medical]\nwindow_month = 12", "did you mean 'window_months'?"),
        ("[procedure]\nnotice_day = 5", "did you mean 'notice_days'?"),
        ('[triggers.housing]\nmin_grade = "c"', "did you mean 'C'?"),
        ("[triggers.medical]\nincome_line = 8700", "'income_line' belongs in [standard]"),
    ],
)
def test_typo_suggests_the_right_name(tmp_path: Path, body: str, suggestion: str) -> None:
    with pytest.raises(PolicyError) as raised:
        load_document(_write(tmp_path, META + body))
    assert suggestion in raised.value.message


def test_unknown_key_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as raised:
        load_document(_write(tmp_path, META + "[elimination]\nzzz = 1"))
    assert "min_monitored_months, income_stable_months" in raised.value.message


def test_notice_minimum_cites_the_national_rule(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="S5"):
        load_document(_write(tmp_path, META + "[procedure]\nnotice_days = 3"))


def test_toml_syntax_error_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"\(syntax\): 不是有效的 TOML / not valid TOML"):
        load_document(_write(tmp_path, META + "[standard\nincome_line = 1"))


def test_file_name_must_agree_with_meta(tmp_path: Path) -> None:
    path = _write(tmp_path, META, name="530000000000-2024-yunnan.toml")
    with pytest.raises(PolicyError, match=r"the file name says 2024 but meta\.year is 2025"):
        load_document(path)


def test_missing_file_is_an_input_file_error(tmp_path: Path) -> None:
    with pytest.raises(InputFileError):
        load_document(tmp_path / "nope.toml")
    with pytest.raises(InputFileError):
        load_directory(tmp_path / "nope")


def test_empty_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"no policy files"):
        load_directory(tmp_path)


def test_directory_reports_problems_of_every_file(tmp_path: Path) -> None:
    _write(tmp_path, META + "[standard]\nincome_line = 1", name="a.toml")
    _write(tmp_path, META + "[procedure]\nnotice_days = 1", name="b.toml")
    with pytest.raises(PolicyError) as raised:
        load_directory(tmp_path)
    assert "2 problems in 2 policy files" in raised.value.message
    assert "a.toml: standard.income_line" in raised.value.message
    assert "b.toml: procedure.notice_days" in raised.value.message


def test_same_region_and_year_with_different_content_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, META + "[standard]\nincome_line = 8700", name="a.toml")
    _write(tmp_path, META + "[standard]\nincome_line = 8800", name="b.toml")
    with pytest.raises(PolicyError) as raised:
        load_directory(tmp_path)
    message = raised.value.message
    assert "530000000000/2025" in message
    assert "a.toml" in message
    assert "b.toml" in message


def test_identical_copies_are_kept_once(tmp_path: Path) -> None:
    _write(tmp_path, META + "[standard]\nincome_line = 8700", name="a.toml")
    _write(tmp_path, META + "# a comment\n[standard]\nincome_line = 8700.0", name="b.toml")
    docs = load_directory(tmp_path)
    assert [d.source_path.rpartition("/")[2] for d in docs] == ["a.toml"]


def test_content_hash_ignores_layout_but_not_values() -> None:
    a = parse_document(META + "[standard]\nincome_line = 8700", source_path="a")
    b = parse_document("# x\n[standard]\nincome_line = 8700.0\n" + META, source_path="elsewhere/b")
    c = parse_document(META + "[standard]\nincome_line = 8701", source_path="a")
    d = parse_document(
        META.replace('"t"', '"t2"') + "[standard]\nincome_line = 8700", source_path="a"
    )
    assert a.content_hash == b.content_hash
    assert len({a.content_hash, c.content_hash, d.content_hash}) == 3


def test_values_are_nested_as_in_the_file() -> None:
    doc = parse_document(
        META + "[triggers.medical]\nwindow_months = 12\n[triggers.department]", source_path="a"
    )
    assert doc.values == {"triggers": {"medical": {"window_months": 12}}}
    assert doc.to_dict()["meta"]["region"] == "530000000000"
