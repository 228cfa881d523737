"""Notices never show ID numbers, phone numbers, bank accounts or health details (policy-notes §4).

By construction (a notice line has no field for them) and by the scanner that reads what a
notice shows; both are tested here, the first with random households full of personal data.
"""

from __future__ import annotations

import re
from dataclasses import fields, replace
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bottomline.cases.notices import (
    EliminationMethod,
    NoticeDocument,
    NoticeEntry,
    NoticeKind,
    NoticeSource,
    PersonalDataError,
    PersonalDataKind,
    check_public_text,
    entry_for,
    find_personal_data,
    render_html,
    render_pdf,
)
from bottomline.cases.notices.redact import HEALTH_TERMS, html_text
from bottomline.ids import check_char
from bottomline.screening.enums import Category, RiskType
from tests.cases.test_notice_render import ZHANG, notice, pdf_text, require_cjk_font

K = PersonalDataKind
SAMPLE_ID = "11010519491231002X"  # the GB 11643 standard's own example

# --- the scanner, example by example ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (f"身份证号{SAMPLE_ID}", K.id_number),
        (SAMPLE_ID.lower(), K.id_number),
        ("１１０１０５１９４９１２３１００２Ｘ", K.id_number),
        ("１１０１０５１９４９１２３１００２ｘ", K.id_number),
        ("110105 19491231 002X", K.id_number),
        ("110105-1949-1231-002x", K.id_number),
        ("110101199003070014", K.id_number),  # a wrong check character is still an ID
        ("旧证号110105491231002。", K.old_id_number),
        (f"残疾人证号{SAMPLE_ID}42", K.disability_certificate),
        (f"{SAMPLE_ID}42B1", K.disability_certificate),
        (f"{SAMPLE_ID}4201", K.disability_certificate),
        ("电话13800138000", K.mobile),
        ("１３８００１３８０００", K.mobile),
        ("138 0013 8000", K.mobile),
        ("138-0013-8000", K.mobile),
        ("+86 138 0013 8000", K.mobile),
        ("＋８６１３８００１３８０００", K.mobile),
        ("86-19912345678", K.mobile),
        ("0086 13800138000", K.mobile),
        ("0731-88881234", K.landline),
        ("(010) 1234 5678", K.landline),
        ("（０７３１）８８８８１２３", K.landline),
        ("+86 10 1234 5678", K.landline),
        ("卡号6222 0212 3456 7890 128", K.bank_account),  # Luhn-valid
        ("6222021234567890127", K.bank_account),  # Luhn-invalid: reported all the same
        ("6217-0000-1000-0000", K.bank_account),
        ("患尿毒症", K.health),
        ("二级肢体残疾", K.health),
        ("智力残疾", K.health),
        ("ｈｉｖ阳性", K.health),
        ("精 神 分 裂", K.health),
        ("白血病", K.health),
        ("脑梗后偏瘫", K.health),
    ],
)
def test_personal_data_is_found(text: str, kind: PersonalDataKind) -> None:
    findings = find_personal_data(text)
    assert kind in {f.kind for f in findings}, findings


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-23",
        "公示期：2026-11-23至2026-11-27",
        "公示期：2026年11月23日至2026年11月27日",
        "家庭人口 4",
        "某县某镇某村2026年第12批监测对象识别公示",
        "边缘易致贫户；风险类型：因病、因残、因学",
        "帮扶消除：因病风险已消除，收入持续稳定，两不愁三保障及饮水安全有保障",
        "村代码430524101201",
        "第 1 页 / 共 2 页",
    ],
)
def test_ordinary_notice_text_is_not_personal_data(text: str) -> None:
    assert find_personal_data(text) == []


def test_a_rendered_notice_has_no_findings() -> None:
    assert find_personal_data(html_text(render_html(notice()))) == []


def test_findings_are_masked() -> None:
    findings = find_personal_data(f"{SAMPLE_ID} 13800138000 6222021234567890128 尿毒症")
    assert [(f.kind, f.excerpt) for f in findings] == [
        (K.id_number, "1101************2X"),
        (K.mobile, "138****8000"),
        (K.bank_account, "6222*************28"),
        (K.health, "尿**"),
    ]


def test_health_words_never_include_the_risk_types() -> None:
    labels = "".join(risk.zh for risk in RiskType) + "".join(c.zh for c in Category)
    assert find_personal_data(labels) == []
    assert not any(term in labels for term in HEALTH_TERMS)


def test_check_says_what_and_where_but_not_the_value() -> None:
    text = "联系人：张三，电话 138-0013-8000，身份证 11010519491231002x"
    with pytest.raises(PersonalDataError) as raised:
        check_public_text(text, where="notice 430524101201-2026-identification-1 (HTML)")
    message = str(raised.value)
    assert "mobile phone number" in message
    assert "resident ID number" in message
    assert "notice 430524101201-2026-identification-1 (HTML)" in message
    assert "138****8000" in message
    digits = re.sub(r"\D", "", message)
    assert "13800138000" not in digits
    assert "110105194912310" not in digits
    assert {f.kind for f in raised.value.findings} == {K.mobile, K.id_number}


def test_html_text_is_what_a_reader_sees() -> None:
    page = "<html><head><title>标题</title><style>p{x:13800138000}</style></head><body><p>A&lt;B</p></body></html>"
    assert html_text(page).split() == ["标题", "A<B"]


# --- by construction: a notice line has nowhere to put personal data --------------------------


