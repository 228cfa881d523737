"""The home-visit form (入户核实 / 排查) that village cadres fill in offline on ODK Collect.

The form is declared here as data — one tuple of :class:`Question` and the choice lists — and
written as an XLSForm workbook (sheets ``survey``, ``choices`` and ``settings``; labels, hints
and messages in ``中文 (zh)``, the default language, and ``English (en)``) by
:func:`build_form`. :func:`validate_form` converts the workbook with pyxform in this process
(no Java ODK Validate, no network) and returns the XForm XML, which is what ODK Central takes.

Choice lists are made from the enums (:class:`YesNo`, :class:`Hardship` and
``screening.enums.RiskType``), and the limits (amounts, household size, visit dates, at most
five risk types) are the constants below, so the form and the reader of its submissions
(:mod:`bottomline.cases.odk.submissions`) cannot drift apart.

XLSForm conventions relied on (XLSForm specification, xlsform.org, and pyxform 4.5 as
installed): translated columns are named ``label::<language>``; ``required``, ``constraint``
(``.`` is the answer; ``regex()``, ``count-selected()``, ``today()`` and ``date()`` are XPath
functions ODK supports), ``constraint_message``, ``required_message``, ``relevant`` (with
``${name}`` references) and ``parameters`` (``max-pixels`` for images) are survey columns;
``start``, ``end`` and ``deviceid`` are metadata question types; the ``settings`` sheet holds
``form_title``, ``form_id``, ``version``, ``default_language`` and ``instance_name``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from bottomline.errors import InputFileError, UserError
from bottomline.labels import LabelledEnum
from bottomline.screening.enums import MAX_RISK_TYPES, RiskType

log = logging.getLogger(__name__)

FORM_ID = "bottomline_home_visit"
FORM_VERSION = "2026112301"  # yyyymmdd + two digits; raise it whenever the form changes
FORM_TITLE = "防返贫入户核实 / Home visit"
GROUP = "visit"

ZH = "中文 (zh)"
EN = "English (en)"
LANGUAGES = (ZH, EN)

HOUSEHOLD_NO_MAX = 32  # digits; the registry's 户编号 holds up to 32 characters
VILLAGE_CODE_DIGITS = 12
EARLIEST_VISIT = dt.date(2020, 1, 1)  # the monitoring mechanism began in 2020
HOUSEHOLD_SIZE = (1, 20)
MAX_AMOUNT = Decimal(1_000_000)  # yuan; above this is a unit or typing mistake
MAX_NAME = 100  # characters in visitor_name and visitor_unit
MAX_NOTES = 1000


class YesNo(LabelledEnum):
    yes = ("yes", "是", "Yes")
    no = ("no", "否", "No")


class Hardship(LabelledEnum):
    """Difficulties a household reports at the visit (困难情况)."""

    illness = ("illness", "家庭成员患病", "illness in the family")
    disaster = ("disaster", "遭受自然灾害", "natural disaster")
    accident = ("accident", "遭遇意外事故", "accident")
    job_loss = ("job_loss", "务工就业中断", "lost work or job")
    schooling_cost = ("schooling_cost", "上学费用负担重", "heavy schooling costs")
    housing_unsafe = ("housing_unsafe", "住房不安全", "unsafe housing")
    water_unsafe = ("water_unsafe", "饮水不安全", "unsafe drinking water")
    dropout = ("dropout", "子女辍学", "a child dropped out of school")
    other = ("other", "其他", "other")


class FormError(UserError):
    """The form declaration does not convert to a valid XForm."""

    status_code = 422


@dataclass(frozen=True, slots=True)
class Question:
    """One row of the survey sheet."""

    type: str
    name: str
    zh: str = ""
    en: str = ""
    hint_zh: str = ""
    hint_en: str = ""
    required: bool = False
    constraint: str = ""
    message_zh: str = ""
    message_en: str = ""
    relevant: str = ""
    parameters: str = ""


@dataclass(frozen=True, slots=True)
class Choice:
    """One row of the choices sheet."""

    list_name: str
    name: str
    zh: str
    en: str


def choices_from(list_name: str, enum: Iterable[LabelledEnum]) -> tuple[Choice, ...]:
    """A choice list made from an enum: its values are the names, its labels the labels."""
    return tuple(Choice(list_name, member.value, member.zh, member.en) for member in enum)


CHOICES: tuple[Choice, ...] = (
    *choices_from("yes_no", YesNo),
    *choices_from("hardship", Hardship),
    *choices_from("risk_type", RiskType),
)


def _amount(name: str, zh: str, en: str, hint_zh: str, hint_en: str, required: bool) -> Question:
    return Question(
        "decimal",
        name,
        zh,
        en,
        hint_zh,
        hint_en,
        required=required,
        constraint=f". >= 0 and . <= {MAX_AMOUNT}",
        message_zh=f"应为 0 到 {MAX_AMOUNT} 元之间的数",
        message_en=f"a number of yuan from 0 to {MAX_AMOUNT}",
    )


def _yes_no(name: str, zh: str, en: str) -> Question:
    return Question("select_one yes_no", name, zh, en, required=True)


QUESTIONS: tuple[Question, ...] = (
    Question("start", "start"),
    Question("end", "end"),
    Question("deviceid", "deviceid"),
    Question("begin_group", GROUP, "入户核实", "Home visit"),
    Question(
        "text",
        "household_no",
        "户编号",
        "Household number",
        "监测系统中的户编号，只填数字",
        "the household's number in the monitoring system, digits only",
        required=True,
        constraint=f"regex(., '^[0-9]{{1,{HOUSEHOLD_NO_MAX}}}$')",
        message_zh=f"户编号应为 1 到 {HOUSEHOLD_NO_MAX} 位数字",
        message_en=f"1 to {HOUSEHOLD_NO_MAX} digits",
    ),
    Question(
        "text",
        "village_code",
        "村代码",
        "Village code",
        "12位行政村统计代码",
        "the village's 12-digit statistical division code",
        required=True,
        constraint=f"regex(., '^[0-9]{{{VILLAGE_CODE_DIGITS}}}$')",
        message_zh=f"村代码应为 {VILLAGE_CODE_DIGITS} 位数字",
        message_en=f"{VILLAGE_CODE_DIGITS} digits",
    ),
    Question(
        "date",
        "visit_date",
        "入户日期",
        "Visit date",
        required=True,
        constraint=f". <= today() and . >= date('{EARLIEST_VISIT.isoformat()}')",
        message_zh=f"入户日期不能晚于今天，也不能早于 {EARLIEST_VISIT.isoformat()}",
        message_en=f"not after today and not before {EARLIEST_VISIT.isoformat()}",
    ),
    Question(
        "text",
        "visitor_name",
        "调查人",
        "Visitor",
        required=True,
        constraint=f"string-length(.) <= {MAX_NAME}",
        message_zh=f"最多 {MAX_NAME} 字",
        message_en=f"at most {MAX_NAME} characters",
    ),
    Question(
        "text",
        "visitor_unit",
        "调查人单位",
        "Visitor's unit",
        "如 驻村工作队、村委会、乡镇",
        "e.g. village work team, village committee, township",
        constraint=f"string-length(.) <= {MAX_NAME}",
        message_zh=f"最多 {MAX_NAME} 字",
        message_en=f"at most {MAX_NAME} characters",
    ),
    _yes_no("household_present", "户主或家庭成员在家", "Household member present"),
    _yes_no("authorization_signed", "签署授权承诺书", "Authorisation letter signed"),
    Question(
        "image",
        "authorization_photo",
        "授权承诺书照片",
        "Photo of the signed authorisation",
        relevant="${authorization_signed} = 'yes'",
        parameters="max-pixels=1600",
    ),
    Question(
        "integer",
        "household_size",
        "家庭人口数",
        "Household size",
        required=True,
        constraint=f". >= {HOUSEHOLD_SIZE[0]} and . <= {HOUSEHOLD_SIZE[1]}",
        message_zh=f"应为 {HOUSEHOLD_SIZE[0]} 到 {HOUSEHOLD_SIZE[1]} 人",
        message_en=f"{HOUSEHOLD_SIZE[0]} to {HOUSEHOLD_SIZE[1]} people",
    ),
    _amount(
        "income_estimate",
        "家庭人均纯收入估计",
        "Estimated net income per person",
        "元/人/年",
        "yuan per person per year",
        required=True,
    ),
    _amount(
        "medical_expense",
        "本年医疗自付支出",
        "Medical costs paid this year",
        "元，本年累计",
        "yuan, this year so far",
        required=False,
    ),
    _amount(
        "education_expense",
        "本年教育支出",
        "Schooling costs this year",
        "元，本年累计",
        "yuan, this year so far",
        required=False,
    ),
    Question(
        "select_multiple hardship",
        "hardships",
        "困难情况",
        "Hardships",
        "可多选",
        "choose all that apply",
    ),
    Question(
        "select_multiple risk_type",
        "risk_types",
        "风险类型",
        "Risk types",
        f"最多选 {MAX_RISK_TYPES} 项",
        f"at most {MAX_RISK_TYPES}",
        constraint=f"count-selected(.) <= {MAX_RISK_TYPES}",
        message_zh=f"最多选 {MAX_RISK_TYPES} 项",
        message_en=f"choose at most {MAX_RISK_TYPES}",
    ),
    _yes_no("suggest_monitoring", "建议纳入监测", "Suggest monitoring"),
    Question(
        "text",
        "notes",
        "备注",
        "Notes",
        "不要填写身份证号、电话号码等个人信息",
        "do not write ID numbers, phone numbers or other personal details here",
        constraint=f"string-length(.) <= {MAX_NOTES}",
        message_zh=f"最多 {MAX_NOTES} 字",
        message_en=f"at most {MAX_NOTES} characters",
    ),
    Question("geopoint", "gps", "位置", "Location", "可不填", "optional"),
    Question("end_group", ""),
)

SETTINGS: dict[str, str] = {
    "form_title": FORM_TITLE,
    "form_id": FORM_ID,
    "version": FORM_VERSION,
    "default_language": ZH,
    "instance_name": "concat(${household_no}, ' ', ${visit_date})",
}

# ---------------------------------------------------------------- the workbook

_SURVEY_COLUMNS: tuple[str, ...] = (
    "type",
    "name",
    *(f"label::{lang}" for lang in LANGUAGES),
    *(f"hint::{lang}" for lang in LANGUAGES),
    "required",
    *(f"required_message::{lang}" for lang in LANGUAGES),
    "constraint",
    *(f"constraint_message::{lang}" for lang in LANGUAGES),
    "relevant",
    "parameters",
)
_CHOICE_COLUMNS: tuple[str, ...] = ("list_name", "name", *(f"label::{lang}" for lang in LANGUAGES))


def survey_row(question: Question) -> tuple[str, ...]:
    """The survey sheet's cells for one question, in :data:`_SURVEY_COLUMNS` order."""
    required = ("yes", "必填", "required") if question.required else ("", "", "")
    return (
        question.type,
        question.name,
        question.zh,
        question.en,
        question.hint_zh,
        question.hint_en,
        *required,
        question.constraint,
        question.message_zh,
        question.message_en,
        question.relevant,
        question.parameters,
    )


