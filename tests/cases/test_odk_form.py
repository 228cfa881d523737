"""The home-visit XLSForm: written with openpyxl, converted with pyxform (in process)."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bottomline.cases.odk import form
from bottomline.cases.odk.form import (
    FORM_ID,
    FORM_VERSION,
    QUESTIONS,
    FormError,
    Hardship,
    Question,
    build_form,
    validate_form,
)
from bottomline.errors import InputFileError, UserError
from bottomline.screening.enums import RiskType

NS = {
    "h": "http://www.w3.org/1999/xhtml",
    "x": "http://www.w3.org/2002/xforms",
}
VISIT = [q for q in QUESTIONS if q.type not in ("begin_group", "end_group") and q.zh]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_form(tmp_path_factory.mktemp("form") / "home_visit.xlsx")


@pytest.fixture(scope="module")
def xform(built: Path) -> ET.Element:
    return ET.fromstring(validate_form(built))


def _sheet(path: Path, name: str) -> list[dict[str, object]]:
    book = load_workbook(path, read_only=True)
    try:
        rows = list(book[name].iter_rows(values_only=True))
    finally:
        book.close()
    header = [str(h) for h in rows[0]]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def _itext(root: ET.Element, lang: str) -> dict[str, str]:
    translation = root.find(f".//x:translation[@lang='{lang}']", NS)
    assert translation is not None, f"no {lang} translation"
    return {
        str(text.get("id")): "".join(text.find("x:value", NS).itertext())  # type: ignore[union-attr]
        for text in translation.findall("x:text", NS)
    }


def test_build_writes_the_three_xlsform_sheets(built: Path) -> None:
    book = load_workbook(built, read_only=True)
    try:
        assert book.sheetnames == ["survey", "choices", "settings"]
    finally:
        book.close()
    (settings,) = _sheet(built, "settings")
    assert settings["form_id"] == FORM_ID
    assert settings["version"] == FORM_VERSION
    assert settings["default_language"] == "中文 (zh)"
    survey = _sheet(built, "survey")
    assert {"label::中文 (zh)", "label::English (en)", "hint::中文 (zh)"} <= set(survey[0])
    assert [row["name"] for row in survey if row["name"]] == [q.name for q in QUESTIONS if q.name]


def test_the_xform_has_the_form_id_and_a_bind_for_every_field(xform: ET.Element) -> None:
    instance = xform.find(".//x:instance/x:data", NS)
    assert instance is not None
    assert instance.get("id") == FORM_ID
    assert instance.get("version") == FORM_VERSION
    binds = {b.get("nodeset"): b for b in xform.iter(f"{{{NS['x']}}}bind")}
    in_group = False
    for question in QUESTIONS:
        if question.type in ("begin_group", "end_group"):
            in_group = question.type == "begin_group"
            continue
        path = f"/data/visit/{question.name}" if in_group else f"/data/{question.name}"
        assert path in binds, f"no bind for {question.name}"
        assert (binds[path].get("required") == "true()") == question.required, question.name
        if question.constraint:
            assert binds[path].get("constraint") == question.constraint, question.name


def test_constraints_and_relevance_reach_the_binds(xform: ET.Element) -> None:
    binds = {b.get("nodeset"): b for b in xform.iter(f"{{{NS['x']}}}bind")}
    assert binds["/data/visit/risk_types"].get("constraint") == "count-selected(.) <= 5"
    assert binds["/data/visit/household_no"].get("constraint") == "regex(., '^[0-9]{1,32}$')"
    assert binds["/data/visit/village_code"].get("constraint") == "regex(., '^[0-9]{12}$')"
    assert "today()" in str(binds["/data/visit/visit_date"].get("constraint"))
    assert binds["/data/visit/visit_date"].get("type") == "date"
    assert binds["/data/visit/household_size"].get("type") == "int"
    assert binds["/data/visit/income_estimate"].get("type") == "decimal"
    assert binds["/data/visit/gps"].get("type") == "geopoint"
    assert binds["/data/visit/authorization_photo"].get("type") == "binary"
    relevant = str(binds["/data/visit/authorization_photo"].get("relevant"))
    assert "/data/visit/authorization_signed" in relevant
    assert "'yes'" in relevant
    assert "start" in binds["/data/start"].attrib.values()
    assert "deviceid" in binds["/data/deviceid"].attrib.values()


def test_risk_type_choices_carry_both_labels(xform: ET.Element) -> None:
    items = xform.findall(".//x:instance[@id='risk_type']/x:root/x:item", NS)
    names = {
        item.findtext("x:name", namespaces=NS): item.findtext("x:itextId", namespaces=NS)
        for item in items
    }
    zh, en = _itext(xform, "中文 (zh)"), _itext(xform, "English (en)")
    assert list(names) == [r.value for r in RiskType]
    for risk in RiskType:
        text_id = names[risk.value]
        assert text_id is not None
        assert zh[text_id] == risk.zh
        assert en[text_id] == risk.en


def test_every_question_with_a_label_has_it_in_both_languages(xform: ET.Element) -> None:
    zh, en = _itext(xform, "中文 (zh)"), _itext(xform, "English (en)")
    assert zh["/data/visit/household_no:label"] == "户编号"
    assert en["/data/visit/household_no:label"] == "Household number"
    assert "身份证号" in zh["/data/visit/notes:hint"]
    assert "ID numbers" in en["/data/visit/notes:hint"]
    assert (zh["/data/visit:label"], en["/data/visit:label"]) == ("入户核实", "Home visit")
    for question in VISIT:
        key = f"/data/visit/{question.name}:label"
        assert (zh[key], en[key]) == (question.zh, question.en)


def test_choice_lists_are_the_enums(built: Path) -> None:
    choices = _sheet(built, "choices")
    by_list: dict[str, list[tuple[object, object, object]]] = {}
    for row in choices:
        by_list.setdefault(str(row["list_name"]), []).append(
            (row["name"], row["label::中文 (zh)"], row["label::English (en)"])
        )
    assert by_list["risk_type"] == [(r.value, r.zh, r.en) for r in RiskType]
    assert by_list["hardship"] == [(h.value, h.zh, h.en) for h in Hardship]
    assert [name for name, _, _ in by_list["yes_no"]] == ["yes", "no"]


def test_the_form_converts_without_pyxform_warnings(
    built: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger=form.__name__):
        validate_form(built)
    assert caplog.records == []


def test_a_select_without_its_list_is_a_clear_form_error(tmp_path: Path) -> None:
    broken = (
        *QUESTIONS[:-1],
        Question("select_one no_such_list", "broken", "坏", "broken"),
        QUESTIONS[-1],
    )
    path = build_form(tmp_path / "broken.xlsx", questions=broken)
    with pytest.raises(FormError) as caught:
        validate_form(path)
    assert isinstance(caught.value, UserError)
    assert "no_such_list" in caught.value.message
    assert "broken.xlsx" in caught.value.message
    assert caught.value.hint


def test_a_duplicate_question_name_is_a_form_error(tmp_path: Path) -> None:
    twice = (*QUESTIONS[:-1], Question("text", "household_no", "户编号", "again"), QUESTIONS[-1])
    with pytest.raises(FormError, match="household_no"):
        validate_form(build_form(tmp_path / "twice.xlsx", questions=twice))


def test_validating_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="not found"):
        validate_form(tmp_path / "nothing.xlsx")