def test_a_notice_line_has_only_the_allowed_fields() -> None:
    allowed = {"name", "village_group", "household_size", "category", "risk_types", "method"}
    assert {f.name for f in fields(NoticeEntry)} == allowed


def test_entry_for_copies_only_what_a_notice_shows() -> None:
    source = NoticeSource(
        head_name=" 张三 ",
        village_group="第三组",
        household_size=4,
        category=Category.marginal,
        risk_types=(RiskType.illness,),
        id_numbers=(SAMPLE_ID,),
        phones=("13800138000",),
        bank_accounts=("6222021234567890128",),
        health_notes=("尿毒症",),
        address="某村3号",
    )
    assert entry_for(source) == NoticeEntry(
        "张三", "第三组", 4, Category.marginal, (RiskType.illness,)
    )


@pytest.mark.parametrize(
    "change",
    [
        {"name": f"张三{SAMPLE_ID}"},
        {"name": "张三 138 0013 8000"},
        {"village_group": "第三组（尿毒症）"},
        {"village_group": "０７３１－８８８８１２３４"},
    ],
)
def test_personal_data_smuggled_into_a_name_stops_the_notice(change: dict[str, str]) -> None:
    doc = notice(replace(ZHANG, **change))
    with pytest.raises(PersonalDataError):
        render_html(doc)
    with pytest.raises(PersonalDataError):
        render_pdf(doc)


# --- property: random households full of personal data ----------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国红玉梅德文志海春燕云飞鹏辉亮成荣林翠珍凤"
)
GROUPS = [f"第{n}组" for n in "一二三四五六七八九十"] + ["第十一组", "3组", "上屋组", None]
HEALTH_NOTES = [*HEALTH_TERMS, "二级肢体残疾", "一级视力残疾", "尿毒症透析", "肺癌晚期"]


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    """A valid 18-character resident ID number with the GB 11643 check character."""
    region = draw(st.sampled_from(["110105", "430524", "522701", "650102", "371302"]))
    born = draw(st.dates(min_value=date(1930, 1, 1), max_value=date(2024, 12, 31)))
    sequence = draw(st.integers(0, 999))
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    return body + check_char(body)


@st.composite
def bank_cards(draw: st.DrawFn) -> str:
    """A 16-19 digit UnionPay-style card number with a valid Luhn check digit."""
    length = draw(st.integers(16, 19))
    body = "62" + "".join(
        draw(st.lists(st.sampled_from("0123456789"), min_size=length - 3, max_size=length - 3))
    )
    return body + luhn_digit(body)


def luhn_digit(body: str) -> str:
    total = 0
    for i, char in enumerate(reversed(body)):
        digit = int(char) * (2 if i % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return str(-total % 10)


phones = st.from_regex(r"\A1[3-9][0-9]{9}\Z")
names = st.builds(
    lambda s, g: s + g, st.sampled_from(SURNAMES), st.text(GIVEN, min_size=1, max_size=2)
)


@st.composite
def sources(draw: st.DrawFn, kind: NoticeKind) -> NoticeSource:
    members = draw(st.lists(id_numbers(), min_size=1, max_size=6))
    elimination = kind is NoticeKind.elimination
    return NoticeSource(
        head_name=draw(names),
        village_group=draw(st.sampled_from(GROUPS)),
        household_size=len(members),
        category=draw(st.sampled_from(Category)),
        risk_types=tuple(
            draw(st.lists(st.sampled_from(RiskType), min_size=1, max_size=5, unique=True))
        ),
        method=draw(st.sampled_from(EliminationMethod)) if elimination else None,
        id_numbers=tuple(members) + tuple(m + "42" for m in members[:1]),
        phones=tuple(draw(st.lists(phones, min_size=1, max_size=3))),
        bank_accounts=tuple(draw(st.lists(bank_cards(), min_size=1, max_size=2))),
        health_notes=tuple(draw(st.lists(st.sampled_from(HEALTH_NOTES), min_size=1, max_size=3))),
    )


@st.composite
def noticed(draw: st.DrawFn) -> tuple[NoticeDocument, list[NoticeSource]]:
    kind = draw(st.sampled_from(NoticeKind))
    households = draw(st.lists(sources(kind), min_size=1, max_size=8))
    entries = tuple(entry_for(source) for source in households)
    return replace(notice(), kind=kind, entries=entries), households


def personal_values(households: list[NoticeSource]) -> set[str]:
    values = set()
    for h in households:
        values.update(h.id_numbers, h.phones, h.bank_accounts, h.health_notes)
    return values


def assert_nothing_personal(shown: str, households: list[NoticeSource]) -> None:
    squeezed = re.sub(r"\s+", "", shown).upper()
    leaked = [v for v in personal_values(households) if v.upper() in squeezed]
    assert leaked == []
    assert find_personal_data(shown) == []


@given(noticed())
@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
def test_html_notices_never_show_personal_data(
    case: tuple[NoticeDocument, list[NoticeSource]],
) -> None:
    doc, households = case
    page = render_html(doc)
    assert_nothing_personal(html_text(page), households)
    assert all(h.head_name in page for h in households)


@given(noticed())
@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow])
def test_pdf_notices_never_show_personal_data(
    case: tuple[NoticeDocument, list[NoticeSource]],
) -> None:
    require_cjk_font()
    doc, households = case
    shown = pdf_text(render_pdf(doc))
    assert_nothing_personal(shown, households)
    assert all(h.head_name in shown for h in households)