def build_form(
    path: Path,
    *,
    questions: Sequence[Question] = QUESTIONS,
    choices: Sequence[Choice] = CHOICES,
) -> Path:
    """Write the XLSForm workbook to ``path`` (an ``.xlsx``) and return the path."""
    from openpyxl import Workbook

    book = Workbook()
    _fill(book.active, "survey", _SURVEY_COLUMNS, [survey_row(q) for q in questions])
    _fill(
        book.create_sheet(),
        "choices",
        _CHOICE_COLUMNS,
        [(c.list_name, c.name, c.zh, c.en) for c in choices],
    )
    _fill(book.create_sheet(), "settings", tuple(SETTINGS), [tuple(SETTINGS.values())])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _fill(sheet: object, title: str, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    sheet.title = title  # type: ignore[attr-defined]
    sheet.append(list(header))  # type: ignore[attr-defined]
    for row in rows:
        sheet.append([cell or None for cell in row])  # type: ignore[attr-defined]


def validate_form(path: Path) -> str:
    """Convert the XLSForm at ``path`` with pyxform and return the XForm XML.

    Raises :class:`FormError` with pyxform's message when the form is not valid. pyxform's
    warnings (not errors) are logged.
    """
    from pyxform.errors import PyXFormError
    from pyxform.xls2xform import convert

    if not Path(path).is_file():
        raise InputFileError(
            f"找不到文件 / file not found: {path}",
            hint="请先生成表单 / build the form first (build_form)",
        )
    warnings: list[str] = []
    try:
        result = convert(xlsform=str(path), warnings=warnings, validate=False, pretty_print=True)
    except PyXFormError as err:
        raise FormError(
            f"入户走访表单 {Path(path).name} 不是有效的 XLSForm / "
            f"the home-visit form {Path(path).name} is not a valid XLSForm: {err}",
            hint="改正 bottomline/cases/odk/form.py（或工作簿）中的题目或选项，再重新生成表单 / "
            "fix the question or choice declared in bottomline/cases/odk/form.py "
            "(or the workbook), then build the form again",
        ) from None
    for warning in warnings:
        log.warning("pyxform warning on %s: %s", Path(path).name, warning)
    return result.xform


__all__ = [
    "CHOICES",
    "FORM_ID",
    "FORM_VERSION",
    "QUESTIONS",
    "Choice",
    "FormError",
    "Hardship",
    "Question",
    "YesNo",
    "build_form",
    "choices_from",
    "validate_form",
]
